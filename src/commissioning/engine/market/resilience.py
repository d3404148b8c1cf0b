"""The resilience model: if providers fail, where do their patients go, how much further do
they travel, and whose demand is left unmet?

Each small area i has a demand D_i; each provider j a capacity C_j; d_ij is the straight-line
distance in km between their British National Grid points times a circuity factor. The model
is the linear programme (issue 5; solved with HiGHS)

    minimise   Σ d_ij·x_ij + P·Σ u_i
    subject to Σ_j x_ij + u_i = D_i   for every area i          (all demand is placed or unmet)
               Σ_i x_ij ≤ C_j         for every provider j      (capacity)
               x_ij = 0 where d_ij > the maximum distance, x ≥ 0, u ≥ 0

with P (default 1,000 km) the penalty per unit of unmet demand: the model sends a patient up
to P km rather than leave them without a service, but never beyond the maximum distance.

Design: only the pairs within the maximum distance become columns (found with a k-d tree), so
an England-sized model has a few hundred thousand columns, not areas × providers. The model is
built once; a scenario only changes the upper bounds of the failed providers' capacity rows
(to 0, or to a fraction of the capacity), so HiGHS starts from the optimal basis of the
no-failure baseline (a warm start) and the dual simplex repairs the few rows that changed,
instead of solving from scratch.
"""

from __future__ import annotations

import copy
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import highspy
import numpy as np
from scipy.spatial import cKDTree

from commissioning.engine.quality.tables import InputError
from commissioning.engine.rows import at_row

DEFAULT_MAX_KM = 50.0
DEFAULT_CIRCUITY = 1.0
DEFAULT_PENALTY_KM = 1000.0
TOLERANCE = 1e-6  # a capacity within this of full, or unmet demand above it, is reported
PAIR_BLOCK = 4096  # areas per k-d tree query
INITIAL_NEAREST = 3  # providers per area in the LP before any pricing
DUAL, PRIMAL = 1, 4  # HiGHS simplex_strategy values
SWEEP_WORKERS = max(1, min(4, os.cpu_count() or 1))  # threads sharing a sweep's scenarios
PRICING_TOLERANCE = 1e-9  # a reduced cost below minus this brings its pair into the LP


@dataclass(frozen=True)
class Providers:
    codes: list[str]
    easting: np.ndarray
    northing: np.ndarray
    capacity: np.ndarray


@dataclass(frozen=True)
class Areas:
    codes: list[str]
    easting: np.ndarray
    northing: np.ndarray
    demand: np.ndarray


@dataclass(frozen=True)
class Options:
    max_km: float = DEFAULT_MAX_KM
    circuity: float = DEFAULT_CIRCUITY
    penalty: float = DEFAULT_PENALTY_KM

    def __post_init__(self) -> None:
        if not self.max_km > 0:
            raise InputError(f"--max-km: must be more than 0 (it is {self.max_km:g})")
        if not self.circuity >= 1:
            raise InputError(f"--circuity: must be at least 1 (it is {self.circuity:g})")
        if not self.penalty > 0:
            raise InputError(f"--penalty: must be more than 0 (it is {self.penalty:g})")


@dataclass(frozen=True)
class Scenario:
    """Providers that fail (lose all capacity) and providers whose capacity is cut by a
    fraction (0.3 = 30% less)."""

    fail: tuple[str, ...] = ()
    cuts: Mapping[str, float] = field(default_factory=dict)

    @property
    def name(self) -> str:
        parts = [f"fail {c}" for c in self.fail]
        parts += [f"cut {c} by {f:.0%}" for c, f in self.cuts.items()]
        return ", ".join(parts) or "baseline (no failure)"


