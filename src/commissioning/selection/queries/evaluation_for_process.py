"""Every submitted proposal of a process with its evaluators' scores, the moderated scores,
the weighted totals and the ranking: what the moderation page, the decision and the decision
record show."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

from commissioning import numbers

from ..models import ConflictDeclaration, ModeratedScore, Proposal, Score, SelectionProcess
from ..rules.conflicts import Declaration, Management, excluded
from ..rules.evaluation import Criterion, agreed, diverges, rank, weighted_total


@dataclass
class ProposalEvaluation:
    proposal: Proposal
    scores: dict[int, dict[Criterion, Score]] = field(default_factory=dict)  # by user id
    moderated: dict[Criterion, ModeratedScore] = field(default_factory=dict)
    eligible_evaluator_ids: list[int] = field(default_factory=list)
    total: Fraction | None = None
    rank: int | None = None

    @property
    def awaiting_evaluator_ids(self) -> list[int]:
        return [u for u in self.eligible_evaluator_ids if len(self.scores.get(u, {})) < 5]

    @property
    def ready_to_moderate(self) -> bool:
        return bool(self.eligible_evaluator_ids) and not self.awaiting_evaluator_ids

    @property
    def moderated_complete(self) -> bool:
        return len(self.moderated) == len(Criterion)

    def agreed(self) -> dict[Criterion, int]:
        """The criteria on which every evaluator has scored and all gave the same score."""
        if not self.ready_to_moderate:
            return {}
        out = {}
        for c in Criterion:
            given = [s[c].score for s in self.scores.values() if c in s]
            if (score := agreed(given)) is not None:
                out[c] = score
        return out

    def divergent(self) -> list[Criterion]:
        return [
            c for c in Criterion if diverges([s[c].score for s in self.scores.values() if c in s])
        ]

    @property
    def total_percent(self) -> str:
        return "" if self.total is None else f"{numbers.figure(float(self.total), 1)}%"


@dataclass
class ProcessEvaluation:
    process: SelectionProcess
    weights: dict[Criterion, int]
    proposals: list[ProposalEvaluation]
    evaluator_names: dict[int, str]

    @property
    def complete(self) -> bool:
        """Every submitted proposal has a moderated score for every criterion."""
        return bool(self.proposals) and all(p.moderated_complete for p in self.proposals)

    def top_ranked_ids(self) -> set[int]:
        return {p.proposal.pk for p in self.proposals if p.rank == 1}

    def as_record(self) -> dict:
        """The evaluation as it stands, for the decision to keep (JSON)."""
        return {
            "weights": {c.value: w for c, w in self.weights.items()},
            "proposals": [
                {
                    "proposal_id": p.proposal.pk,
                    "provider": p.proposal.provider.code,
                    "total_price_pence": p.proposal.total_price_pence,
                    "evaluator_scores": {
                        self.evaluator_names.get(uid, str(uid)): {
                            c.value: s.score for c, s in by_c.items()
                        }
                        for uid, by_c in p.scores.items()
                    },
                    "moderated": {c.value: m.score for c, m in p.moderated.items()},
                    "weighted_total": None if p.total is None else str(p.total),
                    "weighted_percent": None if p.total is None else round(float(p.total), 2),
                    "rank": p.rank,
                }
                for p in self.proposals
            ],
        }


def declarations_by_user(process: SelectionProcess) -> dict[int, list[Declaration]]:
    found: dict[int, list[Declaration]] = defaultdict(list)
    for d in ConflictDeclaration.objects.filter(process=process):
        found[d.user_id].append(
            Declaration(d.has_interest, d.provider_id, Management(d.management))
        )
    return found


def evaluation_for_process(process: SelectionProcess) -> ProcessEvaluation:
    proposals = list(
        Proposal.objects.filter(process=process, status=Proposal.Status.SUBMITTED)
        .select_related("provider")
        .order_by("provider__name")
    )
    by_id = {p.pk: ProposalEvaluation(p) for p in proposals}
    evaluators = list(process.evaluators.select_related("user"))
    names = {e.user_id: (e.user.get_full_name() or e.user.username) for e in evaluators}
    declarations = declarations_by_user(process)
    for pe in by_id.values():
        # Everyone named scores, unless the commissioner has excluded them for a conflict.
        pe.eligible_evaluator_ids = [
            e.user_id
            for e in evaluators
            if not excluded(declarations.get(e.user_id, []), pe.proposal.provider_id)
        ]
    for score in Score.objects.filter(proposal__in=proposals).select_related("evaluator"):
        by_id[score.proposal_id].scores.setdefault(score.evaluator.user_id, {})[
            Criterion(score.criterion)
        ] = score
    for m in ModeratedScore.objects.filter(proposal__in=proposals):
        by_id[m.proposal_id].moderated[Criterion(m.criterion)] = m
    weights = process.weights
    totals = {}
    for pe in by_id.values():
        if pe.moderated_complete:
            pe.total = weighted_total({c: m.score for c, m in pe.moderated.items()}, weights)
            totals[pe.proposal.pk] = pe.total
    for ranked in rank(totals):
        by_id[ranked.key].rank = ranked.rank
    ordered = sorted(
        by_id.values(), key=lambda pe: (pe.rank is None, pe.rank or 0, pe.proposal.provider.name)
    )
    return ProcessEvaluation(process, weights, ordered, names)
