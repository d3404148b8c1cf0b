"""Write a whole synthetic economy: reference tables, the true model, and the spells."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

from . import constants as C
from .config import SynthConfig
from .economy import Economy, build_economy, true_coefficients
from .inputs import Provider
from .spells import write_spells

MANIFEST = "manifest.json"


def _tables(economy: Economy) -> dict[str, pl.DataFrame]:
    pop = economy.area_population
    providers = pl.DataFrame(
        {
            "code": [p.code for p in economy.providers],
            "name": [p.name for p in economy.providers],
            "easting": [round(p.easting) for p in economy.providers],
            "northing": [round(p.northing) for p in economy.providers],
            "size": [p.size for p in economy.providers],
            "commissioner_code": [
                economy.commissioner_codes[i] for i in economy.provider_commissioner
            ],
            "true_quality_effect": economy.provider_effect,
        }
    )
    comm_pop = np.bincount(
        economy.area_commissioner,
        weights=pop.sum(axis=(1, 2)),
        minlength=len(economy.commissioner_codes),
    )
    comm_xy = np.array(
        [
            economy.area_xy[economy.area_commissioner == c].mean(axis=0)
            if (economy.area_commissioner == c).any()
            else [np.nan, np.nan]
            for c in range(len(economy.commissioner_codes))
        ]
    )
    commissioners = pl.DataFrame(
        {
            "code": economy.commissioner_codes,
            "name": economy.commissioner_names,
            "easting": np.nan_to_num(comm_xy[:, 0]).round().astype(np.int64),
            "northing": np.nan_to_num(comm_xy[:, 1]).round().astype(np.int64),
            "population": comm_pop.astype(np.int64),
        }
    )
    practice_pop = np.bincount(
        economy.area_practice, weights=pop.sum(axis=(1, 2)), minlength=len(economy.practice_codes)
    )
    practices = pl.DataFrame(
        {
            "code": economy.practice_codes,
            "name": [f"Synthetic Practice {c[2:]}" for c in economy.practice_codes],
            "commissioner_code": [
                economy.commissioner_codes[i] for i in economy.practice_commissioner
            ],
            "easting": economy.practice_xy[:, 0].round().astype(np.int64),
            "northing": economy.practice_xy[:, 1].round().astype(np.int64),
            "list_size": practice_pop.astype(np.int64),
        }
    )
    areas = pl.DataFrame(
        {
            "code": economy.area_codes,
            "commissioner_code": [economy.commissioner_codes[i] for i in economy.area_commissioner],
            "practice_code": [economy.practice_codes[i] for i in economy.area_practice],
            "easting": economy.area_xy[:, 0].round().astype(np.int64),
            "northing": economy.area_xy[:, 1].round().astype(np.int64),
            "population": pop.sum(axis=(1, 2)).astype(np.int64),
            "deprivation_decile": economy.area_deprivation.astype(np.int64),
            "male": pop[:, :, 0].astype(np.int64).tolist(),
            "female": pop[:, :, 1].astype(np.int64).tolist(),
        }
    )
    return {
        "providers": providers,
        "commissioners": commissioners,
        "practices": practices,
        "areas": areas,
    }


def generate(
    config: SynthConfig,
    providers: list[Provider],
    age_sex: np.ndarray,
    out_dir: Path,
    progress: Callable[[int], None] | None = None,
) -> dict:
    """Build the economy from ``config`` and write it to ``out_dir``; return the manifest."""
    started = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    economy = build_economy(config, providers, age_sex)
    for name, frame in _tables(economy).items():
        frame.write_parquet(out_dir / f"{name}.parquet")
    written = write_spells(config, economy, out_dir, progress)
    manifest = {
        "generator": "commissioning.engine.synth",
        "config": json.loads(config.model_dump_json()),
        "age_bands": list(C.AGE_BAND_LABELS),
        "charlson_bands": list(C.CHARLSON_BAND_LABELS),
        "true_model": true_coefficients(economy),
        "counts": {
            "providers": len(economy.providers),
            "commissioners": len(economy.commissioner_codes),
            "practices": len(economy.practice_codes),
            "areas": len(economy.area_codes),
            "population": int(economy.area_population.sum()),
            "spells": written.spells,
            "deaths_30d": written.deaths,
        },
        "spells_by_year": written.spells_by_year,
        "seconds": round(time.perf_counter() - started, 3),
    }
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return manifest
