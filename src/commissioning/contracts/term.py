"""A contract's term in months, as the specification gives it (pure: dates in, answers out)."""

from __future__ import annotations

import calendar
import datetime as dt


def months_later(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the month's last day where that month is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def within_term(start: dt.date, end: dt.date, term_months: int) -> bool:
    """Whether a contract from ``start`` to ``end`` (inclusive) lasts no longer than
    ``term_months``: it ends before the same day ``term_months`` later (1 May 2026 to 30 April
    2029 is 36 months; to 1 May 2029 is not)."""
    return end < months_later(start, term_months)
