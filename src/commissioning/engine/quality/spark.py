"""The SHMI pipeline's two passes on Spark, for spells more than one machine should hold
(docs/national-scale.md; decision 063).

The same engine contract as ``shmi.LocalEngine`` (``shmi.SpellEngine``), and the same method
(docs/statistics.md sections 2–4a); only where the passes run differs:

1. one aggregation gives every key column's range, the months and the missing values
   (``InputError`` names the column); each spell's risk cell is packed into one integer key
   as the local engine packs it, and spells and deaths are counted per key by the cluster;
   only the counts (at most one row per risk cell) come back to the driver;
2. the driver fits every diagnosis group's model on those counts (``shmi.fit_grid``: the grid
   is small whatever the number of spells);
3. the cells' risks go back to the executors as a broadcast table, joined to the spells by
   key, and deaths, expected deaths, their variance and the CUSUM's terms are summed per
   provider × month × diagnosis group × admission method; only those sums come back.

Nothing else changes: the banding, the CUSUMs and the early warning run on the sums, so
``--engine spark`` and ``--engine polars`` give the same results (sums in another order: a
relative difference of the order of 1e-15, tested under 1e-9). The projection of the spells the
two passes need (key, provider, month, outcome: 21 bytes a spell) is persisted between them,
in memory and on disk as the cluster allows.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from ..spark import session
from .passes import (
    COVARIATES,
    GROUP,
    OUTCOME,
    PERIOD,
    PROVIDER,
    SPELL_COLUMNS,
    Axis,
    CellCounts,
    Grid,
    SpellEngine,
    _check_schema,
    _files,
)
from .tables import InputError


def _locations(paths: Sequence[Path | str] | Path | str) -> list[str]:
    """What Spark is to read: local files and folders are checked as the local engine checks
    them (a missing folder or column is named before any job runs); a URI (s3://, abfss://,
    dbfs:/, hdfs://) is handed to Spark as it is."""
    given = [paths] if isinstance(paths, str | Path) else list(paths)
    remote = [str(p) for p in given if "://" in str(p) or str(p).startswith("dbfs:")]
    local = [Path(p) for p in given if str(p) not in remote]
    if local:
        files = _files(local)
        _check_schema(files)
        remote += [str(f) for f in files]
    return remote


class SparkEngine(SpellEngine):
    """The SHMI pipeline's passes on Spark (see the module's docstring)."""

    def __init__(self, paths: Any, spark=None) -> None:
        """``paths``: Parquet files or folders (local, or URIs Spark reads), or a Spark
        DataFrame of spells (a Delta or catalogue table: ``spark.table("hes.spells")``)."""
        from pyspark import StorageLevel
        from pyspark.sql import DataFrame
        from pyspark.sql import functions as F

        self.spark = spark or session()
        self.F = F
        self.storage = StorageLevel.MEMORY_AND_DISK
        if isinstance(paths, DataFrame):
            frame = paths
        else:
            # recursiveFileLookup: files in folders below (spells/2024/04/…), and no partition
            # columns taken from the path (a Hive-style month=4 would clash with the covariate).
            try:
                frame = self.spark.read.option("recursiveFileLookup", "true").parquet(
                    *_locations(paths)
                )
            except Exception as exc:
                if not type(exc).__module__.startswith("pyspark"):
                    raise
                raise InputError(f"the spells cannot be read: {str(exc).splitlines()[0]}") from None
        for column in SPELL_COLUMNS:
            if column not in frame.columns:
                raise InputError(
                    f"column '{column}': not in the spells (a spells file needs "
                    f"{', '.join(SPELL_COLUMNS)})"
                )
        self.frame = frame
        self.projected: Any = None  # a pyspark DataFrame between the passes

    def count(self, tick: Callable[..., None]) -> CellCounts:
        F = self.F
        frame = self.frame
        names = (GROUP, *COVARIATES)
        types = dict(frame.dtypes)
        for name in names:
            if types[name] not in ("tinyint", "smallint", "int", "bigint"):
                raise InputError(f"column '{name}': must be whole numbers (it is {types[name]})")
        if types[PERIOD] not in ("date", "timestamp", "timestamp_ntz"):
            raise InputError(f"column '{PERIOD}': must be dates (it is {types[PERIOD]})")
        if types[OUTCOME] not in ("boolean", "tinyint", "smallint", "int", "bigint"):
            raise InputError(
                f"column '{OUTCOME}': must be true/false or 0/1 (it is {types[OUTCOME]})"
            )
        month = (F.year(PERIOD) - 1970) * 12 + F.month(PERIOD) - 1
        outcome = F.col(OUTCOME).cast("int")
        stats = frame.agg(
            F.count(F.lit(1)).alias("rows"),
            *[F.min(n).alias(f"min_{n}") for n in names],
            *[F.max(n).alias(f"max_{n}") for n in names],
            F.min(month).alias("first_period"),
            F.max(month).alias("last_period"),
            F.min(outcome).alias("min_outcome"),
            F.max(outcome).alias("max_outcome"),
            *[F.count(n).alias(f"present_{n}") for n in (*names, PERIOD, OUTCOME, PROVIDER)],
        ).first()
        assert stats is not None
        rows = int(stats["rows"])
        if rows == 0:
            raise InputError("the spells files hold no rows")
        for n in (*names, PERIOD, OUTCOME, PROVIDER):
            missing = rows - int(stats[f"present_{n}"])
            if missing:
                raise InputError(f"column '{n}': {missing:,} values are missing")
        if stats["min_outcome"] < 0 or stats["max_outcome"] > 1:
            raise InputError(f"column '{OUTCOME}': values other than 0 or 1")
        grid = Grid(
            tuple(
                Axis(n, int(stats[f"min_{n}"]), int(stats[f"max_{n}"]) - int(stats[f"min_{n}"]) + 1)
                for n in names
            )
        )
        first_month = int(stats["first_period"])
        months = int(stats["last_period"]) - first_month + 1
        # The key as Grid.key packs it: ((g·A + a)·S + s)… over the axes, each from its low.
        key = functools.reduce(
            lambda k, axis: k * axis.size + (F.col(axis.name).cast("long") - axis.low),
            grid.axes[1:],
            F.col(grid.axes[0].name).cast("long") - grid.axes[0].low,
        )
        self.projected = frame.select(
            key.alias("key"),
            F.col(PROVIDER).cast("string").alias("provider"),
            (month - first_month).cast("int").alias("m"),
            outcome.alias("died"),
        ).persist(self.storage)
        cells = (
            self.projected.groupBy("key")
            .agg(F.count(F.lit(1)).alias("spells"), F.sum("died").alias("deaths"))
            .toArrow()
        )
        spells = np.zeros(grid.cells, dtype=np.int64)
        deaths = np.zeros(grid.cells, dtype=np.int64)
        at = cells.column("key").to_numpy()
        spells[at] = cells.column("spells").to_numpy()
        deaths[at] = cells.column("deaths").to_numpy()
        codes = sorted(self.projected.select("provider").distinct().toArrow().column(0).to_pylist())
        tick("counting", rows)
        return CellCounts(grid, first_month, months, codes, spells, deaths, rows)

    def score(
        self, counts: CellCounts, per_cell: np.ndarray, kinds: int, spread: bool,
        tick: Callable[..., None],
    ) -> dict[str, np.ndarray]:  # fmt: skip
        F = self.F
        assert self.projected is not None, "count first"
        seen = np.flatnonzero(counts.spells > 0)
        risks = self.spark.createDataFrame(
            pa.table(
                {
                    "key": seen.astype(np.int64),
                    "risk": per_cell[seen, 0],
                    "log": per_cell[seen, 1],
                    "kind": per_cell[seen, 2].astype(np.int64),
                    "variance": per_cell[seen, 3],
                }
            )
        )
        providers = self.spark.createDataFrame(
            pa.table({"provider": counts.codes, "p": np.arange(len(counts.codes))})
        )
        fine = (F.col("p") * counts.months + F.col("m")) * kinds + F.col("kind")
        sums = [
            F.count(F.lit(1)).alias("spells"),
            F.sum("died").alias("observed"),
            F.sum("risk").alias("expected"),
            F.sum("log").alias("log"),
        ]
        if spread:
            sums.append(F.sum("variance").alias("variance"))
        table = (
            self.projected.join(F.broadcast(risks), "key")
            .join(F.broadcast(providers), "provider")
            .groupBy(fine.alias("fine"))
            .agg(*sums)
            .toArrow()
        )
        size = len(counts.codes) * counts.months
        at = table.column("fine").to_numpy()
        out: dict[str, np.ndarray] = {}
        for name in ("spells", "observed", "expected") + (("variance",) if spread else ()):
            values = np.zeros(size * kinds)
            values[at] = table.column(name).to_numpy()
            out[name] = values
        log = np.zeros(size * kinds)
        log[at] = table.column("log").to_numpy()
        out["log"] = log.reshape(size, kinds).sum(1)
        tick("scoring", counts.rows)
        return out

    def close(self) -> None:
        if self.projected is not None:
            self.projected.unpersist()
            self.projected = None
