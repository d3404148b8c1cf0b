"""Early warning at the limit: multi-chart CUSUMs of monthly deaths, for two questions and for
every chart a provider has, under one false-alarm budget per provider-year.

Source: docs/statistics.md section 4a; decision 062.

Two questions, each with its own charts and its own budget:
- ``NATIONAL``: is the provider's mortality worse than the national model expects (the
  observed deaths against the expected, E)?
- ``OWN_LEVEL``: has it deteriorated from its own level (against c·E, where c is the
  provider's ratio of observed to expected deaths in the baseline months before monitoring,
  shrunk towards 1 by one expected death: c = (O_b + 1) / (E_b + 1))?

Charts per provider and question: all its spells; each admission method; each diagnosis group
with at least ``MIN_EXPECTED`` expected deaths in the monitored months (failure concentrates:
a failure in a tenth of the spells is diluted ten-fold in the all-spells chart).

The statistic of a chart is a bank of CUSUMs, one per odds ratio R_k (1.25, 1.5, 2 and 3 by
default), of the month's deaths O_m against the level λ_m (E_m or c·E_m):

    X_k,m = max(0, X_k,m−1 + O_m·ln R_k − λ_m·(R_k − 1))

the log-likelihood ratio of a Poisson count for a rise by R_k from month τ on, maximised over
τ. The chart's statistic is max_k X_k,m (a multi-chart CUSUM: Han, Tsung, Hu & Wang 2007,
Statistica Sinica 17:1139; the maximum over the bank is the generalised likelihood ratio over
the change point and a grid of effect sizes, Lorden 1971), with one threshold h; a signal
resets every CUSUM of the chart. The bank member that is largest says how large a rise fits.
A month's deaths are counted as Poisson(λ_m): for spells each with risk p the exact
Poisson-binomial has a smaller variance, and ln(1 + (R − 1)p) < (R − 1)p, so the Poisson
statistic is slightly conservative in its drift (a relative error of about p(R − 1)/2).

Its thresholds are not: a month's deaths have variance Σp(1 − p) = φ·λ with φ = 1 − Σp²/Σp
(0.87 in the synthetic economy; less where a chart's deaths come from high-risk spells), and
a chart calibrated as if they were Poisson spends only part of its budget. Scaling the
deaths by 1/φ gives a count with the mean and the variance of a Poisson(λ/φ) one, and the
statistic scales with it (each increment is φ times that count's increment), so a chart's
threshold is φ times the Poisson table's at λ/φ, and its chances read there at X/φ (the
quasi-Poisson scaling; decision 062). φ comes from the risks the national model gives each
spell (``Counts.variance``); without them φ = 1.

Thresholds: a false-alarm budget α per provider-year and question (0.05 by default) is split
between the provider's charts (Bonferroni: the chance that any of its charts signals in the
year is at most α): 0.5 to the all-spells chart, 0.1 to the admission-method charts, 0.1 to
the diagnosis-group charts (each divided between a kind's charts in proportion to their expected
deaths) and 0.3 to the groups-together chart. The chance that an in-control chart's statistic
reaches h in the monitored months is read from a table simulated over a grid of constant
monthly expected deaths, interpolated (simulated once and kept on disk: decision 068). For the
own level each simulated run re-estimates c from simulated baseline deaths, so the threshold
allows for not knowing it.
Beyond what the simulations see, the tail is extended as e^{−h}: each CUSUM is a log-likelihood
ratio, whose increments W have E[e^W] = 1 in control, so the chance of climbing h decays as
e^{−h} (Cramér–Lundberg; Siegmund 1985).

"How sure" of a signal: 1 − the chance that the chart, in control, reaches the statistic in
the monitored months, scaled by the chart's share of the budget (the same Bonferroni
adjustment), so a signal at its threshold is 1 − α sure.
"""

from __future__ import annotations

import functools
import itertools
import math
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import polars as pl

from .. import cache
from . import kernels
from .kernels import WORKERS

