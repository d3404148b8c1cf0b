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


# --- Published worked examples ------------------------------------------------------------------
#
# [SPC4HC] Anhøj J, Mohammed MA. Mastering Statistical Process Control Charts in Healthcare
# (online book, https://anhoej.github.io/spc4hc/, repository anhoej/spc4hc at commit 79bbb31,
# accessed December 2026): the data are in the book and its repository, the centre lines and
# limits are those its charts print (to 0.1, or 0.1%, except where it prints R's output).
# [qcc] Scrucca L. qcc: an R package for quality control charting (vignette output for
# Montgomery's orange juice data, Introduction to Statistical Quality Control, 2nd edition,
# pp. 152-155).

ORANGE_JUICE = [12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22, 8, 10, 5, 13, 11, 20, 18,
                24, 15, 9, 12, 7, 13, 9, 6]  # fmt: skip
# [SPC4HC] chapter 13, table 13.1 (from Mohammed et al. 2013, BMJ Qual Saf 22:362): weekly
# emergency attendances in England seen within four hours, of all attendances.
AE_SEEN = [
    266501,
    264225,
    276532,
    281461,
    269071,
    261215,
    270409,
    279778,
    270483,
    270320,
    267923,
    271478,
    255353,
    256820,
    261835,
    259144,
    255910,
    260863,
    264465,
    260989,
]
AE_ALL = [
    280443,
    276823,
    291681,
    296155,
    282343,
    275888,
    283867,
    295251,
    284468,
    282529,
    279618,
    283932,
    266629,
    268091,
    276803,
    271578,
    266005,
    273520,
    278574,
    273772,
]
# [SPC4HC] I′ chart chapter, figure iprime-fig1-2: 7-day mortality after emergency admission.
DEATHS = [
    54,
    43,
    51,
    31,
    45,
    40,
    33,
    46,
    45,
    32,
    47,
    48,
    59,
    32,
    46,
    33,
    35,
    38,
    35,
    31,
    33,
    33,
    38,
    42,
]
ADMISSIONS = [
    1339,
    1294,
    1606,
    1444,
    1444,
    1377,
    1382,
    1391,
    1318,
    1385,
    1472,
    1421,
    1460,
    1281,
    1520,
    1310,
    1481,
    1402,
    1227,
    1280,
    1355,
    1410,
    1419,
    1336,
]
# [SPC4HC] chapter "qicharts", figure qicharts-hais1: urinary tract infections per 10,000
# risk-days, six hospitals, 24 months.
UTI = [
    397,
    378,
    420,
    382,
    360,
    382,
    323,
    380,
    366,
    380,
    382,
    373,
    391,
    379,
    396,
    387,
    370,
    394,
    303,
    389,
    371,
    369,
    351,
    360,
]
RISK_DAYS = [
    98305.2499999588,
    89377.58333337211,
    98041.5833333136,
    91141.2499999742,
    94497.2500000134,
    90785.0416666606,
    82061.3750000085,
    84891.1250000256,
    90053.62500002461,
    91602.4999999839,
    90975.8749999858,
    88398.20833332691,
    91495.4999999934,
    86989.54166666849,
    91716.8333333255,
    89899.5833333495,
    89154.66666665449,
    86253.1250000072,
    79444.1249999922,
    82757.5833333524,
    86646.08333333759,
    89021.0416666729,
    82124.7083333369,
    81013.6666666546,
]
# [SPC4HC] section 6.3.1: hospital-acquired bacteremia, 24 months.
BACTEREMIA = [
    24,
    29,
    26,
    16,
    28,
    16,
    14,
    18,
    27,
    30,
    28,
    24,
    16,
    25,
    20,
    25,
    22,
    28,
    23,
    23,
    17,
    22,
    21,
    22,
]
# [SPC4HC] chapter "qicharts": C. difficile infections a month, the intervention from month 25.
CDI = [
    17,
    12,
    27,
    20,
    20,
    18,
    22,
    19,
    19,
    24,
    17,
    16,
    24,
    19,
    19,
    22,
    25,
    19,
    17,
    6,
    25,
    17,
    11,
    14,
    9,
    11,
    7,
    13,
    5,
    5,
    3,
    5,
    9,
    4,
    5,
    9,
]
# [SPC4HC] section 12.2 and 12.3: deliveries between neonatal asphyxia cases (figure 12.4) and
# days between them (figure 12.5).
DELIVERIES_BETWEEN = [99, 64, 255, 68, 148, 73, 35, 63, 286, 24, 176, 33, 418, 139, 54]
DAYS_BETWEEN = [
    17.765972,
    10.376389,
    51.944444,
    10.025,
    26.504167,
    12.290278,
    5.9625,
    8.760417,
    41.592361,
    3.970139,
    23.913889,
    5.752083,
    62.779861,
    24.2,
    6.5125,
]
# [SPC4HC] section 5.1: systolic blood pressure on 26 days (Mohammed, Worthington & Woodall
# 2008, QSHC 17:137).
BLOOD_PRESSURE = [
    169,
    172,
    175,
    174,
    161,
    142,
    174,
    171,
    168,
    174,
    180,
    194,
    161,
    181,
    175,
    176,
    186,
    166,
    157,
    183,
    177,
    171,
    185,
    176,
    181,
    174,
]


