"""Clinical advice, provider proposals and clarification questions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from commissioning.audit.models import Revision
from commissioning.selection import services as sel
from commissioning.selection.documents import DocumentInput
from commissioning.selection.models import Document, Proposal
from commissioning.selection.permissions import Action, can
from tests.cycle import DAY0, DEADLINE, PDF, at

pytestmark = pytest.mark.django_db


def test_advice_is_asked_of_the_right_kind_of_organisation(cycle):
    cycle.consulting()
    e = cycle.e
    with at(DAY0), pytest.raises(ValidationError) as caught:
        sel.request_advice(
            cycle.spec,
            sel.AdviceRequestInput(
                "clinical_senate", e.network.pk, "Q?", DAY0 + dt.timedelta(days=3)
            ),
            e.commissioner,
        )
    assert caught.value.message_dict == {"organisation_id": ["Choose a clinical senate"]}
    with at(DAY0), pytest.raises(ValidationError) as caught:
        sel.request_advice(
            cycle.spec,
            sel.AdviceRequestInput(
                "provider_clinician", e.rje.pk, "", DAY0, clinician_id=e.provider.pk
            ),
            e.commissioner,
        )
    assert set(caught.value.message_dict) == {"clinician_id", "question", "due_date"}


def test_a_named_clinician_of_a_potential_provider_can_be_asked_and_answers(cycle):
    cycle.consulting()
    e = cycle.e
    with at(DAY0):
        request = sel.request_advice(
            cycle.spec,
            sel.AdviceRequestInput(
                "provider_clinician",
                e.rje.pk,
                "Is thrombectomy feasible?",
                DAY0 + dt.timedelta(days=5),
                clinician_id=e.provider_clinician.pk,
            ),
            e.commissioner,
        )
    assert not can(e.clinical_adviser, Action.GIVE_ADVICE, request)  # not addressed to them
    advice = sel.give_advice(
        request,
        sel.AdviceInput("support", "Feasible with two more interventionists."),
        e.provider_clinician,
    )
    assert advice.adviser == e.provider_clinician


def test_advice_never_changes_the_specification_or_the_selection(cycle):
    cycle.inviting()
    with at(DAY0 + dt.timedelta(days=4)):
        request = sel.request_advice(
            cycle.spec,
            sel.AdviceRequestInput(
                "clinical_senate",
                cycle.e.senate.pk,
                "Anything to add?",
                DAY0 + dt.timedelta(days=9),
            ),
            cycle.e.commissioner,
        )
    spec_before = (cycle.spec.status, cycle.spec.version)
    sel.give_advice(
        request, sel.AdviceInput("do_not_support", "Do not proceed."), cycle.e.senate_adviser
    )
    cycle.spec.refresh_from_db()
    cycle.process.refresh_from_db()
    assert (cycle.spec.status, cycle.spec.version) == spec_before
    assert cycle.process.status == "inviting" and not cycle.process.decisions.exists()


def test_a_bad_document_refuses_the_whole_answer(cycle):
    cycle.consulting()
    before = Revision.objects.count()
    with pytest.raises(ValidationError) as caught:
        sel.give_advice(
            cycle.advice_request,
            sel.AdviceInput(
                "support",
                "Fine.",
                documents=(
                    DocumentInput("notes.pdf", PDF),
                    DocumentInput("virus.exe", b"MZ\x90"),
                    DocumentInput("fake.pdf", b"not a pdf"),
                ),
            ),
            cycle.e.clinical_adviser,
        )
    assert caught.value.message_dict["documents"] == [
        "virus.exe is not a file type the platform accepts (PDF, Word (.docx), Excel (.xlsx), "
        "PowerPoint (.pptx), OpenDocument, PNG, JPEG, text or CSV)",
        "fake.pdf does not look like a PDF file",
    ]
    assert not Document.objects.exists() and Revision.objects.count() == before
    assert not hasattr(cycle.advice_request, "advice")


def test_advice_is_given_once(cycle):
    cycle.advised()
    with pytest.raises(ValidationError, match="already been answered"):
        sel.give_advice(
            cycle.advice_request, sel.AdviceInput("support", "Again"), cycle.e.clinical_adviser
        )


def test_a_provider_sees_only_its_own_proposals(cycle):
    cycle.proposed()
    e = cycle.e
    assert can(e.provider, Action.VIEW_PROPOSAL, cycle.proposal)
    assert not can(e.provider, Action.VIEW_PROPOSAL, cycle.rival_proposal)
    assert not can(e.rival, Action.VIEW_PROPOSAL, cycle.proposal)
    assert can(e.quality_lead, Action.VIEW_PROPOSAL, cycle.proposal)
    doc = cycle.proposal.documents.get()
    assert can(e.provider, Action.DOWNLOAD_DOCUMENT, doc)
    assert not can(e.rival, Action.DOWNLOAD_DOCUMENT, doc)


def test_a_draft_is_private_to_its_provider_until_submitted(cycle):
    cycle.inviting()
    with at(DAY0 + dt.timedelta(days=5)):
        draft = sel.create_proposal(
            cycle.process,
            sel.ProposalInput(cycle.e.rje.pk, "", "Draft", 100, 1_000_00),
            cycle.e.provider,
        )
    assert draft.title == "Hyper-acute stroke unit"
    assert not can(cycle.e.commissioner, Action.VIEW_PROPOSAL, draft)
    with at(DAY0 + dt.timedelta(days=5)), pytest.raises(ValidationError) as caught:
        sel.submit_proposal(draft, cycle.e.provider)
    assert "still to answer: 1.1" in caught.value.message_dict["outcome_answers"][0]


def test_a_price_above_the_envelope_is_refused(cycle):
    cycle.inviting()
    with at(DAY0 + dt.timedelta(days=5)), pytest.raises(ValidationError) as caught:
        sel.create_proposal(
            cycle.process,
            sel.ProposalInput(cycle.e.rje.pk, "", "Too dear", 100, 12_000_000_01),
            cycle.e.provider,
        )
    assert caught.value.message_dict == {
        "total_price_pence": [
            "The price is above the financial envelope of £12,000,000.00 over the term"
        ]
    }
    assert not Proposal.objects.exists()


def test_one_proposal_per_provider_and_none_after_the_deadline(cycle):
    cycle.proposed()
    with (
        at(DAY0 + dt.timedelta(days=11)),
        pytest.raises(ValidationError, match="already has a proposal"),
    ):
        sel.create_proposal(
            cycle.process, sel.ProposalInput(cycle.e.rje.pk, "", "Again", 1, 1), cycle.e.provider
        )
    with at(DEADLINE + dt.timedelta(days=1)), pytest.raises(ValidationError, match="deadline"):
        sel.create_proposal(
            cycle.process,
            sel.ProposalInput(cycle.e.rje.pk, "", "Late", 1, 1),
            cycle.e.provider,
        )


def test_a_provider_cannot_propose_for_someone_else(cycle):
    cycle.inviting()
    with at(DAY0 + dt.timedelta(days=5)), pytest.raises(PermissionDenied):
        sel.create_proposal(
            cycle.process, sel.ProposalInput(cycle.e.rwe.pk, "", "Theirs", 1, 1), cycle.e.provider
        )


def test_an_unsolicited_proposal_gets_a_considered_response(economy):
    proposal = sel.create_proposal(
        None,
        sel.ProposalInput(
            economy.rje.pk,
            "Community stroke rehabilitation",
            "Early supported discharge",
            500,
            2_000_000_00,
            addressed_to_id=economy.icb.pk,
        ),
        economy.provider,
    )
    proposal = sel.submit_proposal(proposal, economy.provider)
    assert proposal.unsolicited and can(economy.commissioner, Action.VIEW_PROPOSAL, proposal)
    answered = sel.respond_to_proposal(proposal, "We will include it in next year's plan.",
                                       economy.commissioner)  # fmt: skip
    assert answered.responded_by == economy.commissioner
    with pytest.raises(ValidationError) as caught:
        sel.create_proposal(None, sel.ProposalInput(economy.rje.pk, "", "", 1, 1), economy.provider)
    assert {"addressed_to_id", "title", "description"} <= set(caught.value.message_dict)


def test_clarification_answers_are_published_without_naming_who_asked(cycle):
    cycle.inviting()
    with at(DAY0 + dt.timedelta(days=4)):
        question = sel.ask_clarification(
            cycle.process,
            sel.ClarificationInput(cycle.e.rje.pk, "Is weekend cover required?"),
            cycle.e.provider,
        )
        sel.answer_clarification(question, "Yes, 24/7.", cycle.e.contract_manager)
    from commissioning.selection.queries.clarifications_for_bidders import (
        clarifications_for_bidders,
    )

    published = clarifications_for_bidders(cycle.process, cycle.e.rival)
    assert [(c["question"], c["answer"]) for c in published] == [
        ("Is weekend cover required?", "Yes, 24/7.")
    ]
    assert not ({"asked_for", "asked_by", "provider"} & set(published[0]))
    assert published[0]["yours"] is False
    assert clarifications_for_bidders(cycle.process, cycle.e.provider)[0]["yours"] is True
    with pytest.raises(ValidationError, match="already been answered"):
        sel.answer_clarification(question, "No", cycle.e.contract_manager)
