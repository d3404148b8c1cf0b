"""Patient flows, market shares and concentration.

A provider's share of an area (or of a commissioner's population) is its share of the
patients from there; the Herfindahl–Hirschman Index is the sum of the squared percentage
shares, from near 0 (many small providers) to 10,000 (one provider). docs/domain.md section 3: the
2010 OFT/Competition Commission guidelines read above 1,000 as concentrated and above 2,000
as highly concentrated ([U] there: shown as a guide, not as a test); the CMA's 2021
guidelines apply no threshold. Merger analysis uses each trust's share of the referrals from
each GP practice as the proxy for competition (docs/domain.md section 3); here patient flows
from each area stand in for those referral shares, the platform's substitute.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

CONCENTRATED = 1_000
HIGHLY_CONCENTRATED = 2_000


def flows_from_spells(spells: Path | str | list[Path]) -> pl.LazyFrame:
    """Patients per area and provider from Parquet spells (columns ``area_code`` and
    ``provider_code``): a file, a folder of them, or a list of either; streamed."""
    sources: list[str] = []
    for path in map(Path, spells if isinstance(spells, list) else [spells]):
        if path.is_dir():
            sources.append(str(path / "**" / "*.parquet"))
        elif path.is_file():
            sources.append(str(path))
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
    return (
        pl.scan_parquet(sources)
        .select(pl.col("area_code").cast(pl.String).alias("area"),
                pl.col("provider_code").cast(pl.String).alias("provider"))
        .group_by("area", "provider")
        .agg(pl.len().alias("patients"))
    )  # fmt: skip


def shares(flows: pl.LazyFrame | pl.DataFrame, by: str = "area") -> pl.DataFrame:
    """Each provider's share (0..1) of the patients of each ``by`` group."""
    return (
        flows.lazy()
        .group_by(by, "provider")
        .agg(pl.col("patients").sum())
        .with_columns(share=pl.col("patients") / pl.col("patients").sum().over(by))
        .sort([by, "share", "provider"], descending=[False, True, False])
        .collect()
    )


def hhi(flows: pl.LazyFrame | pl.DataFrame, by: str = "area") -> pl.DataFrame:
    """Per ``by`` group: patients, providers, the largest share and the HHI (0..10,000)."""
    table = shares(flows, by)
    return (
        table.group_by(by)
        .agg(
            pl.col("patients").sum(),
            pl.len().alias("providers"),
            pl.col("share").max().alias("largest_share"),
            (pl.col("share") * 100).pow(2).sum().alias("hhi"),
        )
        .with_columns(
            level=pl.when(pl.col("hhi") > HIGHLY_CONCENTRATED)
            .then(pl.lit("highly concentrated"))
            .when(pl.col("hhi") > CONCENTRATED)
            .then(pl.lit("concentrated"))
            .otherwise(pl.lit("not concentrated"))
        )
        .sort(by)
    )


def provider_shares(flows: pl.LazyFrame | pl.DataFrame) -> pl.DataFrame:
    """Each provider's patients and its share of all patients."""
    return (
        flows.lazy()
        .group_by("provider")
        .agg(pl.col("patients").sum())
        .with_columns(share=pl.col("patients") / pl.col("patients").sum())
        .sort("patients", descending=True)
        .collect()
    )


def negotiating_weight(
    flows: pl.LazyFrame | pl.DataFrame,
    areas: pl.LazyFrame | pl.DataFrame,
    members: list[str],
) -> pl.DataFrame:
    """A consortium's weight with each provider its members use, against each member alone.

    ``flows``: area, provider, patients; ``areas``: area, commissioner_code, population.
    Per provider:

    - ``activity_share``: the consortium's share of the provider's patients (activity is the
      measure of commissioned income: under activity-based payment income follows it), and
      ``largest_member`` / ``largest_member_share``: the most any one member has alone;
    - ``population_share``: the consortium's share of the provider's catchment population,
      each area's population apportioned to providers by their share of its patients (the
      platform's method, similar to the Office for Health Improvement and Disparities' NHS
      acute trust catchment populations; not in the docs).
    """
    f = flows.lazy().join(
        areas.lazy().select("area", "commissioner_code", "population"), on="area", how="left"
    )
    f = f.with_columns(
        served=pl.col("population") * pl.col("patients") / pl.col("patients").sum().over("area"),
        member=pl.col("commissioner_code").is_in(members),
    )
    by_member = (
        f.filter(pl.col("member"))
        .group_by("provider", "commissioner_code")
        .agg(pl.col("patients").sum().alias("member_patients"))
        .sort(["provider", "member_patients", "commissioner_code"], descending=[False, True, False])
        .group_by("provider", maintain_order=True)
        .agg(
            pl.col("commissioner_code").first().alias("largest_member"),
            pl.col("member_patients").first().alias("largest_member_patients"),
        )
    )
    totals = f.group_by("provider").agg(
        pl.col("patients").sum().alias("patients"),
        pl.col("patients").filter(pl.col("member")).sum().alias("consortium_patients"),
        pl.col("served").sum().alias("catchment_population"),
        pl.col("served").filter(pl.col("member")).sum().alias("consortium_population"),
    )
    return (
        totals.join(by_member, on="provider", how="inner")
        .with_columns(
            activity_share=pl.col("consortium_patients") / pl.col("patients"),
            largest_member_share=pl.col("largest_member_patients") / pl.col("patients"),
            population_share=pl.col("consortium_population") / pl.col("catchment_population"),
        )
        .sort("consortium_patients", descending=True)
        .collect()
    )