BANK = (1.25, 1.5, 2.0, 3.0)  # odds ratios the charts' CUSUMs look for
DEFAULT_FALSE_ALARM_RATE = 0.05  # per provider-year and question, across all its charts
# Of the budget: all spells, admission methods, each diagnosis group, the groups together.
SHARES = (0.5, 0.1, 0.1, 0.3)
MIN_DISPERSION = 0.2  # the least φ a chart is given (its thresholds scale with it)
TOGETHER_P0 = 0.1  # the share of a provider's groups a concentrated failure is expected in
# Each group's CUSUM in the groups-together chart tests this odds ratio (the bank's member
# nearest to it): a fixed alternative, as Mei's sum of local CUSUMs, because the smaller
# members wander above 0 in control and, summed over a hundred groups, would drown a signal.
TOGETHER_ODDS_RATIO = 3.0
TOGETHER_MIN_MONTHLY = 0.5  # expected deaths a month for a group to join its provider's sum
TOGETHER_MAX_GROUPS = 60  # the most groups in one provider's sum (the largest; for speed)
TOGETHER_DRAWS = 600  # in-control runs of a provider's groups-together chart
MIN_EXPECTED = 2.0  # expected deaths in the monitored months for a method or group chart
BASELINE_MONTHS = 12  # months before monitoring that give a provider's own level
OWN_LEVEL_Z = 1.645  # its method and group charts test against the own level's upper 95% bound
SIMULATIONS = 4000
TAIL_EXCEEDANCES = 40  # simulated runs beyond a quantile for it to be read off directly
GRID = np.geomspace(0.01, 5000.0, 41)  # monthly expected deaths of the table
CHUNK = 1 << 22  # simulated values a step holds (charts × runs), to bound memory


class Question(StrEnum):
    NATIONAL = "worse_than_national"
    OWN_LEVEL = "deteriorated"

    @property
    def label(self) -> str:
        return {
            "worse_than_national": "Worse than the national model",
            "deteriorated": "Deteriorated from its own level",
        }[self.value]


class Chart(StrEnum):
    ALL = "all"
    METHOD = "admission_method"
    GROUP = "diagnosis_group"
    TOGETHER = "diagnosis_groups"

    @property
    def label(self) -> str:
        return {"all": "All spells", "admission_method": "Admission method",
                "diagnosis_group": "Diagnosis group",
                "diagnosis_groups": "Diagnosis groups together"}[self.value]  # fmt: skip


CHART_VALUES = np.array([c.value for c in Chart])  # by position: all, method, group, together


@dataclass(frozen=True)
class WarningOptions:
    false_alarm_rate: float = DEFAULT_FALSE_ALARM_RATE
    odds_ratios: tuple[float, ...] = BANK
    monitor_months: int = 12
    baseline_months: int = BASELINE_MONTHS
    shares: tuple[float, float, float, float] = SHARES
    min_expected: float = MIN_EXPECTED
    by_method: bool = True
    by_group: bool = True
    simulations: int = SIMULATIONS
    seed: int = 1

    def __post_init__(self) -> None:
        if not 0 < self.false_alarm_rate < 1:
            raise ValueError(
                f"false_alarm_rate: a chance per provider-year between 0 and 1 "
                f"(got {self.false_alarm_rate})"
            )
        if not self.odds_ratios or any(not r > 1 for r in self.odds_ratios):
            raise ValueError("odds_ratios: one or more odds ratios, each above 1")
        if self.monitor_months < 1:
            raise ValueError("monitor_months: at least 1")
        if self.simulations < 10 * TAIL_EXCEEDANCES:
            raise ValueError(f"simulations: at least {10 * TAIL_EXCEEDANCES}")
        if len(self.shares) != 4 or abs(sum(self.shares) - 1) > 1e-9 or min(self.shares) < 0:
            raise ValueError("shares: four parts of the budget adding up to 1")


# --- The statistic -----------------------------------------------------------------------------


