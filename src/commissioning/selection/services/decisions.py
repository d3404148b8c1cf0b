"""The commissioner's decision, the notices that follow it, representations and standstill.

Recommendation 130: in the end it is the commissioner whose decision must prevail. Only a
commissioner of the organisation holding the budget, with delegated authority for it up to
the value decided, may decide (``rules.authority``, docs/decisions.md 017); the decision
records its rationale and the evaluation as it stood, for the regulation 24 decision record
(docs/domain.md section 11). Recording the advice considered is the platform's addition
beyond regulation 24's items.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction

from commissioning import clock
from commissioning.audit import chain as audit
from commissioning.organisations.models import DelegatedAuthority, Organisation
from commissioning.organisations.permissions import has_role_at
from commissioning.organisations.vocabulary import Role
from commissioning.specifications.services import new_version_unchecked
from commissioning.validation import Problems, refuse, save_or_refuse

from ..models import Advice, Decision, Proposal, Representation, SelectionProcess
from ..permissions import Action, free_of_conflict, require
from ..queries.evaluation_for_process import evaluation_for_process
from ..rules.authority import Delegation, authority_problem
from ..rules.award import (
    Outcome,
    RepresentationFacts,
    StandstillState,
    award_problems,
    needs_evaluation,
    representation_window_open,
    standstill_state,
)
from ..rules.notices import Stage
from ..rules.public import withholding_problems
from . import notices
from ._common import INVITING, locked, text

DECISION_FIELDS = ("process_id", "outcome", "rationale", "departs_from_ranking", "value_pence",
                   "decided_by_id", "delegation_id", "decided_on", "status", "withheld",
                   "withheld_reason")  # fmt: skip


@dataclass(frozen=True)
class DecisionInput:
    outcome: Outcome
    rationale: str
    awarded_proposal_ids: Sequence[int] = field(default_factory=tuple)
    advice_considered_ids: Sequence[int] = field(default_factory=tuple)
    departure_confirmed: bool = False
    # Marked commercially confidential: withheld from the public register, with the reason
    # shown in its place (rules.public.WITHHOLDABLE).
    withheld: Sequence[str] = field(default_factory=tuple)
    withheld_reason: str = ""


# The rules name what a decision awards "awarded"; the command (and the API) names the ids.
_COMMAND_FIELD = {"awarded": "awarded_proposal_ids"}


def delegation_for(actor, process: SelectionProcess, value_pence: int, on: dt.date):
    """The actor's delegated authority for this decision, or ``None`` and why not."""
    budget = process.budget
    delegations = {
        d.pk: d for d in DelegatedAuthority.objects.filter(user_id=actor.pk, budget=budget)
    }
    found, why = authority_problem(
        has_role_at(actor, budget.organisation_id, frozenset({Role.COMMISSIONER})),
        [
            Delegation(d.budget_id, d.limit_pence, d.start_date, d.end_date, d.pk)
            for d in delegations.values()
        ],
        budget.pk,
        value_pence,
        on,
    )
    if found is None:
        return None, why
    assert found.id is not None  # every Delegation above carries its row's pk
    return delegations[found.id], ""


