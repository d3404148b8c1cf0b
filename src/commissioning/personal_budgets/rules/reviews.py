"""When a personal health budget is reviewed: at least once within the first three months, then
at least every twelve months after the last review. docs/domain.md section 6 marks this timing
[U] (probably right, but not seen in a source)."""

from __future__ import annotations

import calendar
import datetime as dt
from enum import StrEnum

FIRST_REVIEW_MONTHS = 3
REVIEW_EVERY_MONTHS = 12


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day if it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def next_review_due(plan_start: dt.date, last_review: dt.date | None) -> dt.date:
    if last_review is None:
        return add_months(plan_start, FIRST_REVIEW_MONTHS)
    return add_months(last_review, REVIEW_EVERY_MONTHS)


class ReviewStatus(StrEnum):
    NOT_DUE = "not_due"
    DUE = "due"  # within the next 28 days
    OVERDUE = "overdue"


def status(due: dt.date, today: dt.date, warning_days: int = 28) -> ReviewStatus:
    if today > due:
        return ReviewStatus.OVERDUE
    if (due - today).days <= warning_days:
        return ReviewStatus.DUE
    return ReviewStatus.NOT_DUE
