"""Contracts on the NHS Standard Contract model: parties, term, quality schedule, signatures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from commissioning.contracts import services as contracts
from commissioning.contracts.models import Contract, QualityScheduleItem
from tests.cycle import AFTER_STANDSTILL, at

pytestmark = pytest.mark.django_db


def make(cycle, **overrides):
    values = dict(proposal_id=cycle.proposal.pk, start_date=dt.date(2026, 5, 1),
                  end_date=dt.date(2029, 4, 30))  # fmt: skip
    values.update(overrides)
    with at(AFTER_STANDSTILL):
        return contracts.create_contract(
            cycle.decision, contracts.ContractInput(**values), cycle.e.contract_manager
        )


def test_field_problems_leave_nothing_behind(cycle):
    cycle.noticed()
    with pytest.raises(ValidationError) as caught:
        make(cycle, proposal_id=cycle.rival_proposal.pk, end_date=dt.date(2030, 5, 1),
             associate_ids=(cycle.e.rje.pk, cycle.e.icb.pk), form="long")  # fmt: skip
    assert set(caught.value.message_dict) == {"proposal_id", "associate_ids", "form", "end_date"}
    with pytest.raises(ValidationError) as caught:
        make(cycle, end_date=dt.date(2030, 5, 1))
    assert caught.value.message_dict == {
        "end_date": ["The specification's term is 36 months; end the contract within it"]
    }
    assert not Contract.objects.exists() and not QualityScheduleItem.objects.exists()


def test_one_contract_per_awarded_proposal(cycle):
    cycle.contracted()
    with pytest.raises(ValidationError, match="already been made"):
        make(cycle)


def test_each_side_signs_for_itself_once(cycle):
    cycle.contracted()
    contract = cycle.contract
    for outsider in ("rival", "clinical_adviser", "contract_manager", "other_commissioner"):
        with pytest.raises(PermissionDenied):
            contracts.sign_contract(contract, cycle.e.users[outsider])
    contract = contracts.sign_contract(contract, cycle.e.provider)
    assert contract.status == "awaiting_signatures"
    with pytest.raises(ValidationError, match="provider has already signed"):
        contracts.sign_contract(contract, cycle.e.provider)
    contract = contracts.sign_contract(contract, cycle.e.commissioner)
    assert contract.status == "signed"
    assert contract.reference.startswith("XC001-2026-")


def test_the_associates_can_read_it_and_others_cannot(cycle):
    from commissioning.contracts.permissions import Action, can

    cycle.contracted()
    assert can(cycle.e.other_commissioner, Action.VIEW_CONTRACT, cycle.contract)
    assert can(cycle.e.provider, Action.VIEW_CONTRACT, cycle.contract)
    assert not can(cycle.e.rival, Action.VIEW_CONTRACT, cycle.contract)
    assert not can(cycle.e.budget_holder, Action.VIEW_CONTRACT, cycle.contract)


def test_during_standstill_the_contract_page_says_when_it_ends_and_offers_no_form(cycle, client):
    """Issue 18: during standstill the page showed the form (an associate checkbox for every
    commissioner) and then refused it. It says standstill is running and when it ends; the
    decision's page offers no link to it; the day after standstill both offer it."""
    from django.urls import reverse

    from tests.cycle import DECISION_DAY, STANDSTILL_LAST_DAY

    cycle.noticed()
    url = reverse("contract-new", args=[cycle.decision.pk])
    decision_page = reverse("decision", args=[cycle.decision.pk])
    client.force_login(cycle.e.contract_manager)
    for day in (DECISION_DAY + dt.timedelta(days=1), STANDSTILL_LAST_DAY):
        with at(day):
            page = client.get(url)
            assert page.status_code == 200
            text = page.content.decode()
            assert "Standstill is running" in text
            assert "Standstill ends at the end of 2 April 2026" in text
            assert "<form" not in text.split("<main")[1] and 'type="checkbox"' not in text
            assert not contracts.may_make_now(cycle.e.contract_manager, cycle.decision)
            assert url not in client.get(decision_page).content.decode()
    with at(AFTER_STANDSTILL):
        text = client.get(url).content.decode()
        assert "Standstill is running" not in text and 'name="associate_ids"' in text
        assert f'href="{url}"' in client.get(decision_page).content.decode()
        assert contracts.may_make_now(cycle.e.contract_manager, cycle.decision)