def bank_cusum(
    observed: np.ndarray,
    level: np.ndarray,
    thresholds: np.ndarray | None = None,
    odds_ratios: tuple[float, ...] = BANK,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The statistic max_k X_k,m of every chart (rows) in every month (columns), the index of
    the largest CUSUM, and whether the chart signalled (statistic ≥ its threshold; every
    CUSUM of the chart then restarts at 0). ``level`` is λ_m, the deaths expected in control."""
    observed = np.ascontiguousarray(observed, dtype=float)
    level = np.ascontiguousarray(level, dtype=float)
    log_r = np.log(np.asarray(odds_ratios, dtype=float))
    excess = np.asarray(odds_ratios, dtype=float) - 1
    charts, months = observed.shape
    statistic = np.zeros((charts, months))
    best = np.zeros((charts, months), dtype=np.int8)
    signal = np.zeros((charts, months), dtype=bool)
    limit = (
        np.full(charts, np.nan) if thresholds is None  # no statistic reaches NaN: no signals
        else np.ascontiguousarray(np.broadcast_to(thresholds, (charts,)), dtype=float)
    )  # fmt: skip
    kernels.bank_cusum(observed, level, limit, log_r, excess, statistic, best, signal)
    return statistic, best, signal


def reference_bank_cusum(
    observed, level, threshold: float, odds_ratios: tuple[float, ...] = BANK
) -> list[tuple[float, bool]]:
    """One chart, month by month in plain Python: the test oracle of ``bank_cusum``."""
    x = [0.0] * len(odds_ratios)
    out = []
    for o, lam in zip(observed, level, strict=True):
        x = [
            max(0.0, xk + o * math.log(r) - lam * (r - 1))
            for xk, r in zip(x, odds_ratios, strict=True)
        ]
        top = max(x)
        out.append((top, top >= threshold))
        if top >= threshold:
            x = [0.0] * len(odds_ratios)
    return out


# --- In-control distribution of a chart's largest statistic -------------------------------------


def simulate_peaks(
    expected: np.ndarray,
    level: np.ndarray,
    baseline: np.ndarray | None,
    odds_ratios: tuple[float, ...],
    simulations: int,
    rng: np.random.Generator,
    paths: np.ndarray | None = None,
    path_member: int = 0,
) -> np.ndarray:
    """For each chart (rows of ``expected``: its monitored months' deaths expected under the
    national model; ``level``: the ratio c it is tested against), the largest statistic of
    ``simulations`` in-control runs (deaths Poisson(c·E_m); never reset, as a chart before its
    first signal), sorted. With ``baseline`` (each chart's expected deaths in its baseline
    months) c is re-estimated in every run from simulated baseline deaths, as the real chart
    estimates it; without, c is known (the national model's 1). Given ``paths`` (charts ×
    simulations × months), each run's CUSUM for the bank's member ``path_member`` is written
    into it month by month."""
    if paths is not None and not 0 <= path_member < len(odds_ratios):
        raise ValueError(f"path_member: one of the {len(odds_ratios)} odds ratios' positions")
    expected = np.asarray(expected, dtype=float)
    level = np.asarray(level, dtype=float)
    charts, months = expected.shape
    log_r = np.log(np.asarray(odds_ratios, dtype=float))
    excess = np.asarray(odds_ratios, dtype=float) - 1
    peaks = np.empty((charts, simulations))
    step = max(1, CHUNK // (simulations * len(odds_ratios)))
    for lo in range(0, charts, step):
        e = expected[lo : lo + step]
        c_true = level[lo : lo + step, None]
        n = len(e)
        if baseline is None:
            c = np.broadcast_to(c_true, (n, simulations))
        else:
            b = np.asarray(baseline, dtype=float)[lo : lo + step, None]
            c = (rng.poisson(np.broadcast_to(c_true * b, (n, simulations))) + 1) / (b + 1)
        # Each member's CUSUM, month by month, by the compiled loop (the draws are NumPy's).
        x = np.zeros((len(log_r), n, simulations))
        top = np.zeros((n, simulations))
        written = paths[lo : lo + step] if paths is not None else np.empty((0, 0, 0), np.float32)
        for m in range(months):
            deaths = rng.poisson(np.broadcast_to(c_true * e[:, m, None], (n, simulations)))
            kernels.bank_month(
                x, deaths, c, np.ascontiguousarray(e[:, m]), log_r, excess, top, written, m,
                path_member,
            )  # fmt: skip
        peaks[lo : lo + step] = np.sort(top, axis=1)
    return peaks


def tail_slope(peaks: np.ndarray, known: bool) -> float:
    """The rate θ at which the chance of reaching h falls, e^{−θh}, beyond the simulations.
    A chart against a known level is a log-likelihood ratio: θ = 1 bounds its tail (Ville's
    inequality), so the extension errs towards fewer false alarms. Against an estimated own
    level it is not, and its tail is heavier: θ is estimated from the runs beyond the last
    quantile read off (the mean excess of an exponential tail is 1/θ), and never above 1."""
    if known:
        return 1.0
    s = len(peaks)
    h0 = peaks[s - TAIL_EXCEEDANCES]
    excess = peaks[s - TAIL_EXCEEDANCES :] - h0
    mean = float(excess.mean())
    return min(1.0, 1.0 / mean) if mean > 0 else 1.0


def tail_threshold(peaks: np.ndarray, alpha: np.ndarray, slope: float = 1.0) -> np.ndarray:
    """The thresholds for chances ``alpha`` of an in-control chart reaching them, from its
    sorted simulated peaks: read off the simulations where at least ``TAIL_EXCEEDANCES`` runs
    lie beyond, extended as e^{−θh} beyond that."""
    s = len(peaks)
    alpha = np.asarray(alpha, dtype=float)
    a0 = TAIL_EXCEEDANCES / s
    direct = np.clip(np.ceil((1 - np.maximum(alpha, a0)) * s).astype(int), 0, s - 1)
    h = peaks[direct]
    far = alpha < a0
    h = np.where(far, h + np.log(a0 / np.where(far, alpha, a0)) / slope, h)
    return np.maximum(h, 0.01)  # a signal needs some evidence


def tail_chance(peaks: np.ndarray, values: np.ndarray, slope: float = 1.0) -> np.ndarray:
    """The chance that an in-control chart's statistic reaches each of ``values``, from its
    sorted simulated peaks (extended as e^{−θh} beyond what they see)."""
    s = len(peaks)
    values = np.asarray(values, dtype=float)
    beyond = s - np.searchsorted(peaks, values, side="left")
    a0 = TAIL_EXCEEDANCES / s
    h0 = peaks[s - TAIL_EXCEEDANCES]
    return np.where(values > h0, a0 * np.exp(-slope * (values - h0)), beyond / s)


@dataclass
class Table:
    """In-control peaks simulated over ``GRID`` (constant monthly expected deaths), from which
    every chart's threshold and chances are read (linearly in the logarithm of its mean
    monthly expected deaths)."""

    peaks: np.ndarray  # (len(GRID), simulations), sorted
    slopes: np.ndarray  # (len(GRID),)
    # Each run's CUSUM for the together member month by month, as it adds to a
    # groups-together chart: log(1 − p0 + p0·e^X) (len(GRID), simulations, months), float32.
    together: np.ndarray

    def together_peaks(
        self, means: list[np.ndarray], draws: int, rng: np.random.Generator
    ) -> np.ndarray:
        """For each groups-together chart (its groups' mean monthly levels, one array a
        chart), the sorted largest statistics of ``draws`` in-control runs: each group's run
        drawn from the table's runs at the nearest grid volume, independently (the groups'
        deaths are). The draws are made chart by chart; the sums (``kernels``) on every core."""
        maxima = np.empty((len(means), draws), dtype=np.float32)
        if not means:
            return maxima.astype(np.float64)
        logs = np.log(GRID)
        flat = np.log(np.clip(np.concatenate(means), GRID[0], GRID[-1]))
        flat_nearest = np.abs(flat[:, None] - logs).argmin(1).astype(np.int64)
        # Drawn in 4 bytes: the same numbers as in 8 (NumPy draws a range under 2³² 32 bits at a
        # time either way), in half the time.
        runs = [rng.integers(0, self.together.shape[1], size=(len(m), draws), dtype=np.int32)
                for m in means]  # fmt: skip
        starts = np.concatenate([[0], np.cumsum([len(m) for m in means])]).astype(np.int64)
        flat_runs = np.concatenate(runs)
        # Charts shared between the cores by their groups (the work is in proportion).
        cut = np.searchsorted(starts, np.linspace(0, starts[-1], WORKERS + 1)[1:-1])
        bounds = [0, *np.unique(cut).tolist(), len(means)]
        with ThreadPoolExecutor(WORKERS) as pool:
            list(pool.map(
                lambda lo_hi: kernels.together_maxima(
                    self.together, flat_nearest, flat_runs, starts, maxima, *lo_hi),
                [(lo, hi) for lo, hi in itertools.pairwise(bounds) if hi > lo],
            ))  # fmt: skip
        return np.sort(maxima.astype(np.float64), axis=1)

    def thresholds(
        self, mean: np.ndarray, alpha: np.ndarray, phi: np.ndarray | None = None
    ) -> np.ndarray:
        """Each chart's threshold: φ times the Poisson table's at λ/φ (φ = 1: Poisson)."""
        phi = np.ones(len(mean)) if phi is None else np.asarray(phi, dtype=float)
        return phi * self._interpolate(
            mean / phi, alpha,
            lambda j, a: tail_threshold(self.peaks[j], a, float(self.slopes[j])),
        )  # fmt: skip

    def chance(
        self, mean: np.ndarray, values: np.ndarray, phi: np.ndarray | None = None
    ) -> np.ndarray:
        """The in-control chance of each chart reaching ``values``: the table's at λ/φ, X/φ."""
        phi = np.ones(len(mean)) if phi is None else np.asarray(phi, dtype=float)
        return self._interpolate(
            mean / phi, np.asarray(values, dtype=float) / phi,
            lambda j, v: tail_chance(self.peaks[j], v, float(self.slopes[j])),
        )  # fmt: skip

    def _interpolate(self, mean, argument, read) -> np.ndarray:
        logs = np.log(GRID)
        where = np.log(np.clip(mean, GRID[0], GRID[-1]))
        right = np.clip(np.searchsorted(logs, where), 1, len(GRID) - 1)
        left = right - 1
        t = (where - logs[left]) / (logs[right] - logs[left])
        out = np.zeros(len(mean))
        for j in np.unique(np.concatenate([left, right])):  # one grid row at a time
            at_left, at_right = left == j, right == j
            out[at_left] += (1 - t[at_left]) * read(j, argument[at_left])
            out[at_right] += t[at_right] * read(j, argument[at_right])
        return out