def decide(process: SelectionProcess, cmd: DecisionInput, actor) -> Decision:
    """Record the commissioner's decision: award, do not award, or change the specification."""
    require(actor, Action.DECIDE, process)
    process = SelectionProcess.objects.select_related("specification", "budget").get(pk=process.pk)
    today = clock.today()
    problems = Problems()
    try:
        outcome = Outcome(cmd.outcome)
    except ValueError:
        raise refuse(
            "outcome", "Choose the decision: award, do not award, or change the specification"
        ) from None
    route = process.route_enum
    if process.status != SelectionProcess.Status.INVITING:
        raise refuse("", "Proposals have not been invited, or a decision already stands.")
    if process.proposals_deadline and today <= process.proposals_deadline:
        raise refuse(
            "",
            f"Proposals may be submitted until {process.proposals_deadline:%-d %B %Y}; decide "
            "after that day.",
        )
    allowed, why = free_of_conflict(actor, process)
    if not allowed:
        raise PermissionDenied(why)
    submitted = {
        p.pk: p for p in Proposal.objects.filter(process=process, status=Proposal.Status.SUBMITTED)
    }
    awarded_ids = list(dict.fromkeys(int(i) for i in cmd.awarded_proposal_ids))
    unknown = [i for i in awarded_ids if i not in submitted]
    if unknown:
        problems.add("awarded_proposal_ids", "Choose among the submitted proposals")
    awarded = [submitted[i] for i in awarded_ids if i in submitted]
    for field_name, message in award_problems(
        route,
        outcome,
        [p.provider_id for p in awarded],
        process.incumbent_id,
        cmd.rationale or "",
    ).items():
        problems.add(_COMMAND_FIELD.get(field_name, field_name), message)
    evaluation = evaluation_for_process(process)
    departs = False
    if outcome is Outcome.AWARD and awarded and needs_evaluation(route):
        if not evaluation.complete:
            problems.add(
                "awarded_proposal_ids",
                f"{route.label} applies the key criteria: moderate every proposal before awarding",
            )
        else:
            departs = not {p.pk for p in awarded} <= evaluation.top_ranked_ids()
            if departs and not cmd.departure_confirmed:
                problems.add(
                    "departure_confirmed",
                    "The proposal you chose did not score highest: confirm that you are departing "
                    "from the evaluation, and say why in the rationale",
                )
    given = {
        a.pk
        for a in Advice.objects.filter(
            request__specification__reference=process.specification.reference
        )
    }
    considered = list(dict.fromkeys(int(i) for i in cmd.advice_considered_ids))
    if any(i not in given for i in considered):
        problems.add("advice_considered_ids", "Choose among the advice given on this specification")
    withheld = sorted(set(cmd.withheld)) if outcome is Outcome.AWARD else []
    for field_name, message in withholding_problems(withheld, cmd.withheld_reason or "").items():
        problems.add(field_name, message)
    problems.raise_if_any()
    value = (
        sum(p.total_price_pence for p in awarded)
        if outcome is Outcome.AWARD
        else process.specification.financial_envelope_pence
    )
    delegation, why = delegation_for(actor, process, value, today)
    if delegation is None:
        raise PermissionDenied(why)
    with transaction.atomic():
        process = locked(
            process,
            INVITING,
            "A decision already stands for this selection.",
        )
        decision = Decision(
            process=process,
            outcome=outcome,
            rationale=text(cmd.rationale),
            departs_from_ranking=departs,
            evaluation=evaluation.as_record(),
            value_pence=value,
            decided_by=actor,
            delegation=delegation,
            decided_on=today,
            decided_at=clock.now(),
            withheld=withheld,
            withheld_reason=text(cmd.withheld_reason) if withheld else "",
        )
        save_or_refuse(decision, "", "A decision already stands for this selection.")
        decision.awarded.set(awarded)
        decision.advice_considered.set(considered)
        if outcome is Outcome.CHANGE_SPECIFICATION:
            decision.new_version = new_version_unchecked(process.specification, actor)
            decision.save(update_fields=["new_version"])
        audit.created(
            actor,
            decision,
            (*DECISION_FIELDS, "new_version_id"),
            awarded_proposal_ids=sorted(p.pk for p in awarded),
            advice_considered_ids=sorted(considered),
        )
        with audit.changing(actor, process, ("status",)):
            process.status = (
                SelectionProcess.Status.DECIDED
                if outcome is Outcome.AWARD
                else SelectionProcess.Status.CLOSED
            )
            process.save(update_fields=["status"])
    return decision


def state_of(decision: Decision, today: dt.date | None = None) -> StandstillState:
    """Where the decision stands today: notice, standstill, representations, contract."""
    return standstill_state(
        decision.process.route_enum,
        decision.outcome_enum,
        decision.status == Decision.Status.WITHDRAWN,
        decision.decided_on,
        decision.notice_published_on,
        [
            RepresentationFacts(
                r.status == Representation.Status.OPEN,
                r.responded_on,
                r.status == Representation.Status.UPHELD,
            )
            for r in decision.representations.all()
        ],
        today or clock.today(),
    )


def publish_notice(decision: Decision, actor) -> Decision:
    """Record that the notice was published today: the notice of intention to award (which
    starts the standstill) or, under direct award A or B, the award notice."""
    require(actor, Action.PUBLISH_NOTICE, decision)
    with transaction.atomic():
        decision = Decision.objects.select_for_update().get(pk=decision.pk)
        if decision.outcome != Outcome.AWARD:
            raise refuse("", "Only an award is followed by a notice.")
        if decision.status != Decision.Status.RECORDED:
            raise refuse(
                "",
                "The notice has already been published."
                if decision.status == Decision.Status.NOTICE_PUBLISHED
                else "The decision was withdrawn.",
            )
        with audit.changing(actor, decision, ("status", "notice_published_on")):
            decision.status = Decision.Status.NOTICE_PUBLISHED
            decision.notice_published_on = clock.today()
            decision.notice_published_by = actor
            decision.save(update_fields=["status", "notice_published_on", "notice_published_by"])
        route = decision.process.route_enum
        notices.publish(decision, Stage.INTENTION if route.needs_standstill else Stage.AWARD, actor)
    return decision


