"""Inputs to the generator, read from the real reference files with Polars (no Django).

Acute providers are the trusts that report a type 1 (major) emergency department in the
monthly A&E data and have a location; their size is their mean monthly type 1 attendances.
The age and sex structure is England's, from the ONS mid-year estimates.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from .constants import N_AGE_BANDS, age_band_of


@dataclass(frozen=True)
class Provider:
    code: str
    name: str
    town: str
    easting: float
    northing: float
    size: float


def load_providers(trusts_csv: Path, ae_csv: Path) -> list[Provider]:
    trusts = pl.read_csv(trusts_csv, schema_overrides={"close_date": pl.Utf8, "open_date": pl.Utf8})
    ae = pl.read_csv(ae_csv)
    size = (
        ae.filter(pl.col("type").cast(pl.Utf8) == "1")
        .group_by("org_code")
        .agg(pl.col("attendances").mean().alias("size"))
    )
    joined = (
        trusts.filter(pl.col("close_date").is_null() | (pl.col("close_date") == ""))
        .filter(pl.col("easting").is_not_null() & pl.col("northing").is_not_null())
        .join(size, on="org_code", how="inner")
        .sort("org_code")
    )
    return [
        Provider(
            row["org_code"],
            row["name"],
            row["town"] or "",
            float(row["easting"]),
            float(row["northing"]),
            float(row["size"]),
        )
        for row in joined.iter_rows(named=True)
    ]


def load_age_sex_structure(population_csv: Path, geography_code: str = "E92000001") -> np.ndarray:
    """Population shares as an array [age band, sex] (sex 0 male, 1 female) summing to 1."""
    pop = pl.read_csv(population_csv, schema_overrides={"age": pl.Utf8}).filter(
        pl.col("Code") == geography_code
    )
    if pop.is_empty():
        raise ValueError(f"No population rows for geography {geography_code}")
    counts = np.zeros((N_AGE_BANDS, 2))
    for row in pop.iter_rows(named=True):
        age = 90 if row["age"] == "90+" else int(row["age"])
        sex = 0 if row["sex"].lower().startswith("m") else 1
        counts[age_band_of(age), sex] += row["count"]
    return counts / counts.sum()
