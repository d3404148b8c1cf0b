"""Patient flows, market shares and concentration on Spark (docs/national-scale.md): the same
results as ``concentration`` (flows, shares, HHI), computed where the spells are; only the
tables (one row per area and provider at most) come back, as Polars frames.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from ..spark import session
from .concentration import CONCENTRATED, HIGHLY_CONCENTRATED


def _frame(flows: Any, spark: Any) -> Any:
    """A Spark frame of flows (area or another grouping, provider, patients)."""
    if isinstance(flows, pl.LazyFrame):
        flows = flows.collect()
    if isinstance(flows, pl.DataFrame):
        return spark.createDataFrame(flows.to_arrow())
    return flows


def flows_from_spells(spells: Sequence[Path | str] | Path | str, spark: Any = None) -> Any:
    """Patients per area and provider from Parquet spells (``area_code``, ``provider_code``),
    as a Spark frame: the cluster counts, nothing comes back yet."""
    from pyspark.sql import functions as F

    spark = spark or session()
    paths = [spells] if isinstance(spells, str | Path) else list(spells)
    return (
        spark.read.option("recursiveFileLookup", "true")
        .parquet(*map(str, paths))
        .select(F.col("area_code").cast("string").alias("area"),
                F.col("provider_code").cast("string").alias("provider"))
        .groupBy("area", "provider")
        .agg(F.count(F.lit(1)).alias("patients"))
    )  # fmt: skip


def _shares(flows: Any, by: str) -> Any:
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    grouped = flows.groupBy(by, "provider").agg(F.sum("patients").alias("patients"))
    return grouped.withColumn(
        "share", F.col("patients") / F.sum("patients").over(Window.partitionBy(by))
    )


def _polars(frame: Any) -> pl.DataFrame:
    table: pa.Table = frame.toArrow()
    return pl.from_arrow(table)  # type: ignore[return-value]


def shares(flows: Any, by: str = "area", spark: Any = None) -> pl.DataFrame:
    """Each provider's share (0..1) of the patients of each ``by`` group (as
    ``concentration.shares``)."""

    table = _polars(_shares(_frame(flows, spark or session()), by))
    return table.sort([by, "share", "provider"], descending=[False, True, False])


def hhi(flows: Any, by: str = "area", spark: Any = None) -> pl.DataFrame:
    """Per ``by`` group: patients, providers, the largest share and the HHI (0..10,000), as
    ``concentration.hhi``."""
    from pyspark.sql import functions as F

    table = (
        _shares(_frame(flows, spark or session()), by)
        .groupBy(by)
        .agg(
            F.sum("patients").alias("patients"),
            F.count(F.lit(1)).alias("providers"),
            F.max("share").alias("largest_share"),
            F.sum(F.pow(F.col("share") * 100, 2)).alias("hhi"),
        )
        .withColumn(
            "level",
            F.when(F.col("hhi") > HIGHLY_CONCENTRATED, F.lit("highly concentrated"))
            .when(F.col("hhi") > CONCENTRATED, F.lit("concentrated"))
            .otherwise(F.lit("not concentrated")),
        )
    )
    return _polars(table).sort(by)


def provider_shares(flows: Any, spark: Any = None) -> pl.DataFrame:
    """Each provider's patients and its share of all patients (as
    ``concentration.provider_shares``)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    table = (
        _frame(flows, spark or session())
        .groupBy("provider")
        .agg(F.sum("patients").alias("patients"))
        .withColumn("share", F.col("patients") / F.sum("patients").over(Window.partitionBy()))
    )
    return _polars(table).sort("patients", descending=True)
