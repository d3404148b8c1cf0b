"""Risk models on covariate cells (docs/statistics.md section 3): the same estimates as on rows."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commissioning.engine.quality.risk import (
    Family,
    cells,
    fit_cells,
    fit_rows,
    observed_expected,
)


def patients(n: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.integers(0, 5, n)
    sex = rng.integers(1, 3, n)
    method = rng.choice(["elective", "emergency"], n)
    provider = rng.choice(["RAA", "RBB", "RCC", "RDD"], n)
    eta = -3 + 0.4 * age + 0.2 * (sex == 1) + 1.1 * (method == "emergency")
    died = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    falls = rng.poisson(np.exp(-1 + 0.3 * age))
    return pl.DataFrame(
        {"age": age, "sex": sex, "method": method, "provider": provider, "died": died,
         "falls": falls}
    )  # fmt: skip


@pytest.mark.parametrize("family,outcome", [("binomial", "died"), ("poisson", "falls")])
def test_the_cell_fit_equals_the_row_fit(family, outcome):
    frame = patients(20_000, 1)
    covariates, categorical = ["age", "sex", "method"], ["age", "method"]
    rows = fit_rows(frame, outcome, covariates, family, categorical)
    on_cells = fit_cells(frame, outcome, covariates, family, categorical)
    assert on_cells.cells == 5 * 2 * 2 < rows.cells == 20_000
    np.testing.assert_allclose(on_cells.coefficients, rows.coefficients, rtol=0, atol=1e-6)
    np.testing.assert_allclose(on_cells.standard_errors, rows.standard_errors, atol=1e-6)
    np.testing.assert_allclose(on_cells.expected(frame), rows.expected(frame), atol=1e-9)
    assert on_cells.design.names == rows.design.names
    assert on_cells.design.names[:5] == ["(intercept)", "age=1", "age=2", "age=3", "age=4"]


def test_a_logistic_model_with_an_intercept_expects_as_many_deaths_as_were_observed():
    frame = patients(5_000, 2)
    model = fit_cells(frame, "died", ["age", "sex", "method"], Family.BINOMIAL, ["age", "method"])
    table = observed_expected(frame, model, "died", "provider")
    assert table["observed"].sum() == pytest.approx(table["expected"].sum(), rel=1e-9)
    assert table["group"].to_list() == ["RAA", "RBB", "RCC", "RDD"]
    assert np.allclose(table["ratio"], table["observed"] / table["expected"])
    assert table["rows"].sum() == 5_000


def test_the_true_coefficients_are_recovered():
    frame = patients(200_000, 3)
    model = fit_cells(frame, "died", ["age", "sex", "method"], Family.BINOMIAL, ["method"])
    estimate = dict(zip(model.design.names, model.coefficients, strict=True))
    # 0.2·[sex = 1] is 0.2·(2 − sex) for sex in {1, 2}: intercept −3 + 0.4, slope −0.2.
    assert estimate["(intercept)"] == pytest.approx(-2.6, abs=0.1)
    assert estimate["age"] == pytest.approx(0.4, abs=0.03)
    assert estimate["sex"] == pytest.approx(-0.2, abs=0.05)
    assert estimate["method=emergency"] == pytest.approx(1.1, abs=0.06)


def test_cells_count_rows_and_outcomes():
    frame = pl.DataFrame({"a": [1, 1, 2, 2, 2], "y": [0, 1, 1, 1, 0]})
    table = cells(frame, "y", ["a"])
    assert table.rows() == [(1, 2, 1.0), (2, 3, 2.0)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(200, 1500),
    seed=st.integers(0, 10_000),
    family=st.sampled_from(["binomial", "poisson"]),
)
def test_cells_and_rows_agree_on_any_data(n, seed, family):
    frame = patients(n, seed)
    outcome = "died" if family == "binomial" else "falls"
    if family == "binomial" and frame["died"].sum() < 5:
        return
    rows = fit_rows(frame, outcome, ["sex", "method"], family, ["sex", "method"])
    on_cells = fit_cells(frame, outcome, ["sex", "method"], family, ["sex", "method"])
    np.testing.assert_allclose(on_cells.coefficients, rows.coefficients, atol=1e-6)
