"""Direct award C against the record of the existing contract (issue 20): an incumbent with a
contract performance notice open is not taken to be satisfying its contract, so choosing C is
refused without a written justification; with one, the process keeps the evidence and the
justification, and the decision record and the notice of intention quote them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils.html import escape

from commissioning.quality import services as quality
from commissioning.selection import services as sel
from commissioning.selection.documents import DocumentInput
from commissioning.selection.services.notices import incumbent_reasons
from commissioning.specifications import services as specs
from tests.cycle import PDF, at, spec_input

pytestmark = pytest.mark.django_db

LATER = dt.date(2026, 6, 1)
WHY = (
    "The notice concerns a staffing gap that the provider's recruitment has closed; its "
    "remedial plan is on track and no other provider can take on the unit before winter."
)


def _replacement(cycle):
    """A second specification, approved, for the service the signed contract provides."""
    with at(LATER):
        spec = specs.create_specification(spec_input(title="Hyper-acute stroke unit, renewed"),
                                          cycle.e.icb, cycle.e.commissioner)  # fmt: skip
        spec = specs.change_status(spec, "consultation", cycle.e.commissioner)
        asked = sel.request_advice(spec, sel.AdviceRequestInput(
            source="scn_cardiovascular", organisation_id=cycle.e.network.pk,
            question="Is renewing the unit with its provider safe?",
            due_date=LATER + dt.timedelta(days=7)), cycle.e.commissioner)  # fmt: skip
        sel.give_advice(asked, sel.AdviceInput(recommendation="support_with_changes",
                                               summary="Support, with monthly monitoring.",
                                               documents=(DocumentInput("evidence.pdf", PDF),)),
                        cycle.e.clinical_adviser)  # fmt: skip
        return specs.change_status(spec, "approved", cycle.e.commissioner)


def _notice_open(cycle):
    """A contract performance notice issued on the signed contract, and not closed."""
    with at(LATER):
        case = quality.raise_concern(
            quality.ConcernInput(cycle.e.rje.pk, "commissioner", "Door-to-needle times slipping",
                                 "Three months above 60 minutes.", contract_id=cycle.contract.pk),
            cycle.e.quality_lead,
        )  # fmt: skip
        quality.issue_notice(case, quality.NoticeInput("Door-to-needle times",
                                                       LATER + dt.timedelta(days=10)),
                             cycle.e.quality_lead)  # fmt: skip
    return case


def _c(cycle, **extra):
    return sel.SelectionSetup(
        budget_id=cycle.e.budget.pk, route="direct_award_c", incumbent_id=cycle.e.rje.pk,
        existing_service=True, replacing_expiring_contract=True,
        current_lifetime_value_pence=cycle.contract.value_pence,
        existing_provider_satisfying_contract=True, existing_provider_likely_to_satisfy_new=True,
        **extra,
    )  # fmt: skip


def test_c_against_an_open_performance_notice_needs_a_justification(cycle):
    cycle.signed()  # RJE holds a signed contract with the ICB
    case = _notice_open(cycle)
    spec = _replacement(cycle)
    with at(LATER), pytest.raises(ValidationError) as refused:
        sel.set_up_selection(spec, _c(cycle), cycle.e.commissioner)
    assert "direct_award_c_justification" in refused.value.message_dict
    with at(LATER):
        process = sel.set_up_selection(spec, _c(cycle, direct_award_c_justification=WHY),
                                       cycle.e.commissioner)  # fmt: skip
    evidence = process.incumbent_evidence
    assert evidence["contract"] == cycle.contract.reference and not evidence["satisfying"]
    assert any(case.reference in f["text"] for f in evidence["findings"]
               if f["weight"] == "against")  # fmt: skip
    assert process.direct_award_c_justification == WHY


def test_c_for_an_incumbent_with_a_clean_record_needs_none(cycle):
    cycle.signed()
    spec = _replacement(cycle)
    with at(LATER):
        process = sel.set_up_selection(spec, _c(cycle), cycle.e.commissioner)
    assert process.incumbent_evidence["satisfying"] is True
    assert process.direct_award_c_justification == ""


def test_the_justification_is_in_the_notice_of_intention_and_the_record(client, cycle):
    cycle.signed()
    case = _notice_open(cycle)
    spec = _replacement(cycle)
    with at(LATER):
        process = sel.set_up_selection(spec, _c(cycle, direct_award_c_justification=WHY),
                                       cycle.e.commissioner)  # fmt: skip
    # What item 7 of the notice of intention (Schedule 3) adds to the decision's reasons.
    said = incumbent_reasons(process)
    assert case.reference in said and WHY in said
    client.force_login(cycle.e.commissioner)
    response = client.get(f"/selection/{process.pk}/record/")
    record = response.content.decode()
    assert response.status_code == 200, record[:300]
    assert escape(WHY) in record and case.reference in record and case.reference in record
