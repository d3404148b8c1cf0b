"""Provider proposals (in answer to an invitation, or unsolicited) and clarification questions.

Recommendation 130: commissioners must be willing to receive proposals, but it is the
commissioner whose decision prevails. A provider sees only its own proposals. Clarification
answers are published to every bidder without saying who asked (equal treatment under the
Provider Selection Regime's principle of acting transparently, fairly and proportionately).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import transaction

from commissioning import clock, money
from commissioning.audit import chain as audit
from commissioning.organisations.models import Organisation
from commissioning.organisations.vocabulary import COMMISSIONER_TYPES, PROVIDER_TYPES
from commissioning.validation import Problems, refuse, save_or_refuse

from ..documents import DocumentInput
from ..models import Clarification, Proposal, ProposalOutcome, SelectionProcess
from ..permissions import Action, require
from ._common import check_documents, save_documents, text

PROPOSAL_FIELDS = ("process_id", "provider_id", "addressed_to_id", "title", "description",
                   "capacity", "total_price_pence", "status")  # fmt: skip


@dataclass(frozen=True)
class ProposalInput:
    provider_id: int | None
    title: str
    description: str
    capacity: int | None
    total_price_pence: int | None
    outcome_answers: Mapping[int, str] = field(default_factory=dict)
    addressed_to_id: int | None = None  # an unsolicited proposal names its commissioner
    documents: tuple[DocumentInput, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ClarificationInput:
    provider_id: int | None
    question: str


def _open_for_proposals(process: SelectionProcess) -> str | None:
    if process.status != SelectionProcess.Status.INVITING:
        return "This selection is not inviting proposals."
    assert process.proposals_deadline is not None  # set when proposals were invited
    if clock.today() > process.proposals_deadline:
        return f"The deadline for proposals was {process.proposals_deadline:%-d %B %Y}."
    return None


def _validate(
    proposal: Proposal, cmd: ProposalInput, process: SelectionProcess | None, problems: Problems
) -> dict[int, str]:
    proposal.title = text(cmd.title) or (process.specification.title if process else "")
    proposal.description = text(cmd.description)
    problems.check_model(
        proposal,
        exclude=["process", "provider", "addressed_to", "created_by", "responded_by"],
        unchecked={"capacity": cmd.capacity, "total_price_pence": cmd.total_price_pence},
    )
    answers: dict[int, str] = {}
    if process is None:
        return answers
    spec = process.specification
    if cmd.total_price_pence and cmd.total_price_pence > spec.financial_envelope_pence:
        problems.add(
            "total_price_pence",
            f"The price is above the financial envelope of "
            f"{money.pounds_and_pence(spec.financial_envelope_pence)} over the term",
        )
    outcome_ids = set(spec.outcomes.values_list("pk", flat=True))
    for outcome_id, approach in cmd.outcome_answers.items():
        if int(outcome_id) not in outcome_ids:
            problems.add("outcome_answers", f"Outcome {outcome_id} is not in this specification")
        elif text(approach):
            answers[int(outcome_id)] = text(approach)
    return answers


def _save_answers(proposal: Proposal, answers: dict[int, str], actor) -> None:
    existing = {a.outcome_id: a for a in proposal.outcome_answers.all()}
    for outcome_id, approach in answers.items():
        answer = existing.get(outcome_id)
        if answer is None:
            answer = ProposalOutcome.objects.create(
                proposal=proposal, outcome_id=outcome_id, approach=approach
            )
            audit.created(actor, answer, ("outcome_id", "approach"))
        elif answer.approach != approach:
            with audit.changing(actor, answer, ("approach",)):
                answer.approach = approach
                answer.save(update_fields=["approach"])


def create_proposal(process: SelectionProcess | None, cmd: ProposalInput, actor) -> Proposal:
    """Start a draft proposal for a provider: in answer to ``process``, or unsolicited."""
    provider = Organisation.objects.filter(pk=cmd.provider_id).first() if cmd.provider_id else None
    if provider is None or provider.org_type not in PROVIDER_TYPES:
        raise refuse("provider_id", "Choose the provider the proposal is from")
    require(actor, Action.SUBMIT_PROPOSAL, provider)
    problems = Problems()
    addressed_to: Organisation | None
    if process is not None:
        process = SelectionProcess.objects.select_related("specification__commissioner").get(
            pk=process.pk
        )
        if why := _open_for_proposals(process):
            raise refuse("", why)
        addressed_to = process.specification.commissioner
    else:
        addressed_to = (
            Organisation.objects.filter(pk=cmd.addressed_to_id).first()
            if cmd.addressed_to_id
            else None
        )
        if addressed_to is None or addressed_to.org_type not in COMMISSIONER_TYPES:
            problems.add("addressed_to_id", "Choose the commissioner the proposal is for")
        if not text(cmd.title):
            problems.add("title", "Name the service you propose")
    proposal = Proposal(
        process=process,
        provider=provider,
        addressed_to=addressed_to,
        created_by=actor,
        created_at=clock.now(),
    )
    answers = _validate(proposal, cmd, process, problems)
    checked = check_documents(cmd.documents, problems)
    problems.raise_if_any()
    with transaction.atomic():
        if process is not None:
            locked = SelectionProcess.objects.select_for_update().get(pk=process.pk)
            if why := _open_for_proposals(locked):
                raise refuse("", why)
        save_or_refuse(
            proposal, "", f"{provider.display_name} already has a proposal for this selection."
        )
        audit.record(actor, "create", proposal, after=audit.snapshot(proposal, PROPOSAL_FIELDS))
        _save_answers(proposal, answers, actor)
        save_documents(checked, actor, proposal=proposal)
    return proposal


def _lock_draft(proposal: Proposal) -> Proposal:
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != Proposal.Status.DRAFT:
        raise refuse("", f"This proposal is {proposal.get_status_display().lower()}; it is final.")
    if proposal.process is not None and (why := _open_for_proposals(proposal.process)):
        raise refuse("", why)
    return proposal


def update_proposal(proposal: Proposal, cmd: ProposalInput, actor) -> Proposal:
    """Change a draft proposal (its provider and commissioner stay as they are)."""
    require(actor, Action.SUBMIT_PROPOSAL, proposal)
    with transaction.atomic():
        proposal = _lock_draft(proposal)
        before = audit.snapshot(proposal, PROPOSAL_FIELDS)
        problems = Problems()
        answers = _validate(proposal, cmd, proposal.process, problems)
        checked = check_documents(cmd.documents, problems, already=proposal.documents.count())
        problems.raise_if_any()
        after = audit.snapshot(proposal, PROPOSAL_FIELDS)
        if after != before:
            proposal.save()
            audit.record(actor, "update", proposal, before=before, after=after)
        _save_answers(proposal, answers, actor)
        save_documents(checked, actor, proposal=proposal)
    return proposal


def submit_proposal(proposal: Proposal, actor) -> Proposal:
    """Submit a draft: it is then final, and the commissioner's team can see it."""
    require(actor, Action.SUBMIT_PROPOSAL, proposal)
    with transaction.atomic():
        proposal = _lock_draft(proposal)
        if proposal.process is not None:
            answered = set(proposal.outcome_answers.values_list("outcome_id", flat=True))
            missing = [
                o.indicator.code
                for o in proposal.process.specification.outcomes.select_related("indicator")
                if o.pk not in answered
            ]
            if missing:
                raise refuse(
                    "outcome_answers",
                    "Say how you will meet every outcome before submitting; still to answer: "
                    + ", ".join(missing),
                )
        with audit.changing(actor, proposal, ("status",)):
            proposal.status = Proposal.Status.SUBMITTED
            proposal.submitted_at = clock.now()
            proposal.save(update_fields=["status", "submitted_at"])
    return proposal


