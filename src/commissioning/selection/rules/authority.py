"""Delegated authority: who may take a commissioning decision on a budget.

Source: Recommendation 130 (seed document 000): in the end it is the commissioner whose
decision must prevail. That a decision is taken only by a commissioner of the budget's
organisation to whom the board has delegated authority, up to a financial limit, for that
budget, in force on the day, is the platform's rule (docs/decisions.md 017). Clinical advisers
advise and providers propose (seed document 000); neither decides.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from commissioning import money


@dataclass(frozen=True)
class Delegation:
    budget_id: int
    limit_pence: int
    start_date: dt.date
    end_date: dt.date | None = None
    id: int | None = None

    def active_on(self, day: dt.date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


def authority_problem(
    is_commissioner_for_budget: bool,
    delegations: Iterable[Delegation],
    budget_id: int,
    value_pence: int,
    on: dt.date,
) -> tuple[Delegation | None, str]:
    """The delegation that lets a person decide ``value_pence`` on ``budget_id`` on ``on``, or
    ``None`` and why not."""
    if not is_commissioner_for_budget:
        return None, (
            "Only a commissioner of the organisation that holds the budget can take this decision."
        )
    for_budget = [d for d in delegations if d.budget_id == budget_id]
    active = [d for d in for_budget if d.active_on(on)]
    if not active:
        return None, "You do not hold delegated authority for this budget."
    enough = [d for d in active if d.limit_pence >= value_pence]
    if not enough:
        highest = max(d.limit_pence for d in active)
        return None, (
            f"Your delegated authority on this budget is up to {money.pounds_and_pence(highest)}; "
            f"this decision is worth {money.pounds_and_pence(value_pence)}. Refer it to someone "
            "with a higher limit."
        )
    return max(enough, key=lambda d: d.limit_pence), ""
