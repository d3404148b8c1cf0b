"""Specialised commissioning in the JSON API: each service line's month-end position, and a
month's spend and activity recorded.
"""

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from commissioning.organisations.models import Organisation
from commissioning.specialised import services as specialised
from commissioning.specialised.models import LineBudget
from commissioning.specialised.permissions import Action as FinanceAction
from commissioning.specialised.permissions import can as can_finance

from .common import _allow
from .types import Id, RequestBody

router = Router()


class LinePositionOut(Schema):
    line: str
    name: str
    year_start: int
    budget_pence: int
    plan_to_date_pence: int
    actual_to_date_pence: int
    forecast_outturn_pence: int
    forecast_variance_pence: int
    months: int
    variation_icon: str | None
    alert: str


@router.get(
    "/specialised/{commissioner_code}/month-end",
    response=list[LinePositionOut],
    tags=["specialised commissioning"],
)
def month_end(request, commissioner_code: str):
    """Each specialised service line's month-end position for the latest year."""
    org = get_object_or_404(Organisation, code=commissioner_code.upper())
    _allow(
        can_finance(request.user, FinanceAction.VIEW_FINANCE, org.pk),
        "see this commissioner's specialised budgets",
    )
    lines = LineBudget.objects.filter(commissioner=org)
    latest = max(lines.values_list("year_start", flat=True), default=None)
    return [_line_position(line) for line in lines.filter(year_start=latest)]


def _line_position(line: LineBudget) -> LinePositionOut:
    p = specialised.position(line)
    f = p.figures
    return LinePositionOut(
        line=line.line,
        name=line.get_line_display(),
        year_start=line.year_start,
        budget_pence=f.budget,
        plan_to_date_pence=f.plan_to_date,
        actual_to_date_pence=f.actual_to_date,
        forecast_outturn_pence=f.forecast,
        forecast_variance_pence=f.forecast_variance,
        months=len(p.months),
        variation_icon=p.variation_icon,
        alert=p.alert,
    )


class MonthIn(RequestBody):
    month: dt.date = Field(description="Any day of the month the figures are for")
    spend_pence: int = Field(ge=0)
    activity: int = Field(ge=0, description="Activity in the line's unit (spells, patients)")


@router.post(
    "/specialised/lines/{line_id}/months",
    response=LinePositionOut,
    tags=["specialised commissioning"],
)
def record_month(request, line_id: Id, payload: MonthIn):
    """Record a service line's spend and activity for a month (a finance lead of its
    commissioner); the answer is the line's month-end position."""
    line = get_object_or_404(LineBudget.objects.select_related("commissioner"), pk=line_id)
    _allow(can_finance(request.user, FinanceAction.VIEW_FINANCE, line.commissioner_id),
           "see this commissioner's specialised budgets")  # fmt: skip
    _allow(can_finance(request.user, FinanceAction.MANAGE_FINANCE, line.commissioner_id),
           "record this commissioner's specialised spending")  # fmt: skip
    specialised.record_month(
        line, payload.month, payload.spend_pence, payload.activity, request.user
    )
    return _line_position(line)
