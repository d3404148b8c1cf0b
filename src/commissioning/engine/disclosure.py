"""Statistical disclosure control for figures about small numbers of people.

A count of people is shown only when it is more than ``SUPPRESSION_THRESHOLD``; a count of 7
or fewer (including none, so that a true zero cannot be told from a small count) is shown as
"7 or fewer", and every count shown is rounded to the nearest ``ROUNDING_MULTIPLE``. These are
the thresholds of OpenSAFELY's disclosure control for NHS patient data (ehrql
``measures/disclosure_control.py``: ``SUPPRESSION_THRESHOLD = 7``, ``ROUNDING_MULTIPLE = 5``;
https://docs.opensafely.org/releasing-files/; docs/decisions.md 037). The project's
CONVENTIONS.md names only ``SUPPRESSION_THRESHOLD = 7``; the multiple of 5 follows ehrql's
practice.

A total of money that follows people (budgets allocated, money spent) is shown only when more
than ``SUPPRESSION_THRESHOLD`` people contribute to it: with fewer, a reader who knows some of
them could work out another's budget. A total shown is exact (this project's choice: finance
leads reconcile it with the ledger, and it comes from at least eight people).

Pure functions, integers only.
"""

from __future__ import annotations

from dataclasses import dataclass

SUPPRESSION_THRESHOLD = 7
ROUNDING_MULTIPLE = 5
SUPPRESSED_TEXT = f"{SUPPRESSION_THRESHOLD} or fewer"


def _check(n: int, what: str) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"{what} must be a whole number, 0 or more (got {n!r})")


def count(n: int) -> int | None:
    """The count as it may be shown: ``None`` for 7 or fewer (suppressed), otherwise rounded
    to the nearest 5. Integer arithmetic: an integer is never exactly half way between two
    multiples of 5, so there are no ties to break."""
    _check(n, "A count of people")
    if n <= SUPPRESSION_THRESHOLD:
        return None
    return (n + ROUNDING_MULTIPLE // 2) // ROUNDING_MULTIPLE * ROUNDING_MULTIPLE


def total(amount: int, contributors: int) -> int | None:
    """A total that follows ``contributors`` people, as it may be shown: ``None`` when 7 or
    fewer people contribute to it, otherwise the total itself."""
    _check(contributors, "The number of people behind a total")
    return None if contributors <= SUPPRESSION_THRESHOLD else amount


@dataclass(frozen=True)
class Shown:
    """A figure after disclosure control: ``value`` is ``None`` when it is not shown."""

    value: int | None
    rounded: bool = False  # a count (rounded to the nearest 5); otherwise a total of money

    @property
    def suppressed(self) -> bool:
        return self.value is None


def shown_count(n: int) -> Shown:
    return Shown(count(n), rounded=True)


def shown_total(amount: int, contributors: int) -> Shown:
    return Shown(total(amount, contributors))
