"""Urgent awards and modifications under regulation 14 (issue 20): refused unless all four of its
conditions are recorded with reasons (and, for an award, a term of 12 months at most), nothing
saved when refused; an urgent award has no standstill and publishes its Schedule 13 notice,
which the register shows and OCDS carries with its reasons; an urgent modification of any value
publishes its Schedule 14 notice and an OCDS amendment; both count in item (f) of the annual
summary and not in (a) to (c)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from commissioning.audit.models import Revision
from commissioning.contracts import services as contracts
from commissioning.contracts.models import ContractVariation
from commissioning.ocds.validate import problems as validate
from commissioning.register.queries import annual_summary
from commissioning.selection import services as sel
from commissioning.selection.documents import DocumentInput
from commissioning.selection.models import Notice, SelectionProcess
from commissioning.selection.rules.urgent import CONDITIONS
from commissioning.specifications import services as specs
from tests.cycle import PDF, at, spec_input

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 6, 1)
WHY = (
    "The provider of the stroke unit's weekend cover withdrew with two days' notice after its "
    "consultants resigned; without cover, patients would travel 70 miles for thrombolysis."
)
CONFIRMED = {name: True for name in CONDITIONS}


def _urgent_spec(cycle, term_months=6):
    with at(DAY):
        spec = specs.create_specification(
            spec_input(title="Weekend stroke cover", term_months=term_months,
                       financial_envelope_pence=900_000_00),
            cycle.e.icb, cycle.e.commissioner,
        )  # fmt: skip
        spec = specs.change_status(spec, "consultation", cycle.e.commissioner)
        asked = sel.request_advice(spec, sel.AdviceRequestInput(
            source="scn_cardiovascular", organisation_id=cycle.e.network.pk,
            question="Is the interim cover safe?", due_date=DAY + dt.timedelta(days=2)),
            cycle.e.commissioner)  # fmt: skip
        sel.give_advice(asked, sel.AdviceInput(recommendation="support", summary="Safe.",
                                               documents=(DocumentInput("advice.pdf", PDF),)),
                        cycle.e.clinical_adviser)  # fmt: skip
        return specs.change_status(spec, "approved", cycle.e.commissioner)


def _setup(cycle, spec, **urgency):
    return sel.set_up_selection(spec, sel.SelectionSetup(
        budget_id=cycle.e.budget.pk, route="urgent_award", existing_service=True, **urgency),
        cycle.e.commissioner)  # fmt: skip


def test_an_urgent_award_without_its_conditions_or_too_long_is_refused_and_nothing_saved(cycle):
    spec = _urgent_spec(cycle)
    long = _urgent_spec(cycle, term_months=13)
    before = Revision.objects.count()
    with at(DAY), pytest.raises(ValidationError) as refused:
        _setup(cycle, spec, urgent_must_be_made_urgently=True, urgent_reasons=WHY)
    assert set(refused.value.message_dict) == set(CONDITIONS) - {"urgent_must_be_made_urgently"}
    with at(DAY), pytest.raises(ValidationError) as refused:
        _setup(cycle, spec, **CONFIRMED, urgent_reasons="Urgent.")
    assert "notice publishes it" in refused.value.message_dict["urgent_reasons"][0]
    with at(DAY), pytest.raises(ValidationError) as refused:
        _setup(cycle, long, **CONFIRMED, urgent_reasons=WHY)
    assert "at most 12 months, not 13" in refused.value.message_dict["route"][0]
    assert not SelectionProcess.objects.exists()
    assert Revision.objects.count() == before


def test_an_urgent_award_from_its_conditions_to_the_register_and_ocds(cycle):
    spec = _urgent_spec(cycle)
    with at(DAY):
        process = _setup(cycle, spec, **CONFIRMED, urgent_reasons=WHY)
        assert process.route == "urgent_award" and process.urgent_reasons == WHY
        assert "relied on regulation 14" in process.route_explained
        process = sel.invite_proposals(process, sel.Invitation(
            weights={"quality_innovation": 40, "value": 20, "integration": 15, "access": 15,
                     "social_value": 10},
            proposals_deadline=DAY + dt.timedelta(days=1)), cycle.e.commissioner)  # fmt: skip
        offer = sel.create_proposal(process, sel.ProposalInput(
            provider_id=cycle.e.rwe.pk, title="", description="Weekend cover from Leicester.",
            capacity=200, total_price_pence=850_000_00,
            outcome_answers={spec.outcomes.get().pk: "Thrombolysis at weekends."},
            documents=(DocumentInput("offer.pdf", PDF),)), cycle.e.rival)  # fmt: skip
        proposal = sel.submit_proposal(offer, cycle.e.rival)
    decided_on = DAY + dt.timedelta(days=2)
    with at(decided_on):
        sel.declare_interests(process, sel.DeclarationInput(has_interest=False),
                              cycle.e.commissioner)  # fmt: skip
        decision = sel.decide(process, sel.DecisionInput(
            outcome="award", rationale="The only provider able to cover the weekends at once.",
            awarded_proposal_ids=(proposal.pk,)), cycle.e.commissioner)  # fmt: skip
        state = sel.state_of(decision)
        assert state.contract_may_be_made and not state.needs_standstill
        sel.publish_notice(decision, cycle.e.commissioner)
    notice = Notice.objects.get(process=process)
    assert (notice.schedule, notice.stage) == (13, "award")
    items = {i["heading"]: i["text"] for i in notice.items}
    assert items["The reasons why regulation 14 applied"] == WHY
    assert "was urgent" in items["Statement that the award was urgent"]

    anyone = Client()
    page = anyone.get(f"/register/notices/{notice.pk}/").content.decode()
    assert "Notice of urgent award" in page and "weekend cover withdrew" in page
    listing = anyone.get("/register/?route=urgent_award").content.decode()
    assert "Weekend stroke cover" in listing
    record = json.loads(anyone.get(f"/register/processes/{process.pk}/ocds.json").content)
    assert validate(record) == []
    tender = record["records"][0]["compiledRelease"]["tender"]
    assert tender["procurementMethod"] == "direct"
    assert tender["procurementMethodRationale"] == WHY
    assert "regulation 14" in tender["procurementMethodDetails"]

    with at(decided_on):
        contract = contracts.create_contract(decision, contracts.ContractInput(
            proposal_id=proposal.pk, start_date=decided_on,
            end_date=decided_on + dt.timedelta(days=180)), cycle.e.contract_manager)  # fmt: skip
        contracts.sign_contract(contract, cycle.e.rival)
        contracts.sign_contract(contract, cycle.e.commissioner)
    summary = annual_summary(cycle.e.icb.code, 2026)
    assert (summary.urgent, summary.direct, summary.most_suitable, summary.competitive) == (
        1, 0, 0, 0)  # fmt: skip
    assert Notice.objects.filter(process=process).count() == 1  # no second award notice


def test_an_urgent_modification_of_any_value_publishes_schedule_14(cycle):
    cycle.signed()  # an £11m competitive contract: regulation 13 refuses £2.75m by decision
    big = 3_000_000_00
    with pytest.raises(ValidationError) as refused:
        contracts.propose_variation(cycle.contract, contracts.VariationInput(
            "A second unit while the neighbour's is closed", big, "urgent",
            urgent_reasons=WHY), cycle.e.contract_manager)  # fmt: skip
    assert set(refused.value.message_dict) == set(CONDITIONS)
    assert not ContractVariation.objects.exists()
    v = contracts.propose_variation(cycle.contract, contracts.VariationInput(
        "A second unit while the neighbour's is closed, as Contract Tester agreed", big,
        "urgent", **CONFIRMED,
        urgent_reasons=WHY), cycle.e.contract_manager)  # fmt: skip
    contracts.answer_variation(v, contracts.VariationAnswer(agree=True), cycle.e.provider)
    contracts.approve_variation(v, cycle.e.other_commissioner)
    v = contracts.sign_variation(v, cycle.e.commissioner)
    notice = Notice.objects.get(stage="modification")
    assert notice.schedule == 14
    items = {i["heading"]: i["text"] for i in notice.items}
    assert "Contract Tester" not in json.dumps(notice.items) + json.dumps(notice.facts)
    assert items["The reasons why regulation 14 applied"] == WHY
    assert items["Nature of the modification, including any change in value or length"].startswith(
        "A second unit while the neighbour's is closed, as [personal data withheld] agreed. "
        "An increase of £3,000,000"
    )
    record = json.loads(Client().get(f"/register/processes/{cycle.process.pk}/ocds.json").content)
    assert validate(record) == []
    (contract,) = record["records"][0]["compiledRelease"]["contracts"]
    assert "regulation 14" in contract["amendments"][0]["rationale"]
    assert contract["value"]["amount"] == (cycle.contract.value_pence + big) // 100
    signed_year = v.signed_at.year if v.signed_at.month > 3 else v.signed_at.year - 1
    assert annual_summary(cycle.e.icb.code, signed_year).urgent == 1


def test_an_urgent_variation_refused_on_the_page_keeps_what_was_typed(cycle):
    cycle.signed()
    web = Client()
    web.force_login(cycle.e.contract_manager)
    answer = web.post(f"/contracts/{cycle.contract.pk}/variations/", {
        "description": "A second unit", "value_change_pence": "3000000", "ground": "urgent",
        "urgent_reasons": WHY, "urgent_must_be_made_urgently": "on"})  # fmt: skip
    assert answer.status_code == 422
    page = answer.content.decode()
    assert 'id="propose-variation" open' in page
    assert "weekend cover withdrew" in page  # the reasons typed are still there
    assert "foreseeable by the authority" in page  # the problem, at its field
    assert not ContractVariation.objects.exists()
