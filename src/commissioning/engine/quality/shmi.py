"""SHMI-style indirect standardisation of 30-day mortality on spell-level data, at national scale.

Source: NHS Digital, Summary Hospital-level Mortality Indicator (SHMI) methodology
specification; docs/statistics.md sections 2 to 4.

- SHMI = observed deaths / expected deaths per provider over the reporting period (the last 12
  months of the data: a platform parameter, ``REPORTING_MONTHS``); deaths in hospital or
  within 30 days of discharge (``died_30d``).
- Expected deaths = Σ over spells of the modelled probability of death, from one logistic
  regression per diagnosis group with categorical covariates: age band, sex, admission method,
  month of admission, Charlson comorbidity band and year index, fitted on all the data
  (SHMI uses three years).
- Banding: the funnel with the SHMI overdispersion method (ln scale, trimmed ranks,
  DerSimonian–Laird τ²); each provider is banded "higher than expected", "as expected" or
  "lower than expected" at 95% and at 99.8% (section 2).
- Monthly risk-adjusted CUSUM per provider (Steiner, testing odds ratio 1 against R_A, default
  2). The Imperial College alerts run it monthly per diagnosis group (section 4); running it
  per provider is the platform's choice. Each month adds the log-likelihood ratio of that
  month's outcomes, Σ_t W_t = D·ln R_A − Σ_t ln(1 + (R_A − 1)·p_t), where D is the month's
  deaths; X_m = max(0, X_{m−1} + that), signal when X_m ≥ h, then restart at 0. h is chosen
  per provider by simulation, for a stated chance that an in-control provider signals in a
  year, over the provider's own monthly volumes and case mix in the reporting period
  (in-control deaths drawn as Binomial(n_m, E_m/n_m), which has the same mean as the exact
  Poisson-binomial and a slightly larger variance, so the thresholds err on the side of
  fewer false alarms).

The engine (the reason it is fast; decisions 027, 064, 065 and 068):
1. one streaming pass over the Parquet row groups packs each spell's diagnosis group and
   covariates into one integer key (the risk cell) and counts spells and deaths per key
   (a compiled loop, ``kernels``); nothing is grouped by provider × month × every covariate;
2. every diagnosis group's model is fitted by Newton–Raphson on the counts laid out as a grid
   (group × age × sex × method × month × Charlson × year): with treatment coding a cell's
   design row is 1 for the intercept and one level of each covariate, so the score and the
   Hessian are sums over the cells of a few terms each, not a product with a design matrix;
3. a second pass over what the first kept of each spell (its provider-month, its cell within
   its kind and its outcome, packed in 4 or 8 bytes, each row group's grouped by kind:
   diagnosis group × admission method) looks each spell's probability up by its cell (an
   array gather, not a join) and sums observed, expected and the CUSUM terms per provider ×
   month × kind, a kind at a time.
Besides those bytes a spell, memory is a row group at a time per core plus the grid.
``reference.shmi_reference`` is the naive engine: polars and statsmodels on the rows, for tests.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from scipy.special import expit

from . import kernels
from .constants import ODDS_RATIO_ALTERNATIVE, THRESHOLD_SIMULATIONS
from .funnel import Method, Overdispersion, funnel_numpy
from .passes import (  # the engine contract and the spells' columns, re-exported for callers
    COVARIATES,
    GROUP,
    OUTCOME,
    PERIOD,
    PROVIDER,
    SPELL_COLUMNS,
    WORKERS,
    Axis,
    CellCounts,
    Grid,
    LocalEngine,
    SpellEngine,
    kinds_of,
    scan_grid,
    spell_count,
)
from .spark import SparkEngine
from .tables import InputError
from .warning import Counts, WarningOptions, WarningResult, early_warning, warning_tables

__all__ = [
    "COVARIATES", "GROUP", "OUTCOME", "PERIOD", "PROVIDER", "SPELL_COLUMNS", "Axis",
    "CellCounts", "Grid", "GroupModels", "LocalEngine", "ShmiOptions", "ShmiResult",
    "SpellEngine", "fit_grid", "kinds_of", "monthly_cusum", "monthly_thresholds",
    "rolling_windows", "scan_grid", "shmi", "spell_count",
]  # fmt: skip

REPORTING_MONTHS = 12
THRESHOLD_BLOCK = 16  # providers simulated from one random stream
DEFAULT_FALSE_ALARM_RATE = 0.01  # per provider-year
MAX_ITERATIONS = 50
TOLERANCE = 1e-10


# --- Fitting every diagnosis group's logistic model on the grid -----------------------------


@dataclass
class GroupModels:
    """One logistic model per diagnosis group, as coefficients on each covariate's levels
    (treatment coding: level 0 of every covariate is the reference)."""

    grid: Grid
    intercept: np.ndarray  # (groups,)
    effects: list[np.ndarray]  # per covariate: (groups, levels), column 0 is 0
    converged: np.ndarray  # (groups,)
    iterations: int

    def linear_predictor(self) -> np.ndarray:
        """η for every cell of the grid, shape (groups, *covariate sizes)."""
        shape = self.grid.shape
        eta = self.intercept.reshape((shape[0],) + (1,) * (len(shape) - 1)).copy()
        for k, effect in enumerate(self.effects, start=1):
            view = [1] * len(shape)
            view[0], view[k] = shape[0], shape[k]
            eta = eta + effect.reshape(view)
        return eta

    def probabilities(self) -> np.ndarray:
        return expit(self.linear_predictor())

    def coefficients(self, group_index: int) -> np.ndarray:
        """The coefficient vector in the order of ``risk.Design``: intercept, then levels
        1.. of each covariate."""
        parts = [self.intercept[group_index : group_index + 1]]
        parts += [e[group_index, 1:] for e in self.effects]
        return np.concatenate(parts)


def grid_design(grid: Grid) -> np.ndarray:
    """The treatment-coded design matrix of one diagnosis group's cells (cells × parameters),
    the same for every group: intercept, then levels 1.. of each covariate."""
    sizes = grid.shape[1:]
    levels = np.indices(sizes).reshape(len(sizes), -1)
    columns = [np.ones(levels.shape[1])]
    for axis, size in enumerate(sizes):
        columns += [(levels[axis] == level).astype(float) for level in range(1, size)]
    return np.column_stack(columns)


def _newton_step(hessian: np.ndarray, score: np.ndarray) -> np.ndarray:
    """H⁻¹·score for each group, as the pseudo-inverse would give it. A level a group never
    sees has a zero row and column in H and a zero score: it is set aside (its step is 0, as
    with the pseudo-inverse) and the rest solved directly, which is exact and much cheaper.
    Should what remains still be singular, the pseudo-inverse is used for the whole batch."""
    diagonal = np.einsum("gpp->gp", hessian)
    unseen = diagonal == 0
    if unseen.any():
        hessian = hessian.copy()
        group, level = np.nonzero(unseen)
        hessian[group, level, level] = 1.0
    try:
        step = np.linalg.solve(hessian, score[..., None])[..., 0]
    except np.linalg.LinAlgError:
        return np.einsum("gpq,gq->gp", np.linalg.pinv(hessian, hermitian=True), score)
    if not np.isfinite(step).all():
        return np.einsum("gpq,gq->gp", np.linalg.pinv(hessian, hermitian=True), score)
    step[unseen] = 0.0
    return step


def grid_columns(grid: Grid) -> np.ndarray:
    """Per cell of a diagnosis group, the columns of ``grid_design`` after the intercept that
    are 1 in its row (one per covariate, or -1 where the covariate is at its level 0)."""
    sizes = grid.shape[1:]
    levels = np.indices(sizes).reshape(len(sizes), -1)
    offsets = np.cumsum([1] + [s - 1 for s in sizes])
    columns = np.where(levels > 0, levels - 1 + offsets[:-1, None], -1)
    return np.ascontiguousarray(columns.T, dtype=np.int64)


def fit_grid(spells: np.ndarray, deaths: np.ndarray, grid: Grid) -> GroupModels:
    """Newton–Raphson (the IRLS of a logistic GLM) for every diagnosis group at once, on the
    counts laid out as the grid (``spells`` and ``deaths`` have the grid's shape).

    Every group shares one treatment-coded design over its cells, in which a cell's row is 1
    for the intercept and one level of each covariate: the compiled loop
    (``kernels.group_terms``) adds each cell's weight to the few pairs of parameters it has,
    the groups shared between the cores. Steps are those of the pseudo-inverse
    (``_newton_step``), so a level a group never sees (unidentified) gets coefficient 0 and
    changes no probability. A group stops when its log-likelihood changes by less than 1e-10
    relatively (statsmodels' default test is 1e-8 on the deviance); only the groups still
    moving are worked on, so a group with a level without any deaths (separation, whose
    coefficient creeps towards −∞) runs on alone. A step that would lower the
    log-likelihood is halved until it does not.
    """
    shape = grid.shape
    g = shape[0]
    columns = grid_columns(grid)
    parameters = 1 + sum(s - 1 for s in shape[1:])
    n = np.ascontiguousarray(spells.reshape(g, -1), dtype=np.float64)
    d = np.ascontiguousarray(deaths.reshape(g, -1), dtype=np.float64)
    rate = np.clip((d.sum(1) + 0.5) / (n.sum(1) + 1.0), 1e-9, 1 - 1e-9)
    beta = np.zeros((g, parameters))
    beta[:, 0] = np.log(rate / (1 - rate))

    def terms(groups: np.ndarray, at: np.ndarray):
        """Log-likelihood, score and information of ``groups`` at coefficients ``at``, the
        groups shared between the cores."""
        loglik = np.empty(len(groups))
        score = np.empty((len(groups), parameters))
        hessian = np.empty((len(groups), parameters, parameters))
        bounds = np.linspace(0, len(groups), min(WORKERS, len(groups)) + 1).astype(int)
        parts = [slice(lo, hi) for lo, hi in itertools.pairwise(bounds)]

        def part(rows: slice) -> None:  # views: the loop writes into this call's arrays
            kernels.group_terms(
                np.ascontiguousarray(at[rows]), groups[rows], columns, n, d, score[rows],
                hessian[rows], loglik[rows],
            )  # fmt: skip

        list(pool.map(part, parts))
        return loglik, score, hessian

    converged = np.zeros(g, dtype=bool)
    active = np.arange(g)
    iterations = 0
    with ThreadPoolExecutor(WORKERS) as pool:
        previous, score, hessian = terms(active, beta)
        while len(active) and iterations < MAX_ITERATIONS:
            iterations += 1
            step = _newton_step(hessian, score)
            # The terms at the new coefficients are those of the next iteration, unless the
            # step lowered the log-likelihood (which a full Newton step can do on sparse
            # cells): such a step is halved until it does not (as R's glm.fit).
            start = beta[active]
            trial = start + step
            current, score, hessian = terms(active, trial)
            scale = np.ones(len(active))
            for _ in range(30):
                worse = ~(current >= previous - 1e-12 * np.abs(previous))
                if not worse.any():
                    break
                scale[worse] /= 2
                trial[worse] = start[worse] + scale[worse, None] * step[worse]
                current[worse], score[worse], hessian[worse] = terms(active[worse], trial[worse])
            beta[active] = trial
            change = np.abs(current - previous) / (np.abs(current) + 0.1)
            done = change < TOLERANCE
            converged[active[done]] = True
            moving = ~done
            active, previous = active[moving], current[moving]
            score, hessian = score[moving], hessian[moving]
    offsets = np.cumsum([1] + [s - 1 for s in shape[1:]])
    effects = [
        np.column_stack([np.zeros(g), beta[:, offsets[i] : offsets[i + 1]]])
        for i in range(len(shape) - 1)
    ]
    return GroupModels(grid, beta[:, 0].copy(), effects, converged, iterations)


# --- The pipeline ---------------------------------------------------------------------------


@dataclass
class ShmiOptions:
    odds_ratio: float = ODDS_RATIO_ALTERNATIVE
    false_alarm_rate: float = DEFAULT_FALSE_ALARM_RATE
    reporting_months: int = REPORTING_MONTHS
    simulations: int = THRESHOLD_SIMULATIONS
    seed: int = 1
    # The early warning's charts (both questions, by admission method and diagnosis group);
    # None runs only the CUSUM above. Its monitored months are the reporting period.
    warning: WarningOptions | None = field(default_factory=WarningOptions)
    # Every rolling window of ``reporting_months`` months ending in each month of the data
    # (multi-year monitoring), from the same pass: ``ShmiResult.windows``.
    rolling: bool = False


@dataclass
class ShmiResult:
    providers: pl.DataFrame  # per provider: spells, observed, expected, shmi, z, limits, bands
    # per provider × month: spells, observed, expected, the CUSUM increment (the log-likelihood
    # ratio of the month's outcomes), the CUSUM, its threshold and whether it signalled
    monthly: pl.DataFrame
    alerts: pl.DataFrame  # the signalling provider-months
    reporting_period: tuple[str, str]
    phi: float
    tau2: float
    kept: int
    spells: int
    cells: int
    cells_with_spells: int
    groups: int
    converged_groups: int
    iterations: int
    models: GroupModels | None = field(default=None, repr=False)
    warning: WarningResult | None = field(default=None, repr=False)
    # per provider × window (its last month): spells, observed, expected, SHMI, z, limits, band
    windows: pl.DataFrame | None = field(default=None, repr=False)


def _month_label(month: int) -> str:
    return f"{1970 + month // 12:04d}-{month % 12 + 1:02d}"


ENGINES = ("polars", "spark")  # the reference engine (reference.shmi_reference) is for tests


def shmi(
    paths: Sequence[Path | str] | Path | str | Any,
    options: ShmiOptions | None = None,
    progress: Callable[[str, int], None] | None = None,
    engine: str | SpellEngine = "polars",
) -> ShmiResult:
    """The whole pipeline on Parquet spells. ``progress(stage, rows)`` is called per row group
    of each pass (``stage`` is "counting" or "scoring") and once per other stage with 0.

    ``engine``: "polars" (one machine: ``LocalEngine``), "spark" (``spark.SparkEngine`` in
    the active Spark session, or a local one; ``paths`` may then also be a Spark DataFrame,
    such as a Delta table), or an engine made by the caller."""
    options = options or ShmiOptions()
    if isinstance(engine, SpellEngine):
        source = engine
    elif engine == "polars":
        source = LocalEngine(paths)
    elif engine == "spark":
        source = SparkEngine(paths)
    else:
        raise ValueError(f"engine: one of {', '.join(ENGINES)} (got {engine!r})")
    try:
        return _pipeline(source, options, progress)
    finally:
        source.close()


def _pipeline(
    source: SpellEngine, options: ShmiOptions, progress: Callable[[str, int], None] | None
) -> ShmiResult:
    def tick(stage, rows=0):
        if progress:
            progress(stage, rows)

    cells = source.count(tick)
    grid, first_month, months = cells.grid, cells.first_month, cells.months
    total = cells.rows
    deaths = cells.deaths.astype(np.float64)
    spells = cells.spells

    # The early warning's in-control tables depend only on the options and the months: they
    # are simulated on a thread of their own while the models are fitted.
    tables = None
    if options.warning is not None:
        monitor = min(options.reporting_months, months)
        tables = threading.Thread(
            target=warning_tables,
            args=(monitor, min(options.warning.baseline_months, months - monitor),
                  options.warning),
            daemon=True,
        )  # fmt: skip
        tables.start()
    # Each cell's diagnosis group × admission method: the kind the second pass sums by, for
    # the early warning's charts.
    method_axis = grid.axes[[a.name for a in grid.axes].index("admission_method")]
    kind_of, kinds = kinds_of(grid)
    # Fit every diagnosis group's model on the cells.
    models = fit_grid(spells.reshape(grid.shape), deaths.reshape(grid.shape), grid)
    risk = models.probabilities().ravel()
    # Each cell's risk beside the CUSUM's log-likelihood term of a spell in it, which depends
    # only on the risk, and its kind: one gather per spell fetches all three from one cache
    # line.
    per_cell = np.column_stack(
        [risk, np.log1p((options.odds_ratio - 1) * risk), kind_of,
         risk * (1 - risk)]  # the variance of a spell's death: the early warning's dispersion
    )  # fmt: skip
    spread = options.warning is not None
    tick("fitting")
    log_r = math.log(options.odds_ratio)
    sums = source.score(cells, per_cell, kinds, spread, tick)
    codes = cells.codes
    detail = {
        k: sums[k].reshape(len(codes), months, grid.shape[0], method_axis.size)
        for k in ("spells", "observed", "expected") + (("variance",) if spread else ())
    }
    shaped = {k: v.sum((2, 3)) for k, v in detail.items() if k != "variance"}
    shaped["log"] = sums["log"].reshape(len(codes), months)
    # A provider only in a file's dictionary (a category without a spell) is not one: every
    # engine gives the providers with spells, in order of their codes.
    order = np.array(
        [i for i in np.argsort(codes, kind="stable") if shaped["spells"][i].sum() > 0],
        dtype=np.int64,
    )
    codes = [codes[i] for i in order]
    detail = {k: v[order] for k, v in detail.items()}
    shaped = {k: v[order] for k, v in shaped.items()}
    labels = [_month_label(first_month + m) for m in range(months)]

    # Early warning: every chart of every provider, both questions (decision 062), on a
    # thread of its own (mostly one core's work) while the SHMI is banded and the CUSUM's
    # thresholds simulated.
    early = None
    if options.warning is not None:
        group_axis = grid.axes[0]
        warning_options = replace(options.warning, monitor_months=options.reporting_months)

        def warn(codes, labels, shaped, detail) -> WarningResult:
            # Its sums by method and by group are made here too, while the main thread bands
            # and simulates the thresholds.
            counts = Counts(
                providers=codes,
                months=labels,
                observed=shaped["observed"],
                expected=shaped["expected"],
                methods=list(range(method_axis.low, method_axis.low + method_axis.size)),
                observed_method=detail["observed"].sum(2),
                expected_method=detail["expected"].sum(2),
                groups=list(range(group_axis.low, group_axis.low + group_axis.size)),
                observed_group=detail["observed"].sum(3),
                expected_group=detail["expected"].sum(3),
                variance=detail["variance"].sum((2, 3)),
                variance_method=detail["variance"].sum(2),
                variance_group=detail["variance"].sum(3),
            )
            if tables is not None:
                tables.join()
            return early_warning(counts, warning_options)

        background = ThreadPoolExecutor(1, thread_name_prefix="early-warning")
        early = background.submit(warn, codes, labels, shaped, detail)
        background.shutdown(wait=False)  # the thread ends with its one task

    # SHMI and banding over the reporting period.
    period = slice(max(0, months - options.reporting_months), months)
    o = shaped["observed"][:, period].sum(1)
    e = shaped["expected"][:, period].sum(1)
    n = shaped["spells"][:, period].sum(1)
    has = e > 0
    funnel = funnel_numpy(
        [c for c, h in zip(codes, has, strict=True) if h],
        o[has],
        e[has],
        Method.RATIO,
        Overdispersion.SHMI,
    )
    by_code = {r.group: r for r in funnel.rows}
    providers = (
        pl.DataFrame(
            {
                "provider_code": codes,
                "spells": n.astype(np.int64),
                "observed": o,
                "expected": e,
                "shmi": [by_code[c].value if c in by_code else None for c in codes],
                "z": [
                    by_code[c].z if c in by_code and math.isfinite(by_code[c].z) else None
                    for c in codes
                ],
                "lower_95": [by_code[c].lower_95 if c in by_code else None for c in codes],
                "upper_95": [by_code[c].upper_95 if c in by_code else None for c in codes],
                "lower_998": [by_code[c].lower_998 if c in by_code else None for c in codes],
                "upper_998": [by_code[c].upper_998 if c in by_code else None for c in codes],
                "band": [by_code[c].band_95 if c in by_code else None for c in codes],
                "band_998": [by_code[c].band_998 if c in by_code else None for c in codes],
            }
        )
        .filter(pl.col("spells") > 0)
        .sort("provider_code")
    )  # none in the period: no SHMI
    tick("banding")

    # Monthly CUSUM per provider with thresholds by simulation.
    increment = shaped["observed"] * log_r - shaped["log"]
    thresholds, implied = monthly_thresholds(
        shaped["spells"][:, period],
        shaped["expected"][:, period],
        shaped["log"][:, period],
        options.odds_ratio,
        options.false_alarm_rate,
        options.simulations,
        options.seed,
    )
    values, signals = monthly_cusum(increment, thresholds)
    monthly = pl.DataFrame(
        {
            "provider_code": np.repeat(codes, months),
            "month": labels * len(codes),
            "spells": shaped["spells"].ravel().astype(np.int64),
            "observed": shaped["observed"].ravel(),
            "expected": shaped["expected"].ravel(),
            "increment": increment.ravel(),
            "cusum": values.ravel(),
            "threshold": np.repeat(thresholds, months),
            "false_alarm_rate": np.repeat(implied, months),
            "signal": signals.ravel(),
        }
    ).sort("provider_code", "month")
    alerts = monthly.filter(pl.col("signal")).drop("signal")
    tick("cusum")

    warning = None
    if early is not None:
        warning = early.result()
        tick("warning")
    windows = None
    if options.rolling:
        windows = rolling_windows(codes, labels, shaped, options.reporting_months)
        tick("windows")
    return ShmiResult(
        providers,
        monthly,
        alerts,
        (labels[period.start], labels[-1]),
        funnel.phi,
        funnel.tau2,
        funnel.kept,
        total,
        grid.cells,
        int((spells > 0).sum()),
        grid.shape[0],
        int(models.converged.sum()),
        models.iterations,
        models,
        warning,
        windows,
    )


def rolling_windows(
    codes: list[str], labels: list[str], shaped: dict[str, np.ndarray], length: int
) -> pl.DataFrame:
    """SHMI and its bands for every window of ``length`` consecutive months ending in each
    month from the ``length``-th on: each window's observed, expected and spells are the
    difference of two cumulative sums over the provider × month sums (each spell counted once,
    in its month), and each window is banded with its own overdispersion (decision 063)."""
    months = len(labels)
    if months < length:
        raise InputError(
            f"rolling windows: the spells cover {months} months, fewer than a window's {length}"
        )
    frames = []
    totals = {}
    for name in ("spells", "observed", "expected"):
        running = np.concatenate(
            [np.zeros((len(codes), 1)), np.cumsum(shaped[name], axis=1)], axis=1
        )
        totals[name] = running[:, length:] - running[:, :-length]  # (providers, windows)
    for w in range(months - length + 1):
        o, e, n = (totals[k][:, w] for k in ("observed", "expected", "spells"))
        has = (e > 0) & (n > 0)
        funnel = funnel_numpy(
            [c for c, h in zip(codes, has, strict=True) if h], o[has], e[has], Method.RATIO,
            Overdispersion.SHMI,
        )  # fmt: skip
        by_code = {r.group: r for r in funnel.rows}
        rows = [by_code[c] for c, h in zip(codes, has, strict=True) if h]
        frames.append(
            pl.DataFrame(
                {
                    "window_from": labels[w],
                    "window_to": labels[w + length - 1],
                    "provider_code": [r.group for r in rows],
                    "spells": n[has].astype(np.int64),
                    "observed": o[has],
                    "expected": e[has],
                    "shmi": [r.value for r in rows],
                    "z": [r.z if math.isfinite(r.z) else None for r in rows],
                    "lower_95": [r.lower_95 for r in rows],
                    "upper_95": [r.upper_95 for r in rows],
                    "lower_998": [r.lower_998 for r in rows],
                    "upper_998": [r.upper_998 for r in rows],
                    "band": [r.band_95 for r in rows],
                    "band_998": [r.band_998 for r in rows],
                    "phi": funnel.phi,
                }
            )
        )
    return pl.concat(frames).sort("window_to", "provider_code")


def monthly_cusum(increment: np.ndarray, thresholds: np.ndarray):
    """X_m = max(0, X_{m−1} + increment_m) per provider (rows), signalling at X_m ≥ h and
    restarting at 0."""
    values = np.zeros_like(increment)
    signals = np.zeros(increment.shape, dtype=bool)
    x = np.zeros(increment.shape[0])
    for m in range(increment.shape[1]):
        x = np.maximum(0.0, x + increment[:, m])
        values[:, m] = x
        signals[:, m] = x >= thresholds
        x = np.where(signals[:, m], 0.0, x)
    return values, signals


def monthly_thresholds(
    spells: np.ndarray,
    expected: np.ndarray,
    log_terms: np.ndarray,
    odds_ratio: float,
    false_alarm_rate: float,
    simulations: int = THRESHOLD_SIMULATIONS,
    seed: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Per provider (rows; columns are the months of a year), the threshold h for which an
    in-control provider signals at least once in the year with probability at most
    ``false_alarm_rate``; and the probability that h implies.

    Before its first signal the CUSUM has not been reset, so "at least one signal in the year"
    is "the running maximum of the unreset CUSUM reaches h". Simulating that maximum once per
    run gives h directly as its (1 − rate) quantile: no search over h is needed.
    """
    if not 0 < false_alarm_rate < 1:
        raise ValueError("the false-alarm rate is a probability between 0 and 1")
    n = spells.astype(np.int64)
    theta = np.clip(
        np.divide(expected, spells, out=np.zeros_like(expected), where=spells > 0), 0, 1
    )
    log_r = math.log(odds_ratio)
    peak = np.zeros((len(n), simulations))

    # Providers in fixed blocks, each simulated from its own stream of the seed, so the
    # thresholds do not depend on how many cores share the blocks. A provider-month's draws
    # are made together (NumPy sets up its binomial sampler once for them), and the blocks
    # run in parallel (the sampler releases the GIL).
    def block(b: int) -> None:
        rows = slice(b * THRESHOLD_BLOCK, min((b + 1) * THRESHOLD_BLOCK, len(n)))
        rng = np.random.default_rng([seed, b])
        x = np.zeros((rows.stop - rows.start, simulations))
        for m in range(n.shape[1]):
            deaths = rng.binomial(n[rows, m, None], theta[rows, m, None], size=x.shape)
            x = np.maximum(0.0, x + deaths * log_r - log_terms[rows, m, None])
            np.maximum(peak[rows], x, out=peak[rows])

    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(block, range(-(-len(n) // THRESHOLD_BLOCK))))
    peak = peak.T
    h = np.quantile(peak, 1 - false_alarm_rate, axis=0, method="higher")
    h = np.maximum(np.ceil(h * 100) / 100, 0.01)  # a signal needs some evidence
    return h, (peak >= h[None, :]).mean(0)
