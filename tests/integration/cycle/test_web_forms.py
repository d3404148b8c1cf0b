"""The rest of the cycle's forms in the browser's terms: what each does, and what it refuses."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from commissioning.selection import services as sel
from commissioning.selection.models import (
    Clarification,
    ConflictDeclaration,
    Decision,
    Proposal,
    Representation,
    SelectionProcess,
)
from commissioning.specifications.models import ServiceSpecification
from tests.cycle import DAY0, DEADLINE, DECISION_DAY, at, indicator, spec_input

pytestmark = pytest.mark.django_db


def as_user(client, user):
    client.force_login(user)
    return client


def follow(client, url, data):
    response = client.post(url, data, follow=True)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def test_editing_the_description_and_removing_outcomes_and_requirements(client, cycle):
    cycle.drafted()
    c = as_user(client, cycle.e.commissioner)
    spec = cycle.spec
    form = {
        f: getattr(spec, f)
        for f in (
            "title",
            "service_description",
            "population",
            "area",
            "annual_activity",
            "activity_unit",
            "term_months",
        )
    }
    with at(DAY0):
        page = c.get(reverse("specification-edit", args=[spec.pk])).content.decode()
        assert 'value="12,000,000.00"' in page  # the envelope, shown in pounds
        page = follow(
            c,
            reverse("specification-edit", args=[spec.pk]),
            {**form, "financial_envelope": "13,000,000.50", "population_size": ""},
        )
        assert "Your changes are saved." in page
        outcome = spec.outcomes.get()
        requirement = spec.quality_requirements.first()
        assert "Outcome 1.1 is removed." in follow(
            c, reverse("outcome-remove", args=[spec.pk, outcome.pk]), {}
        )
        assert "The quality requirement is removed." in follow(
            c, reverse("requirement-remove", args=[spec.pk, requirement.pk]), {}
        )
    spec.refresh_from_db()
    assert spec.financial_envelope_pence == 13_000_000_50 and not spec.outcomes.exists()
    assert c.get(reverse("outcome-remove", args=[spec.pk, 1])).status_code == 405


def test_an_approved_specification_is_changed_by_a_new_version_and_retired_with_a_reason(
    client, cycle
):
    cycle.approved()
    c = as_user(client, cycle.e.commissioner)
    with at(DAY0 + dt.timedelta(days=4)):
        page = follow(c, reverse("specification-new-version", args=[cycle.spec.pk]), {})
        assert "Version 2 is a draft copy of version 1" in page
        again = follow(c, reverse("specification-new-version", args=[cycle.spec.pk]), {})
        assert "already has a version being written" in again
        new = ServiceSpecification.objects.get(version=2)
        refused = follow(c, reverse("specification-status", args=[new.pk]), {"status": "retired"})
        assert "Say why the specification is being retired." in refused
        done = follow(
            c,
            reverse("specification-status", args=[new.pk]),
            {"status": "retired", "reason": "Not needed after all"},
        )
        assert "The specification is retired." in done


def test_a_provider_may_not_write_or_see_drafts(client, cycle):
    cycle.drafted()
    c = as_user(client, cycle.e.provider)
    assert c.get(reverse("specification-new")).status_code == 403
    assert c.get(reverse("specification", args=[cycle.spec.pk])).status_code == 403
    assert cycle.spec.title not in c.get(reverse("specifications")).content.decode()


def test_setting_up_a_selection_previews_the_route_and_explains_a_different_choice(client, cycle):
    cycle.approved()
    c = as_user(client, cycle.e.commissioner)
    url = reverse("selection-new", args=[cycle.spec.pk])
    facts = {
        "budget_id": cycle.e.budget.pk,
        "incumbent_id": cycle.e.rje.pk,
        "existing_service": "on",
        "replacing_expiring_contract": "on",
        "current_lifetime_value": "11,000,000",
        "existing_provider_satisfying_contract": "on",
        "existing_provider_likely_to_satisfy_new": "on",
    }
    with at(DAY0 + dt.timedelta(days=4)):
        preview = c.post(url, {**facts, "check": "1"}, HTTP_HX_REQUEST="true").content.decode()
        assert "<html" not in preview
        assert "The regime points to: Direct award process C" in preview
        refused = c.post(url, {**facts, "route": "competitive"}).content.decode()
        assert "Say why you chose competitive process rather than direct award process c" in refused
        assert not SelectionProcess.objects.exists()
        page = follow(
            c, url, {**facts, "route": "competitive", "route_justification": "To test the market"}
        )
    assert "Competitive process is recorded with its reasons" in page
    process = SelectionProcess.objects.get()
    assert process.recommended_route == "direct_award_c" and process.route == "competitive"


def test_weights_that_do_not_add_up_are_refused_and_nothing_is_published(client, cycle):
    cycle.set_up()
    c = as_user(client, cycle.e.commissioner)
    url = reverse("selection-invite", args=[cycle.process.pk])
    weights = {
        "weight_quality_innovation": 50,
        "weight_value": 20,
        "weight_integration": 15,
        "weight_access": 15,
        "weight_social_value": 0,
    }
    with at(DAY0 + dt.timedelta(days=4)):
        page = c.post(
            url,
            {
                **weights,
                "proposals_deadline": "2026-03-20",
                "evaluator_ids": [cycle.e.commissioner.pk],
            },
        ).content.decode()
    assert "Every key criterion must be taken into account" in page
    cycle.process.refresh_from_db()
    assert cycle.process.status == "setting_up"


def test_evaluators_can_be_added_while_proposals_are_invited(client, cycle):
    cycle.inviting()
    c = as_user(client, cycle.e.commissioner)
    with at(DAY0 + dt.timedelta(days=5)):
        assert "is now an evaluator" in follow(
            c,
            reverse("evaluator-add", args=[cycle.process.pk]),
            {"user_id": cycle.e.finance_lead.pk},
        )
        assert "works for a provider" in follow(
            c, reverse("evaluator-add", args=[cycle.process.pk]), {"user_id": cycle.e.provider.pk}
        )
    assert cycle.process.evaluators.count() == 3


def test_a_provider_edits_then_withdraws_its_proposal(client, cycle):
    cycle.inviting()
    outcome = cycle.spec.outcomes.get()
    c = as_user(client, cycle.e.provider)
    with at(DAY0 + dt.timedelta(days=5)):
        proposal = sel.create_proposal(
            cycle.process,
            sel.ProposalInput(cycle.e.rje.pk, "", "First go", 100, 1_000_00),
            cycle.e.provider,
        )
        edit = reverse("proposal-edit", args=[proposal.pk])
        assert 'value="1,000.00"' in c.get(edit).content.decode()
        assert "Your changes are saved" in follow(
            c,
            edit,
            {
                "provider_id": cycle.e.rje.pk,
                "description": "Second go",
                "capacity": "120",
                "total_price": "900",
                f"outcome_{outcome.pk}": "Like this",
            },
        )
        follow(c, reverse("proposal-submit", args=[proposal.pk]), {})
        assert "A submitted proposal is final." in follow(c, edit, {})
        assert "Your proposal is withdrawn." in follow(
            c, reverse("proposal-withdraw", args=[proposal.pk]), {}
        )
    proposal.refresh_from_db()
    assert (proposal.status, proposal.total_price_pence, proposal.description) == (
        "withdrawn",
        900_00,
        "Second go",
    )


def test_an_unsolicited_proposal_is_put_forward_and_answered_in_the_browser(client, economy):
    c = as_user(client, economy.provider)
    page = follow(
        c,
        reverse("proposal-unsolicited-new"),
        {
            "provider_id": economy.rje.pk,
            "title": "Virtual ward",
            "addressed_to_id": economy.icb.pk,
            "description": "40 beds at home",
            "capacity": "1400",
            "total_price": "3,600,000",
        },
    )
    assert "saved as a draft" in page
    proposal = Proposal.objects.get()
    follow(c, reverse("proposal-submit", args=[proposal.pk]), {})
    c = as_user(client, economy.commissioner)
    refused = follow(c, reverse("proposal-respond", args=[proposal.pk]), {"response": ""})
    assert "Write your response to the provider" in refused
    assert "Your response is recorded" in follow(
        c,
        reverse("proposal-respond", args=[proposal.pk]),
        {"response": "We will pilot it in spring."},
    )
    page = (
        as_user(client, economy.provider)
        .get(reverse("proposal", args=[proposal.pk]))
        .content.decode()
    )
    assert "We will pilot it in spring." in page


def test_clarification_questions_and_answers_in_the_browser(client, cycle):
    cycle.inviting()
    with at(DAY0 + dt.timedelta(days=5)):
        page = follow(
            as_user(client, cycle.e.provider),
            reverse("clarification-ask", args=[cycle.process.pk]),
            {"provider_id": cycle.e.rje.pk, "question": "Is parking provided?"},
        )
        assert "without saying who asked" in page
        question = Clarification.objects.get()
        staff_view = as_user(client, cycle.e.contract_manager).get(
            reverse("selection", args=[cycle.process.pk])
        )
        assert (
            "from University Hospitals of North Midlands NHS Trust" in staff_view.content.decode()
        )
        follow(
            client,
            reverse("clarification-answer", args=[question.pk]),
            {"answer": "Yes, 20 spaces."},
        )
        rival_view = as_user(client, cycle.e.rival).get(
            reverse("selection", args=[cycle.process.pk])
        )
    page = rival_view.content.decode()
    assert "Is parking provided?" in page and "Yes, 20 spaces." in page
    assert "North Midlands" not in page


def test_an_interest_is_declared_and_managed_in_the_browser(client, cycle):
    cycle.proposed()
    with at(DEADLINE + dt.timedelta(days=1)):
        page = follow(
            as_user(client, cycle.e.quality_lead),
            reverse("declare", args=[cycle.process.pk]),
            {
                "has_interest": "yes",
                "provider_id": cycle.e.rje.pk,
                "description": "Former employee",
            },
        )
        assert "Your declaration is recorded." in page
        declaration = ConflictDeclaration.objects.get()
        c = as_user(client, cycle.e.commissioner)
        evaluation = c.get(reverse("evaluation", args=[cycle.process.pk])).content.decode()
        assert "Manage this interest" in evaluation
        assert "Choose how the interest is managed" in follow(
            c, reverse("declaration-manage", args=[declaration.pk]), {"management_note": "x"}
        )
        follow(
            c,
            reverse("declaration-manage", args=[declaration.pk]),
            {"management": "exclude_provider", "management_note": "Excluded from RJE"},
        )
        mine = as_user(client, cycle.e.quality_lead).get(
            reverse("evaluation", args=[cycle.process.pk])
        )
    declaration.refresh_from_db()
    assert declaration.management == "exclude_provider"
    assert "You are excluded from this provider&#x27;s proposal" in mine.content.decode()


def test_the_evaluation_downloads_as_csv(client, cycle):
    cycle.moderated()
    response = as_user(client, cycle.e.finance_lead).get(
        reverse("evaluation-csv", args=[cycle.process.pk])
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1] == ["provider_ods_code", "who", "criterion", "weight_percent", "score", "reason"]
    assert ["RJE", "weighted total (%)", "", "100", "80.00", "rank 1"] in rows
    assert sum(1 for r in rows[2:] if r[1] == "moderated") == 10
    assert (
        as_user(client, cycle.e.provider)
        .get(reverse("evaluation-csv", args=[cycle.process.pk]))
        .status_code
        == 403
    )


def test_a_representation_is_made_answered_and_the_decision_withdrawn_in_the_browser(client, cycle):
    cycle.noticed()
    with at(DECISION_DAY + dt.timedelta(days=1)):
        rival = as_user(client, cycle.e.rival)
        page = rival.get(reverse("decision", args=[cycle.decision.pk])).content.decode()
        assert (
            "Make a representation" in page and "Highest moderated score" not in page
        )  # no rationale
        assert "standstill stays open" in follow(
            rival,
            reverse("representation-new", args=[cycle.decision.pk]),
            {"provider_id": cycle.e.rwe.pk, "grounds": "Our price was lower."},
        )
        representation = Representation.objects.get()
        c = as_user(client, cycle.e.commissioner)
        assert "Choose whether the decision stands" in follow(
            c, reverse("representation-respond", args=[representation.pk]), {"response": "x"}
        )
        page = follow(
            c,
            reverse("representation-respond", args=[representation.pk]),
            {"outcome": "withdraw", "response": "We found an error in moderation."},
        )
    assert "The decision is withdrawn" in page
    assert Decision.objects.get().status == "withdrawn"


def test_a_decision_is_withdrawn_before_the_contract_with_a_reason(client, cycle):
    cycle.decided()
    c = as_user(client, cycle.e.commissioner)
    with at(DECISION_DAY):
        assert "Say why the decision is withdrawn" in follow(
            c, reverse("decision-withdraw", args=[cycle.decision.pk]), {"reason": ""}
        )
        page = follow(
            c, reverse("decision-withdraw", args=[cycle.decision.pk]), {"reason": "Wrong budget"}
        )
    assert "The decision is withdrawn. You can take a new one." in page
    cycle.process.refresh_from_db()
    assert cycle.process.status == "inviting"


def test_advice_is_asked_for_in_the_browser_naming_the_field_when_wrong(client, cycle):
    cycle.consulting()
    c = as_user(client, cycle.e.commissioner)
    url = reverse("advice-request-new", args=[cycle.spec.pk])
    with at(DAY0):
        page = c.post(
            url,
            {
                "source": "clinical_senate",
                "organisation_id": cycle.e.network.pk,
                "question": "Q?",
                "due_date": "2026-03-10",
            },
        ).content.decode()
        assert 'id="id_organisation_id-error"' in page and "Choose a clinical senate" in page
        assert "Your request for advice is sent." in follow(
            c,
            url,
            {
                "source": "provider_clinician",
                "organisation_id": cycle.e.rje.pk,
                "clinician_id": cycle.e.provider_clinician.pk,
                "question": "Q?",
                "due_date": "2026-03-10",
            },
        )
    inbox = (
        as_user(client, cycle.e.provider_clinician).get(reverse("advice-requests")).content.decode()
    )
    assert "Hyper-acute stroke unit" in inbox


def test_the_commissioner_sees_what_to_do_next(client, cycle):
    cycle.proposed()
    with at(DEADLINE + dt.timedelta(days=1)):
        page = as_user(client, cycle.e.commissioner).get(
            reverse("specification", args=[cycle.spec.pk])
        )
    text = page.content.decode()
    assert "Next: evaluate the proposals" in text
    assert spec_input().title in text and indicator("1.1").title in text