def together_member(odds_ratios: tuple[float, ...]) -> int:
    """The bank's member whose CUSUM each group adds to its groups-together chart."""
    return int(np.argmin(np.abs(np.log(odds_ratios) - math.log(TOGETHER_ODDS_RATIO))))


@functools.lru_cache(maxsize=8)
def table(
    months: int,
    baseline_months: int | None,
    odds_ratios: tuple[float, ...],
    simulations: int,
    seed: int,
) -> Table:
    """The table for charts of ``months`` monitored months, against the national model or
    (with ``baseline_months``) against an own level estimated from that many months. It
    depends on nothing else, so it is simulated once and kept: in the process, and on disk
    for the next (``engine.cache``: read in milliseconds where simulating took 0.2 s of a
    core; decision 068)."""
    options = (months, baseline_months, tuple(float(r) for r in odds_ratios), simulations, seed)
    rows = len(GRID)
    stored = cache.arrays(
        "early-warning-table", options, (sys.modules[__name__], kernels),
        lambda: simulate_table(*options),
        {"peaks": ((rows, simulations), np.dtype(np.float64)),
         "slopes": ((rows,), np.dtype(np.float64)),
         "together": ((rows, simulations, months), np.dtype(np.float32))},
    )  # fmt: skip
    return Table(stored["peaks"], stored["slopes"], stored["together"])