@dataclass
class Result:
    scenario: Scenario
    objective: float
    unmet_demand: float
    patient_km: float
    extra_patient_km: float
    at_capacity: list[str]
    unmet_areas: list[tuple[str, float]]  # (area, unmet demand), largest first
    seconds: float
    iterations: int
    flows: list[tuple[str, str, float, float]] | None = None  # (area, provider, patients, km)
    # What changed from the baseline (no failure): the providers that take on more patients
    # (code, extra patients, largest first), those full now that were not, and the patients
    # served. Empty for the baseline itself.
    took_on: list[tuple[str, float]] = field(default_factory=list)
    newly_full: list[str] = field(default_factory=list)
    served: float = 0.0
    extra_unmet: float = 0.0  # patients left without a service who were served before
    displaced: float = 0.0  # patients the failed or cut providers no longer see

    def mean_km(self) -> float:
        """The average journey of a patient who is served (km)."""
        return self.patient_km / self.served if self.served else 0.0

    def as_dict(self, flows: bool = False) -> dict:
        out = {
            "scenario": self.scenario.name,
            "failed": list(self.scenario.fail),
            "cuts": dict(self.scenario.cuts),
            "objective": self.objective,
            "unmet_demand": self.unmet_demand,
            "patient_km": self.patient_km,
            "extra_patient_km": self.extra_patient_km,
            "providers_at_capacity": self.at_capacity,
            "areas_with_unmet_demand": [{"area": a, "unmet": u} for a, u in self.unmet_areas],
            "took_on": [{"provider": p, "patients": x} for p, x in self.took_on],
            "newly_full": self.newly_full,
            "served": self.served,
            "extra_unmet": self.extra_unmet,
            "displaced": self.displaced,
            "mean_km": self.mean_km(),
            "iterations": self.iterations,
            "seconds": self.seconds,
        }
        if flows and self.flows is not None:
            out["flows"] = [
                {"area": a, "provider": p, "patients": x, "km": d} for a, p, x, d in self.flows
            ]
        return out


def check_inputs(providers: Providers, areas: Areas) -> None:
    """Refuse inconsistent input in one line: duplicate codes, negative or missing numbers."""
    for what, codes in (("provider", providers.codes), ("area", areas.codes)):
        seen: set[str] = set()
        for row, code in enumerate(codes):
            if not code:
                raise InputError(
                    f"{at_row(row, 'code' if what == 'provider' else 'area')}"
                    f": the {what} code is empty"
                )
            if code in seen:
                raise InputError(f"{at_row(row)}: {what} code {code} appears more than once")
            seen.add(code)
    for name, values, label in (
        ("capacity", providers.capacity, "provider"),
        ("demand", areas.demand, "area"),
    ):
        bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
        if len(bad):
            raise InputError(
                f"{at_row(bad[0], name)}: {values[bad[0]]:g} is not allowed "
                f"(a {label}'s {name} must be 0 or more)"
            )
    for name, values in (
        ("easting", providers.easting),
        ("northing", providers.northing),
        ("easting", areas.easting),
        ("northing", areas.northing),
    ):
        bad = np.flatnonzero(~np.isfinite(values))
        if len(bad):
            raise InputError(f"{at_row(bad[0], name)}: the value is missing")
    if not providers.codes:
        raise InputError("the providers file has no rows")
    if not areas.codes:
        raise InputError("the demand file has no rows")


def pairs_within(providers: Providers, areas: Areas, options: Options):
    """Every (area, provider, km) with the travel distance within the maximum, sorted by area
    then distance: straight-line metres on the National Grid / 1000 × circuity."""
    radius_m = options.max_km * 1000.0 / options.circuity
    tree = cKDTree(np.column_stack([providers.easting, providers.northing]))
    area_xy = np.column_stack([areas.easting, areas.northing])
    out_area, out_provider, out_km = [], [], []
    k = len(providers.codes)
    for lo in range(0, len(area_xy), PAIR_BLOCK):  # bounded memory: a block of areas at a time
        within = np.nextafter(radius_m, np.inf)  # a provider exactly at the limit is in reach
        metres, provider = tree.query(
            area_xy[lo : lo + PAIR_BLOCK], k=k, distance_upper_bound=within
        )
        metres, provider = metres.reshape(len(metres), -1), provider.reshape(len(provider), -1)
        keep = np.isfinite(metres)  # sorted nearest first; beyond the radius is inf
        rows, _ = np.nonzero(keep)
        out_area.append(lo + rows)
        out_provider.append(provider[keep].astype(np.int64))
        out_km.append(metres[keep] / 1000.0 * options.circuity)
    return np.concatenate(out_area), np.concatenate(out_provider), np.concatenate(out_km)