def make_representation(
    decision: Decision, provider_id: int | None, grounds: str, actor
) -> Representation:
    """A bidder's representation during standstill: it keeps the standstill open."""
    require(actor, Action.MAKE_REPRESENTATION, decision)
    provider = Organisation.objects.filter(pk=provider_id).first() if provider_id else None
    if (
        provider is None
        or not decision.process.proposals.filter(
            provider=provider, status=Proposal.Status.SUBMITTED
        ).exists()
    ):
        raise refuse("provider_id", "Choose the bidder you represent")
    require(actor, Action.SUBMIT_PROPOSAL, provider)
    if not text(grounds):
        raise refuse("grounds", "Set out the grounds of your representation")
    with transaction.atomic():
        decision = Decision.objects.select_for_update().get(pk=decision.pk)
        if not representation_window_open(state_of(decision), clock.today()):
            raise refuse("", "Representations are made during the standstill period only.")
        representation = Representation.objects.create(
            decision=decision,
            provider=provider,
            made_by=actor,
            grounds=text(grounds),
            received_on=clock.today(),
        )
        audit.created(actor, representation, ("decision_id", "provider_id", "grounds"))
    return representation


def _withdraw(decision: Decision, reason: str, actor) -> None:
    if decision.outcome != Outcome.AWARD:
        raise refuse("", "Only an award can be withdrawn and taken again.")
    if decision.contracts.exists():
        raise refuse("", "A contract has been made under this decision; it cannot be withdrawn.")
    with audit.changing(actor, decision, ("status", "withdrawn_reason")):
        decision.status = Decision.Status.WITHDRAWN
        decision.withdrawn_reason = reason
        decision.withdrawn_at = clock.now()
        decision.save(update_fields=["status", "withdrawn_reason", "withdrawn_at"])
    if decision.notices.exists():  # the public was told of it: it is told of the withdrawal
        notices.publish(decision, Stage.WITHDRAWAL, actor)
    process = decision.process
    with audit.changing(actor, process, ("status",)):
        process.status = SelectionProcess.Status.INVITING
        process.save(update_fields=["status"])


def respond_to_representation(
    representation: Representation, uphold: bool, response: str, actor
) -> Representation:
    """Answer a representation after reviewing the decision: let it stand (5 more working
    days of standstill follow) or withdraw it (the selection returns to evaluation)."""
    require(actor, Action.RESPOND_TO_REPRESENTATION, representation)
    if not text(response):
        raise refuse("response", "Write your response, with the outcome of your review")
    with transaction.atomic():
        representation = Representation.objects.select_for_update().get(pk=representation.pk)
        if representation.status != Representation.Status.OPEN:
            raise refuse("", "This representation has already been answered.")
        decision = Decision.objects.select_for_update().get(pk=representation.decision_id)
        today = clock.today()
        with audit.changing(actor, representation, ("status", "response")):
            if uphold:
                representation.status = Representation.Status.UPHELD
            else:
                _withdraw(
                    decision,
                    f"Withdrawn after representation {representation.pk}: {text(response)}",
                    actor,
                )
                representation.status = Representation.Status.DECISION_WITHDRAWN
                others = decision.representations.filter(status=Representation.Status.OPEN)
                for other in others.exclude(pk=representation.pk):
                    with audit.changing(actor, other, ("status",)):
                        other.status = Representation.Status.DECISION_WITHDRAWN
                        other.response = (
                            "The decision was withdrawn after review of another representation."
                        )
                        other.responded_by = actor
                        other.responded_on = today
                        other.save()
            representation.response = text(response)
            representation.responded_by = actor
            representation.responded_on = today
            representation.save()
    return representation


def withdraw_decision(decision: Decision, reason: str, actor) -> Decision:
    """Withdraw an award before a contract is made (for example after finding an error);
    the selection returns to evaluation and a new decision can be taken."""
    require(actor, Action.WITHDRAW_DECISION, decision)
    if not text(reason):
        raise refuse("reason", "Say why the decision is withdrawn")
    with transaction.atomic():
        decision = Decision.objects.select_for_update().get(pk=decision.pk)
        if decision.status == Decision.Status.WITHDRAWN:
            raise refuse("", "The decision has already been withdrawn.")
        _withdraw(decision, text(reason), actor)
    return decision
