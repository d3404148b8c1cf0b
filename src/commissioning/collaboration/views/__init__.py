"""Commissioning together: consortia and their negotiating weight, primary care
co-commissioning (who decides each function, and the decisions), and pooled budgets (the
agreement, contributions, spending by scheme, the year-end risk share). Tables export as CSV.

One module per part of the pages (this package re-exports each view for the URLs)."""

from .action_plans import decide_action_plan, propose_action_plan  # noqa: F401
from .agreements import new_pool  # noqa: F401
from .consortia import consortium, consortium_csv, new_consortium  # noqa: F401
from .exports import pool_csv, pool_forecast_chart, pool_forecast_csv, pool_report_csv  # noqa: F401
from .pages import pool  # noqa: F401
from .pool_actions import (  # noqa: F401
    pool_commit,
    pool_contribute,
    pool_pay_share,
    pool_release,
    pool_settle,
    pool_spend,
)
from .primary_care import arrangement, new_arrangement  # noqa: F401
from .workspace import workspace  # noqa: F401
