"""The market the workspace models: the real NHS trusts (locations from ODS via the
synthetic economy's providers file) and the synthetic economy's small areas, with each area's
demand and each trust's patients taken from the latest year of synthetic spells. A trust's
capacity is its patients that year plus ``HEADROOM`` (10% spare), a documented assumption."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
from django.conf import settings

from commissioning.engine.market import concentration
from commissioning.engine.market import resilience as rs

HEADROOM = 0.10


@dataclass(frozen=True)
class Market:
    source: str
    providers: pl.DataFrame  # code, name, easting, northing, patients, capacity
    areas: pl.DataFrame  # area, easting, northing, population, deprivation_decile,
    #                      commissioner_code, demand
    flows: pl.DataFrame  # area, provider, patients

    @functools.cached_property
    def shares(self) -> pl.DataFrame:
        """Each provider's share of each area's patients."""
        return concentration.shares(self.flows)

    @functools.cached_property
    def area_hhi(self) -> pl.DataFrame:
        return concentration.hhi(self.flows)

    @functools.cached_property
    def model(self) -> rs.ResilienceModel:
        p, a = self.providers, self.areas
        return rs.ResilienceModel(
            rs.providers_from_columns(p["code"], p["easting"], p["northing"], p["capacity"]),
            rs.areas_from_columns(a["area"], a["easting"], a["northing"], a["demand"]),
            rs.Options(),
        )


class NoMarketData(Exception):
    """The synthetic economy has not been generated (``make demo`` does it)."""


def load_market(synth_dir: Path | None = None) -> Market:
    folder = Path(synth_dir or settings.SYNTH_DIR)
    spells = sorted((folder / "spells").glob("*.parquet"))
    if not spells or not (folder / "areas.parquet").exists():
        raise NoMarketData(f"No synthetic economy in {folder}")
    stamp = tuple((str(p), p.stat().st_mtime_ns) for p in [*spells, folder / "areas.parquet"])
    return _load(folder, stamp)


@functools.lru_cache(maxsize=2)
def _load(folder: Path, stamp) -> Market:
    latest = sorted((folder / "spells").glob("*.parquet"))[-1]
    flows = concentration.flows_from_spells(latest).collect()
    areas = pl.read_parquet(folder / "areas.parquet").select(
        pl.col("code").alias("area"), "easting", "northing", "population",
        "deprivation_decile", "commissioner_code",
    )  # fmt: skip
    demand = flows.group_by("area").agg(pl.col("patients").sum().alias("demand"))
    areas = areas.join(demand, on="area", how="left").with_columns(
        pl.col("demand").fill_null(0).cast(pl.Float64)
    )
    patients = flows.group_by("provider").agg(pl.col("patients").sum())
    providers = (
        pl.read_parquet(folder / "providers.parquet")
        .select("code", "name", "easting", "northing")
        .join(patients, left_on="code", right_on="provider", how="left")
        .with_columns(pl.col("patients").fill_null(0))
        .with_columns(capacity=(pl.col("patients") * (1 + HEADROOM)).round(0).cast(pl.Float64))
        .sort("code")
    )
    return Market(f"synthetic spells {latest.stem}", providers, areas.sort("area"), flows)


def served_by(market: Market, code: str) -> pl.DataFrame:
    """The areas a provider's patients come from, with its share of each area's patients."""
    return market.shares.filter(pl.col("provider") == code).join(market.areas, on="area")


def deprived_share(frame: pl.DataFrame, weight: str = "population") -> float:
    """The share of the (weighted) population in the two most deprived deciles."""
    total = frame[weight].sum()
    if not total:
        return 0.0
    return float(frame.filter(pl.col("deprivation_decile") <= 2)[weight].sum() / total)


def alternatives_without(market: Market, code: str) -> np.ndarray:
    """Per area (in ``market.areas`` order): providers within reach other than ``code``."""
    model = market.model
    keep = model.provider_of != model.index.get(code, -1)
    return np.bincount(model.area_of[keep], minlength=model.n_areas)
