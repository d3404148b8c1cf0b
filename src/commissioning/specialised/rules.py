"""Month-end rules for specialised commissioning budgets. Pure functions, integer pence.

- **Plan to date**: the annual budget phased in equal twelfths (flat phasing, the platform's
  choice when no activity profile is agreed, docs/decisions.md 035): month m of the financial year
  (April = 1) has a plan to date of budget × m / 12, rounded down to the penny.
- **Forecast outturn**: spend to date plus the average of the last three months times the
  months left (a recent run rate: it follows a trend the year-to-date average would dilute);
  with fewer than three months, the average of those there are (decisions 035).
- **Variance**: plan minus actual (positive: under budget). Forecast variance: budget minus
  forecast outturn.
- **Alerts**: the monthly spend as an XmR chart (the Making Data Count rules, with a higher
  spend the direction of concern and a twelfth of the budget as the target): a special cause
  of concern, or a forecast overspend, raises an alert.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

RUN_RATE_MONTHS = 3

# Prescribed specialised service lines: the services are listed in the Prescribed Specialised
# Services Manual (docs/domain.md section 10); these lines and codes are the platform's own
# (docs/decisions.md 035).
SERVICE_LINES = {
    "ACC": "Adult critical care",
    "CHEMO": "Cancer: chemotherapy",
    "RENAL": "Renal dialysis",
    "NICU": "Neonatal critical care",
    "SECURE": "Adult secure mental health services",
    "CARDSURG": "Adult cardiac surgery",
    "HIV": "HIV services (adults)",
    "BURNS": "Burn care",
}


def plan_to_date(budget_pence: int, months: int) -> int:
    return budget_pence * months // 12


def forecast_outturn(actuals: Sequence[int]) -> int:
    """``actuals``: the months of the year so far, April first."""
    if not actuals:
        return 0
    recent = actuals[-RUN_RATE_MONTHS:]
    left = 12 - len(actuals)
    return sum(actuals) + round(sum(recent) * left / len(recent))


@dataclass(frozen=True)
class MonthEnd:
    budget: int
    plan_to_date: int
    actual_to_date: int
    forecast: int

    @property
    def variance_to_date(self) -> int:
        return self.plan_to_date - self.actual_to_date

    @property
    def forecast_variance(self) -> int:
        return self.budget - self.forecast


def month_end(budget_pence: int, actuals: Sequence[int]) -> MonthEnd:
    return MonthEnd(
        budget_pence,
        plan_to_date(budget_pence, len(actuals)),
        sum(actuals),
        forecast_outturn(actuals),
    )
