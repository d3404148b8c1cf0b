"""Risk models fitted on covariate cells: logistic (deaths out of spells) and Poisson (counts).

Source: NHS Digital, SHMI methodology specification (one logistic regression per diagnosis
group on categorical case-mix covariates); docs/statistics.md section 3.

When every covariate is categorical, the likelihood of a row-level fit depends on the data only
through the number of rows and the sum of the outcome in each unique combination of covariates
(a *cell*). Fitting the GLM on the cells, with the number of rows as binomial trials
(logistic) or as exposure through an offset ln(n) (Poisson), therefore gives the same
estimates as the row-level fit; ``tests/spec/test_risk.py`` proves it against statsmodels on
the rows. The same holds for numeric covariates, whose cells are their distinct values.

Two engines:
- ``fit_rows``: statsmodels on every row, the naive reference;
- ``fit_cells``: Polars aggregates the rows to cells, statsmodels fits the cells.
Both return a ``RiskModel`` whose ``expected`` gives each row's modelled mean.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
import statsmodels.api as sm

from .constants import Family


@dataclass(frozen=True)
class Design:
    """Treatment coding: the first level (in sorted order) of a categorical covariate is the
    reference; a numeric covariate enters as itself."""

    covariates: tuple[str, ...]
    categorical: tuple[str, ...]
    levels: dict[str, tuple]

    @classmethod
    def of(cls, frame: pl.DataFrame, covariates: Sequence[str], categorical: Sequence[str]):
        levels = {
            c: tuple(frame[c].unique().sort().to_list()) for c in covariates if c in categorical
        }
        return cls(tuple(covariates), tuple(categorical), levels)

    @property
    def names(self) -> list[str]:
        names = ["(intercept)"]
        for c in self.covariates:
            if c in self.levels:
                names += [f"{c}={level}" for level in self.levels[c][1:]]
            else:
                names.append(c)
        return names

    def matrix(self, frame: pl.DataFrame) -> np.ndarray:
        columns = [np.ones(frame.height)]
        for c in self.covariates:
            if c in self.levels:
                values = frame[c].to_numpy()
                columns += [(values == level).astype(float) for level in self.levels[c][1:]]
            else:
                columns.append(frame[c].cast(pl.Float64).to_numpy())
        return np.column_stack(columns)


@dataclass(frozen=True)
class RiskModel:
    family: Family
    design: Design
    coefficients: np.ndarray
    standard_errors: np.ndarray
    cells: int
    rows: int
    converged: bool

    def linear_predictor(self, frame: pl.DataFrame) -> np.ndarray:
        return self.design.matrix(frame) @ self.coefficients

    def expected(self, frame: pl.DataFrame) -> np.ndarray:
        """The modelled mean of each row: a probability (binomial) or a rate (Poisson)."""
        eta = self.linear_predictor(frame)
        return 1 / (1 + np.exp(-eta)) if self.family is Family.BINOMIAL else np.exp(eta)

    def coefficient_table(self) -> list[dict]:
        return [
            {"term": name, "estimate": float(b), "standard_error": float(se)}
            for name, b, se in zip(
                self.design.names, self.coefficients, self.standard_errors, strict=True
            )
        ]


def _family(family: Family):
    return sm.families.Binomial() if family is Family.BINOMIAL else sm.families.Poisson()


def fit_rows(
    frame: pl.DataFrame,
    outcome: str,
    covariates: Sequence[str],
    family: Family | str,
    categorical: Sequence[str] = (),
) -> RiskModel:
    """statsmodels' GLM on every row: the reference the cell fit must equal."""
    family = Family(family)
    design = Design.of(frame, covariates, categorical)
    y = frame[outcome].cast(pl.Float64).to_numpy()
    result = sm.GLM(y, design.matrix(frame), family=_family(family)).fit()
    return RiskModel(
        family,
        design,
        np.asarray(result.params),
        np.asarray(result.bse),
        frame.height,
        frame.height,
        bool(result.converged),
    )


def cells(frame: pl.DataFrame | pl.LazyFrame, outcome: str, covariates: Sequence[str]):
    """Rows and the sum of the outcome per unique combination of the covariates."""
    return (
        frame.lazy()
        .group_by(list(covariates))
        .agg(pl.len().alias("rows"), pl.col(outcome).cast(pl.Float64).sum().alias("outcome"))
        .sort(list(covariates))
        .collect()
    )


def fit_cells(
    frame: pl.DataFrame | pl.LazyFrame,
    outcome: str,
    covariates: Sequence[str],
    family: Family | str,
    categorical: Sequence[str] = (),
) -> RiskModel:
    """Aggregate to cells, then fit: binomial with the rows as trials (``var_weights`` on the
    cell proportion), Poisson with ``offset = ln(rows)``. Same estimates as ``fit_rows``."""
    family = Family(family)
    table = cells(frame, outcome, covariates)
    design = Design.of(table, covariates, categorical)
    x = design.matrix(table)
    n = table["rows"].cast(pl.Float64).to_numpy()
    total = table["outcome"].to_numpy()
    if family is Family.BINOMIAL:
        model = sm.GLM(total / n, x, family=_family(family), var_weights=n)
    else:
        model = sm.GLM(total, x, family=_family(family), offset=np.log(n))
    result = model.fit()
    return RiskModel(
        family,
        design,
        np.asarray(result.params),
        np.asarray(result.bse),
        table.height,
        int(n.sum()),
        bool(result.converged),
    )


def observed_expected(
    frame: pl.DataFrame, model: RiskModel, outcome: str, group: str
) -> pl.DataFrame:
    """Per group: observed (sum of the outcome), expected (sum of the modelled means) and
    their ratio."""
    return (
        frame.select(
            pl.col(group).alias("group"),
            pl.col(outcome).cast(pl.Float64).alias("observed"),
            pl.Series("expected", model.expected(frame)),
        )
        .group_by("group")
        .agg(pl.len().alias("rows"), pl.col("observed").sum(), pl.col("expected").sum())
        .with_columns((pl.col("observed") / pl.col("expected")).alias("ratio"))
        .sort("group")
    )
