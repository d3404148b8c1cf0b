"""Declarations of interest, evaluators' scores and moderation.

Each evaluator scores each proposal they may take part in against the five key criteria of the
Provider Selection Regime, independently and once; the commissioner then moderates: agrees one
score per criterion with its rationale (regulation 24 decision records keep both).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction

from commissioning import clock
from commissioning.audit import chain as audit
from commissioning.organisations.models import Organisation
from commissioning.validation import Problems, refuse

from ..models import ConflictDeclaration, ModeratedScore, Proposal, Score, SelectionProcess
from ..permissions import Action, free_of_conflict, require
from ..queries.evaluation_for_process import evaluation_for_process
from ..rules.conflicts import Management
from ..rules.evaluation import Criterion, reason_missing, score_problem
from ._common import BEFORE_DECISION, INVITING, locked, text

# What a moderated score's revisions hold (and ``audit verify`` reconciles: selection.apps).
MODERATED_FIELDS = ("proposal_id", "criterion", "score", "rationale")


@dataclass(frozen=True)
class DeclarationInput:
    has_interest: bool
    description: str = ""
    provider_id: int | None = None


@dataclass(frozen=True)
class CriterionScore:
    score: int | None
    justification: str


def declare_interests(
    process: SelectionProcess, cmd: DeclarationInput, actor
) -> ConflictDeclaration:
    """Declare an interest (or that there is none). An interest must be managed by the
    commissioner before the person takes part."""
    require(actor, Action.DECLARE_INTERESTS, process)
    problems = Problems()
    provider = None
    if cmd.has_interest:
        if not text(cmd.description):
            problems.add("description", "Describe the interest")
        if cmd.provider_id:
            provider = Organisation.objects.filter(pk=cmd.provider_id).first()
            if provider is None:
                problems.add("provider_id", "Choose the provider the interest concerns")
    elif cmd.provider_id:
        problems.add("provider_id", "Name a provider only when declaring an interest")
    problems.raise_if_any()
    with transaction.atomic():
        process = locked(
            process, BEFORE_DECISION, "The decision has been taken; declarations are closed."
        )
        declaration = ConflictDeclaration.objects.create(
            process=process,
            user=actor,
            has_interest=cmd.has_interest,
            provider=provider,
            description=text(cmd.description),
            declared_at=clock.now(),
        )
        audit.record(
            actor,
            "create",
            declaration,
            after=audit.snapshot(
                declaration, ("process_id", "user_id", "has_interest", "provider_id", "description")
            ),
        )
    return declaration


def manage_declaration(
    declaration: ConflictDeclaration, management: str, note: str, actor
) -> ConflictDeclaration:
    """Record how a declared interest is managed: the person takes part (and why), or is
    excluded from the provider concerned, or from the whole process."""
    require(actor, Action.MANAGE_SELECTION, declaration.process)
    problems = Problems()
    if not declaration.has_interest:
        raise refuse("", "A declaration of no interests needs no management.")
    try:
        how = Management(management)
    except ValueError:
        how = Management.UNMANAGED
    if how is Management.UNMANAGED:
        problems.add("management", "Choose how the interest is managed")
    if how is Management.EXCLUDE_PROVIDER and declaration.provider_id is None:
        problems.add(
            "management", "The interest names no provider; exclude from the process instead"
        )
    if not text(note):
        problems.add("management_note", "Record the reason, for the decision record")
    if declaration.user_id == actor.pk:
        problems.add("management", "Someone else must manage your own declared interest")
    problems.raise_if_any()
    with transaction.atomic():
        declaration = ConflictDeclaration.objects.select_for_update().get(pk=declaration.pk)
        with audit.changing(actor, declaration, ("management", "management_note", "managed_by_id")):
            declaration.management = how
            declaration.management_note = text(note)
            declaration.managed_by = actor
            declaration.managed_at = clock.now()
            declaration.save()
    return declaration


def _check_scores(scores: Mapping[str, CriterionScore], problems: Problems, word: str) -> None:
    for criterion in Criterion:
        given = scores.get(criterion.value)
        if given is None or given.score is None:
            problems.add(f"{criterion.value}_score", f"Score {criterion.label.lower()}")
            continue
        if why := score_problem(given.score):
            problems.add(f"{criterion.value}_score", why)
        if not text(given.justification):
            problems.add(f"{criterion.value}_{word}", reason_missing(criterion))
    unknown = set(scores) - {c.value for c in Criterion}
    if unknown:
        problems.add("scores", f"Not a key criterion: {', '.join(sorted(unknown))}")


def score_proposal(proposal: Proposal, scores: Mapping[str, CriterionScore], actor) -> list[Score]:
    """An evaluator's independent scores of one proposal, all five criteria at once; final."""
    require(actor, Action.SCORE_PROPOSAL, proposal)
    assert proposal.process_id is not None  # require refuses an unsolicited proposal
    process = SelectionProcess.objects.get(pk=proposal.process_id)
    if proposal.status != Proposal.Status.SUBMITTED:
        raise refuse("", "Only submitted proposals are scored.")
    if process.status != SelectionProcess.Status.INVITING:
        raise refuse("", "The decision has been taken; scoring is closed.")
    assert process.proposals_deadline is not None  # set when proposals were invited
    if clock.today() <= process.proposals_deadline:
        raise refuse(
            "",
            "Scoring starts after the last day for proposals "
            f"({process.proposals_deadline:%-d %B %Y}), so that every bidder is treated alike.",
        )
    allowed, why = free_of_conflict(actor, process, proposal.provider_id)
    if not allowed:
        raise PermissionDenied(why)
    problems = Problems()
    _check_scores(scores, problems, "justification")
    problems.raise_if_any()
    evaluator = process.evaluators.get(user=actor)
    with transaction.atomic():
        locked(process, INVITING, "The decision has been taken; scoring is closed.")
        if Score.objects.filter(proposal=proposal, evaluator=evaluator).exists():
            raise refuse("", "You have already scored this proposal; your scores are final.")
        saved = []
        now = clock.now()
        for criterion in Criterion:
            given = scores[criterion.value]
            assert given.score is not None  # _check_scores refused a missing score
            score = Score.objects.create(
                proposal=proposal,
                evaluator=evaluator,
                criterion=criterion,
                score=given.score,
                justification=text(given.justification),
                scored_at=now,
            )
            audit.created(
                actor,
                score,
                ("proposal_id", "criterion", "score", "justification"),
                evaluator_user_id=actor.pk,
            )
            saved.append(score)
    return saved


