"""The IPC cohort for a commissioner's page, from the synthetic economy's areas (cached per
file version). Aggregate counts only: no person is identified."""

from __future__ import annotations

import functools
from pathlib import Path

import polars as pl
from django.conf import settings

from commissioning import numbers
from commissioning.engine.ipc import CohortRule, cohort_by_commissioner

PLANNING_RATIO = 0.05  # IPC operating model: about 5% of a population


@functools.lru_cache(maxsize=2)
def _cohort(path: Path, stamp: int) -> pl.DataFrame:
    areas = pl.read_parquet(
        path, columns=["code", "commissioner_code", "deprivation_decile", "male", "female"]
    )
    return cohort_by_commissioner(areas)


def cohort_table() -> pl.DataFrame | None:
    path = Path(settings.SYNTH_DIR) / "areas.parquet"
    if not path.exists():
        return None
    return _cohort(path, path.stat().st_mtime_ns)


def cohort_for(org) -> dict | None:
    """The commissioner's row (or England's total when it has no synthetic areas)."""
    table = cohort_table()
    if table is None or table.is_empty():
        return None
    mine = table.filter(pl.col("commissioner_code") == org.code)
    scope = org.display_name if not mine.is_empty() else "all synthetic commissioners"
    rows = mine if not mine.is_empty() else table
    totals = {
        k: int(rows[k].sum()) for k in rows.columns if k not in ("commissioner_code", "share")
    }
    totals["share"] = totals["cohort"] / totals["population"] if totals["population"] else 0.0
    totals["share_percent"] = numbers.percent(totals["share"])
    return {"scope": scope, "rule": CohortRule(), "planning_ratio": PLANNING_RATIO, **totals}
