"""SPC ("Making Data Count" XmR charts): the specification, run on every engine.

Expected values are worked by hand from docs/statistics.md section 1 (and its two public checks);
the same tests run on the reference engine and on the Polars engine, and a property test checks
that the two engines agree on random series.
"""

from __future__ import annotations

import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commissioning.engine.quality.spc import (
    SpcOptions,
    spc_polars,
    spc_reference,
    summaries_polars,
)


def run_reference(rows, options):
    points, summaries = spc_reference(rows, options)
    return (
        [p.__dict__ for p in points],
        {s.group: (s.variation_icon, s.assurance_icon) for s in summaries},
    )


def run_polars(rows, options):
    frame = pl.DataFrame(
        rows, schema={"group": pl.String, "period": pl.Int64, "value": pl.Float64}, orient="row"
    )
    points = spc_polars(frame, options)
    summaries = summaries_polars(points, options)
    return (
        points.to_dicts(),
        {
            r["group"]: (r["variation_icon"], r["assurance_icon"])
            for r in summaries.iter_rows(named=True)
        },
    )


@pytest.fixture(params=["reference", "polars"])
def spc(request):
    engine = run_reference if request.param == "reference" else run_polars

    def _run(values, group="A", **options):
        rows = [(group, i, v) for i, v in enumerate(values)]
        return engine(rows, SpcOptions(**options))

    return _run


def rules(points):
    return [p["rule"] for p in points]


def test_public_check_values_1_to_10(spc):
    points, _ = spc(list(range(1, 11)))
    assert points[0]["mean"] == pytest.approx(5.5)
    assert points[0]["lpl"] == pytest.approx(2.84) and points[0]["upl"] == pytest.approx(8.16)
    assert points[0]["near_lpl"] == pytest.approx(5.5 - 2 * 2.66 / 3)
    # 1 and 2 are below the lower limit, 9 and 10 above; the rest are a 7-point trend.
    assert rules(points) == ["outside_limits"] * 2 + ["trend"] * 6 + ["outside_limits"] * 2
    assert [p["point_type"] for p in points[:3]] == [
        "special_cause_concern",
        "special_cause_concern",
        "special_cause_improvement",
    ]


def test_public_check_a_short_series(spc):
    points, summaries = spc([16, 9, 4, 2, 1])
    assert points[0]["mean"] == pytest.approx(6.4)
    assert points[0]["lpl"] == pytest.approx(-3.575) and points[0]["upl"] == pytest.approx(16.375)
    assert rules(points) == [""] * 5
    assert summaries == {"A": ("common_cause", None)}


SCREENED = [1, 2] * 5 + [20]  # moving ranges: nine of 1, then 18


def test_screening_drops_large_moving_ranges(spc):
    points, _ = spc(SCREENED)
    mean = sum(SCREENED) / 11
    # AMR = 27 / 10 = 2.7; 18 is not below 3.267 x 2.7, so AMR becomes 9 / 9 = 1.
    assert points[0]["upl"] == pytest.approx(mean + 2.66 * 1)
    assert points[-1]["rule"] == "outside_limits" and points[-1]["direction"] == 1


def test_without_screening_as_the_nhs_england_tool_does(spc):
    points, _ = spc(SCREENED, screen_outliers=False)
    assert points[0]["upl"] == pytest.approx(sum(SCREENED) / 11 + 2.66 * 2.7)


def test_a_tie_breaks_a_trend(spc):
    points, _ = spc([5, 4, 5, 1, 2, 3, 4, 5, 6, 6, 7, 4, 5])
    assert "trend" not in rules(points)
    points, _ = spc([5, 4, 5, 1, 2, 3, 4, 5, 6, 7, 4, 5, 4])
    assert rules(points)[3:10] == ["trend"] * 7 and rules(points)[2] != "trend"


BASE = [10.0, 11.0] * 10  # mean 10.5, every moving range 1


def test_a_shift_flags_every_point_of_the_run(spc):
    values = [*BASE, 11.2, 11.1, 11.3, 11.2, 11.1, 11.3, 11.2]
    points, summaries = spc(values)
    # The last 11 of the base and the 7 new points make 8 in a row above the mean.
    assert rules(points) == [""] * 19 + ["shift"] * 8
    assert {p["direction"] for p in points[19:]} == {1}
    assert summaries["A"][0] == "improvement_high"


