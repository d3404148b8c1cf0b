"""The resilience model: its optimum (found by column generation, warm-started) equals the
full LP solved from scratch and an independent formulation, the LP dual solved by SciPy,
to 1e-6 relative; and the market shares and HHI."""

from __future__ import annotations

import re

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from commissioning.engine.market import concentration
from commissioning.engine.market import resilience as rs
from commissioning.engine.quality.tables import InputError


def dual_optimum(providers: rs.Providers, areas: rs.Areas, options: rs.Options,
                 capacity: np.ndarray) -> float:  # fmt: skip
    """max Σ D_i α_i − Σ C_j β_j  s.t.  α_i − β_j ≤ d_ij (pairs within reach), α_i ≤ P, β ≥ 0,
    with distances worked out here by brute force: by strong duality, the primal optimum."""
    dx = areas.easting[:, None] - providers.easting[None, :]
    dy = areas.northing[:, None] - providers.northing[None, :]
    km = np.sqrt(dx**2 + dy**2) / 1000 * options.circuity
    n_a, n_p = km.shape
    rows, rhs = [], []
    for i, j in zip(*np.nonzero(km <= options.max_km), strict=True):
        row = np.zeros(n_a + n_p)
        row[i], row[n_a + j] = 1, -1
        rows.append(row)
        rhs.append(km[i, j])
    for i in range(n_a):
        row = np.zeros(n_a + n_p)
        row[i] = 1
        rows.append(row)
        rhs.append(options.penalty)
    cost = np.concatenate([-areas.demand, capacity])
    bounds = [(None, None)] * n_a + [(0, None)] * n_p
    answer = linprog(cost, A_ub=np.array(rows), b_ub=np.array(rhs), bounds=bounds,
                     method="highs")  # fmt: skip
    assert answer.status == 0
    return -answer.fun


def instance(seed: int, n_areas: int, n_prov: int, headroom: float):
    rng = np.random.default_rng(seed)
    prov_xy = rng.uniform(0, 120_000, size=(n_prov, 2))
    area_xy = rng.uniform(0, 120_000, size=(n_areas, 2))
    demand = rng.integers(0, 200, size=n_areas).astype(float)
    capacity = rng.dirichlet(np.ones(n_prov)) * demand.sum() * headroom
    providers = rs.Providers([f"P{j}" for j in range(n_prov)], prov_xy[:, 0], prov_xy[:, 1],
                             np.round(capacity))  # fmt: skip
    areas = rs.Areas([f"A{i}" for i in range(n_areas)], area_xy[:, 0], area_xy[:, 1], demand)
    return providers, areas


def test_the_optimum_equals_the_full_lp_and_the_dual_formulation():
    providers, areas = instance(7, 400, 12, 1.05)
    options = rs.Options(max_km=40, circuity=1.2, penalty=500)
    model = rs.ResilienceModel(providers, areas, options)
    assert model.n_pairs > len(model.columns)  # column generation left pairs out
    for scenario in (
        rs.Scenario(),
        model.scenario(["P3"]),
        model.scenario(["P0", "P5"]),
        model.scenario(cuts={"P7": 0.5}),
    ):
        ours = model.solve(scenario)
        cold = model.solve_cold(scenario)
        capacity = providers.capacity.copy()
        for code in scenario.fail:
            capacity[model.index[code]] = 0
        for code, fraction in scenario.cuts.items():
            capacity[model.index[code]] *= 1 - fraction
        dual = dual_optimum(providers, areas, options, capacity)
        assert ours.objective == pytest.approx(cold.objective, rel=1e-6), scenario
        assert ours.objective == pytest.approx(dual, rel=1e-6), scenario
        assert ours.objective == pytest.approx(ours.patient_km + 500 * ours.unmet_demand,
                                               rel=1e-9)  # fmt: skip
        assert ours.unmet_demand == pytest.approx(cold.unmet_demand, abs=1e-6)