def simulate_table(
    months: int,
    baseline_months: int | None,
    odds_ratios: tuple[float, ...],
    simulations: int,
    seed: int,
) -> dict[str, np.ndarray]:
    """``table``'s arrays, simulated."""
    rng = np.random.default_rng([seed, months, baseline_months or 0])
    expected = np.repeat(GRID[:, None], months, axis=1)
    baseline = GRID * baseline_months if baseline_months else None
    level = np.ones(len(GRID))
    paths = np.empty((len(GRID), simulations, months), dtype=np.float32)
    member = together_member(odds_ratios)
    peaks = simulate_peaks(expected, level, baseline, odds_ratios, simulations, rng, paths, member)
    slopes = np.array([tail_slope(row, known=baseline is None) for row in peaks])
    together = np.logaddexp(np.log1p(-TOGETHER_P0), np.log(TOGETHER_P0) + paths)
    return {"peaks": peaks, "slopes": slopes, "together": together.astype(np.float32)}


def warning_tables(monitor: int, baseline_months: int, options: WarningOptions) -> None:
    """Make (and keep) the tables ``early_warning`` will read, ahead of it."""
    bank = tuple(options.odds_ratios)
    table(monitor, None, bank, options.simulations, options.seed)
    if baseline_months:
        table(monitor, baseline_months, bank, options.simulations, options.seed)


# --- Every chart of every provider ------------------------------------------------------------


@dataclass
class Counts:
    """Deaths observed and expected (under the national model) per provider × month, and per
    provider × month × admission method and × diagnosis group. Months are consecutive."""

    providers: list[str]
    months: list[str]
    observed: np.ndarray  # (P, M)
    expected: np.ndarray  # (P, M)
    methods: list[int] = field(default_factory=list)
    observed_method: np.ndarray | None = None  # (P, M, J)
    expected_method: np.ndarray | None = None
    groups: list[int] = field(default_factory=list)
    observed_group: np.ndarray | None = None  # (P, M, G)
    expected_group: np.ndarray | None = None
    # The variance of the deaths under the national model, Σp(1 − p), in the same shapes
    # (none: counted as Poisson, variance = expected).
    variance: np.ndarray | None = None
    variance_method: np.ndarray | None = None
    variance_group: np.ndarray | None = None


@dataclass
class WarningResult:
    charts: pl.DataFrame  # one row per chart: what it watches, its level, budget, threshold
    months: pl.DataFrame  # one row per chart × monitored month: the statistic and any signal
    alerts: pl.DataFrame  # the signalling chart-months, with how sure
    monitored: tuple[str, str]
    baseline: tuple[str, str] | None


