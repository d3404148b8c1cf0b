"""The month-end page a finance lead uses for specialised commissioning: every service line's
budget, plan and spend to date, forecast outturn, variances and SPC alert; each line's
monthly spend as an XmR chart (SVG/PNG) and its figures as CSV."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from commissioning import money
from commissioning.organisations.models import Organisation
from commissioning.organisations.permissions import current_memberships
from commissioning.quality.charts import response as chart_response
from commissioning.quality.charts import spc_chart
from commissioning.ui.http import csv_response, guard, submit

from . import services
from .forms import MonthForm
from .models import LineBudget
from .permissions import READERS, Action, can


def _commissioner(request) -> Organisation:
    """The commissioner whose books are shown: ?commissioner=CODE, else the first the person
    reads the books of."""
    code = request.GET.get("commissioner")
    if code:
        org = get_object_or_404(Organisation, code=code)
    else:
        mine = [m.organisation for m in current_memberships(request.user) if m.role in READERS]
        with_budgets = [o for o in mine if LineBudget.objects.filter(commissioner=o).exists()]
        org = (with_budgets or mine or [None])[0]
        if org is None:
            guard(False)
    guard(can(request.user, Action.VIEW_FINANCE, org.pk))
    return org


def _positions(org):
    years = sorted(
        set(LineBudget.objects.filter(commissioner=org).values_list("year_start", flat=True))
    )
    if not years:
        return None, []
    year = years[-1]
    lines = LineBudget.objects.filter(commissioner=org, year_start=year)
    return year, [services.position(line) for line in lines.select_related("budget_account")]


def month_end(request):
    org = _commissioner(request)
    year, rows = _positions(org)
    totals = None
    if rows:
        totals = {
            k: sum(getattr(r.figures, k) for r in rows)
            for k in (
                "budget",
                "plan_to_date",
                "actual_to_date",
                "forecast",
                "variance_to_date",
                "forecast_variance",
            )
        }
    last = max((m.month for r in rows for m in r.months), default=None)
    return render(
        request,
        "specialised/month_end.html",
        {
            "org": org,
            "year": year,
            "rows": rows,
            "totals": totals,
            "last": last,
        },
    )


def month_end_csv(request):
    org = _commissioner(request)
    _, rows = _positions(org)
    response, writer = csv_response(f"specialised-month-end-{org.code}.csv")
    writer.writerow(
        [
            "service line",
            "budget (pence)",
            "plan to date (pence)",
            "spend to date (pence)",
            "variance to date (pence)",
            "forecast outturn (pence)",
            "forecast variance (pence)",
            "months",
            "SPC variation",
            "alert",
        ]
    )
    for r in rows:
        f = r.figures
        writer.writerow(
            [
                r.line.get_line_display(),
                f.budget,
                f.plan_to_date,
                f.actual_to_date,
                f.variance_to_date,
                f.forecast,
                f.forecast_variance,
                len(r.months),
                r.variation_icon or "",
                r.alert,
            ]
        )
    return response


def line(request, pk):
    budget = get_object_or_404(LineBudget.objects.select_related("commissioner"), pk=pk)
    guard(can(request.user, Action.VIEW_FINANCE, budget.commissioner_id))
    may = can(request.user, Action.MANAGE_FINANCE, budget.commissioner_id)
    form = MonthForm(request.POST or None)
    if request.method == "POST":
        guard(may)
        done = submit(
            request,
            form,
            lambda: services.record_month(
                budget,
                form.cleaned_data["month"],
                form.cleaned_data["spend_pence"],
                form.cleaned_data["activity"],
                request.user,
            ),
            "The month is recorded.",
            reverse("specialised-line", args=[budget.pk]),
        )
        if done:
            return done
    p = services.position(budget)
    return render(request, "specialised/line.html", {"p": p, "b": budget, "form": form, "may": may})


def line_chart(request, pk, fmt):
    budget = get_object_or_404(LineBudget, pk=pk)
    guard(can(request.user, Action.VIEW_FINANCE, budget.commissioner_id))
    p = services.position(budget)
    if not p.spc_points:
        raise Http404("The chart needs at least two months")
    points = [
        {
            "period": pt.period,
            "value": money.for_chart(pt.value),
            "mean": money.for_chart(pt.mean),
            "upl": money.for_chart(pt.upl),
            "lpl": money.for_chart(pt.lpl),
            "point_type": pt.point_type,
        }
        for pt in p.spc_points
    ]
    figure = spc_chart(points, f"{budget}: monthly spend", "£", budget.budget_pence / 1200)
    return chart_response(figure, fmt, f"spend-{budget.line}-{budget.year_start}")
