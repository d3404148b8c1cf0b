"""Every refusal of the cycle's services, with the field it names and what it says.

Each row takes a fresh cycle to the stage it needs, makes one call that must be refused, and
checks the field and the message (a refused call writes nothing: the audit trail does not move).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from commissioning.audit.models import Revision
from commissioning.contracts import services as contracts
from commissioning.organisations.models import Budget, Organisation
from commissioning.selection import services as sel
from commissioning.selection.documents import MAX_DOCUMENT_BYTES, DocumentInput, check_document
from commissioning.specifications import services as specs
from tests.cycle import AFTER_STANDSTILL, DAY0, DEADLINE, DECISION_DAY, at, scores

pytestmark = pytest.mark.django_db
LATER = DAY0 + dt.timedelta(days=4)
AFTER = DEADLINE + dt.timedelta(days=1)


def _setup(c, **kw):
    return sel.set_up_selection(
        c.spec, sel.SelectionSetup(**{"budget_id": c.e.budget.pk, **kw}), c.e.commissioner
    )


def _other_budget(c):
    return Budget.objects.create(
        organisation=c.e.other_icb,
        code="XC002-X",
        name="Theirs",
        financial_year=2026,
        amount_pence=1,
    ).pk


def _invite(c, weights=None, deadline=DEADLINE, evaluators=None):
    w = weights or {
        "quality_innovation": 40,
        "value": 20,
        "integration": 15,
        "access": 15,
        "social_value": 10,
    }
    ev = (c.e.commissioner.pk,) if evaluators is None else evaluators
    return sel.invite_proposals(c.process, sel.Invitation(w, deadline, ev), c.e.commissioner)


def _award(c, user=None, **kw):
    values = {
        "outcome": "award",
        "rationale": "The best proposal on the evidence we have.",
        "awarded_proposal_ids": (c.proposal.pk,),
    }
    values.update(kw)
    return sel.decide(c.process, sel.DecisionInput(**values), user or c.e.commissioner)


def _ask(c, source, organisation, clinician=None):
    """The commissioner asks ``source`` at ``organisation`` (and ``clinician`` there, if any)
    for advice on the specification, due in two days."""
    return sel.request_advice(
        c.spec,
        sel.AdviceRequestInput(
            source,
            organisation.pk,
            "Q",
            DAY0 + dt.timedelta(days=2),
            clinician_id=clinician.pk if clinician else None,
        ),
        c.e.commissioner,
    )


def _not_award(c):
    with at(DECISION_DAY):
        return sel.decide(
            c.process,
            sel.DecisionInput("not_award", "Neither proposal is affordable now."),
            c.e.commissioner,
        )


CASES = {
    # --- specifications and advice
    "advice on a retired specification": (
        "drafted",
        DAY0,
        lambda c: (
            specs.change_status(c.spec, "retired", c.e.commissioner, reason="Dropped"),
            _ask(c, "clinical_senate", c.e.senate),
        ),
        "__all__",
        "retired",
    ),
    "an unknown source of advice": (
        "consulting",
        DAY0,
        lambda c: sel.request_advice(
            c.spec, sel.AdviceRequestInput("oracle", None, "Q", None), c.e.commissioner
        ),
        "source",
        "Choose who to ask",
    ),
    "a clinician named for a network": (
        "consulting",
        DAY0,
        lambda c: _ask(c, "scn_cardiovascular", c.e.network, c.e.clinical_adviser),
        "clinician_id",
        "only when asking a provider's clinician",
    ),
    "a provider clinician who is not a clinical adviser there": (
        "consulting",
        DAY0,
        lambda c: _ask(c, "provider_clinician", c.e.rje, c.e.provider),
        "clinician_id",
        "is not a clinical adviser at",
    ),
    "a network asked as a provider": (
        "consulting",
        DAY0,
        lambda c: _ask(c, "provider_clinician", c.e.network, c.e.provider_clinician),
        "organisation_id",
        "Choose the provider the clinician works for",
    ),
    "advice without a recommendation or summary": (
        "consulting",
        DAY0,
        lambda c: sel.give_advice(
            c.advice_request, sel.AdviceInput("maybe", " "), c.e.clinical_adviser
        ),
        "recommendation",
        "Choose your recommendation",
    ),
    "approving with a target date that has passed": (
        "advised",
        dt.date(2029, 4, 1),
        lambda c: specs.change_status(c.spec, "approved", c.e.commissioner),
        "status",
        "Move the target date of outcome 1.1 into the future",
    ),
    "an unknown status": (
        "drafted",
        DAY0,
        lambda c: specs.change_status(c.spec, "finished", c.e.commissioner),
        "status",
        "is not a status",
    ),
    "a second draft version": (
        "drafted",
        DAY0,
        lambda c: specs.start_new_version(c.spec, c.e.commissioner),
        "__all__",
        "Only an approved specification gets a new version",
    ),
    # --- setting up
    "a selection for a specification not yet approved": (
        "advised",
        LATER,
        lambda c: _setup(c),
        "__all__",
        "Approve the specification",
    ),
    "no budget, or someone else's": (
        "approved",
        LATER,
        lambda c: _setup(c, budget_id=_other_budget(c)),
        "budget_id",
        "this commissioner's own budgets",
    ),
    "an existing provider for a new service": (
        "approved",
        LATER,
        lambda c: _setup(c, incumbent_id=c.e.rje.pk),
        "incumbent_id",
        "A new service has no existing provider",
    ),
    "a commissioner named as the existing provider": (
        "approved",
        LATER,
        lambda c: _setup(c, existing_service=True, incumbent_id=c.e.icb.pk),
        "incumbent_id",
        "Choose the existing provider",
    ),
    "a negative contract value": (
        "approved",
        LATER,
        lambda c: _setup(c, current_lifetime_value_pence=-1),
        "current_lifetime_value_pence",
        "must not be negative",
    ),
    "a process that does not exist": (
        "approved",
        LATER,
        lambda c: _setup(c, route="lottery"),
        "route",
        "Choose one of the five",
    ),
    "a process the regime does not permit": (
        "approved",
        LATER,
        lambda c: _setup(c, route="direct_award_a"),
        "route",
        "is not open to you on these facts",
    ),
    "direct award C with no existing provider named": (
        "approved",
        LATER,
        lambda c: _setup(
            c,
            existing_service=True,
            replacing_expiring_contract=True,
            current_lifetime_value_pence=11_000_000_00,
            existing_provider_satisfying_contract=True,
            existing_provider_likely_to_satisfy_new=True,
        ),
        "incumbent_id",
        "awards to the existing provider: name it",
    ),
    "a second selection for the same version": (
        "set_up",
        LATER,
        lambda c: _setup(c),
        "__all__",
        "already been set up",
    ),
    "a deadline in the past and no evaluators": (
        "set_up",
        LATER,
        lambda c: _invite(c, deadline=DAY0, evaluators=()),
        "proposals_deadline",
        "must be in the future",
    ),
    "an evaluator who does not exist": (
        "set_up",
        LATER,
        lambda c: _invite(c, evaluators=(999_999,)),
        "evaluator_ids",
        "There is no person with id 999999",
    ),
    "a missing weight": (
        "set_up",
        LATER,
        lambda c: _invite(c, weights={"value": 100}),
        "weight_quality_innovation",
        "Enter a weight for this criterion",
    ),
    "inviting twice": ("inviting", LATER, lambda c: _invite(c), "__all__", "already been invited"),
    "the same evaluator twice": (
        "inviting",
        LATER,
        lambda c: sel.add_evaluator(c.process, c.e.commissioner.pk, c.e.commissioner),
        "evaluator_ids",
        "is already an evaluator",
    ),
    "an evaluator after the decision": (
        "decided",
        DECISION_DAY,
        lambda c: sel.add_evaluator(c.process, c.e.finance_lead.pk, c.e.commissioner),
        "__all__",
        "evaluators can no longer be added",
    ),
    # --- proposals and clarifications
    "an answer to an outcome of another specification": (
        "inviting",
        LATER,
        lambda c: sel.create_proposal(
            c.process, sel.ProposalInput(c.e.rje.pk, "", "P", 1, 1, {999: "x"}), c.e.provider
        ),
        "outcome_answers",
        "is not in this specification",
    ),
    "a proposal from a commissioner": (
        "inviting",
        LATER,
        lambda c: sel.create_proposal(
            c.process, sel.ProposalInput(c.e.icb.pk, "", "P", 1, 1), c.e.provider
        ),
        "provider_id",
        "Choose the provider",
    ),
    "a proposal before invitations": (
        "set_up",
        LATER,
        lambda c: sel.create_proposal(
            c.process, sel.ProposalInput(c.e.rje.pk, "", "P", 1, 1), c.e.provider
        ),
        "__all__",
        "not inviting proposals",
    ),
    "changing a submitted proposal": (
        "proposed",
        LATER,
        lambda c: sel.update_proposal(
            c.proposal, sel.ProposalInput(c.e.rje.pk, "", "P", 1, 1), c.e.provider
        ),
        "__all__",
        "it is final",
    ),
    "withdrawing twice": (
        "proposed",
        LATER,
        lambda c: [sel.withdraw_proposal(c.proposal, c.e.provider) for _ in range(2)],
        "__all__",
        "already been withdrawn",
    ),
    "withdrawing after the decision": (
        "decided",
        DECISION_DAY,
        lambda c: sel.withdraw_proposal(c.rival_proposal, c.e.rival),
        "__all__",
        "can no longer be withdrawn",
    ),
    "answering a proposal in a selection one by one": (
        "proposed",
        LATER,
        lambda c: sel.respond_to_proposal(c.proposal, "Thanks", c.e.commissioner),
        "__all__",
        "evaluated, not answered one by one",
    ),
    "a question after the deadline": (
        "proposed",
        AFTER,
        lambda c: sel.ask_clarification(
            c.process, sel.ClarificationInput(c.e.rje.pk, "Late?"), c.e.provider
        ),
        "__all__",
        "The deadline for proposals was",
    ),
    "an empty question": (
        "inviting",
        LATER,
        lambda c: sel.ask_clarification(
            c.process, sel.ClarificationInput(c.e.rje.pk, " "), c.e.provider
        ),
        "question",
        "Write your question",
    ),
    "an empty answer": (
        "inviting",
        LATER,
        lambda c: sel.answer_clarification(
            sel.ask_clarification(c.process, sel.ClarificationInput(c.e.rje.pk, "Q"), c.e.provider),
            "",
            c.e.commissioner,
        ),
        "answer",
        "Write the answer",
    ),
    # --- evaluation
    "an interest without a description": (
        "proposed",
        AFTER,
        lambda c: sel.declare_interests(c.process, sel.DeclarationInput(True), c.e.quality_lead),
        "description",
        "Describe the interest",
    ),
    "a provider named with no interest": (
        "proposed",
        AFTER,
        lambda c: sel.declare_interests(
            c.process, sel.DeclarationInput(False, provider_id=c.e.rje.pk), c.e.quality_lead
        ),
        "provider_id",
        "only when declaring an interest",
    ),
    "declaring after the decision": (
        "decided",
        DECISION_DAY,
        lambda c: sel.declare_interests(c.process, sel.DeclarationInput(False), c.e.quality_lead),
        "__all__",
        "declarations are closed",
    ),
    "managing a declaration of no interests": (
        "declared",
        AFTER,
        lambda c: sel.manage_declaration(
            c.process.declarations.first(), "proceed", "x", c.e.deputy
        ),
        "__all__",
        "needs no management",
    ),
    "excluding from a provider when none is named": (
        "proposed",
        AFTER,
        lambda c: sel.manage_declaration(
            sel.declare_interests(
                c.process, sel.DeclarationInput(True, "Shares"), c.e.quality_lead
            ),
            "exclude_provider",
            "",
            c.e.commissioner,
        ),
        "management",
        "names no provider",
    ),
    "scoring a criterion that does not exist": (
        "declared",
        AFTER,
        lambda c: sel.score_proposal(
            c.proposal, {**scores(3), "speed": sel.CriterionScore(3, "x")}, c.e.commissioner
        ),
        "scores",
        "Not a key criterion: speed",
    ),
    "scoring after the decision": (
        "decided",
        DECISION_DAY,
        lambda c: sel.score_proposal(c.proposal, scores(3), c.e.commissioner),
        "__all__",
        "scoring is closed",
    ),
    "moderating after the decision": (
        "decided",
        DECISION_DAY,
        lambda c: sel.moderate_proposal(c.proposal, scores(3), c.e.commissioner),
        "__all__",
        "moderation is closed",
    ),
    # --- decisions
    "a decision that is not one of the three": (
        "moderated",
        DECISION_DAY,
        lambda c: _award(c, outcome="maybe"),
        "outcome",
        "Choose the decision",
    ),
    "a decision before the deadline": (
        "proposed",
        DEADLINE,
        lambda c: _award(c),
        "__all__",
        "decide after that day",
    ),
    "awarding a proposal of another selection": (
        "moderated",
        DECISION_DAY,
        lambda c: _award(c, awarded_proposal_ids=(999_999,)),
        "awarded_proposal_ids",
        "Choose among the submitted proposals",
    ),
    "a notice for a decision not to award": (
        "moderated",
        DECISION_DAY,
        lambda c: sel.publish_notice(_not_award(c), c.e.commissioner),
        "__all__",
        "Only an award",
    ),
    "a second notice": (
        "noticed",
        DECISION_DAY,
        lambda c: sel.publish_notice(c.decision, c.e.commissioner),
        "__all__",
        "already been published",
    ),
    "a representation from a provider that did not bid": (
        "noticed",
        DECISION_DAY,
        lambda c: sel.make_representation(
            c.decision, Organisation.objects.get(code="XN001").pk, "x", c.e.rival
        ),
        "provider_id",
        "Choose the bidder you represent",
    ),
    "a representation without grounds": (
        "noticed",
        DECISION_DAY,
        lambda c: sel.make_representation(c.decision, c.e.rwe.pk, " ", c.e.rival),
        "grounds",
        "Set out the grounds",
    ),
    "a response without words": (
        "noticed",
        DECISION_DAY,
        lambda c: sel.respond_to_representation(
            sel.make_representation(c.decision, c.e.rwe.pk, "Price", c.e.rival),
            True,
            "",
            c.e.commissioner,
        ),
        "response",
        "Write your response",
    ),
    "answering a representation twice": (
        "noticed",
        DECISION_DAY,
        lambda c: [
            sel.respond_to_representation(r, True, "Stands", c.e.commissioner)
            for r in [sel.make_representation(c.decision, c.e.rwe.pk, "Price", c.e.rival)] * 2
        ],
        "__all__",
        "already been answered",
    ),
    "withdrawing a decision twice": (
        "decided",
        DECISION_DAY,
        lambda c: [sel.withdraw_decision(c.decision, "Error", c.e.commissioner) for _ in range(2)],
        "__all__",
        "already been withdrawn",
    ),
    "withdrawing a decision not to award": (
        "moderated",
        DECISION_DAY,
        lambda c: sel.withdraw_decision(_not_award(c), "Error", c.e.commissioner),
        "__all__",
        "Only an award can be withdrawn",
    ),
    "withdrawing after the contract": (
        "contracted",
        AFTER_STANDSTILL,
        lambda c: sel.withdraw_decision(c.decision, "Error", c.e.commissioner),
        "__all__",
        "A contract has been made",
    ),
    # --- contracts
    "a contract starting before the decision with no dates": (
        "noticed",
        AFTER_STANDSTILL,
        lambda c: contracts.create_contract(
            c.decision, contracts.ContractInput(c.proposal.pk, None, None), c.e.contract_manager
        ),
        "start_date",
        "Enter the date the contract starts",
    ),
    "a contract that ends before it starts": (
        "noticed",
        AFTER_STANDSTILL,
        lambda c: contracts.create_contract(
            c.decision,
            contracts.ContractInput(c.proposal.pk, dt.date(2026, 5, 1), dt.date(2026, 4, 1)),
            c.e.contract_manager,
        ),
        "end_date",
        "must end after it starts",
    ),
    "a contract dated before the decision": (
        "noticed",
        AFTER_STANDSTILL,
        lambda c: contracts.create_contract(
            c.decision,
            contracts.ContractInput(c.proposal.pk, dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
            c.e.contract_manager,
        ),
        "start_date",
        "cannot start before the decision",
    ),
    "signing twice": (
        "contracted",
        AFTER_STANDSTILL,
        lambda c: [contracts.sign_contract(c.contract, c.e.commissioner) for _ in range(2)],
        "__all__",
        "commissioner has already signed",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_refused(cycle, case):
    stage, day, call, field, fragment = CASES[case]
    getattr(cycle, stage)()
    cycle.spec.refresh_from_db()
    before = Revision.objects.count()
    with at(day), pytest.raises(ValidationError) as caught:
        call(cycle)
    messages = caught.value.message_dict.get(field, [])
    assert any(fragment in m for m in messages), caught.value.message_dict
    if case not in {
        "withdrawing twice",
        "withdrawing a decision twice",
        "answering a representation twice",
        "signing twice",
        "advice on a retired specification",
        "a notice for a decision not to award",
        "withdrawing a decision not to award",
        "a response without words",
        "an empty answer",
        "excluding from a provider when none is named",
    }:
        assert Revision.objects.count() == before


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("empty.pdf", b"", "is empty"),
        ("big.pdf", b"%PDF-" + b"x" * MAX_DOCUMENT_BYTES, "larger than 10 MB"),
        ("notes.txt", b"\xff\xfe\x00bad", "not plain text"),
        ("a/../../etc/passwd.csv", b"a,b\n", None),
        ("plan.docx", b"PK\x03\x04rest", None),
    ],
)
def test_documents_are_checked_by_content_and_size(name, content, problem):
    checked, why = check_document(DocumentInput(name, content))
    if problem is None:
        assert checked is not None and "/" not in checked.filename
    else:
        assert checked is None and problem in why
