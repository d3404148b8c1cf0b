"""The escalation process as pure rules (NHS Standard Contract, General Condition 9, contract
management): a case is opened by a concern or an alert; the commissioner may issue a contract
performance notice; a remedial action plan is agreed after the notice; the case is closed when
the plan's milestones are met (or with no plan, when the concern is resolved), or escalated.
"""

from __future__ import annotations

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