def test_a_failure_moves_patients_further_and_names_who_is_left_without():
    # Two providers 30 km apart; area B is 10 km from P2 and 40 km from P1, area C only
    # reaches P2. When P2 fails, B travels 30 km further and C is left without a service.
    providers = rs.Providers(["P1", "P2"], np.array([0.0, 30_000]), np.zeros(2),
                             np.array([100.0, 100.0]))  # fmt: skip
    areas = rs.Areas(["A", "B", "C"], np.array([0.0, 40_000, 70_000]), np.zeros(3),
                     np.array([50.0, 20.0, 10.0]))  # fmt: skip
    model = rs.ResilienceModel(providers, areas, rs.Options(max_km=45))
    base = model.solve()
    assert base.patient_km == pytest.approx(20 * 10 + 10 * 40)
    assert base.unmet_demand == 0 and base.extra_patient_km == 0
    failed = model.solve(model.scenario(["P2"]), flows=True)
    assert failed.unmet_demand == pytest.approx(10)
    assert failed.unmet_areas == [("C", pytest.approx(10))]
    assert failed.patient_km == pytest.approx(20 * 40)
    assert failed.extra_patient_km == pytest.approx(20 * 40 - 600)
    assert failed.objective == pytest.approx(800 + 1000 * 10)
    assert sorted((a, p) for a, p, _, _ in failed.flows) == [("A", "P1"), ("B", "P1")]
    tight = model.solve(model.scenario(["P2"], cuts={"P1": 0.4}))
    assert tight.at_capacity == ["P1"]  # 60 places for 70 patients: 10 more go without
    assert tight.unmet_demand == pytest.approx(20)


def test_a_failure_says_where_the_patients_go_and_who_is_full_because_of_it():
    # P2 (20 patients from B, 30 from C) fails: B's 20 go to P1, which then holds 70 of its 75
    # places; C's 30 reach nobody. P3 was full before any failure and is not "newly" full.
    providers = rs.Providers(["P1", "P2", "P3"], np.array([0.0, 30_000, 500_000]),
                             np.zeros(3), np.array([75.0, 100.0, 5.0]))  # fmt: skip
    areas = rs.Areas(["A", "B", "C", "D"], np.array([0.0, 40_000, 70_000, 500_000]),
                     np.zeros(4), np.array([50.0, 20.0, 30.0, 5.0]))  # fmt: skip
    model = rs.ResilienceModel(providers, areas, rs.Options(max_km=45))
    base = model.solve()
    assert base.at_capacity == ["P3"] and base.took_on == [] and base.displaced == 0
    failed = model.solve(model.scenario(["P2"]))
    assert failed.displaced == pytest.approx(50)
    assert failed.took_on == [("P1", pytest.approx(20))]
    assert failed.extra_unmet == pytest.approx(30)
    assert failed.newly_full == [] and failed.at_capacity == ["P3"]
    assert failed.served == pytest.approx(75)
    # The patient-km fall (C's 30 patients no longer travel 40 km) although B travels further:
    # the average journey of those served says what happened.
    assert failed.extra_patient_km == pytest.approx(20 * 40 - (20 * 10 + 30 * 40))
    assert failed.extra_patient_km < 0
    assert failed.mean_km() == pytest.approx(20 * 40 / 75)
    assert base.mean_km() == pytest.approx((20 * 10 + 30 * 40) / 105)
    cut = model.solve(model.scenario(["P2"], cuts={"P1": 0.2}))  # 60 places for 70 patients
    assert cut.at_capacity == ["P1", "P3"] and cut.newly_full == []  # full by the cut itself
    assert cut.displaced == pytest.approx(50)  # P1 still sees more than before: 60, not 50
    assert cut.took_on == [("P1", pytest.approx(10))]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n_areas=st.integers(1, 40), n_prov=st.integers(1, 6),
       headroom=st.floats(0.5, 1.5))  # fmt: skip
def test_column_generation_agrees_with_the_dual_on_any_instance(seed, n_areas, n_prov, headroom):
    providers, areas = instance(seed, n_areas, n_prov, headroom)
    options = rs.Options(max_km=60)
    model = rs.ResilienceModel(providers, areas, options)
    scenario = model.scenario([providers.codes[seed % n_prov]])
    ours = model.solve(scenario)
    capacity = providers.capacity.copy()
    capacity[seed % n_prov] = 0
    dual = dual_optimum(providers, areas, options, capacity)
    assert ours.objective == pytest.approx(dual, rel=1e-6, abs=1e-6)


