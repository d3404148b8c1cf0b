"""Synthetic hospital spells and crude 30-day mortality per year for one provider.

Reads the synthetic economy's Parquet files with Polars (a lazy scan: only the provider's rows
and three columns are read). Returns [] when no synthetic economy has been generated.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl


def synthetic_activity_for_provider(synth_dir: Path, code: str) -> list[dict]:
    files = sorted((Path(synth_dir) / "spells").glob("*.parquet"))
    if not files:
        return []
    frame = (
        pl.scan_parquet(files, include_file_paths="file")
        .filter(pl.col("provider_code").cast(pl.Utf8) == code)
        .group_by("file")
        .agg(pl.len().alias("spells"), pl.col("died_30d").sum().alias("deaths"))
        .sort("file")
        .collect()
    )
    return [
        {
            "year": Path(row["file"]).stem,
            "spells": row["spells"],
            "deaths": row["deaths"],
            "crude_rate": row["deaths"] / row["spells"] if row["spells"] else None,
        }
        for row in frame.iter_rows(named=True)
    ]