def alternatives_within(providers: Providers, areas: Areas, options: Options) -> np.ndarray:
    """The number of providers within the maximum travel distance of each area."""
    area, _, _ = pairs_within(providers, areas, options)
    return np.bincount(area, minlength=len(areas.codes))


class ResilienceModel:
    """The model built once for a set of providers, areas and options; ``solve`` runs one
    scenario, warm-started from the baseline's optimal basis.

    Column generation keeps the LP small: it starts with each area's nearest providers and
    adds a pair (area, provider) only when its reduced cost d_ij − y_i − y_j under the current
    duals is negative, re-solving from the current basis until no pair prices out. At that
    point the restricted LP's optimum satisfies every constraint of the full LP's dual, so it
    is the full LP's optimum (the usual LP optimality certificate), with a fraction of the
    columns. ``solve_cold`` solves the full LP, every pair a column, from scratch: the
    benchmark's baseline and the tests' check.
    """

    def __init__(self, providers: Providers, areas: Areas, options: Options | None = None):
        check_inputs(providers, areas)
        self.providers, self.areas = providers, areas
        self.options = options or Options()
        self.index = {c: j for j, c in enumerate(providers.codes)}
        self.area_of, self.provider_of, self.km = pairs_within(providers, areas, self.options)
        self.n_areas, self.n_prov = len(areas.codes), len(providers.codes)
        self.n_pairs = len(self.km)
        self.capacity_rows = self.n_areas + np.arange(self.n_prov, dtype=np.int32)
        # Pairs are sorted by area then distance: each area's rank of its providers.
        first = np.searchsorted(self.area_of, np.arange(self.n_areas))
        self.rank = np.arange(self.n_pairs) - first[self.area_of]
        nearest = np.flatnonzero(self.rank < INITIAL_NEAREST)
        self.columns = nearest  # LP column n_areas + k is pair columns[k]
        self.in_model = np.zeros(self.n_pairs, dtype=bool)
        self.in_model[nearest] = True
        self.highs = _solver()
        self.highs.passModel(self._lp(nearest))
        self.baseline: Result | None = None
        self.baseline_load: np.ndarray | None = None  # each provider's patients, no failure
        self.basis = None
        self.priced_rounds = 0

    def _lp(self, pairs: np.ndarray) -> highspy.HighsLp:
        """Columns: u_i for every area (its demand row), then x for the given pairs (their
        area's demand row and their provider's capacity row)."""
        n_areas, n_prov = self.n_areas, self.n_prov
        lp = highspy.HighsLp()
        lp.num_col_ = n_areas + len(pairs)
        lp.num_row_ = n_areas + n_prov
        lp.col_cost_ = np.concatenate([np.full(n_areas, self.options.penalty), self.km[pairs]])
        lp.col_lower_ = np.zeros(lp.num_col_)
        lp.col_upper_ = np.full(lp.num_col_, highspy.kHighsInf)
        demand = self.areas.demand.astype(np.float64)
        lp.row_lower_ = np.concatenate([demand, np.full(n_prov, -highspy.kHighsInf)])
        lp.row_upper_ = np.concatenate([demand, self.providers.capacity.astype(np.float64)])
        start, index = self._entries(pairs)
        start = np.concatenate([np.arange(n_areas), n_areas + start])
        index = np.concatenate([np.arange(n_areas, dtype=np.int32), index])
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = start.astype(np.int32)
        lp.a_matrix_.index_ = index
        lp.a_matrix_.value_ = np.ones(len(index))
        return lp

    def _entries(self, pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        start = np.arange(0, 2 * len(pairs) + 1, 2)
        index = np.empty(2 * len(pairs), dtype=np.int32)
        index[0::2] = self.area_of[pairs]
        index[1::2] = self.n_areas + self.provider_of[pairs]
        return start, index

    # --- scenarios --------------------------------------------------------------------------

    def scenario(self, fail: Iterable[str] = (), cuts: Mapping[str, float] | None = None):
        fail = tuple(dict.fromkeys(fail))
        cuts = dict(cuts or {})
        for code in (*fail, *cuts):
            if code not in self.index:
                raise InputError(f"provider {code}: not in the providers file")
        both = [code for code in cuts if code in fail]
        if both:
            raise InputError(
                f"provider {both[0]}: it fails in this scenario, so its capacity cannot also be"
                " cut; choose one or the other"
            )
        for code, fraction in cuts.items():
            if not 0 <= fraction <= 1:
                raise InputError(
                    f"provider {code}: a capacity cut is a fraction between 0 and 1"
                    f" (it is {fraction:g})"
                )
        return Scenario(fail, cuts)

    def _upper(self, scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
        rows, upper = [], []
        for code in scenario.fail:
            rows.append(self.index[code])
            upper.append(0.0)
        for code, fraction in scenario.cuts.items():
            if code not in scenario.fail:
                rows.append(self.index[code])
                upper.append(float(self.providers.capacity[self.index[code]]) * (1 - fraction))
        return np.array(rows, dtype=np.int32), np.array(upper)

    def _set_capacity(self, h, rows: np.ndarray, upper: np.ndarray) -> None:
        if len(rows):
            h.changeRowsBounds(
                len(rows), self.capacity_rows[rows], np.full(len(rows), -highspy.kHighsInf), upper
            )

    def solve(self, scenario: Scenario | None = None, flows: bool = False) -> Result:
        """Solve one scenario. The first call solves the baseline (no failure) and keeps its
        basis; every scenario then starts from that basis."""
        self._ensure_baseline()
        scenario = scenario or Scenario()
        if not scenario.fail and not scenario.cuts and not flows:
            assert self.baseline is not None  # _ensure_baseline solved it
            return self.baseline
        return self.solve_basis(scenario, flows)

    def _ensure_baseline(self) -> None:
        if self.baseline is None:
            self.baseline = self._optimise(Scenario(), flows=False)
            self.basis = self.highs.getBasis()
            self.base_columns = len(self.columns)

    def solve_basis(self, scenario: Scenario, flows: bool = False) -> Result:
        """The whole LP (with column generation) warm-started from the baseline's basis."""
        self._ensure_baseline()
        rows, upper = self._upper(scenario)
        self._set_capacity(self.highs, rows, upper)
        self.highs.setBasis(self.basis)
        try:
            return self._optimise(scenario, flows)
        finally:
            # Back to the baseline's model: its capacities, and only its columns (those the
            # scenario priced in would make every later scenario's LP larger).
            self._set_capacity(self.highs, rows, self.providers.capacity[rows].astype(float))
            extra = len(self.columns) - self.base_columns
            if extra:
                first = self.n_areas + self.base_columns
                self.highs.deleteCols(extra, np.arange(first, first + extra, dtype=np.int32))
                self.in_model[self.columns[self.base_columns :]] = False
                self.columns = self.columns[: self.base_columns]

    def _optimise(self, scenario: Scenario, flows: bool) -> Result:
        """Run HiGHS, then price every pair not in the model and add those with a negative
        reduced cost, until none is left."""
        h = self.highs
        started = time.perf_counter()
        iterations = 0
        # After a capacity change the basis is dual feasible: the dual simplex repairs it.
        # After columns are added it stays primal feasible: the primal simplex goes on.
        h.setOptionValue("simplex_strategy", DUAL)
        while True:
            h.run()
            _check_optimal(h)
            iterations += int(h.getInfo().simplex_iteration_count)
            y = np.asarray(h.getSolution().row_dual)
            reduced = self.km - y[self.area_of] - y[self.n_areas + self.provider_of]
            enter = np.flatnonzero((reduced < -PRICING_TOLERANCE) & ~self.in_model)
            if not len(enter):
                break
            self.priced_rounds += 1
            start, index = self._entries(enter)
            h.addCols(
                len(enter),
                self.km[enter],
                np.zeros(len(enter)),
                np.full(len(enter), highspy.kHighsInf),
                len(index),
                start[:-1].astype(np.int32),
                index,
                np.ones(len(index)),
            )
            self.columns = np.concatenate([self.columns, enter])
            self.in_model[enter] = True
            h.setOptionValue("simplex_strategy", PRIMAL)
        x = np.asarray(h.getSolution().col_value)
        flow = np.zeros(self.n_pairs)
        flow[self.columns] = x[self.n_areas :]
        return self._result(
            scenario,
            float(h.getInfo().objective_function_value),
            flow,
            x[: self.n_areas],
            time.perf_counter() - started,
            iterations,
            flows,
        )

    def solve_cold(self, scenario: Scenario) -> Result:
        """The scenario as the full LP (every pair within reach a column) solved from scratch
        in a fresh HiGHS: the benchmark's baseline and the tests' reference."""
        cold = _solver()
        cold.passModel(self._lp(np.arange(self.n_pairs)))
        rows, upper = self._upper(scenario)
        self._set_capacity(cold, rows, upper)
        started = time.perf_counter()
        cold.run()
        _check_optimal(cold)
        seconds = time.perf_counter() - started
        x = np.asarray(cold.getSolution().col_value)
        return self._result(
            scenario,
            float(cold.getInfo().objective_function_value),
            x[self.n_areas :],
            x[: self.n_areas],
            seconds,
            int(cold.getInfo().simplex_iteration_count),
            False,
        )

    def sweep(
        self, progress: Callable[[str], None] | None = None, workers: int = SWEEP_WORKERS
    ) -> list[Result]:
        """Every single-provider failure, each warm-started from the baseline's basis. The
        scenarios are shared between ``workers`` threads, each with its own copy of the
        baseline's LP and basis (HiGHS releases the GIL while it solves)."""
        self.solve()
        codes = list(self.providers.codes)
        models = [self] + [self._clone() for _ in range(max(1, workers) - 1)]
        done: dict[str, Result] = {}
        lock = threading.Lock()

        # Largest providers first (their scenarios take longest), each thread taking the
        # next scenario when it finishes one: the threads finish together.
        queue = iter(sorted(codes, key=lambda c: -self.providers.capacity[self.index[c]]))

        def work(model: ResilienceModel) -> None:
            while True:
                with lock:
                    code = next(queue, None)
                if code is None:
                    return
                result = model.solve(Scenario((code,)))
                with lock:
                    done[code] = result
                    if progress:
                        progress(code)

        with ThreadPoolExecutor(len(models)) as pool:
            for future in [pool.submit(work, m) for m in models]:
                future.result()
        return [done[c] for c in codes]

    def _clone(self) -> ResilienceModel:
        """The same model with its own HiGHS holding the baseline's LP and optimal basis."""
        twin = copy.copy(self)
        twin.highs = _solver()
        twin.highs.passModel(self.highs.getLp())
        twin.highs.setBasis(self.basis)
        twin.columns, twin.in_model = self.columns.copy(), self.in_model.copy()
        return twin

    def _result(self, scenario, objective, flow, unmet, seconds, iterations, flows) -> Result:
        patient_km = float(self.km @ flow)
        load = np.bincount(self.provider_of, weights=flow, minlength=self.n_prov)
        failed = set(scenario.fail)
        capacity = self.providers.capacity.astype(np.float64).copy()
        for code, fraction in scenario.cuts.items():
            capacity[self.index[code]] *= 1 - fraction
        full = [
            c
            for j, c in enumerate(self.providers.codes)
            if c not in failed and capacity[j] > 0 and load[j] >= capacity[j] - TOLERANCE
        ]
        short = np.flatnonzero(unmet > TOLERANCE)
        short = short[np.argsort(-unmet[short], kind="stable")]
        base = self.baseline
        baseline = base.patient_km if base is not None else patient_km
        took_on: list[tuple[str, float]] = []
        displaced = 0.0
        if base is not None and self.baseline_load is not None:
            more = load - self.baseline_load
            hit = [self.index[c] for c in (*scenario.fail, *scenario.cuts)]
            displaced = float(np.clip(-more[hit], 0, None).sum()) if hit else 0.0
            gain = np.flatnonzero(more > TOLERANCE)
            gain = gain[np.argsort(-more[gain], kind="stable")]
            took_on = [(self.providers.codes[j], float(more[j])) for j in gain]
        result = Result(
            scenario=scenario,
            objective=objective,
            unmet_demand=float(unmet.sum()),
            patient_km=patient_km,
            extra_patient_km=patient_km - baseline,
            at_capacity=full,
            unmet_areas=[(self.areas.codes[i], float(unmet[i])) for i in short],
            seconds=seconds,
            iterations=iterations,
            took_on=took_on,
            # Full because of the scenario: not full before, and not a provider it cuts (whose
            # being full is the cut itself, reported with the cut).
            newly_full=[
                c
                for c in full
                if base is not None and c not in base.at_capacity and c not in scenario.cuts
            ],
            served=float(flow.sum()),
            extra_unmet=float(unmet.sum()) - (base.unmet_demand if base is not None else 0.0),
            displaced=displaced,
        )
        if base is None:
            self.baseline_load = load
        if flows:
            used = np.flatnonzero(flow > TOLERANCE)
            result.flows = [
                (
                    self.areas.codes[self.area_of[k]],
                    self.providers.codes[self.provider_of[k]],
                    float(flow[k]),
                    float(self.km[k]),
                )
                for k in used
            ]
        return result


def _check_optimal(h) -> None:
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"HiGHS did not find an optimum: {h.modelStatusToString(status)}")


_CONSOLE = threading.Lock()


def _new_highs() -> highspy.Highs:
    """A HiGHS instance, its licence banner sent to standard error. HiGHS 1.16 writes the
    banner to the process's standard output as the first instance is made, before any option
    can silence it, and `market stress` promises JSON alone on standard output."""
    with _CONSOLE:
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            os.dup2(2, 1)
            return highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def _solver():
    h = _new_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    # Devex pricing in the dual simplex: cheaper iterations than steepest edge on this
    # transport-shaped LP (measured: the same scenarios in 70% of the time).
    h.setOptionValue("simplex_dual_edge_weight_strategy", 1)
    # Dantzig pricing in the primal simplex that follows column generation: its iterations
    # are cheaper still (measured: the largest trusts' scenarios 1.9-2.9 s -> 1.4-2.0 s).
    h.setOptionValue("simplex_primal_edge_weight_strategy", 0)
    return h


def providers_from_columns(codes: Sequence[str], easting, northing, capacity) -> Providers:
    return Providers(
        list(codes),
        np.asarray(easting, dtype=np.float64),
        np.asarray(northing, dtype=np.float64),
        np.asarray(capacity, dtype=np.float64),
    )


def areas_from_columns(codes: Sequence[str], easting, northing, demand) -> Areas:
    return Areas(
        list(codes),
        np.asarray(easting, dtype=np.float64),
        np.asarray(northing, dtype=np.float64),
        np.asarray(demand, dtype=np.float64),
    )
