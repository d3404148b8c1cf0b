"""Synthetic small-area demand for the real NHS trusts (issue 5: real geography, synthetic
demand): the synthetic economy's small areas (placed around the real trusts' headquarters in
proportion to their A&E activity, with populations from the ONS age structure), each with a
yearly demand for a service of ``rate`` admissions per resident; each trust's capacity is its
share of the national A&E activity of all demand, plus ``headroom`` (10% spare by default).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from commissioning.engine.synth import SynthConfig, load_age_sex_structure, load_providers
from commissioning.engine.synth.economy import build_economy

DEFAULT_RATE = 0.12  # admissions per resident per year, about England's acute rate
DEFAULT_HEADROOM = 0.10


def synthetic_market(
    reference: Path,
    areas: int = 33_000,
    seed: int = 3,
    rate: float = DEFAULT_RATE,
    headroom: float = DEFAULT_HEADROOM,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``(providers, demand)``: providers ``code,name,easting,northing,capacity``; demand
    ``area,easting,northing,demand,population,deprivation_decile,commissioner_code``."""
    providers = load_providers(reference / "nhs_trusts.csv", reference / "ae_attendances.csv")
    economy = build_economy(
        SynthConfig(areas=areas, seed=seed, spells_per_year=1, years=1),
        providers,
        load_age_sex_structure(reference / "ons_uk_population_2023.csv"),
    )
    population = economy.area_population.sum(axis=(1, 2))
    demand = np.round(population * rate)
    size = np.array([p.size for p in providers])
    capacity = np.round(size / size.sum() * demand.sum() * (1 + headroom))
    provider_table = pl.DataFrame(
        {
            "code": [p.code for p in providers],
            "name": [p.name for p in providers],
            "easting": [p.easting for p in providers],
            "northing": [p.northing for p in providers],
            "capacity": capacity,
        }
    )
    demand_table = pl.DataFrame(
        {
            "area": economy.area_codes,
            "easting": economy.area_xy[:, 0].round(),
            "northing": economy.area_xy[:, 1].round(),
            "demand": demand,
            "population": population,
            "deprivation_decile": economy.area_deprivation,
            "commissioner_code": [economy.commissioner_codes[c] for c in economy.area_commissioner],
        }
    )
    return provider_table, demand_table