def early_warning(counts: Counts, options: WarningOptions | None = None) -> WarningResult:
    """Every chart of every provider over the last ``monitor_months`` months, for both
    questions (the own level needs at least one month before them)."""
    options = options or WarningOptions()
    total = len(counts.months)
    monitor = min(options.monitor_months, total)
    first = total - monitor
    base_months = min(options.baseline_months, first)
    window = slice(first, total)
    base = slice(first - base_months, first)

    # Every chart as rows: (provider index, kind, value, observed (M), expected (M), baseline).
    Kind = tuple[Chart, list[int], np.ndarray | None, np.ndarray | None, np.ndarray | None]
    kinds: list[Kind] = [
        (Chart.ALL, [0], counts.observed[:, :, None], counts.expected[:, :, None],
         None if counts.variance is None else counts.variance[:, :, None])
    ]  # fmt: skip
    if options.by_method and counts.observed_method is not None:
        kinds.append((Chart.METHOD, counts.methods, counts.observed_method,
                      counts.expected_method, counts.variance_method))  # fmt: skip
    if options.by_group and counts.observed_group is not None:
        kinds.append((Chart.GROUP, counts.groups, counts.observed_group,
                      counts.expected_group, counts.variance_group))  # fmt: skip

    rows: dict[str, list] = {k: [] for k in ("provider", "kind", "value", "share")}
    observed_rows, expected_rows, base_o, base_e, spread = [], [], [], [], []
    position_of = {Chart.ALL: 0, Chart.METHOD: 1, Chart.GROUP: 2}
    for kind, values, o, e, v in kinds:
        position = position_of[kind]
        assert o is not None and e is not None
        mon = e[:, window].sum(1)  # (P, V)
        eligible = (mon >= options.min_expected) if kind != Chart.ALL else (mon > 0)
        weight = np.where(eligible, mon, 0.0)
        whole = np.maximum(weight.sum(1, keepdims=True), 1e-300)
        share = options.shares[position] * weight / whole
        p_idx, v_idx = np.nonzero(eligible)
        rows["provider"].append(p_idx)
        rows["kind"].append(np.full(len(p_idx), position, dtype=np.int8))
        rows["value"].append(
            np.array(values)[v_idx] if kind != Chart.ALL else np.full(len(p_idx), -1)
        )
        rows["share"].append(share[p_idx, v_idx])
        # Advanced indices on either side of a slice: the charts come first, (charts, months).
        observed_rows.append(o[p_idx, window, v_idx])
        expected_rows.append(e[p_idx, window, v_idx])
        base_o.append(o[p_idx, base, v_idx].sum(1))
        base_e.append(e[p_idx, base, v_idx].sum(1))
        # Each chart's share Σp²/Σp of its expected deaths over the monitored months.
        mon_e = e[p_idx, window, v_idx].sum(1)
        squares = (mon_e - v[p_idx, window, v_idx].sum(1)) if v is not None else 0 * mon_e
        spread.append(np.divide(squares, mon_e, out=np.zeros_like(mon_e), where=mon_e > 0))
    provider = np.concatenate(rows["provider"])
    # Each chart's kind as its position (Chart's order), compared as numbers.
    kind_code = np.concatenate(rows["kind"])
    chart = CHART_VALUES[kind_code]
    value = np.concatenate(rows["value"])
    share = np.concatenate(rows["share"])
    observed = np.concatenate(observed_rows)
    expected = np.concatenate(expected_rows)
    baseline_o = np.concatenate(base_o)
    baseline_e = np.concatenate(base_e)
    square_share = np.clip(np.concatenate(spread), 0.0, 1.0)
    alpha = options.false_alarm_rate * share

    questions = [Question.NATIONAL] + ([Question.OWN_LEVEL] if base_months else [])
    main = kind_code == position_of[Chart.ALL]
    known = table(monitor, None, tuple(options.odds_ratios), options.simulations, options.seed)
    chart_frames, month_frames = [], []
    for question in questions:
        if question == Question.NATIONAL:
            level_factor = np.ones(len(chart))
            grid = known
        else:
            # The provider's own level, from all its spells, for every chart it has: a
            # method's or a group's own level estimated from its own deaths would be far
            # less certain, and the thresholds that allow for it far higher (decision 062).
            own = np.ones(len(counts.providers))
            own[provider[main]] = (baseline_o[main] + 1) / (baseline_e[main] + 1)
            # Its other charts are tested against the level's upper 95% bound (one-sided,
            # on the log scale, SE 1/√(O_b + 1)), so its uncertainty, which they share, cannot
            # make them signal more often than their thresholds say.
            upper = np.ones(len(counts.providers))
            upper[provider[main]] = np.exp(OWN_LEVEL_Z / np.sqrt(baseline_o[main] + 1))
            level_factor = np.where(main, own[provider], (own * upper)[provider])
            grid = table(
                monitor, base_months, tuple(options.odds_ratios), options.simulations,
                options.seed,
            )  # fmt: skip
        level = expected * level_factor[:, None]
        means = level.mean(1)
        # The dispersion of the deaths at that level: risks c·p have variance
        # Σcp(1 − cp) = c·E·(1 − c·Σp²/Σp).
        phi = np.clip(1 - level_factor * square_share, MIN_DISPERSION, 1.0)
        # The all-spells chart's threshold allows for estimating the own level; the others'
        # take it as known (it is estimated on many more deaths than theirs).
        h = np.where(main, grid.thresholds(means, alpha, phi), known.thresholds(means, alpha, phi))
        statistic, best, signal = bank_cusum(observed, level, h, options.odds_ratios)
        # How sure each signal is (only signals: other months are not claims).
        hit, when = np.nonzero(signal)
        chance = np.where(
            main[hit],
            grid.chance(means[hit], statistic[hit, when], phi[hit]),
            known.chance(means[hit], statistic[hit, when], phi[hit]),
        )
        sure = np.full(statistic.shape, np.nan)
        sure[hit, when] = 1 - np.minimum(1.0, chance * options.false_alarm_rate / alpha[hit])
        codes = np.array(counts.providers, dtype=object)[provider]
        bank = np.asarray(options.odds_ratios)
        frames = _frames(
            codes, question, chart, value, level_factor, observed, expected, level, alpha, h,
            statistic, bank[best], signal, sure, counts.months[first:],
        )  # fmt: skip
        if (kind_code == position_of[Chart.GROUP]).any():
            extra = _together(
                counts, question, options, known, kind_code == position_of[Chart.GROUP],
                provider, value, observed, level, phi, first,
            )  # fmt: skip
            frames = [
                pl.concat([a, b], how="diagonal_relaxed")
                for a, b in zip(frames, extra, strict=True)
            ]
        chart_frames.append(frames[0])
        month_frames.append(frames[1])
    months = pl.concat(month_frames).with_columns(pl.col("sure").fill_nan(None))
    return WarningResult(
        charts=pl.concat(chart_frames, how="diagonal_relaxed").with_columns(
            pl.col("level").fill_nan(None)
        ),
        months=months,
        alerts=months.filter(pl.col("signal")).drop("signal"),
        monitored=(counts.months[first], counts.months[-1]),
        baseline=(
            (counts.months[first - base_months], counts.months[first - 1]) if base_months else None
        ),
    )


