"""Working days and the Provider Selection Regime standstill.

Source: NHS England, "The Provider Selection Regime: statutory guidance" (2024) and the Health
Care Services (Provider Selection Regime) Regulations 2023 (SI 2023/1348): after a notice of
intention to award under direct award process C, the most suitable provider process or the
competitive process, a standstill period of 8 working days follows, counted from the day after
the notice is published. If a provider makes representations during standstill, the standstill
stays open while the authority reviews its decision; if the authority then goes ahead, a
further 5 working days pass, after which the provider may ask the Independent Patient Choice
and Procurement Panel for advice (section 11); not entering into the contract during those
days is the platform's reading. Working days exclude
Saturdays, Sundays and the bank holidays of England and Wales (docs/domain.md sections 9 and 11).

Bank holidays come from the ``holidays`` package (England subdivision of the United Kingdom,
which Wales shares), which includes one-off days such as the State Funeral of Queen Elizabeth II
on 19 September 2022 and the Coronation on 8 May 2023.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import holidays

STANDSTILL_WORKING_DAYS = 8
AFTER_REPRESENTATIONS_WORKING_DAYS = 5


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday, and not a bank holiday in England and Wales."""
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start`` (``start`` itself is not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    remaining = days
    while remaining:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end``."""
    count, current = 0, start
    while current < end:
        current += dt.timedelta(days=1)
        count += is_working_day(current)
    return count


@dataclass(frozen=True)
class Standstill:
    notice_published: dt.date
    last_day: dt.date

    @property
    def contract_may_be_entered_from(self) -> dt.date:
        """The first day after the standstill on which the contract may be entered into."""
        return self.last_day + dt.timedelta(days=1)

    def is_over(self, today: dt.date) -> bool:
        return today > self.last_day


def standstill(notice_published: dt.date) -> Standstill:
    """The standstill that follows a notice of intention to award published on that day.

    Counting starts the day after publication, so the 8th working day after it is the last.
    """
    return Standstill(notice_published, add_working_days(notice_published, STANDSTILL_WORKING_DAYS))


def standstill_after_representations(decision_to_proceed: dt.date) -> Standstill:
    """After representations are reviewed and the authority decides to go ahead, 5 more
    working days pass before the contract may be entered into."""
    return Standstill(
        decision_to_proceed,
        add_working_days(decision_to_proceed, AFTER_REPRESENTATIONS_WORKING_DAYS),
    )
