"""The chart for each kind of measure (run, p, p′, u, u′, c, g, t): the specification, run on
both engines, each chart against a published worked example, and a property test that the
reference and Polars engines agree (docs/statistics.md section 1a)."""

from __future__ import annotations

import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binom

from commissioning.engine.quality.charts import (
    ChartOptions,
    chart_polars,
    chart_reference,
    chart_summaries,
    choose_chart,
    run_limits,
    run_signals,
)
from commissioning.engine.quality.constants import Chart, Measures


def run_reference(rows, options):
    points, summaries = chart_reference(rows, options)
    return (
        [p.__dict__ for p in points],
        {s.group: (s.variation_icon, s.assurance_icon) for s in summaries},
    )


def run_polars(rows, options):
    frame = pl.DataFrame(
        rows,
        schema={"group": pl.String, "period": pl.Int64, "value": pl.Float64,
                "denominator": pl.Float64},
        orient="row",
    )  # fmt: skip
    points = chart_polars(frame, options)
    summaries = chart_summaries(points, options)
    return (
        points.to_dicts(),
        {r["group"]: (r["variation_icon"], r["assurance_icon"])
         for r in summaries.iter_rows(named=True)},
    )  # fmt: skip


@pytest.fixture(params=["reference", "polars"])
def chart(request):
    engine = run_reference if request.param == "reference" else run_polars

    def _run(kind, values, denominators=None, group="A", **options):
        denominators = denominators or [None] * len(values)
        if isinstance(denominators, int | float):
            denominators = [denominators] * len(values)
        rows = [(group, i, v, n) for i, (v, n) in enumerate(zip(values, denominators,
                                                                 strict=True))]  # fmt: skip
        return engine(rows, ChartOptions(chart=kind, **options))

    return _run


def rules(points):
    return [p["rule"] for p in points]


# --- Montgomery, Introduction to Statistical Quality Control (6th edition, 2009) -------------

# Example 6.1 (section 7.2.1 in later editions): frozen orange juice cans, 30 samples of 50,
# the number of nonconforming cans in each. Published: p̄ = 0.2313, UCL = 0.4102,
# LCL = 0.0524; samples 15 and 23 above the upper limit.
ORANGE_JUICE = [12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22, 8, 10, 5, 13, 11, 20, 18,
                24, 15, 9, 12, 7, 13, 9, 6]  # fmt: skip


def test_p_chart_montgomery_orange_juice(chart):
    points, _ = chart("p", ORANGE_JUICE, 50)
    assert sum(ORANGE_JUICE) == 347
    assert points[0]["mean"] == pytest.approx(0.2313, abs=5e-5)
    assert points[0]["upl"] == pytest.approx(0.4102, abs=5e-5)
    assert points[0]["lpl"] == pytest.approx(0.0524, abs=5e-5)
    beyond = [i + 1 for i, p in enumerate(points) if p["rule"] == "outside_limits"]
    assert beyond == [15, 23]


def test_p_chart_scales_per_hundred(chart):
    points, _ = chart("p", ORANGE_JUICE, 50, per=100)
    assert points[0]["mean"] == pytest.approx(23.13, abs=5e-3)
    assert points[14]["value"] == pytest.approx(44.0)


def test_p_chart_limits_follow_each_denominator(chart):
    points, _ = chart("p", [10, 10], [50, 200])
    centre = 20 / 250
    for p, n in zip(points, (50, 200), strict=True):
        assert p["upl"] == pytest.approx(centre + 3 * math.sqrt(centre * (1 - centre) / n))
    assert points[0]["upl"] > points[1]["upl"]


def test_a_month_without_a_denominator_is_left_out_not_taken_as_zero(chart):
    points, _ = chart("p", [10, 10, 12], [50, None, 50])
    assert [p["period"] for p in points] == [0, 2]


# --- Choosing the chart -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("measures", "mean_denominator", "expected"),
    [
        (Measures.VALUE, None, Chart.XMR),
        (Measures.PROPORTION, 200, Chart.P),
        (Measures.PROPORTION, 999.9, Chart.P),
        (Measures.PROPORTION, 1000, Chart.P_PRIME),
        (Measures.RATE, 80, Chart.U),
        (Measures.RATE, 40_000, Chart.U_PRIME),
        (Measures.COUNT, None, Chart.C),
        (Measures.CASES_BETWEEN, None, Chart.G),
        (Measures.DAYS_BETWEEN, None, Chart.T),
    ],
)
def test_the_chart_follows_what_the_line_measures(measures, mean_denominator, expected):
    assert choose_chart(measures, mean_denominator) is expected


# --- The engines agree --------------------------------------------------------------------------


def _close(a, b):
    if a is None or b is None or (isinstance(a, float) and math.isnan(a)):
        return (a is None or math.isnan(a)) and (b is None or math.isnan(b))
    return a == pytest.approx(b, rel=1e-9, abs=1e-12)


series = st.lists(st.tuples(st.integers(0, 60), st.integers(1, 5000)), min_size=1, max_size=40)


@settings(max_examples=120, deadline=None)
@given(kind=st.sampled_from(list(Chart)), data=series, groups=st.integers(1, 3))
def test_reference_and_polars_engines_agree(kind, data, groups):
    rows = []
    for g in range(groups):
        for i, (x, n) in enumerate(data[g::groups] or data):
            value = min(x, n) if kind in (Chart.P, Chart.P_PRIME) else x
            rows.append((f"G{g}", i, float(value), float(n)))
    options = ChartOptions(chart=kind, improvement="increase", target=10.0)
    ref_points, ref_icons = run_reference(rows, options)
    fast_points, fast_icons = run_polars(rows, options)
    assert len(ref_points) == len(fast_points)
    for a, b in zip(ref_points, fast_points, strict=True):
        assert (a["group"], a["period"]) == (b["group"], b["period"])
        for key in ("value", "mean", "lpl", "upl", "near_lpl", "near_upl"):
            assert _close(a[key], b[key]), (kind, key, a[key], b[key])
        assert (a["rule"], a["direction"], a["point_type"], a["phase"]) == (
            b["rule"], b["direction"], b["point_type"], b["phase"]
        ), (kind, a, b)  # fmt: skip
    assert ref_icons == fast_icons


# --- Run charts (Anhøj & Olesen 2014) -----------------------------------------------------------


def test_run_chart_limits_are_anhojs_formulas():
    for useful in range(2, 101):
        longest, fewest = run_limits(useful)
        assert longest == round(math.log2(useful) + 3)
        # the 5th percentile of Binomial(useful - 1, 1/2), as R's qbinom(0.05, n - 1, 0.5)
        assert fewest == int(binom.ppf(0.05, useful - 1, 0.5))


def test_run_chart_flags_a_run_longer_than_chance_allows(chart):
    # 20 points: the limit for the longest run is round(log2(20) + 3) = 7; eight in a row
    # above the median (5.5) is a shift; the shorter runs before and after are not.
    values = [1, 5, 2, 6, 1, 5, 2, 6, 1, 5, 9, 9, 9, 9, 9, 9, 9, 9, 1, 2]
    points, icons = chart("run", values, improvement="increase")
    signals = run_signals(values)
    assert (signals.useful, signals.longest_run, signals.longest_run_limit) == (20, 8, 7)
    assert [p["rule"] for p in points][10:18] == ["long_run"] * 8
    assert all(p["rule"] == "" for p in points[:10] + points[18:])
    assert points[12]["point_type"] == "special_cause_improvement"
    assert points[0]["mean"] == 5.5  # the median
    assert icons["A"] == ("common_cause", None)  # the last point is not in the run
