"""The escalation process as pure rules: a case is opened by a concern or an alert; the
commissioner may issue a contract performance notice; a remedial action plan is agreed after
the notice; the case is closed when the plan's milestones are met (or with no plan, when the
concern is resolved), or escalated. The model is the platform's (docs/decisions.md 029),
drawn from the NHS Standard Contract's GC9 contract management, whose steps are [U] in
docs/domain.md section 8.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

OPEN, NOTICE, PLAN, ESCALATED, CLOSED = (
    "open",
    "notice_issued",
    "plan_agreed",
    "escalated",
    "closed",
)
FINISHED = frozenset({ESCALATED, CLOSED})


def may_issue_notice(status: str) -> str | None:
    """``None`` if a notice may be issued, else the reason it may not."""
    if status in FINISHED:
        return "The case is closed or escalated"
    if status != OPEN:
        return "A contract performance notice has already been issued"
    return None


def may_agree_plan(status: str) -> str | None:
    if status in FINISHED:
        return "The case is closed or escalated"
    if status == OPEN:
        return "Issue a contract performance notice before agreeing a remedial action plan"
    if status == PLAN:
        return "A remedial action plan has already been agreed"
    return None


def may_close(status: str, milestones_open: int) -> str | None:
    if status in FINISHED:
        return "The case is already closed or escalated"
    if status == PLAN and milestones_open:
        return (
            f"{milestones_open} milestone{'s' if milestones_open != 1 else ''} of the remedial "
            "action plan still to be met: record them as met, or escalate the case"
        )
    return None


def may_escalate(status: str) -> str | None:
    return "The case is already closed or escalated" if status in FINISHED else None


# --- Measuring a quality schedule line ------------------------------------------------------

_THRESHOLD = re.compile(
    r"^\s*(?P<op>at least|no less than|not less than|minimum of|more than|over|above|"
    r"at most|no more than|not more than|maximum of|fewer than|less than|under|below)\s+"
    r"(?P<number>\d+(?:\.\d+)?)",
    re.IGNORECASE,
)
_HIGHER = {"at least", "no less than", "not less than", "minimum of", "more than", "over", "above"}


@dataclass(frozen=True)
class MeasureTarget:
    """How a schedule line is judged on an SPC chart: which way is better, the target, and
    where both came from (shown on the page so the reader can check them)."""

    improvement: str  # "increase", "decrease" or "neutral" (the SPC engine's Improvement)
    target: float | None
    basis: str


def measure_target(
    kind: str, target: float | None, direction: str | None, threshold: str
) -> MeasureTarget:
    """An outcome takes its target from the contract and its direction from its NHS Outcomes
    Framework indicator ("higher" or "lower" is better). A quality requirement states its
    threshold in words, as in the NHS Standard Contract's Schedule 4 ("at least 90% of
    patients each month", "no more than 5 per quarter"): the number after the comparison is
    the target and the comparison gives the direction. Anything else is charted without a
    target (variation only, no assurance icon)."""
    if kind == "outcome":
        improvement = {"higher": "increase", "lower": "decrease"}.get(direction or "", "neutral")
        if target is None:
            return MeasureTarget(improvement, None, "No target in the contract")
        better = {"increase": "higher", "decrease": "lower"}.get(improvement)
        basis = "Target from the contract"
        if better:
            basis += f"; {better} is better (NHS Outcomes Framework indicator)"
        return MeasureTarget(improvement, target, basis)
    match = _THRESHOLD.match(threshold or "")
    if match is None:
        return MeasureTarget("neutral", None, "The threshold does not state a number to chart")
    op = match["op"].lower()
    improvement = "increase" if op in _HIGHER else "decrease"
    return MeasureTarget(
        improvement, float(match["number"]), f'Target read from the threshold "{threshold}"'
    )


# --- One risk profile per provider: when independent signals agree ----------------------------

PLATFORM, PUBLISHED, SOFT = "platform", "published", "soft"
GROUPS = {
    PLATFORM: "The platform's own signals",
    PUBLISHED: "Published indicators",
    SOFT: "Soft intelligence",
}
# Concerns count towards agreement for a year: the SHMI covers twelve months, a CQC rating
# stands until the next inspection, and the Francis report's warning signs spanned years.
AGREEMENT_WINDOW_DAYS = 365
AGREEMENT_GROUPS = 2


@dataclass(frozen=True)
class Signal:
    """One dated piece of evidence about a provider on its risk profile's timeline."""

    day: dt.date
    group: str  # PLATFORM, PUBLISHED or SOFT: who produced it, from what data
    source: str  # "CUSUM alert", "SHMI", "CQC rating", "Complaint", …
    text: str
    concern: bool
    link: str = ""


@dataclass(frozen=True)
class Proposal:
    """Independent signals agree: the evidence for an escalation case the quality lead may
    open (or not)."""

    groups: tuple[str, ...]
    evidence: tuple[Signal, ...]

    def summary(self) -> str:
        return "Independent signals agree: " + " and ".join(GROUPS[g].lower() for g in self.groups)

    def description(self) -> str:
        lines = [f"{s.day:%-d %B %Y}, {GROUPS[s.group].lower()}, {s.source}: {s.text}"
                 for s in self.evidence]  # fmt: skip
        return "The provider's risk profile shows concerns from independent sources:\n" + (
            "\n".join(f"- {line}" for line in lines)
        )


def agreement(signals: Iterable[Signal], today: dt.date, open_case: bool) -> Proposal | None:
    """An escalation case is proposed when concerns from at least two independent groups (the
    platform's own statistics on the contract's and the hospital's data; what is published
    nationally; what commissioners have heard) fall within the last year, and no case about
    the provider is open already (the evidence then belongs to that case). One group alone,
    however loud, is not agreement; old concerns are not either. docs/decisions.md 061."""
    if open_case:
        return None
    since = today - dt.timedelta(days=AGREEMENT_WINDOW_DAYS)
    recent = sorted((s for s in signals if s.concern and since <= s.day <= today),
                    key=lambda s: (s.day, s.group, s.source))  # fmt: skip
    groups = tuple(g for g in GROUPS if any(s.group == g for s in recent))
    if len(groups) < AGREEMENT_GROUPS:
        return None
    return Proposal(groups, tuple(recent))