def test_a_point_on_the_mean_breaks_a_shift(spc):
    # Limits fixed on BASE: the mean is exactly 10.5.
    unbroken = [*BASE, 11.2, 11.1, 11.3, 11.0, 11.2, 11.1, 11.3]
    broken = [*BASE, 11.2, 11.1, 11.3, 10.5, 11.2, 11.1, 11.3]
    assert rules(spc(unbroken, fix_after_n_points=20)[0])[-8:] == ["shift"] * 8
    assert "shift" not in rules(spc(broken, fix_after_n_points=20)[0])


def test_two_of_three_beyond_the_near_limit_flags_only_the_close_points(spc):
    values = [*BASE, 12.8, 11.0, 12.9]
    points, _ = spc(values)
    # mean 246.7 / 23 = 10.726; AMR (19 + 1.8 + 1.8 + 1.9) / 22 = 1.1136
    near_upl, upl = points[0]["near_upl"], points[0]["upl"]
    assert near_upl == pytest.approx(10.726 + 2 * 2.66 / 3 * 1.1136, abs=1e-3)
    assert near_upl < 12.8 < upl and near_upl < 12.9 < upl and near_upl > 11.0
    assert rules(points)[-3:] == ["two_in_three", "", "two_in_three"]


def test_the_improvement_direction_orients_special_causes(spc):
    values = list(range(1, 11))
    decrease, _ = spc(values, improvement="decrease")
    neutral, _ = spc(values, improvement="neutral")
    assert decrease[0]["point_type"] == "special_cause_improvement"
    assert decrease[-1]["point_type"] == "special_cause_concern"
    assert [neutral[0]["point_type"], neutral[-1]["point_type"]] == [
        "special_cause_neutral_low",
        "special_cause_neutral_high",
    ]


@pytest.mark.parametrize(
    ("target", "improvement", "icon"),
    [
        (20, "increase", "consistent_fail"),
        (20, "decrease", "consistent_pass"),
        (0, "increase", "consistent_pass"),
        (0, "decrease", "consistent_fail"),
        (10.5, "increase", "inconsistent"),
        (10.5, "neutral", None),
        (None, "increase", None),
    ],
)
def test_assurance_compares_the_target_with_the_last_limits(spc, target, improvement, icon):
    _, summaries = spc(BASE, target=target, improvement=improvement)
    assert summaries["A"][1] == icon


def test_limits_are_recalculated_after_a_rebase(spc):
    values = BASE + [20.0, 21.0] * 10
    points, _ = spc(values, rebase=(20,))
    assert points[0]["mean"] == pytest.approx(10.5) and points[-1]["mean"] == pytest.approx(20.5)
    assert rules(points) == [""] * 40


def test_limits_fixed_on_the_first_points(spc):
    values = BASE[:12] + [30.0] * 3
    points, _ = spc(values, fix_after_n_points=12)
    assert points[0]["mean"] == pytest.approx(10.5)
    assert rules(points)[-3:] == ["outside_limits"] * 3


def test_each_group_has_its_own_limits(spc):
    a, _ = spc(BASE, group="A")
    b, _ = spc([v * 10 for v in BASE], group="B")
    assert b[0]["mean"] == pytest.approx(10 * a[0]["mean"])


def test_run_lengths_are_parameters(spc):
    values = [5, 4, 5, 1, 2, 3, 4, 5, 4, 5]
    assert "trend" not in rules(spc(values)[0])
    assert rules(spc(values, trend_length=5)[0])[3:8] == ["trend"] * 5


