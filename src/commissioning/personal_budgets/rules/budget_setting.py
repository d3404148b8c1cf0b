"""Setting a personal health budget: an indicative amount from a resource allocation table,
then the care and support plan's costed services, which the budget must cover in full (the
amount must be enough for the full cost of each service in the plan: docs/domain.md section 6,
[V] for the NHS (Direct Payments) Regulations 2010, reg 16; that the 2013 Regulations, reg 13,
say the same is [P]).

The resource allocation table is local configuration, not national rule: points for each
level of need in each care domain, a price per point, and a floor and ceiling. The indicative
budget is where the conversation starts; the plan sets the amount."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .eligibility import DOMAINS, Level

DEFAULT_POINTS = {Level.NO_NEEDS: 0, Level.LOW: 1, Level.MODERATE: 3, Level.HIGH: 6,
                  Level.SEVERE: 10, Level.PRIORITY: 16}  # fmt: skip


@dataclass(frozen=True)
class AllocationTable:
    pence_per_point: int
    points: Mapping[Level, int] = field(default_factory=lambda: dict(DEFAULT_POINTS))
    minimum_pence: int = 0
    maximum_pence: int | None = None
    domain_weights: Mapping[str, int] = field(default_factory=lambda: dict.fromkeys(DOMAINS, 1))


def indicative_budget(table: AllocationTable, ratings: Mapping[str, Level]) -> int:
    """Annual indicative budget in pence: the weighted points of the assessed needs times the
    price per point, within the table's floor and ceiling."""
    points = sum(table.points[level] * table.domain_weights.get(domain, 1)
                 for domain, level in ratings.items())  # fmt: skip
    amount = max(table.minimum_pence, points * table.pence_per_point)
    return amount if table.maximum_pence is None else min(amount, table.maximum_pence)


@dataclass(frozen=True)
class PlannedService:
    name: str
    annual_cost_pence: int


def shortfall(budget_pence: int, services: Sequence[PlannedService]) -> int:
    """How much more the budget needs to cover every service in the plan (0 if it does)."""
    return max(0, sum(s.annual_cost_pence for s in services) - budget_pence)
