"""The map of England drawn from the real trusts' National Grid coordinates and the synthetic
small areas (no map tiles, nothing from the web): matplotlib, SVG for the page, PNG or SVG to
download."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import polars as pl

from commissioning.quality.charts import BLUE, GREY, NAVY, ORANGE, RED

ATTRIBUTION = ("Trust locations: NHS Digital ODS and ONS Postcode Directory (OGL v3.0; contains "
               "OS data © Crown copyright). Small areas and demand: synthetic.")  # fmt: skip


def market_map(market, title: str, failed=(), unmet_areas=(), catchment_of: str | None = None):
    """Small areas as grey dots (orange: left without a service in the scenario; blue: the
    catchment of ``catchment_of``), trusts as navy triangles (red crosses: failed)."""
    figure, ax = plt.subplots(figsize=(7, 8.5))
    areas = market.areas
    ax.scatter(areas["easting"], areas["northing"], s=1.5, c=GREY, alpha=0.35, linewidths=0,
               label="Small areas (synthetic)")  # fmt: skip
    if catchment_of:
        served = market.flows.filter(pl.col("provider") == catchment_of)["area"]
        mine = areas.filter(pl.col("area").is_in(served.implode()))
        ax.scatter(mine["easting"], mine["northing"], s=4, c=BLUE, linewidths=0,
                   label=f"Areas {catchment_of} serves")  # fmt: skip
    if len(unmet_areas):
        lost = areas.filter(pl.col("area").is_in(list(unmet_areas)))
        ax.scatter(lost["easting"], lost["northing"], s=10, c=ORANGE, linewidths=0,
                   label="Areas left without a service")  # fmt: skip
    providers = market.providers
    up = providers.filter(~pl.col("code").is_in(list(failed)))
    ax.scatter(up["easting"], up["northing"], marker="^", s=22, c=NAVY, label="NHS trusts")
    if failed:
        down = providers.filter(pl.col("code").is_in(list(failed)))
        ax.scatter(down["easting"], down["northing"], marker="X", s=80, c=RED,
                   label="Failed")  # fmt: skip
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(title, loc="left", fontsize=11)
    ax.legend(loc="upper left", fontsize=8, frameon=False, markerscale=2)
    figure.text(0.01, 0.01, ATTRIBUTION, fontsize=6, color="#4c6272")
    return figure
