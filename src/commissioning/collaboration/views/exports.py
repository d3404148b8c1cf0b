"""A pooled budget's exports: figures, quarterly report and forecast (CSV), and the chart."""

from __future__ import annotations

from django.http import Http404

from commissioning.quality.charts import response as chart_response
from commissioning.ui.http import csv_response

from .. import pooled
from ..charts import forecast_chart
from ..queries import pool_figures
from .pages import _commitments, _forecast_rows


def pool_csv(request, pk):
    p = pooled.readable_pool(request.user, pk)
    partners, schemes = pool_figures(p)
    response, writer = csv_response(f"pooled-budget-{p.pk}.csv")
    writer.writerow(
        [
            "kind",
            "name",
            "lead, partner or scheme",
            "budget, agreed or committed (pence)",
            "spent, paid or spent against (pence)",
            "variance, due or outstanding (pence)",
            "of which integrated personal budgets (pence)",
        ]
    )
    for r in schemes:
        writer.writerow(
            [
                "scheme",
                r["s"].name,
                r["s"].lead.organisation.code,
                r["s"].budget_pence,
                r["spent"],
                r["variance"],
                r["integrated"],
            ]
        )
    for r in _commitments(p):
        writer.writerow(
            [
                "commitment",
                f"{r['c'].reference}: {r['c'].supplier}",
                r["c"].scheme.name,
                r["c"].amount_pence,
                r["spent"],
                r["outstanding"],
                "",
            ]
        )
    for r in partners:
        writer.writerow(
            [
                "partner",
                r["p"].organisation.display_name,
                r["p"].organisation.code,
                r["p"].contribution_pence,
                r["paid"],
                r["due"],
                "",
            ]
        )
    return response


def pool_report_csv(request, pk):
    p = pooled.readable_pool(request.user, pk)
    year = pooled.pool_year(p)
    quarters = pooled.report(p, year)
    response, writer = csv_response(f"pooled-budget-{p.pk}-{year}-report.csv")
    names = list(quarters[0].spend_by_scheme) if quarters else []
    writer.writerow(
        [
            "quarter",
            "from",
            "to",
            "contributions (pence)",
            *[f"{n} (pence)" for n in names],
            "spend (pence)",
            "spend to date (pence)",
            "budget to date (pence)",
            "variance to date (pence)",
            "fund balance at end (pence)",
        ]
    )
    for q in quarters:
        writer.writerow(
            [
                q.label,
                q.start,
                q.end,
                q.contributions,
                *[q.spend_by_scheme[n] for n in names],
                q.spend,
                q.spend_to_date,
                q.budget_to_date,
                q.variance_to_date,
                q.balance_at_end,
            ]
        )
    writer.writerow(
        [
            "Year",
            quarters[0].start,
            quarters[-1].end,
            sum(q.contributions for q in quarters),
            *[sum(q.spend_by_scheme[n] for q in quarters) for n in names],
            sum(q.spend for q in quarters),
            quarters[-1].spend_to_date,
            quarters[-1].budget_to_date,
            quarters[-1].variance_to_date,
            quarters[-1].balance_at_end,
        ]
    )
    return response


def pool_forecast_csv(request, pk):
    p = pooled.readable_pool(request.user, pk)
    year = pooled.pool_year(p)
    rows = _forecast_rows(p, year)
    if rows is None:
        raise Http404("There is no forecast: the year has not had a complete month, or has ended")
    f = rows["f"]
    response, writer = csv_response(f"pooled-budget-{p.pk}-{year}-forecast.csv")
    writer.writerow(["Forecast at", f.as_at.isoformat(), f"{f.months} complete months"])
    writer.writerow(
        [
            "scheme",
            "lead",
            "budget (pence)",
            "spent to date (pence)",
            "committed (pence)",
            "forecast outturn (pence)",
            "under (+) or over (-) (pence)",
            "uncommitted (pence)",
        ]
    )
    for s in f.schemes:
        writer.writerow(
            [
                s.name,
                s.lead,
                s.budget_pence,
                s.spent_pence,
                s.committed_pence,
                s.forecast_pence,
                s.variance_pence,
                s.uncommitted_pence,
            ]
        )
    writer.writerow([])
    writer.writerow(["If the year ends as forecast", "pence"])
    writer.writerow(["Forecast overspend", rows["result"].total_overspend])
    for label, pence in rows["steps"]:
        writer.writerow([label, pence])
    writer.writerow([])
    writer.writerow(
        ["partner", "would pay towards the overspend (pence)", "would get back (pence)"]
    )
    for name, pays, back in rows["partners"]:
        writer.writerow([name, pays, back])
    return response


def pool_forecast_chart(request, pk, fmt):
    p = pooled.readable_pool(request.user, pk)
    year = pooled.pool_year(p)
    f = pooled.forecast(p, year)
    if f is None:
        raise Http404("There is no forecast: the year has not had a complete month, or has ended")
    figure = forecast_chart(f.schemes, f"{p.name}: spending and forecast at {f.as_at:%-d %B %Y}")
    return chart_response(figure, fmt, f"pooled-budget-{p.pk}-{year}-forecast")


def _scheme_rows(p, f) -> list[dict]:
    """The forecast's schemes with their ids (both follow the schemes' order)."""
    return [
        {"pk": s.pk, "name": row.name, "uncommitted": row.uncommitted_pence}
        for s, row in zip(p.schemes.all(), f.schemes, strict=True)
    ]