def last(points):
    return points[-1]["lpl"], points[-1]["mean"], points[-1]["upl"]


def test_p_chart_orange_juice_as_qcc_prints_it(chart):
    points, _ = chart("p", ORANGE_JUICE, 50)
    assert points[0]["mean"] == pytest.approx(0.2313333, abs=5e-8)
    assert points[0]["upl"] == pytest.approx(0.4102391, abs=5e-8)
    assert points[0]["lpl"] == pytest.approx(0.05242755, abs=5e-9)
    # samples 15 (a new batch of cardboard) and 23 (an inexperienced operator)
    assert [i + 1 for i, p in enumerate(points) if p["rule"] == "outside_limits"] == [15, 23]


def test_p_chart_nhs_four_hour_performance_spc4hc_figure_13_1(chart):
    points, _ = chart("p", AE_SEEN, AE_ALL, per=100)
    assert [round(x, 1) for x in last(points)] == [95.2, 95.3, 95.4]
    # with a quarter of a million attendances a week, nearly every week is "special"
    assert sum(p["rule"] == "outside_limits" for p in points) >= 15


def test_p_prime_chart_nhs_four_hour_performance_spc4hc_figure_13_3(chart):
    points, _ = chart("p_prime", AE_SEEN, AE_ALL, per=100)
    assert [round(x, 1) for x in last(points)] == [94.0, 95.3, 96.6]
    assert not any(p["rule"] == "outside_limits" for p in points)


def test_p_prime_chart_seven_day_mortality_spc4hc_iprime_chapter(chart):
    points, _ = chart("p_prime", DEATHS, ADMISSIONS, per=100)
    assert [round(x, 1) for x in last(points)] == [1.5, 2.9, 4.3]


def test_u_chart_urinary_tract_infections_spc4hc_qicharts_chapter(chart):
    points, _ = chart("u", UTI, RISK_DAYS, per=10_000)
    assert [round(x, 1) for x in last(points)] == [35.4, 42.2, 49.1]


def test_u_prime_chart_is_the_u_chart_when_the_months_vary_as_poisson(chart):
    """No published u′ example with its data was found (docs/statistics.md 1a): on the same
    infections, whose month-to-month variation is Poisson (Laney's sigma_z is 1.00), the u′
    chart must give the u chart's limits to the precision published."""
    u, _ = chart("u", UTI, RISK_DAYS, per=10_000)
    u_prime, _ = chart("u_prime", UTI, RISK_DAYS, per=10_000)
    assert [round(x, 1) for x in last(u_prime)] == [round(x, 1) for x in last(u)]


def test_c_chart_bacteremia_spc4hc_section_6_3_1(chart):
    points, _ = chart("c", BACTEREMIA)
    assert (points[0]["lpl"], points[0]["mean"], points[0]["upl"]) == pytest.approx(
        (8.38381, 22.66667, 36.94952), abs=5e-6
    )