def _frames(
    codes, question, chart, value, level_factor, observed, expected, level, alpha, h,
    statistic, odds_ratio, signal, sure, months,
) -> list[pl.DataFrame]:  # fmt: skip
    """The charts and their months as frames. Each chart's text (its provider, question and
    kind) is made once and repeated for its months by Polars."""
    monitor = len(months)
    n = len(chart)
    text = pl.DataFrame(
        {
            "provider_code": pl.Series(codes.tolist(), dtype=pl.String),
            "question": pl.repeat(question.value, n, eager=True, dtype=pl.String),
            "chart": pl.Series(chart, dtype=pl.String),
        }
    )
    each = text.gather(np.repeat(np.arange(n), monitor)) if n else text.clear()
    return [
        text.hstack(
            [
                _values(value),
                pl.Series("level", level_factor, dtype=pl.Float64),
                pl.Series("observed", observed.sum(1), dtype=pl.Float64),
                pl.Series("expected", expected.sum(1), dtype=pl.Float64),
                pl.Series("false_alarm_rate", alpha, dtype=pl.Float64),
                pl.Series("threshold", h, dtype=pl.Float64),
            ]
        ),
        each.hstack(
            [
                _values(np.repeat(value, monitor)),
                pl.Series("month", list(months), dtype=pl.String).gather(
                    np.tile(np.arange(monitor), n)
                ),
                pl.Series("observed", observed.ravel(), dtype=pl.Float64),
                pl.Series("expected", level.ravel(), dtype=pl.Float64),
                pl.Series("statistic", statistic.ravel(), dtype=pl.Float64),
                pl.Series("threshold", np.repeat(h, monitor), dtype=pl.Float64),
                pl.Series("odds_ratio", odds_ratio.ravel(), dtype=pl.Float64),
                pl.Series("signal", signal.ravel(), dtype=pl.Boolean),
                pl.Series("sure", sure.ravel(), dtype=pl.Float64),
            ]
        ),
    ]


