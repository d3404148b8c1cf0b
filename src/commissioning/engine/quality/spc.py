"""Statistical process control: XmR charts with the NHS England "Making Data Count" rules.

Source: NHS England, Making Data Count; reference implementation NHS-R community
NHSRplotthedots (``R/ptd_spc_standard.R``, ``R/ptd_calculate_point_type.R``,
``R/ptd_calculate_assurance_type.R``); docs/statistics.md section 1.

Per group (facet) and per rebase segment:

- the centre line is the mean of the values (of the first ``fix_after_n_points`` if set);
- moving ranges MR_i = |y_i - y_{i-1}| (over the same values) and their mean AMR; with
  screening (the default), every MR not below 3.267 × AMR is dropped and AMR recomputed;
- process limits mean ∓ 2.66 × AMR; near-limit (2 sigma) lines mean ∓ (2 × 2.66 / 3) × AMR.

Special causes, in this precedence: (1) a point outside the process limits; (2) a trend of 7
points strictly increasing or decreasing (a tie breaks it), all flagged; (3) two of three
consecutive points beyond the 2 sigma line but inside the limits, all three on the same side of
the mean, the close points flagged; (4) a shift of 7 points on one side of the mean (a point
on the mean breaks it), all flagged. The improvement direction makes each special cause an
improvement, a concern, or neutral high/low.

Phases (``recalculate_on_shift``): where a shift shows the process has moved, NHS England's
Making Data Count guidance ("Making data count: strengthening your decisions", NHS England and
NHS Improvement 2019, "Increasing your familiarity with process limits") is to recalculate the
mean and limits from the start of the shift, so that the chart describes the new process rather
than averaging the old and the new. The shift is the rule above, a run of ``shift_length`` (7,
docs/statistics.md section 1) points on one side of the mean. Within each rebase segment, from
its first point: take the phase's mean; find the first run of ``shift_length`` or more points on
one side of it that begins at least ``shift_length`` points into the phase (a phase is never
shorter than the run that ends it); start a new phase there; repeat from the new phase. Each
phase then has its own mean, limits and special causes, exactly as a rebase segment would.
Only a shift the improving way starts a phase (either way for a measure with no direction): the
guidance recalculates where the change is understood and meant, and an unexplained
deterioration re-based onto its own limits would read as common cause, the warning lost. A
shift the wrong way stays a special cause of concern against the limits it broke.

The variation icon is the last point's kind of variation; the assurance icon (with a target
and a direction) compares the target with the last point's limits.

Two engines follow one contract: ``spc_reference`` (plain Python, one series at a time, the
test oracle) and ``spc_polars`` (every group at once, vectorised).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import polars as pl

from .constants import (
    LIMIT,
    MIN_POINTS_TO_FIX,
    NEAR_LIMIT,
    SCREEN_MR,
    SHIFT_LENGTH,
    TREND_LENGTH,
    Improvement,
)


class Rule(StrEnum):
    NONE = ""
    OUTSIDE_LIMITS = "outside_limits"
    TREND = "trend"
    TWO_IN_THREE = "two_in_three"
    SHIFT = "shift"
    LONG_RUN = "long_run"  # a run chart's run longer than chance allows (Anhøj & Olesen 2014)


@dataclass(frozen=True)
class SpcOptions:
    improvement: Improvement = Improvement.INCREASE
    target: float | None = None
    screen_outliers: bool = True
    fix_after_n_points: int | None = None
    trend_length: int = TREND_LENGTH
    shift_length: int = SHIFT_LENGTH
    rebase: tuple[object, ...] = field(default_factory=tuple)  # periods that start a new segment
    # Start a new phase (mean and limits recalculated) where a shift shows the process moved.
    recalculate_on_shift: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "improvement", Improvement(self.improvement))
        if self.trend_length < 2 or self.shift_length < 2:
            raise ValueError("run lengths must be at least 2")
        if self.fix_after_n_points is not None and self.fix_after_n_points < MIN_POINTS_TO_FIX:
            raise ValueError(f"fix the limits on at least {MIN_POINTS_TO_FIX} points")


def point_type(direction: int, improvement: Improvement) -> str:
    """``direction`` +1 (high) or -1 (low) for a special cause, 0 for common cause."""
    if direction == 0:
        return "common_cause"
    if improvement is Improvement.NEUTRAL:
        return "special_cause_neutral_high" if direction > 0 else "special_cause_neutral_low"
    oriented = direction * improvement.sign
    return "special_cause_improvement" if oriented > 0 else "special_cause_concern"


def variation_icon(point: str, direction: int) -> str:
    """Making Data Count variation icon: common cause, or improvement/concern/neutral with the
    side of the special cause (high or low)."""
    if point == "common_cause":
        return "common_cause"
    side = "high" if direction > 0 else "low"
    kind = point.removeprefix("special_cause_").removesuffix("_high").removesuffix("_low")
    return f"{kind}_{side}"


def assurance_icon(target: float | None, improvement: Improvement, lpl: float, upl: float):
    """Against the limits at the last point: a target beyond them is consistently passed or
    failed; between them, sometimes passed and sometimes not."""
    if target is None or improvement is Improvement.NEUTRAL or math.isnan(lpl):
        return None
    increasing = improvement is Improvement.INCREASE
    if target > upl:
        return "consistent_fail" if increasing else "consistent_pass"
    if target < lpl:
        return "consistent_pass" if increasing else "consistent_fail"
    return "inconsistent"


# --- The reference engine: one series, plain Python ----------------------------------------


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def _segment_limits(values: Sequence[float], options: SpcOptions):
    fixed = list(values[: options.fix_after_n_points] if options.fix_after_n_points else values)
    mean = sum(fixed) / len(fixed)
    ranges = [abs(fixed[i] - fixed[i - 1]) for i in range(1, len(fixed))]
    if not ranges:
        return mean, math.nan
    amr = sum(ranges) / len(ranges)
    if options.screen_outliers:
        kept = [r for r in ranges if r < SCREEN_MR * amr]
        amr = sum(kept) / len(kept) if kept else math.nan
    return mean, amr


def _centre(values: Sequence[float], options: SpcOptions) -> float:
    fixed = values[: options.fix_after_n_points] if options.fix_after_n_points else values
    return sum(fixed) / len(fixed)


def phase_starts(values: Sequence[float], options: SpcOptions) -> list[int]:
    """Where the phases of one segment begin (indices; the first is 0): a new phase at the first
    point of a run of ``shift_length`` on one side of the current phase's mean, at least
    ``shift_length`` points into it (the module's docstring)."""
    length, way = options.shift_length, options.improvement.sign
    starts = [0]
    while True:
        begin = starts[-1]
        mean = _centre(values[begin:], options)
        side = [_sign(v - mean) for v in values[begin:]]
        found = None
        for k in range(length, len(side) - length + 1):
            run = side[k : k + length]
            improving = way == 0 or side[k] == way
            if (
                improving
                and side[k] != 0
                and side[k - 1] != side[k]
                and all(x == side[k] for x in run)
            ):
                found = begin + k
                break
        if found is None:
            return starts
        starts.append(found)


def _segment_rules(y: list[float], mean: float, amr: float, options: SpcOptions):
    """The special cause of each point of one segment: (rule, direction) per point."""
    n = len(y)
    lpl, upl = mean - LIMIT * amr, mean + LIMIT * amr
    nlpl, nupl = mean - NEAR_LIMIT * amr, mean + NEAR_LIMIT * amr
    rules = point_rules(y, mean, [lpl] * n, [upl] * n, [nlpl] * n, [nupl] * n, options)
    return rules, (lpl, upl, nlpl, nupl)


def point_rules(
    y: Sequence[float],
    mean: float,
    lpl: Sequence[float],
    upl: Sequence[float],
    nlpl: Sequence[float],
    nupl: Sequence[float],
    options: SpcOptions,
) -> list[tuple[Rule, int]]:
    """The special cause of each point of one segment, against limits that may differ from point
    to point (a p or u chart's limits follow each month's denominator): (rule, direction)."""
    n = len(y)
    rtm = [_sign(v - mean) for v in y]
    outside = [y[i] > upl[i] or y[i] < lpl[i] for i in range(n)]
    close = [(not outside[i]) and (y[i] < nlpl[i] or y[i] > nupl[i]) for i in range(n)]

    trend_len, shift_len = options.trend_length, options.shift_length
    trend_end = [0] * n
    for i in range(trend_len - 1, n):
        steps = [_sign(y[j] - y[j - 1]) for j in range(i - trend_len + 2, i + 1)]
        if all(s == 1 for s in steps):
            trend_end[i] = 1
        elif all(s == -1 for s in steps):
            trend_end[i] = -1
    in_trend = [any(trend_end[j] for j in range(i, min(n, i + trend_len))) for i in range(n)]

    shift_end = [0] * n
    for i in range(shift_len - 1, n):
        window = rtm[i - shift_len + 1 : i + 1]
        if window[0] != 0 and all(s == window[0] for s in window):
            shift_end[i] = window[0]
    in_shift = [any(shift_end[j] for j in range(i, min(n, i + shift_len))) for i in range(n)]

    def two_of_three_ending(j: int) -> bool:
        if j < 2:
            return False
        window = range(j - 2, j + 1)
        return sum(close[k] for k in window) >= 2 and abs(sum(rtm[k] for k in window)) == 3

    in_two = [
        close[i] and any(two_of_three_ending(j) for j in range(i, min(n, i + 3))) for i in range(n)
    ]

    result = []
    for i in range(n):
        if outside[i]:
            result.append((Rule.OUTSIDE_LIMITS, 1 if rtm[i] == 1 else -1))
        elif in_trend[i]:
            left = _sign(y[i] - y[i - 1]) if i else 0
            right = _sign(y[i + 1] - y[i]) if i + 1 < n else _sign(y[i] - y[i - 1])
            use_right = i + 1 < n and in_trend[i + 1]
            result.append((Rule.TREND, 1 if (right if use_right else left) == 1 else -1))
        elif in_two[i]:
            result.append((Rule.TWO_IN_THREE, 1 if rtm[i] > 0 else -1))
        elif in_shift[i]:
            result.append((Rule.SHIFT, 1 if rtm[i] > 0 else -1))
        else:
            result.append((Rule.NONE, 0))
    return result


@dataclass(frozen=True)
class SpcPoint:
    group: object
    period: object
    value: float
    mean: float
    lpl: float
    upl: float
    near_lpl: float
    near_upl: float
    point_type: str
    rule: str
    direction: int
    phase: int = 1  # counted from 1 in each group: rebase segments and shifts start new ones


@dataclass(frozen=True)
class SpcSummary:
    group: object
    variation_icon: str
    assurance_icon: str | None


def spc_reference(
    rows: Sequence[tuple[object, object, float]], options: SpcOptions
) -> tuple[list[SpcPoint], list[SpcSummary]]:
    """``rows`` are (group, period, value); the obviously correct engine, for tests."""
    by_group: dict[object, list[tuple[Any, float]]] = {}
    for group, period, value in rows:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        by_group.setdefault(group, []).append((period, float(value)))
    points: list[SpcPoint] = []
    summaries: list[SpcSummary] = []
    rebase = set(options.rebase)
    for group in sorted(by_group, key=str):
        series = sorted(by_group[group], key=lambda pv: pv[0])
        segments: list[list[tuple[Any, float]]] = []
        for period, value in series:
            if not segments or period in rebase:
                segments.append([])
            segments[-1].append((period, value))
        if options.recalculate_on_shift:
            phases = []
            for segment in segments:
                starts = phase_starts([v for _, v in segment], options)
                phases += [segment[a:b] for a, b in itertools.pairwise([*starts, len(segment)])]
            segments = phases
        last = None
        for number, segment in enumerate(segments, start=1):
            y = [v for _, v in segment]
            mean, amr = _segment_limits(y, options)
            rules, (lpl, upl, nlpl, nupl) = _segment_rules(y, mean, amr, options)
            for (period, value), (rule, direction) in zip(segment, rules, strict=True):
                kind = point_type(direction, options.improvement)
                last = SpcPoint(group, period, value, mean, lpl, upl, nlpl, nupl, kind,
                                rule.value, direction, number)  # fmt: skip
                points.append(last)
        assert last is not None  # every group has a value
        summaries.append(
            SpcSummary(
                group,
                variation_icon(last.point_type, last.direction),
                assurance_icon(options.target, options.improvement, last.lpl, last.upl),
            )
        )
    return points, summaries


# --- The fast engine: every group at once, with Polars -------------------------------------


def _future_any(expr: pl.Expr, length: int, key: list[str]) -> pl.Expr:
    """Whether ``expr`` is true at this row or any of the next ``length - 1`` rows."""
    return (
        expr.cast(pl.Int8)
        .reverse()
        .rolling_max(window_size=length, min_samples=1)
        .reverse()
        .over(key)
        .fill_null(0)
        == 1
    )


def spc_polars(frame: pl.DataFrame | pl.LazyFrame, options: SpcOptions) -> pl.DataFrame:
    """``frame`` has columns ``group``, ``period`` and ``value``; returns one row per point
    with the limits, the rule, the direction and the point type, sorted by group and period."""
    key = ["group", "segment"]
    lf = frame.lazy().filter(pl.col("value").is_not_null() & pl.col("value").is_not_nan())
    lf = lf.with_columns(pl.col("value").cast(pl.Float64)).sort(["group", "period"])
    rebase = list(options.rebase)
    starts = pl.col("period").is_in(rebase) if rebase else pl.lit(False)
    if options.recalculate_on_shift:
        lf = lf.with_columns(rebased=starts.cast(pl.Int32).cum_sum().over("group"))
        lf = lf.with_columns(_shift_phases(lf.select("group", "rebased", "value"), options))
        starts = starts | pl.col("phase_start")
    lf = lf.with_columns(segment=starts.cast(pl.Int32).cum_sum().over("group"))
    lf = lf.with_columns(phase=pl.col("segment") - pl.col("segment").min().over("group") + 1)
    lf = lf.with_columns(idx=pl.int_range(pl.len()).over(key))
    fix = options.fix_after_n_points
    lf = lf.with_columns(
        fix_y=pl.when(pl.col("idx") < fix).then(pl.col("value")) if fix else pl.col("value")
    )
    lf = lf.with_columns(
        mean=pl.col("fix_y").mean().over(key),
        mr=(pl.col("fix_y") - pl.col("fix_y").shift(1).over(key)).abs(),
    )
    lf = lf.with_columns(amr=pl.col("mr").mean().over(key))
    if options.screen_outliers:
        lf = lf.with_columns(
            amr=pl.when(pl.col("mr") < SCREEN_MR * pl.col("amr"))
            .then(pl.col("mr"))
            .mean()
            .over(key)
        )
    lf = lf.with_columns(
        lpl=pl.col("mean") - LIMIT * pl.col("amr"),
        upl=pl.col("mean") + LIMIT * pl.col("amr"),
        near_lpl=pl.col("mean") - NEAR_LIMIT * pl.col("amr"),
        near_upl=pl.col("mean") + NEAR_LIMIT * pl.col("amr"),
    )
    return (
        rules_polars(lf, key, options)
        .select(
            "group",
            "period",
            "value",
            "mean",
            "lpl",
            "upl",
            "near_lpl",
            "near_upl",
            "point_type",
            "rule",
            "direction",
            "phase",
        )
        .collect()
    )


def rules_polars(lf: pl.LazyFrame, key: list[str], options: SpcOptions) -> pl.LazyFrame:
    """The special causes of every point at once, against the limits in the columns ``mean``,
    ``lpl``, ``upl``, ``near_lpl`` and ``near_upl`` (constant in a segment for an XmR chart,
    point by point for a p or u chart); rows sorted by period within ``key``, numbered ``idx``.
    Adds ``rule``, ``direction`` and ``point_type`` as ``point_rules`` finds them."""
    lf = lf.with_columns(
        rtm=(pl.col("value") - pl.col("mean")).sign().cast(pl.Int8),
        step=(pl.col("value") - pl.col("value").shift(1).over(key))
        .sign()
        .fill_null(0)
        .cast(pl.Int8),
    )
    lf = lf.with_columns(
        outside=(pl.col("value") > pl.col("upl")) | (pl.col("value") < pl.col("lpl")),
    ).with_columns(
        close=~pl.col("outside").fill_null(False)
        & (
            (pl.col("value") < pl.col("near_lpl")) | (pl.col("value") > pl.col("near_upl"))
        ).fill_null(False),
    )
    t, s = options.trend_length, options.shift_length

    def run_of(expr: pl.Expr, length: int) -> pl.Expr:
        return (
            expr.cast(pl.Int32)
            .rolling_sum(window_size=length, min_samples=length)
            .over(key)
            .fill_null(0)
            == length
        )

    lf = lf.with_columns(
        trend_end=pl.when(run_of(pl.col("step") == 1, t - 1) & (pl.col("idx") >= t - 1))
        .then(1)
        .when(run_of(pl.col("step") == -1, t - 1) & (pl.col("idx") >= t - 1))
        .then(-1)
        .otherwise(0),
        shift_end=pl.when(run_of(pl.col("rtm") == 1, s))
        .then(1)
        .when(run_of(pl.col("rtm") == -1, s))
        .then(-1)
        .otherwise(0),
        two_end=(
            (pl.col("close").cast(pl.Int32).rolling_sum(3, min_samples=3).over(key) >= 2)
            & (pl.col("rtm").cast(pl.Int32).rolling_sum(3, min_samples=3).over(key).abs() == 3)
        ).fill_null(False),
    )
    lf = lf.with_columns(
        in_trend=_future_any(pl.col("trend_end") != 0, t, key),
        in_shift=_future_any(pl.col("shift_end") != 0, s, key),
        in_two=pl.col("close") & _future_any(pl.col("two_end"), 3, key),
    )
    right = pl.col("step").shift(-1).over(key)
    # Within a trend, a point takes the direction of the step after it when the next point is
    # in the trend too, else the step before it (as NHSRplotthedots does).
    trend_side = (
        pl.when(pl.col("in_trend").shift(-1).over(key).fill_null(False) & right.is_not_null())
        .then(right)
        .otherwise(pl.col("step"))
    )
    lf = lf.with_columns(
        rule=pl.when(pl.col("outside"))
        .then(pl.lit(Rule.OUTSIDE_LIMITS.value))
        .when(pl.col("in_trend"))
        .then(pl.lit(Rule.TREND.value))
        .when(pl.col("in_two"))
        .then(pl.lit(Rule.TWO_IN_THREE.value))
        .when(pl.col("in_shift"))
        .then(pl.lit(Rule.SHIFT.value))
        .otherwise(pl.lit(Rule.NONE.value)),
        direction=pl.when(pl.col("outside"))
        .then(pl.when(pl.col("rtm") == 1).then(1).otherwise(-1))
        .when(pl.col("in_trend"))
        .then(pl.when(trend_side == 1).then(1).otherwise(-1))
        .when(pl.col("in_two") | pl.col("in_shift"))
        .then(pl.when(pl.col("rtm") > 0).then(1).otherwise(-1))
        .otherwise(0)
        .cast(pl.Int8),
    )
    sign = options.improvement.sign
    if options.improvement is Improvement.NEUTRAL:
        kind = (
            pl.when(pl.col("direction") > 0)
            .then(pl.lit("special_cause_neutral_high"))
            .when(pl.col("direction") < 0)
            .then(pl.lit("special_cause_neutral_low"))
            .otherwise(pl.lit("common_cause"))
        )
    else:
        kind = (
            pl.when(pl.col("direction") * sign > 0)
            .then(pl.lit("special_cause_improvement"))
            .when(pl.col("direction") * sign < 0)
            .then(pl.lit("special_cause_concern"))
            .otherwise(pl.lit("common_cause"))
        )
    return lf.with_columns(point_type=kind)


def _shift_phases(frame: pl.LazyFrame, options: SpcOptions) -> pl.Series:
    """Whether each point (in group and period order) starts a phase after a shift: every
    segment's values in one array, each phase's runs found at once with NumPy."""
    data = frame.collect()
    keys = (data["group"].cast(pl.String) + "\x00" + data["rebased"].cast(pl.String)).to_numpy()
    values = data["value"].to_numpy()
    flags = np.zeros(len(values), dtype=bool)
    boundaries = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1], True])
    length, fix = options.shift_length, options.fix_after_n_points
    way = options.improvement.sign  # only a shift the improving way starts a phase
    for first, end in itertools.pairwise(boundaries):
        begin = int(first)
        while True:
            y = values[begin:end]
            side = np.sign(y - (y[:fix] if fix else y).mean())
            new_run = np.r_[True, side[1:] != side[:-1]]
            run_id = np.cumsum(new_run) - 1
            run_length = np.bincount(run_id)[run_id]
            improving = (side == way) if way else (side != 0)
            candidates = np.flatnonzero(
                new_run & improving & (run_length >= length) & (np.arange(len(y)) >= length)
            )
            if not len(candidates):
                break
            begin += int(candidates[0])
            flags[begin] = True
    return pl.Series("phase_start", flags)


def summaries_polars(points: pl.DataFrame, options: SpcOptions) -> pl.DataFrame:
    """Per group, the variation and assurance icons from its last point."""
    last = points.group_by("group", maintain_order=True).last()
    icons = [
        (
            row["group"],
            variation_icon(row["point_type"], row["direction"]),
            assurance_icon(options.target, options.improvement, row["lpl"], row["upl"])
            if row["lpl"] is not None
            else None,
        )
        for row in last.iter_rows(named=True)
    ]
    return pl.DataFrame(
        icons,
        schema={
            "group": points.schema["group"],
            "variation_icon": pl.String,
            "assurance_icon": pl.String,
        },
        orient="row",
    )