def withdraw_proposal(proposal: Proposal, actor) -> Proposal:
    """A provider may withdraw its proposal until a decision has been taken."""
    require(actor, Action.SUBMIT_PROPOSAL, proposal)
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.status == Proposal.Status.WITHDRAWN:
            raise refuse("", "This proposal has already been withdrawn.")
        process = proposal.process
        if process is not None and process.status not in (
            SelectionProcess.Status.SETTING_UP,
            SelectionProcess.Status.INVITING,
        ):
            raise refuse(
                "", "The decision has been taken; the proposal can no longer be withdrawn."
            )
        with audit.changing(actor, proposal, ("status",)):
            proposal.status = Proposal.Status.WITHDRAWN
            proposal.save(update_fields=["status"])
    return proposal


def respond_to_proposal(proposal: Proposal, response: str, actor) -> Proposal:
    """The commissioner's considered response to an unsolicited proposal."""
    require(actor, Action.RESPOND_TO_PROPOSAL, proposal)
    if not text(response):
        raise refuse("response", "Write your response to the provider")
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if not proposal.unsolicited:
            raise refuse("", "Proposals in a selection are evaluated, not answered one by one.")
        if proposal.status != Proposal.Status.SUBMITTED:
            raise refuse("", "Only a submitted proposal can be answered.")
        with audit.changing(actor, proposal, ("response", "responded_by_id")):
            proposal.response = text(response)
            proposal.responded_by = actor
            proposal.responded_at = clock.now()
            proposal.save(update_fields=["response", "responded_by", "responded_at"])
    return proposal


def ask_clarification(process: SelectionProcess, cmd: ClarificationInput, actor) -> Clarification:
    """A bidder asks a question while proposals are invited."""
    require(actor, Action.ASK_CLARIFICATION, process)
    provider = Organisation.objects.filter(pk=cmd.provider_id).first() if cmd.provider_id else None
    if provider is None:
        raise refuse("provider_id", "Choose the provider you are asking for")
    require(actor, Action.SUBMIT_PROPOSAL, provider)
    if not text(cmd.question):
        raise refuse("question", "Write your question")
    with transaction.atomic():
        process = SelectionProcess.objects.select_for_update().get(pk=process.pk)
        if why := _open_for_proposals(process):
            raise refuse("", why)
        clarification = Clarification.objects.create(
            process=process,
            asked_by=actor,
            asked_for=provider,
            question=text(cmd.question),
            asked_at=clock.now(),
        )
        audit.created(actor, clarification, ("process_id", "asked_for_id", "question"))
    return clarification


def answer_clarification(clarification: Clarification, answer: str, actor) -> Clarification:
    """Answer a question; the question and answer are published to every bidder, and the
    bidder who asked is not named."""
    require(actor, Action.ANSWER_CLARIFICATION, clarification.process)
    if not text(answer):
        raise refuse("answer", "Write the answer")
    with transaction.atomic():
        clarification = Clarification.objects.select_for_update().get(pk=clarification.pk)
        if clarification.answered_at is not None:
            raise refuse("", "This question has already been answered and published.")
        with audit.changing(actor, clarification, ("answer",)):
            clarification.answer = text(answer)
            clarification.answered_by = actor
            clarification.answered_at = clock.now()
            clarification.save(update_fields=["answer", "answered_by", "answered_at"])
    return clarification