def test_a_shift_starts_a_new_phase_with_its_own_mean_and_limits(spc):
    # Making Data Count: a run of 7 on one side of the mean is a shift; the process has moved,
    # so the mean and limits are recalculated from the first point of the run.
    values = BASE + [20.0, 21.0] * 10
    before, _ = spc(values)
    assert "" not in rules(before)[20:] and {p["phase"] for p in before} == {1}
    points, _ = spc(values, recalculate_on_shift=True)
    assert [p["phase"] for p in points] == [1] * 20 + [2] * 20
    assert points[0]["mean"] == pytest.approx(10.5) and points[-1]["mean"] == pytest.approx(20.5)
    assert points[-1]["upl"] == pytest.approx(20.5 + 2.66 * 1)
    assert rules(points) == [""] * 40  # each phase is common cause about its own mean


def test_a_phase_is_never_shorter_than_the_run_that_ends_it(spc):
    # Four low points, then a long run high: the run starts too early to end a phase.
    values = [1.0, 2.0, 1.0, 2.0] + [10.0, 11.0] * 8
    points, _ = spc(values, recalculate_on_shift=True)
    assert {p["phase"] for p in points} == {1}


def test_every_sustained_shift_starts_a_phase_where_the_measure_has_no_direction(spc):
    values = [10.0, 11.0] * 6 + [20.0, 21.0] * 6 + [5.0, 6.0] * 6
    points, _ = spc(values, recalculate_on_shift=True, shift_length=7, improvement="neutral")
    assert [p["phase"] for p in points] == [1] * 12 + [2] * 12 + [3] * 12
    assert [points[i]["mean"] for i in (0, 12, 24)] == [
        pytest.approx(10.5), pytest.approx(20.5), pytest.approx(5.5)
    ]  # fmt: skip


def test_only_a_shift_the_improving_way_starts_a_phase(spc):
    """A fall where higher is better is not re-based onto its own limits (it would read as
    common cause): it stays a special cause of concern against the limits it broke."""
    values = [10.0, 11.0] * 6 + [20.0, 21.0] * 6 + [5.0, 6.0] * 6
    points, _ = spc(values, recalculate_on_shift=True, shift_length=7, improvement="increase")
    assert [p["phase"] for p in points] == [1] * 12 + [2] * 24
    assert all(p["point_type"] == "special_cause_concern" for p in points[24:])
    falling, _ = spc(values, recalculate_on_shift=True, shift_length=7, improvement="decrease")
    assert [p["phase"] for p in falling] == [1] * 24 + [2] * 12  # the rise is the concern


def test_a_shift_inside_a_rebase_segment_is_a_phase_of_it(spc):
    values = BASE + [20.0, 21.0] * 10 + [30.0, 31.0] * 10
    points, _ = spc(values, rebase=(20,), recalculate_on_shift=True)
    assert [p["phase"] for p in points] == [1] * 20 + [2] * 20 + [3] * 20
    assert points[-1]["mean"] == pytest.approx(30.5)


series = st.lists(st.integers(min_value=0, max_value=6), min_size=1, max_size=40)


@settings(max_examples=300, deadline=None)
@given(
    groups=st.lists(series, min_size=1, max_size=3),
    screen=st.booleans(),
    improvement=st.sampled_from(["increase", "decrease", "neutral"]),
    target=st.one_of(st.none(), st.integers(0, 6)),
    trend=st.integers(3, 8),
    shift=st.integers(3, 8),
    phases=st.booleans(),
)
def test_the_engines_agree(groups, screen, improvement, target, trend, shift, phases):
    options = SpcOptions(
        improvement=improvement,
        target=target,
        screen_outliers=screen,
        trend_length=trend,
        shift_length=shift,
        recalculate_on_shift=phases,
    )
    rows = [(f"G{g}", i, float(v)) for g, values in enumerate(groups) for i, v in enumerate(values)]
    ref_points, ref_summary = run_reference(rows, options)
    fast_points, fast_summary = run_polars(rows, options)
    assert len(ref_points) == len(fast_points)
    for r, f in zip(ref_points, fast_points, strict=True):
        for name in ("point_type", "rule", "direction", "phase"):
            assert r[name] == f[name], (name, r, f)
        for name in ("mean", "lpl", "upl", "near_lpl", "near_upl"):
            if r[name] is None or math.isnan(r[name]):
                assert f[name] is None or math.isnan(f[name])
            else:
                assert f[name] == pytest.approx(r[name], rel=1e-9, abs=1e-9)
    assert ref_summary == fast_summary
