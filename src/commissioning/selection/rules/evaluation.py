"""Evaluating proposals against the Provider Selection Regime's key criteria.

Source: docs/domain.md section 9 lists the PSR's five key criteria [V ProcPortal] (quality
and innovation; value; integration, collaboration and service sustainability; improving
access, reducing health inequalities and facilitating choice; social value). That every
criterion is taken into account and the authority weights them, each weight a whole
percentage of at least 1, totalling 100, published and fixed once proposals are invited, is
the platform's rule (docs/decisions.md 024). Regulation 24 requires the decision record to
show how the criteria were applied and weighted, each evaluator's scores and the moderation
(docs/domain.md section 11).

The scoring scale (0 to 5) is the platform's standard one, shown to bidders with the weights.
A weighted total is ``sum(weight x score / 5)``: a percentage from 0 to 100.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

MAX_SCORE = 5
# Evaluators whose scores for one criterion differ by this much or more are asked to discuss
# it at moderation.
DIVERGENCE_POINTS = 2


class Criterion(StrEnum):
    QUALITY_INNOVATION = "quality_innovation"
    VALUE = "value"
    INTEGRATION = "integration"
    ACCESS = "access"
    SOCIAL_VALUE = "social_value"

    @property
    def label(self) -> str:
        return CRITERION_LABELS[self]


CRITERION_LABELS = {
    Criterion.QUALITY_INNOVATION: "Quality (safety, effectiveness, experience) and innovation",
    Criterion.VALUE: "Value",
    Criterion.INTEGRATION: "Integration, collaboration and service sustainability",
    Criterion.ACCESS: "Improving access, reducing health inequalities and facilitating choice",
    Criterion.SOCIAL_VALUE: "Social value",
}

SCALE = {
    0: "Unacceptable: no response, or the response fails to meet the requirement",
    1: "Poor: the response meets the requirement only in part, with significant concerns",
    2: "Weak: the response meets most of the requirement, with some concerns",
    3: "Satisfactory: the response meets the requirement",
    4: "Good: the response meets the requirement and gives some added value",
    5: "Excellent: the response exceeds the requirement, with clear added value",
}


def weight_problems(weights: Mapping[Criterion, int]) -> dict[Criterion | str, str]:
    """Problems with a set of published weights, by criterion ('' for the set as a whole)."""
    problems: dict[Criterion | str, str] = {}
    for criterion in Criterion:
        value = weights.get(criterion)
        if value is None:
            problems[criterion] = "Enter a weight for this criterion"
        elif value < 1:
            problems[criterion] = (
                "Every key criterion must be taken into account, so its weight must be at least 1"
            )
        elif value > 100:
            problems[criterion] = "A weight is a percentage: at most 100"
    if not problems:
        total = sum(weights[c] for c in Criterion)
        if total != 100:
            problems[""] = f"The weights must add up to 100 (they add up to {total})"
    return problems


def reason_missing(criterion: Criterion) -> str:
    """The refusal of a score given without its reason, naming the criterion: a person told
    five times knows which is which."""
    return f"Give the reason for the score for {criterion.label}"


def score_problem(score: int) -> str | None:
    if not 0 <= score <= MAX_SCORE:
        return f"A score is a whole number from 0 to {MAX_SCORE}"
    return None


def weighted_total(scores: Mapping[Criterion, int], weights: Mapping[Criterion, int]) -> Fraction:
    """The weighted percentage of one proposal, exactly (a fraction of 100)."""
    missing = [c for c in Criterion if c not in scores]
    if missing:
        raise ValueError(f"no score for {', '.join(c.label for c in missing)}")
    return sum((Fraction(weights[c] * scores[c], MAX_SCORE) for c in Criterion), start=Fraction(0))


@dataclass(frozen=True)
class Ranked:
    key: object
    total: Fraction
    rank: int


def rank(totals: Mapping[object, Fraction]) -> list[Ranked]:
    """Highest total first; equal totals share a rank (1, 2, 2, 4)."""
    ordered = sorted(totals.items(), key=lambda kv: kv[1], reverse=True)
    ranked: list[Ranked] = []
    for i, (key, total) in enumerate(ordered):
        shared = ranked and ranked[-1].total == total
        ranked.append(Ranked(key, total, ranked[-1].rank if shared else i + 1))
    return ranked


def agreed(scores: Sequence[int]) -> int | None:
    """The score every evaluator gave a criterion, if they all gave the same one: moderation
    starts from it (still to be confirmed, and free to change). ``None`` if they differ or
    there are no scores."""
    return scores[0] if scores and len(set(scores)) == 1 else None


def diverges(scores: Sequence[int]) -> bool:
    """Whether evaluators' scores for one criterion are far enough apart to discuss."""
    return len(scores) > 1 and max(scores) - min(scores) >= DIVERGENCE_POINTS