def moderate_proposal(
    proposal: Proposal, scores: Mapping[str, CriterionScore], actor
) -> list[ModeratedScore]:
    """Agree one score per criterion, with the rationale, once every evaluator who may take
    part has scored. Moderated scores may be revised until the decision is taken."""

    # A proposal made to no selection (unsolicited) is answered, never scored or moderated.
    require(actor, Action.MODERATE_SCORES, proposal.process)
    assert proposal.process_id is not None  # require refuses an unsolicited proposal
    process = SelectionProcess.objects.get(pk=proposal.process_id)
    if process.status != SelectionProcess.Status.INVITING:
        raise refuse("", "The decision has been taken; moderation is closed.")
    found = next(
        (p for p in evaluation_for_process(process).proposals if p.proposal.pk == proposal.pk), None
    )
    if found is None:
        raise refuse("", "Only submitted proposals are moderated.")
    if not found.eligible_evaluator_ids:
        raise refuse("", "No evaluator may score this proposal; add an evaluator first.")
    if found.awaiting_evaluator_ids:
        raise refuse("", "Every evaluator must score this proposal before it is moderated.")
    problems = Problems()
    _check_scores(scores, problems, "rationale")
    problems.raise_if_any()
    saved = []
    with transaction.atomic():
        locked(process, INVITING, "The decision has been taken; moderation is closed.")
        now = clock.now()
        for criterion in Criterion:
            given = scores[criterion.value]
            assert given.score is not None  # _check_scores refused a missing score
            existing = ModeratedScore.objects.filter(proposal=proposal, criterion=criterion).first()
            rationale = text(given.justification)
            if existing is None:
                moderated = ModeratedScore.objects.create(
                    proposal=proposal,
                    criterion=criterion,
                    score=given.score,
                    rationale=rationale,
                    moderated_by=actor,
                    moderated_at=now,
                )
                audit.created(actor, moderated, MODERATED_FIELDS)
            else:
                moderated = existing
                if (moderated.score, moderated.rationale) != (given.score, rationale):
                    with audit.changing(actor, moderated, MODERATED_FIELDS):
                        moderated.score, moderated.rationale = given.score, rationale
                        moderated.moderated_by, moderated.moderated_at = actor, now
                        moderated.save()
            saved.append(moderated)
    return saved
