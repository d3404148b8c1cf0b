"""Read-only views of quality data for the workspace: the A&E four-hour standard as SPC
charts and a funnel, and the latest mortality (SHMI) results.

The four-hour standard: the share of A&E attendances admitted, transferred or discharged
within four hours (docs/glossary.md), all department types together. The 95% target is the
platform's setting (``FOUR_HOUR_TARGET``): the reference docs do not state it, so it is
unsourced here. The figures come from the real monthly A&E data in
``reference.AEAttendance``; the methods from ``engine.quality``.

The SPC and funnels are computed when their figures change, not on every request: each result
is kept until the data's version moves on (``audit.stored``; every import and every recorded
measurement is a revision of the audit trail).
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from django.db.models import Sum

from commissioning.audit.stored import stored
from commissioning.engine.quality.charts import (
    ChartOptions,
    better_way,
    chart_polars,
    chart_summaries,
    choose_chart,
)
from commissioning.engine.quality.constants import Chart
from commissioning.engine.quality.funnel import Method, Overdispersion, funnel_numpy
from commissioning.engine.quality.spc import Improvement, SpcOptions, spc_polars, summaries_polars
from commissioning.organisations.models import Organisation
from commissioning.reference.models import AEAttendance

from .models import MortalityRun, QualityMeasurement
from .rules import measure_target

FOUR_HOUR_TARGET = 95.0
AE_OPTIONS = SpcOptions(improvement=Improvement.INCREASE, target=FOUR_HOUR_TARGET)

VARIATION = {
    "common_cause": "Common cause variation",
    "improvement_high": "Special cause variation: improvement (higher)",
    "improvement_low": "Special cause variation: improvement (lower)",
    "concern_high": "Special cause variation: concern (higher)",
    "concern_low": "Special cause variation: concern (lower)",
    "neutral_high": "Special cause variation: neither better nor worse (higher)",
    "neutral_low": "Special cause variation: neither better nor worse (lower)",
}
ASSURANCE = {
    "consistent_pass": "Consistently passes the target",
    "consistent_fail": "Consistently fails the target",
    "inconsistent": "Hits and misses the target: not assured",
    None: "No target",
}
RULES = {
    "outside_limits": "A point outside the process limits",
    "shift": "A run of points on one side of the mean",
    "trend": "A run of points rising or falling",
    "two_in_three": "Two of three points near a limit",
    "long_run": "A run on one side of the median longer than chance allows",
    None: "",
}


def names() -> dict[str, str]:
    return {o.code: o.display_name for o in Organisation.objects.all()}


def ae_monthly() -> pl.DataFrame:
    """Per trust and month: attendances, breaches and the percentage within four hours."""
    return stored("ae-monthly", _ae_monthly)


def _ae_monthly() -> pl.DataFrame:
    rows = (
        AEAttendance.objects.values("org_code", "period")
        .annotate(attendances=Sum("attendances"), breaches=Sum("breaches"))
        .order_by("org_code", "period")
    )
    frame = pl.DataFrame(
        list(rows),
        schema={"org_code": pl.String, "period": pl.Date, "attendances": pl.Int64,
                "breaches": pl.Int64},
    )  # fmt: skip
    return frame.filter(pl.col("attendances") > 0).with_columns(
        (100 * (1 - pl.col("breaches") / pl.col("attendances"))).alias("within_4h")
    )


def ae_spc(org_code: str | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """SPC points and per-trust icons of the percentage within four hours."""
    return stored("ae-spc", lambda: _ae_spc(org_code), org_code or "")


def _ae_spc(org_code: str | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    monthly = ae_monthly()
    if org_code:
        monthly = monthly.filter(pl.col("org_code") == org_code)
    frame = monthly.select(
        pl.col("org_code").alias("group"), "period", pl.col("within_4h").alias("value")
    )
    if frame.is_empty():
        return frame, pl.DataFrame()
    points = spc_polars(frame, AE_OPTIONS)
    return points, summaries_polars(points, AE_OPTIONS)


def ae_summary() -> list[dict]:
    """One row per trust: its latest month, the mean, and the icons."""
    return stored("ae-summary", _ae_summary)


def _ae_summary() -> list[dict]:
    points, icons = ae_spc()
    if points.is_empty():
        return []
    last = points.group_by("group").agg(pl.all().sort_by("period").last())
    table = last.join(icons, on="group").sort("group")
    label = names()
    return [
        {
            "code": r["group"],
            "name": label.get(r["group"], r["group"]),
            "period": r["period"],
            "value": r["value"],
            "mean": r["mean"],
            "point_type": r["point_type"],
            "variation_icon": r["variation_icon"],
            "variation": VARIATION.get(r["variation_icon"], ""),
            "assurance_icon": r["assurance_icon"],
            "assurance": ASSURANCE.get(r["assurance_icon"], ""),
        }
        for r in table.iter_rows(named=True)
    ]


def ae_periods() -> list[dt.date]:
    return list(
        AEAttendance.objects.order_by("-period").values_list("period", flat=True).distinct()
    )


def ae_funnel(period: dt.date, overdispersion: Overdispersion):
    """The funnel of four-hour breach proportions across trusts for one month."""
    month = ae_monthly().filter(pl.col("period") == period).sort("org_code")
    if month.is_empty():
        return None
    return funnel_numpy(
        month["org_code"].to_list(),
        month["breaches"].to_list(),
        month["attendances"].to_list(),
        Method.PROPORTION,
        overdispersion,
    )


def latest_run():

    return MortalityRun.objects.first()


def schedule_target(item):
    """How a quality schedule line is charted (``rules.measure_target``)."""

    return measure_target(
        item.kind,
        float(item.target) if item.target is not None else None,
        item.indicator.direction if item.indicator_id else None,
        item.threshold,
    )


def phases(points: list[dict], improvement: str = "neutral") -> list[dict]:
    """The phases of a chart's points, in order: where each starts and ends, its mean and its
    process limits (one phase unless a shift started another), and for each after the first
    whether its mean moved ``higher`` or ``lower`` and, by the line's direction, whether that
    is an ``improvement``, a ``concern`` or (no direction) ``neutral``."""
    found: list[dict] = []
    for p in points:
        if not found or found[-1]["phase"] != p.get("phase", 1):
            found.append({"phase": p.get("phase", 1), "start": p["period"], "mean": p["mean"],
                          "lpl": p["lpl"], "upl": p["upl"], "points": 0})  # fmt: skip
            if len(found) > 1:
                up = found[-1]["mean"] > found[-2]["mean"]
                sign = Improvement(improvement).sign * (1 if up else -1)
                found[-1]["moved"] = "higher" if up else "lower"
                found[-1]["kind"] = {1: "improvement", -1: "concern"}.get(sign, "neutral")
        found[-1]["end"] = p["period"]
        found[-1]["points"] += 1
    return found


def chart_for(item, measurements) -> Chart:
    """The line's chart: the one chosen by hand, or the one for what it measures
    (``engine.quality.charts.choose_chart``; p′ or u′ when the denominators are large)."""
    if item.chart:
        return Chart(item.chart)
    denominators = [float(m.denominator) for m in measurements if m.denominator]
    mean = sum(denominators) / len(denominators) if denominators else None
    return choose_chart(item.measures, mean)


def schedule_spc(item, measurements=None) -> tuple[list[dict], dict, object]:
    """SPC points, icons and the target basis of one quality schedule line's monthly figures,
    on the chart for what the line measures. ``measurements`` may be passed when already
    fetched (in period order)."""

    target = schedule_target(item)
    if measurements is None:
        measurements = QualityMeasurement.objects.filter(item=item).order_by("period")
    measurements = list(measurements)
    chart = chart_for(item, measurements)
    improvement = better_way(item.measures) or Improvement(target.improvement)
    ratio = chart.needs_denominator
    frame = pl.DataFrame(
        {
            "group": [str(item.pk)] * len(measurements),
            "period": [m.period for m in measurements],
            "value": [
                (float(m.numerator) if m.numerator is not None else None)
                if ratio
                else float(m.value)
                for m in measurements
            ],
            "denominator": [
                float(m.denominator) if m.denominator is not None else None for m in measurements
            ],
        },
        schema={
            "group": pl.String,
            "period": pl.Date,
            "value": pl.Float64,
            "denominator": pl.Float64,
        },
    )
    if frame.is_empty():
        return [], {"chart": chart.value, "chart_label": chart.label}, target
    # An XmR chart recalculates the mean and limits where a shift shows the process has moved
    # (Making Data Count; engine.quality.spc's docstring): each phase against its own limits.
    options = ChartOptions(
        chart=chart,
        improvement=improvement,
        target=target.target,
        per=float(item.per) if ratio else 1.0,
        recalculate_on_shift=chart is Chart.XMR,
    )
    points = chart_polars(frame, options)
    if points.is_empty():
        return [], {"chart": chart.value, "chart_label": chart.label}, target
    icons = chart_summaries(points, options).row(0, named=True)
    last = phases(points.to_dicts(), improvement.value)[-1]
    icons = {
        # how the last phase's mean compares with the one before (a phase starts on a shift the
        # improving way; "concern" only if its later months fell back below where it started)
        "shifted": last.get("kind"),
        "variation_icon": icons["variation_icon"],
        "variation": VARIATION.get(icons["variation_icon"], ""),
        "assurance_icon": icons["assurance_icon"],
        "assurance": ASSURANCE.get(icons["assurance_icon"], ""),
        "chart": chart.value,
        "chart_label": chart.label,
    }
    return points.to_dicts(), icons, target