def test_c_chart_before_and_after_spc4hc_figure_qicharts_cdi4(chart):
    points, _ = chart("c", CDI, rebase=(24,))
    assert [round(x, 1) for x in last(points[:24])] == [5.7, 18.7, 31.7]
    assert [round(x, 1) for x in last(points)] == [0.0, 7.1, 15.1]
    assert {p["phase"] for p in points[24:]} == {2}


def test_g_chart_deliveries_between_asphyxia_cases_spc4hc_figure_12_4(chart):
    points, _ = chart("g", DELIVERIES_BETWEEN)
    assert points[0]["mean"] == pytest.approx(129.0)  # Benneyan's centre, the mean
    assert round(points[0]["upl"], 1) == 517.5 and points[0]["lpl"] == 0.0


def test_t_chart_days_between_asphyxia_cases_spc4hc_figure_12_5(chart):
    points, _ = chart("t", DAYS_BETWEEN)
    assert [round(x, 1) for x in last(points)] == [0.0, 16.3, 190.4]


def test_run_chart_blood_pressure_spc4hc_section_5_1(chart):
    points, icons = chart("run", BLOOD_PRESSURE, improvement="decrease")
    signals = run_signals(BLOOD_PRESSURE)
    assert points[0]["mean"] == 174
    assert (signals.useful, signals.longest_run, signals.crossings) == (22, 4, 9)
    assert (signals.longest_run_limit, signals.crossings_limit) == (7, 7)
    assert not signals.shift and not signals.few_crossings
    assert all(p["rule"] == "" for p in points) and icons["A"][0] == "common_cause"


def test_run_chart_cdi_signals_both_ways_spc4hc_figure_qicharts_cdi1():
    """The book freezes the median on the first 24 months (19); over all 36 months, 31 useful
    points, the longest run 15 (limit 8) and 8 crossings (fewer than 11) both signal."""
    median = 19
    sides = [v - median for v in CDI if v != median]
    assert len(sides) == 31
    longest, fewest = run_limits(31)
    assert (longest, fewest) == (8, 11)
    whole = run_signals(CDI[:24] + CDI[24:])
    assert whole.shift  # over all 36 with their own median the shift is there too


# [SPC4HC] Appendix D, "Critical values for longest runs and number of crossings" (Anhøj &
# Olesen 2014, PLoS ONE 9:e113825): useful points, longest run allowed, fewest crossings.
APPENDIX_D = """10 6 2 | 11 6 2 | 12 7 3 | 13 7 3 | 14 7 4 | 15 7 4 | 16 7 4 | 17 7 5 | 18 7 5
19 7 6 | 20 7 6 | 21 7 6 | 22 7 7 | 23 8 7 | 24 8 8 | 25 8 8 | 26 8 8 | 27 8 9 | 28 8 9 | 29 8 10
30 8 10 | 31 8 11 | 32 8 11 | 33 8 11 | 34 8 12 | 35 8 12 | 36 8 13 | 37 8 13 | 38 8 14
39 8 14 | 40 8 14 | 41 8 15 | 42 8 15 | 43 8 16 | 44 8 16 | 45 8 17 | 46 9 17 | 47 9 17
48 9 18 | 49 9 18 | 50 9 19 | 51 9 19 | 52 9 20 | 53 9 20 | 54 9 21 | 55 9 21 | 56 9 21
57 9 22 | 58 9 22 | 59 9 23 | 60 9 23 | 61 9 24 | 62 9 24 | 63 9 25 | 64 9 25 | 65 9 25
66 9 26 | 67 9 26 | 68 9 27 | 69 9 27 | 70 9 28 | 71 9 28 | 72 9 29 | 73 9 29 | 74 9 29
75 9 30 | 76 9 30 | 77 9 31 | 78 9 31 | 79 9 32 | 80 9 32 | 81 9 33 | 82 9 33"""


def test_the_run_chart_limits_are_appendix_ds_table():
    table = [tuple(int(x) for x in cell.split()) for cell in APPENDIX_D.replace("\n", " | ")
             .split(" | ")]  # fmt: skip
    assert len(table) == 73
    for useful, longest, fewest in table:
        assert run_limits(useful) == (longest, fewest), useful


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
