"""Continuity of services and the priority list as pure rules.

Commissioner Requested Services (docs/domain.md section 2, NHS England's CRS policy): a
service must continue locally if a provider fails when (1) there is no alternative provider
close enough, OR (2) removing it would increase health inequalities, OR (3) removing it would
make dependent services unviable. Monitor's guidance of 28 March 2013 (same section) gives the
Designation Framework, a recommended process for deciding. That the tests only indicate, the
commissioner decides, and a decision against the tests' indication needs written reasons is
the platform's rule (docs/decisions.md 032).
"""

from __future__ import annotations

from dataclasses import dataclass

# Test 1: an area has "no alternative close enough" when, without the provider, no other
# provider is within the travel threshold; the test is met when such areas hold at least
# this share of the population the provider serves. The platform's own screen
# (docs/decisions.md 032); docs/domain.md section 2 gives no numeric test.
NO_ALTERNATIVE_SHARE = 0.05
# Test 2: the affected population is more deprived than the population served when the share
# of it in the two most deprived deciles exceeds the share in the population served by this
# many percentage points. The platform's own screen (docs/decisions.md 032), not a published
# threshold; docs/domain.md section 2 gives no numeric test.
INEQUALITY_MARGIN = 0.05


def is_crs(no_alternative: bool, increases_inequalities: bool, dependents_unviable: bool) -> bool:
    """``is_crs = no_alt_close_enough OR increases_inequalities OR makes_dependents_unviable``."""
    return bool(no_alternative or increases_inequalities or dependents_unviable)


def no_alternative(population_without: float, population_served: float) -> bool:
    if population_served <= 0:
        return False
    return population_without / population_served >= NO_ALTERNATIVE_SHARE


def increases_inequalities(deprived_share_affected: float, deprived_share_served: float) -> bool:
    return deprived_share_affected - deprived_share_served > INEQUALITY_MARGIN


def decision_problem(indicated: bool, designated: bool | None, rationale: str) -> str | None:
    """``None`` if the decision may be recorded, else why not."""
    if designated is None:
        return "Decide whether the service is a Commissioner Requested Service"
    if designated != indicated and not rationale.strip():
        return ("The decision differs from what the three tests indicate: record the reasons "
                "for it")  # fmt: skip
    return None


@dataclass(frozen=True)
class PriorityInputs:
    """Per service (contract): the provider's share of its patients' market (HHI of the areas
    it serves, 0..10,000), the share of its demand left unmet if it failed (0..1), the
    population it serves, and the share of that population in the two most deprived deciles."""

    hhi: float
    unmet_share: float
    population: float
    deprived_share: float


WEIGHTS = {"concentration": 0.3, "resilience": 0.4, "population": 0.15, "deprivation": 0.15}


def priority_score(item: PriorityInputs, largest_population: float) -> dict[str, float]:
    """A score from 0 to 100 for where alternative provision matters most: the weighted sum
    of concentration (HHI / 10,000), resilience shortfall (unmet share if the provider
    failed), affected population (against the largest) and deprivation (the share in the two
    most deprived deciles, where 0.2 is England's average, scaled so 0.6 or more scores 1).
    Each part is shown beside the score."""
    parts = {
        "concentration": min(max(item.hhi / 10_000, 0.0), 1.0),
        "resilience": min(max(item.unmet_share, 0.0), 1.0),
        "population": item.population / largest_population if largest_population > 0 else 0.0,
        "deprivation": min(max(item.deprived_share / 0.6, 0.0), 1.0),
    }
    score = 100 * sum(WEIGHTS[k] * v for k, v in parts.items())
    return {"score": score, **parts}
