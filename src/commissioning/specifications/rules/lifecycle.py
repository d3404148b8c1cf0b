"""The life of a service specification: draft, consultation, approved, retired; and versions.

Sources: Recommendation 130 (seed document 000): commissioners, not providers, decide what is
provided, and must consult clinicians from potential providers and from elsewhere (strategic
clinical networks, clinical senates) before they do; Commissioning for Quality (seed document
000): commissioners assure themselves that services are safe, clinically effective and give a
positive experience. Hence:

- A specification is written as a **draft**, goes out to **consultation**, and can be
  **approved** only from consultation, once clinical advice has been asked for, with at least
  one outcome and at least one quality requirement under each of safe, effective and
  experience.
- Drafts and specifications in consultation can be edited (consultation exists to improve
  them) and can go back to draft. An **approved** specification is never edited: it is changed
  only by a new version, which starts as a draft; approving the new version retires the old.
- Any version can be **retired** (withdrawn) and a retired version is final.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from .outcomes import QualityDimension


class Status(StrEnum):
    DRAFT = "draft"
    CONSULTATION = "consultation"
    APPROVED = "approved"
    RETIRED = "retired"

    @property
    def label(self) -> str:
        return {
            Status.DRAFT: "Draft",
            Status.CONSULTATION: "In consultation",
            Status.APPROVED: "Approved",
            Status.RETIRED: "Retired",
        }[self]


TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.DRAFT: frozenset({Status.CONSULTATION, Status.RETIRED}),
    Status.CONSULTATION: frozenset({Status.DRAFT, Status.APPROVED, Status.RETIRED}),
    Status.APPROVED: frozenset({Status.RETIRED}),
    Status.RETIRED: frozenset(),
}
EDITABLE = frozenset({Status.DRAFT, Status.CONSULTATION})


def is_editable(status: Status) -> bool:
    """Only drafts and specifications in consultation can be changed in place."""
    return Status(status) in EDITABLE


def may_start_new_version(status: Status) -> bool:
    """An approved specification is changed only by a new version."""
    return Status(status) is Status.APPROVED


@dataclass(frozen=True)
class Readiness:
    """What a specification has, as far as approval is concerned."""

    outcomes: int
    quality_dimensions: frozenset[QualityDimension]
    advice_requests: int


def transition_problems(current: Status, target: Status, facts: Readiness) -> list[str]:
    """Why a specification cannot move from ``current`` to ``target``; empty if it can."""
    current, target = Status(current), Status(target)
    if target not in TRANSITIONS[current]:
        return [f"A specification that is {current.label.lower()} cannot become "
                f"{target.label.lower()}."]  # fmt: skip
    if target is not Status.APPROVED:
        return []
    problems = []
    if facts.outcomes < 1:
        problems.append("Add at least one outcome, tied to an NHS Outcomes Framework indicator.")
    missing = [d for d in QualityDimension if d not in facts.quality_dimensions]
    if missing:
        names = ", ".join(d.label.lower() for d in missing)
        problems.append(f"Add at least one quality requirement under: {names}.")
    if facts.advice_requests < 1:
        problems.append(
            "Ask for clinical advice (a strategic clinical network, a clinical senate or named "
            "clinicians) before approving."
        )
    return problems


def dimensions(values: Iterable[str]) -> frozenset[QualityDimension]:
    return frozenset(QualityDimension(v) for v in values)