def _together(
    counts: Counts, question: Question, options: WarningOptions, grid: Table,
    group_chart: np.ndarray, provider: np.ndarray, value: np.ndarray, observed: np.ndarray,
    level: np.ndarray, phi: np.ndarray, first: int,
) -> list[pl.DataFrame]:  # fmt: skip
    """Each provider's diagnosis groups together (Mei 2010; Xie & Siegmund 2013): the sum
    over its groups of log(1 − p0 + p0·e^{X_g}), X_g each group's CUSUM for R = 2, so
    a failure spread over several groups adds up where each group's chart alone is too small
    to signal. The groups' statistics restart when the sum signals."""
    rows = np.flatnonzero(group_chart & (level.mean(1) >= TOGETHER_MIN_MONTHLY))
    # Each provider's largest groups (by expected deaths) join its sum, at most
    # TOGETHER_MAX_GROUPS: a failure in a smaller group is left to that group's own chart.
    order = rows[np.lexsort((-level[rows].mean(1), provider[rows]))]
    starts = np.searchsorted(provider[order], provider[order], side="left")
    rows = np.sort(order[np.arange(len(order)) - starts < TOGETHER_MAX_GROUPS])
    owners, position, sizes = np.unique(provider[rows], return_inverse=True, return_counts=True)
    keep = sizes[position] >= 2  # groups together need two groups
    rows, position = rows[keep], position[keep]
    owners, position = np.unique(provider[rows], return_inverse=True)
    n, monitor = len(owners), observed.shape[1]
    rng = np.random.default_rng([options.seed, 7, len(question.value)])
    alpha = np.full(n, options.false_alarm_rate * options.shares[3])
    # Each group's CUSUM divided by its φ (its quasi-log-likelihood ratio) is, in control, the
    # Poisson CUSUM at λ/φ: the table's runs at that volume.
    dispersion = phi[rows]
    means = level[rows].mean(1) / dispersion
    peaks = grid.together_peaks([means[position == i] for i in range(n)], TOGETHER_DRAWS, rng)
    h, slopes = np.empty(n), np.empty(n)
    for i in range(n):
        slopes[i] = tail_slope(peaks[i], known=False)
        h[i] = tail_threshold(peaks[i], alpha[i : i + 1], slopes[i])[0]
    log_r = np.log(np.asarray(options.odds_ratios))
    excess = np.asarray(options.odds_ratios) - 1
    member = together_member(tuple(options.odds_ratios))
    x = np.zeros((len(log_r), len(rows)))
    statistic = np.zeros((n, monitor))
    signal = np.zeros((n, monitor), dtype=bool)
    sure = np.full((n, monitor), np.nan)
    odds_ratio = np.full((n, monitor), np.nan)
    groups: list[list[str | None]] = [[None] * monitor for _ in range(n)]
    top = np.full((n, monitor), -1)
    o, lam = observed[rows], level[rows]
    for m in range(monitor):
        x = np.maximum(0.0, x + o[None, :, m] * log_r[:, None] - lam[None, :, m] * excess[:, None])
        each = x[member] / dispersion
        part = np.logaddexp(np.log1p(-TOGETHER_P0), np.log(TOGETHER_P0) + each)
        statistic[:, m] = np.bincount(position, weights=part, minlength=n)
        signal[:, m] = statistic[:, m] >= h
        for i in np.flatnonzero(signal[:, m]).tolist():
            mine = np.flatnonzero(position == i)
            order = mine[np.argsort(-each[mine])]
            lead = [int(value[rows[j]]) for j in order[:5] if each[j] > 0]
            groups[i][m] = ", ".join(map(str, lead))
            top[i, m] = lead[0] if lead else -1
            odds_ratio[i, m] = options.odds_ratios[member]
            chance = tail_chance(peaks[i], statistic[i, m : m + 1], slopes[i])[0]
            sure[i, m] = 1 - min(1.0, chance * options.false_alarm_rate / alpha[i])
        x[:, signal[position, m]] = 0.0
    codes = np.array(counts.providers, dtype=object)[owners]
    months = counts.months[first:]
    observed_sum = np.stack([np.bincount(position, weights=o[:, m], minlength=n)
                             for m in range(monitor)], axis=1)  # fmt: skip
    level_sum = np.stack([np.bincount(position, weights=lam[:, m], minlength=n)
                          for m in range(monitor)], axis=1)  # fmt: skip
    charts, monthly = _frames(
        codes, question, np.full(n, Chart.TOGETHER.value), np.full(n, -1),
        np.full(n, np.nan), observed_sum, level_sum, level_sum, alpha, h, statistic,
        odds_ratio, signal, sure, months,
    )  # fmt: skip
    monthly = monthly.with_columns(
        pl.Series("value", top.ravel()).replace(-1, None),
        pl.Series("groups", [g for row in groups for g in row], dtype=pl.String),
    )
    return [charts, monthly]


def _values(value: np.ndarray) -> pl.Series:
    """The chart's admission method or diagnosis group; missing for the all-spells chart."""
    return pl.Series("value", value.astype(np.int64)).replace(-1, None)