def test_inconsistent_input_is_refused_in_one_line():
    providers, areas = instance(1, 5, 2, 1.0)
    dup = rs.Providers(["P0", "P0"], providers.easting, providers.northing, providers.capacity)
    with pytest.raises(
        InputError,
        match=re.escape("row 3 (the header is row 1): provider code P0 appears more than once"),
    ):
        rs.ResilienceModel(dup, areas)
    negative = rs.Areas(areas.codes, areas.easting, areas.northing,
                        np.array([1.0, -3, 1, 1, 1]))  # fmt: skip
    with pytest.raises(
        InputError,
        match=re.escape("row 3 (the header is row 1), column 'demand': -3 is not allowed"),
    ):
        rs.ResilienceModel(providers, negative)
    model = rs.ResilienceModel(providers, areas)
    with pytest.raises(InputError, match="provider XYZ: not in the providers file"):
        model.scenario(["XYZ"])
    with pytest.raises(InputError, match="between 0 and 1"):
        model.scenario(cuts={"P0": 1.5})
    with pytest.raises(InputError, match="--max-km"):
        rs.Options(max_km=0)


def test_shares_and_hhi():
    flows = pl.DataFrame({
        "area": ["A", "A", "A", "B"],
        "provider": ["P1", "P2", "P3", "P1"],
        "patients": [50, 30, 20, 10],
    })  # fmt: skip
    table = concentration.hhi(flows)
    a = table.filter(pl.col("area") == "A").row(0, named=True)
    assert a["hhi"] == pytest.approx(50**2 + 30**2 + 20**2)
    assert a["largest_share"] == pytest.approx(0.5) and a["level"] == "highly concentrated"
    b = table.filter(pl.col("area") == "B").row(0, named=True)
    assert b["hhi"] == pytest.approx(10_000) and b["providers"] == 1
    alternatives = rs.alternatives_within(
        rs.Providers(["P1", "P2"], np.array([0.0, 100_000]), np.zeros(2), np.ones(2)),
        rs.Areas(["X", "Y"], np.array([50_000.0, 140_000]), np.zeros(2), np.ones(2)),
        rs.Options(max_km=50),
    )
    assert alternatives.tolist() == [2, 1]


def test_a_consortium_weighs_what_its_members_weigh_together():
    import polars as pl

    from commissioning.engine.market.concentration import negotiating_weight

    flows = pl.DataFrame({
        "area": ["a1", "a1", "a2", "a3", "a3"],
        "provider": ["P", "Q", "P", "P", "Q"],
        "patients": [30, 10, 20, 50, 50],
    })  # fmt: skip
    areas = pl.DataFrame({"area": ["a1", "a2", "a3"], "commissioner_code": ["A", "B", "C"],
                          "population": [4000, 1000, 10000]})  # fmt: skip
    w = (
        negotiating_weight(flows, areas, ["A", "B"])
        .filter(pl.col("provider") == "P")
        .row(0, named=True)
    )
    # P: 100 patients, 50 from members (A 30, B 20); A is the largest member alone (30%).
    assert (w["patients"], w["consortium_patients"]) == (100, 50)
    assert (w["activity_share"], w["largest_member"], w["largest_member_share"]) == (0.5, "A", 0.3)
    # Catchment: a1 4000 x 30/40 = 3000, a2 1000 x 1 = 1000, a3 10000 x 1/2 = 5000.
    assert w["catchment_population"] == pytest.approx(9000)
    assert w["population_share"] == pytest.approx(4000 / 9000)


def test_a_scenario_cannot_both_fail_and_cut_the_same_provider():
    """Issue 18: a stress test that failed and cut the same provider was accepted."""
    providers, areas = instance(3, 40, 4, 1.0)
    model = rs.ResilienceModel(providers, areas, rs.Options(max_km=40))
    code = providers.codes[0]
    with pytest.raises(InputError, match="cannot also be cut"):
        model.scenario([code], {code: 0.5})
