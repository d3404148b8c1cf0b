"""The right SPC chart for each kind of measure: run, XmR, p, p′, u, u′, c, g and t charts.

docs/statistics.md section 1a gives each method with its source; in brief, per group and per
rebase segment, with ``x`` the month's value (a numerator, a count, cases or days between
events) and ``n`` its denominator (patients, or units of exposure):

- **run chart**: centre the median; a run (consecutive points on one side of the median, points
  on it ignored) longer than round(log2(m) + 3) is a shift, and fewer crossings of the median
  than the 5th percentile of Binomial(m - 1, 0.5) says the same, m being the points not on the
  median (Anhøj & Olesen 2014, "Run charts revisited", PLoS ONE 9(11): e113825).
- **XmR**: ``engine.quality.spc`` (Making Data Count).
- **p chart**: p_i = x_i/n_i, centre p̄ = Σx/Σn, sigma_i = √(p̄(1 - p̄)/n_i), limits clipped
  to [0, 1]; **u chart**: u_i = x_i/n_i, centre ū = Σx/Σn, sigma_i = √(ū/n_i), lower limit
  at least 0 (Montgomery, Introduction to Statistical Quality Control, chapter 7; Anhøj &
  Mohammed, Mastering SPC Charts in Healthcare, table 6.1).
- **p′ and u′** (Laney 2002, "Improved control charts for attributes", Quality Engineering
  14(4):531): z_i = (y_i - centre)/sigma_i; sigma_z = mean |z_i - z_(i-1)| / 1.128; each
  sigma_i is multiplied by sigma_z, so the limits carry the variation between months that a
  large denominator hides.
- **c chart**: centre c̄ = mean x, sigma = √c̄ (Montgomery, chapter 7).
- **g chart**: cases between events; centre ḡ = mean x, sigma = √(ḡ(ḡ + 1)) (Benneyan 2001,
  "Number-between g-type statistical quality control charts for monitoring adverse events",
  Health Care Management Science 4:305; qicharts2 draws the median as the centre line but takes
  its limits from the mean, as here).
- **t chart**: days between events; y = x^(1/3.6) is close to normal (Nelson 1994, Journal of
  Quality Technology 26:239); an individuals chart of y (mean ± 3 × average moving range /
  1.128, without screening, the lower limit at least 0) is transformed back to days, as
  Anhøj & Mohammed's worked example does (Mastering SPC Charts in Healthcare, section 12.3).

Limits are three sigma and the near-limit lines two; every chart with limits then takes the
same special-cause rules, icons and precedence as the XmR chart (``spc.point_rules``), so a
p′ chart's concern looks like an XmR chart's concern. A month with no value (or a denominator
that is missing or 0) is left out, never taken as zero. ``per`` scales a proportion or rate
for display (100 for a percentage, 1,000 for a rate per 1,000 bed days).

Two engines follow one contract: ``chart_reference`` (plain Python, one series at a time, the
test oracle) and ``chart_polars`` (every group at once, vectorised).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from scipy.stats import binom

from .constants import (
    D2,
    NEAR_SIGMAS,
    PRIME_DENOMINATOR,
    SHIFT_LENGTH,
    SIGMAS,
    T_POWER,
    TREND_LENGTH,
    Chart,
    Improvement,
    Measures,
)
from .spc import (
    Rule,
    SpcOptions,
    SpcPoint,
    SpcSummary,
    assurance_icon,
    point_rules,
    point_type,
    rules_polars,
    spc_polars,
    spc_reference,
    summaries_polars,
    variation_icon,
)


def choose_chart(measures: Measures | str, mean_denominator: float | None = None) -> Chart:
    """The chart for what a line measures: a proportion on a p chart (p′ when the denominators
    average ``PRIME_DENOMINATOR`` or more), a rate on a u chart (u′ likewise), a count on a c
    chart, cases between rare events on a g chart, days between them on a t chart, anything
    else on an XmR chart (docs/decisions.md 059)."""
    measures = Measures(measures)
    large = mean_denominator is not None and mean_denominator >= PRIME_DENOMINATOR
    return {
        Measures.PROPORTION: Chart.P_PRIME if large else Chart.P,
        Measures.RATE: Chart.U_PRIME if large else Chart.U,
        Measures.COUNT: Chart.C,
        Measures.CASES_BETWEEN: Chart.G,
        Measures.DAYS_BETWEEN: Chart.T,
    }.get(measures, Chart.XMR)


def better_way(measures: Measures | str) -> Improvement | None:
    """Longer between rare events is better, whatever the events; otherwise the line says."""
    if Measures(measures) in (Measures.CASES_BETWEEN, Measures.DAYS_BETWEEN):
        return Improvement.INCREASE
    return None


@dataclass(frozen=True)
class ChartOptions:
    chart: Chart = Chart.XMR
    improvement: Improvement = Improvement.INCREASE
    target: float | None = None
    per: float = 1.0  # display scale of a proportion or rate
    rebase: tuple[object, ...] = field(default_factory=tuple)
    trend_length: int = TREND_LENGTH
    shift_length: int = SHIFT_LENGTH
    # XmR only (engine.quality.spc): recalculate where a shift shows the process moved.
    recalculate_on_shift: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "chart", Chart(self.chart))
        object.__setattr__(self, "improvement", Improvement(self.improvement))
        if not self.per > 0:
            raise ValueError("per must be positive")

    def spc(self) -> SpcOptions:
        return SpcOptions(
            improvement=self.improvement,
            target=self.target,
            rebase=self.rebase,
            trend_length=self.trend_length,
            shift_length=self.shift_length,
            recalculate_on_shift=self.recalculate_on_shift,
        )


@dataclass(frozen=True)
class RunSignals:
    """A run chart's evidence (Anhøj & Olesen 2014): the longest run and the crossings, each
    with the limit chance allows for this many useful points."""

    useful: int  # points not on the median
    longest_run: int
    longest_run_limit: int
    crossings: int
    crossings_limit: int  # fewer than this is a signal

    @property
    def shift(self) -> bool:
        return self.longest_run > self.longest_run_limit

    @property
    def few_crossings(self) -> bool:
        return self.crossings < self.crossings_limit


def run_limits(useful: int) -> tuple[int, int]:
    """The longest run chance allows, and the fewest crossings, for ``useful`` points."""
    if useful < 1:
        return 0, 0
    return round(math.log2(useful) + 3), int(binom.ppf(0.05, useful - 1, 0.5))


def run_signals(values: Sequence[float]) -> RunSignals:
    """The run-chart signals of one series (its median from all of it)."""
    centre = _median(values)
    sides = [s for s in (_sign(v - centre) for v in values) if s != 0]
    longest = run = 0
    crossings = 0
    for i, side in enumerate(sides):
        run = run + 1 if i and side == sides[i - 1] else 1
        crossings += bool(i and side != sides[i - 1])
        longest = max(longest, run)
    limit, fewest = run_limits(len(sides))
    return RunSignals(len(sides), longest, limit, crossings, fewest)


# --- The reference engine: one series at a time, plain Python -------------------------------


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _run_rules(y: list[float], centre: float) -> list[tuple[Rule, int]]:
    """Each point of a run longer than chance allows is a shift to that side."""
    signals = run_signals(y)
    sides = [_sign(v - centre) for v in y]
    result = [(Rule.NONE, 0)] * len(y)
    # runs of the useful points, carried back to the series (points on the median are in no run)
    useful = [i for i, s in enumerate(sides) if s != 0]
    start = 0
    for k in range(1, len(useful) + 1):
        if k == len(useful) or sides[useful[k]] != sides[useful[start]]:
            if k - start > signals.longest_run_limit:
                for i in useful[start:k]:
                    result[i] = (Rule.LONG_RUN, sides[i])
            start = k
    return result


def _attribute_limits(
    chart: Chart, x: list[float], n: list[float]
) -> tuple[list[float], float, list[float], float, float]:
    """The plotted values, the centre, each point's sigma, and the floor and ceiling of the
    limits, for a p, p′, u, u′, c or g chart (before ``per`` scales them)."""
    if chart in (Chart.P, Chart.P_PRIME, Chart.U, Chart.U_PRIME):
        y = [a / b for a, b in zip(x, n, strict=True)]
        centre = sum(x) / sum(n)
        if chart in (Chart.P, Chart.P_PRIME):
            sigma = [math.sqrt(centre * (1 - centre) / b) for b in n]
            ceiling = 1.0
        else:
            sigma = [math.sqrt(centre / b) for b in n]
            ceiling = math.inf
        if chart in (Chart.P_PRIME, Chart.U_PRIME):
            z = [(a - centre) / s if s > 0 else 0.0 for a, s in zip(y, sigma, strict=True)]
            ranges = [abs(z[i] - z[i - 1]) for i in range(1, len(z))]
            sigma_z = (sum(ranges) / len(ranges)) / D2 if ranges else math.nan
            sigma = [s * sigma_z for s in sigma]
        return y, centre, sigma, 0.0, ceiling
    centre = sum(x) / len(x)
    if chart is Chart.C:
        return list(x), centre, [math.sqrt(centre)] * len(x), 0.0, math.inf
    if chart is Chart.G:
        return list(x), centre, [math.sqrt(centre * (centre + 1))] * len(x), 0.0, math.inf
    raise ValueError(f"not an attribute chart: {chart}")


def _clip(v: float, low: float, high: float) -> float:
    return min(max(v, low), high) if not math.isnan(v) else v


def _segment(chart: Chart, x: list[float], n: list[float], per: float):
    """Values, centre, and (lpl, upl, near_lpl, near_upl) per point, scaled by ``per``."""
    if chart is Chart.T:
        y = [v**T_POWER for v in x]
        mean = sum(y) / len(y)
        ranges = [abs(y[i] - y[i - 1]) for i in range(1, len(y))]
        amr = sum(ranges) / len(ranges) if ranges else math.nan
        back = [max(mean + k * amr / D2, 0.0) ** (1 / T_POWER) if not math.isnan(amr)
                else math.nan for k in (-SIGMAS, SIGMAS, -NEAR_SIGMAS, NEAR_SIGMAS)]  # fmt: skip
        limits = [tuple(back)] * len(x)
        return list(x), mean ** (1 / T_POWER), limits
    y, centre, sigma, floor, ceiling = _attribute_limits(chart, x, n)
    limits = [
        tuple(_clip(centre + k * s, floor, ceiling) * per
              for k in (-SIGMAS, SIGMAS, -NEAR_SIGMAS, NEAR_SIGMAS))
        for s in sigma
    ]  # fmt: skip
    return [v * per for v in y], centre * per, limits


def chart_reference(
    rows: Sequence[tuple[object, object, float, float | None]], options: ChartOptions
) -> tuple[list[SpcPoint], list[SpcSummary]]:
    """``rows`` are (group, period, value, denominator): the value is the numerator for a p or
    u chart, and the denominator is ignored by the others. The obviously correct engine."""
    if options.chart is Chart.XMR:
        return spc_reference([(g, p, v) for g, p, v, _ in rows], options.spc())
    needs_n = options.chart.needs_denominator
    by_group: dict[object, list[tuple[Any, float, float]]] = {}
    for group, period, value, denominator in rows:
        if _missing(value) or (needs_n and (denominator is None or _missing(denominator)
                                            or not denominator > 0)):  # fmt: skip
            continue
        by_group.setdefault(group, []).append(
            (period, float(value), float(denominator or 0) if needs_n else 1.0)
        )
    points: list[SpcPoint] = []
    summaries: list[SpcSummary] = []
    rebase = set(options.rebase)
    spc = options.spc()
    nan = math.nan
    for group in sorted(by_group, key=str):
        series = sorted(by_group[group], key=lambda r: r[0])
        segments: list[list[tuple[Any, float, float]]] = []
        for row in series:
            if not segments or row[0] in rebase:
                segments.append([])
            segments[-1].append(row)
        last = None
        for number, segment in enumerate(segments, start=1):
            x = [r[1] for r in segment]
            n = [r[2] for r in segment]
            if options.chart is Chart.RUN:
                y, centre = x, _median(x)
                limits = [(nan, nan, nan, nan)] * len(x)
                rules = _run_rules(y, centre)
            else:
                y, centre, limits = _segment(options.chart, x, n, options.per)
                lpl, upl, nlpl, nupl = (list(col) for col in zip(*limits, strict=True))
                rules = point_rules(y, centre, lpl, upl, nlpl, nupl, spc)
            for (period, *_), value, lim, (rule, direction) in zip(
                segment, y, limits, rules, strict=True
            ):
                kind = point_type(direction, options.improvement)
                last = SpcPoint(group, period, value, centre, *lim, kind, rule.value,
                                direction, number)  # fmt: skip
                points.append(last)
        assert last is not None
        summaries.append(
            SpcSummary(
                group,
                variation_icon(last.point_type, last.direction),
                assurance_icon(options.target, options.improvement, last.lpl, last.upl),
            )
        )
    return points, summaries


# --- The fast engine: every group at once, with Polars ---------------------------------------

COLUMNS = ["group", "period", "value", "mean", "lpl", "upl", "near_lpl", "near_upl",
           "point_type", "rule", "direction", "phase"]  # fmt: skip


def chart_polars(frame: pl.DataFrame | pl.LazyFrame, options: ChartOptions) -> pl.DataFrame:
    """``frame`` has ``group``, ``period`` and ``value`` (and ``denominator`` for a p or u
    chart); returns the points as ``spc_polars`` does, sorted by group and period."""
    if options.chart is Chart.XMR:
        return spc_polars(frame.lazy().select("group", "period", "value"), options.spc())
    chart, per = options.chart, options.per
    lf = frame.lazy()
    if "denominator" not in lf.collect_schema().names():
        lf = lf.with_columns(denominator=pl.lit(1.0))
    lf = lf.with_columns(pl.col("value").cast(pl.Float64), pl.col("denominator").cast(pl.Float64))
    keep = pl.col("value").is_not_null() & pl.col("value").is_not_nan()
    if chart.needs_denominator:
        keep &= pl.col("denominator").is_not_null() & (pl.col("denominator") > 0)
    lf = lf.filter(keep).sort(["group", "period"])
    rebase = list(options.rebase)
    starts = pl.col("period").is_in(rebase) if rebase else pl.lit(False)
    lf = lf.with_columns(segment=starts.cast(pl.Int32).cum_sum().over("group"))
    lf = lf.with_columns(phase=pl.col("segment") - pl.col("segment").min().over("group") + 1)
    key = ["group", "segment"]
    lf = lf.with_columns(idx=pl.int_range(pl.len()).over(key))
    x, n = pl.col("value"), pl.col("denominator")
    if chart is Chart.RUN:
        return _run_polars(lf, key, options)
    if chart is Chart.T:
        y = x.pow(T_POWER)
        lf = lf.with_columns(_y=y).with_columns(
            _m=pl.col("_y").mean().over(key),
            _amr=(pl.col("_y") - pl.col("_y").shift(1).over(key)).abs().mean().over(key),
        )
        back = 1 / T_POWER

        def limit(k: float) -> pl.Expr:
            return (pl.col("_m") + k * pl.col("_amr") / D2).clip(lower_bound=0.0).pow(back)

        lf = lf.with_columns(
            mean=pl.col("_m").pow(back),
            lpl=limit(-SIGMAS), upl=limit(SIGMAS), near_lpl=limit(-NEAR_SIGMAS),
            near_upl=limit(NEAR_SIGMAS),
        )  # fmt: skip
    else:
        ceiling = 1.0 if chart in (Chart.P, Chart.P_PRIME) else None
        if chart.needs_denominator:
            centre = x.sum().over(key) / n.sum().over(key)
            lf = lf.with_columns(_c=centre, _y=x / n)
            c = pl.col("_c")
            var = c * (1 - c) / n if ceiling else c / n
            lf = lf.with_columns(_s=var.sqrt())
            if chart in (Chart.P_PRIME, Chart.U_PRIME):
                z = pl.when(pl.col("_s") > 0).then((pl.col("_y") - c) / pl.col("_s")).otherwise(0.0)
                lf = lf.with_columns(_z=z).with_columns(
                    _sz=(pl.col("_z") - pl.col("_z").shift(1).over(key)).abs().mean().over(key) / D2
                )
                lf = lf.with_columns(_s=pl.col("_s") * pl.col("_sz"))
        else:
            lf = lf.with_columns(_c=x.mean().over(key), _y=x)
            c = pl.col("_c")
            lf = lf.with_columns(_s=(c.sqrt() if chart is Chart.C else (c * (c + 1)).sqrt()))

        def limit(k: float) -> pl.Expr:
            return (c + k * pl.col("_s")).clip(lower_bound=0.0, upper_bound=ceiling) * per

        lf = lf.with_columns(
            value=pl.col("_y") * per, mean=c * per,
            lpl=limit(-SIGMAS), upl=limit(SIGMAS), near_lpl=limit(-NEAR_SIGMAS),
            near_upl=limit(NEAR_SIGMAS),
        )  # fmt: skip
    return rules_polars(lf, key, options.spc()).select(COLUMNS).collect()


def _run_polars(lf: pl.LazyFrame, key: list[str], options: ChartOptions) -> pl.DataFrame:
    """A run chart of every group at once: the median, each useful point's run, and the runs
    longer than round(log2(useful) + 3) marked."""
    lf = lf.with_columns(mean=pl.col("value").median().over(key))
    lf = lf.with_columns(side=(pl.col("value") - pl.col("mean")).sign().cast(pl.Int8))
    data = lf.collect()
    # Runs are counted over the useful points only (those not on the median).
    useful_rows = data.filter(pl.col("side") != 0).with_columns(
        _new=(pl.col("side") != pl.col("side").shift(1).over(key)).fill_null(True)
    )
    useful_rows = useful_rows.with_columns(_run=pl.col("_new").cast(pl.Int32).cum_sum().over(key))
    useful_rows = useful_rows.with_columns(
        _len=pl.len().over([*key, "_run"]),
        _useful=pl.len().over(key),
    ).with_columns(
        _limit=(pl.col("_useful").cast(pl.Float64).log(2) + 3).round(0),
    )
    flagged = useful_rows.select("group", "period", long=pl.col("_len") > pl.col("_limit"))
    data = data.join(flagged, on=["group", "period"], how="left").with_columns(
        pl.col("long").fill_null(False)
    )
    nan = float("nan")
    data = data.with_columns(
        lpl=pl.lit(nan), upl=pl.lit(nan), near_lpl=pl.lit(nan), near_upl=pl.lit(nan),
        rule=pl.when("long").then(pl.lit(Rule.LONG_RUN.value)).otherwise(pl.lit(Rule.NONE.value)),
        direction=pl.when("long").then(pl.col("side")).otherwise(0).cast(pl.Int8),
    )  # fmt: skip
    sign = options.improvement.sign
    d = pl.col("direction")
    if options.improvement is Improvement.NEUTRAL:
        kind = (pl.when(d > 0).then(pl.lit("special_cause_neutral_high"))
                .when(d < 0).then(pl.lit("special_cause_neutral_low"))
                .otherwise(pl.lit("common_cause")))  # fmt: skip
    else:
        kind = (pl.when(d * sign > 0).then(pl.lit("special_cause_improvement"))
                .when(d * sign < 0).then(pl.lit("special_cause_concern"))
                .otherwise(pl.lit("common_cause")))  # fmt: skip
    return data.with_columns(point_type=kind).sort(["group", "period"]).select(COLUMNS)


def chart_summaries(points: pl.DataFrame, options: ChartOptions) -> pl.DataFrame:
    """Per group, the variation and assurance icons from its last point (a run chart has no
    limits, so no assurance icon)."""
    return summaries_polars(points, options.spc())
