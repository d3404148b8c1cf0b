"""The naive reference engine: a logistic GLM per diagnosis group fitted by statsmodels on the
rows, for the spec tests and the benchmarks to compare the engines with. Kept out of ``shmi`` so
the pipeline does not load statsmodels (and pandas) to run."""

from __future__ import annotations

import polars as pl

from .passes import COVARIATES, GROUP, OUTCOME, PERIOD, PROVIDER
from .risk import Family, fit_rows
from .shmi import REPORTING_MONTHS


def shmi_reference(frame: pl.DataFrame, reporting_months: int = REPORTING_MONTHS) -> pl.DataFrame:
    """Row by row with statsmodels: a logistic GLM per diagnosis group on the rows, expected
    deaths summed per provider over the last ``reporting_months`` months. For tests."""

    parts = []
    for _, rows in frame.group_by(GROUP, maintain_order=True):
        model = fit_rows(rows, OUTCOME, COVARIATES, Family.BINOMIAL, COVARIATES)
        parts.append(rows.with_columns(pl.Series("p", model.expected(rows))))
    scored = pl.concat(parts)
    month = pl.col(PERIOD).dt.year() * 12 + pl.col(PERIOD).dt.month() - 1
    last = scored.select(month.max()).item()
    return (
        scored.filter(month > last - reporting_months)
        .group_by(pl.col(PROVIDER).cast(pl.String))
        .agg(
            pl.len().alias("spells"),
            pl.col(OUTCOME).cast(pl.Float64).sum().alias("observed"),
            pl.col("p").sum().alias("expected"),
        )
        .with_columns((pl.col("observed") / pl.col("expected")).alias("shmi"))
        .sort(PROVIDER)
    )
