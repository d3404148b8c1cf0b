"""The in-year forecast of a pooled budget's schemes, and what the risk share would do if the
year ended as forecast. Pure functions, integer pence.

The pooled fund manager reports on under- and overspends and proposes an action plan for the
partners to decide (docs/domain.md section 5). Agreements meet an overspend in an order that
includes cutting uncommitted scheme spending, which only means something before the year
ends: at year end everything has been spent or not. So the order is applied here to the
forecast, the early warning, and at year end to what was spent (``pooled.settle_year``).

- **Forecast outturn**: spend to date plus the run rate of the last three complete months
  times the months left (the rule of the specialised commissioning month end,
  ``specialised.rules.forecast_outturn``), and never less than what is spent and committed:
  money committed (an order placed, a contract signed) will be spent.
- **Uncommitted**: what the forecast expects the scheme to spend in the rest of the year
  beyond its commitments, ``forecast − spent − committed`` (never below 0). This is what the
  partners could still decide not to spend; committed money cannot be cut.
- **Action plan**: the fund manager proposes actions for a forecast overspend, with the
  uncommitted spending each scheme will not make (a cut is at most the scheme's uncommitted
  spending); the partners, as the management group, decide: the plan is agreed when every
  partner agrees and rejected when any partner disagrees (each partner bears its own risks
  unless the agreement says otherwise, so none can be bound by the others). An agreed plan's
  cuts come off the forecast.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TypeVar

from commissioning import money
from commissioning.specialised.rules import forecast_outturn

from . import risk_share

K = TypeVar("K")


@dataclass(frozen=True)
class SchemeForecast:
    name: str
    lead: str
    budget_pence: int
    spent_pence: int  # to the end of the last complete month
    committed_pence: int  # outstanding commitments
    forecast_pence: int
    monthly: tuple[int, ...] = ()  # each complete month's spending, April first

    @property
    def uncommitted_pence(self) -> int:
        return max(0, self.forecast_pence - self.spent_pence - self.committed_pence)

    @property
    def variance_pence(self) -> int:
        """Budget minus forecast: positive under budget, negative over."""
        return self.budget_pence - self.forecast_pence

    def as_scheme(self) -> risk_share.Scheme:
        return risk_share.Scheme(
            self.name, self.lead, self.budget_pence, self.forecast_pence, self.uncommitted_pence
        )


def forecast_scheme(
    name: str, lead: str, budget_pence: int, monthly: Sequence[int], committed_pence: int
) -> SchemeForecast:
    """``monthly``: the scheme's spending in each complete month of the year, April first."""
    if not 1 <= len(monthly) <= 12:
        raise ValueError("A forecast needs between one and twelve complete months")
    if committed_pence < 0:
        raise ValueError("Outstanding commitments cannot be negative")
    spent = sum(monthly)
    forecast = max(forecast_outturn(monthly), spent + committed_pence)
    return SchemeForecast(
        name, lead, budget_pence, spent, committed_pence, forecast, tuple(monthly)
    )


def with_cuts(s: SchemeForecast, cut_pence: int) -> SchemeForecast:
    """The scheme's forecast once an agreed plan stops ``cut_pence`` of its uncommitted
    spending (never below what is spent and committed)."""
    if cut_pence < 0:
        raise ValueError("A cut cannot be negative")
    forecast = max(s.forecast_pence - cut_pence, s.spent_pence + s.committed_pence)
    return replace(s, forecast_pence=forecast)


def cut_problems(cuts: Mapping[K, int], schemes: Mapping[K, SchemeForecast]) -> dict[K, str]:
    """What is wrong with an action plan's cuts, by scheme (keyed alike): a cut is more than
    £0 and at most the scheme's uncommitted spending (committed money cannot be cut)."""
    out = {}
    for key, pence in cuts.items():
        scheme = schemes.get(key)
        if scheme is None:
            out[key] = "Not a scheme of this pool"
        elif pence <= 0:
            out[key] = "A cut is more than £0"
        elif pence > scheme.uncommitted_pence:
            out[key] = (
                f"At most its uncommitted spending, "
                f"{money.pounds_and_pence(scheme.uncommitted_pence)}"
                ": committed money cannot be cut"
            )
    return out


class PlanStatus(StrEnum):
    PROPOSED = "proposed"
    AGREED = "agreed"
    REJECTED = "rejected"


def plan_status(decisions: Mapping[str, bool], partners: Sequence[str]) -> PlanStatus:
    """The management group's decision so far: ``decisions`` is each partner's agreement
    (True) or disagreement (False) recorded so far."""
    if any(decisions.get(p) is False for p in partners):
        return PlanStatus.REJECTED
    if partners and all(decisions.get(p) is True for p in partners):
        return PlanStatus.AGREED
    return PlanStatus.PROPOSED


def if_the_year_ends_as_forecast(
    policy: risk_share.Policy,
    contributions: Mapping[str, int],
    schemes: Sequence[SchemeForecast],
) -> risk_share.Settlement:
    """The risk share applied to the forecast: which step would cover how much of the
    forecast overspend, and what each partner would pay or get back."""
    return risk_share.settle(policy, contributions, [s.as_scheme() for s in schemes])
