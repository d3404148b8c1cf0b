"""The map of England drawn from the real trusts' National Grid coordinates and the synthetic
small areas over the coastline shipped in ``geo/coastline.json`` (Natural Earth, projected to the
National Grid by ``scripts/coastline.py``; no map tiles, nothing from the web): matplotlib, SVG
for the page, PNG or SVG to download."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import polars as pl

from commissioning.names import tidy_name
from commissioning.quality.charts import BLUE, GREY, NAVY, ORANGE, RED

ATTRIBUTION = ("Trust locations: NHS Digital ODS and ONS Postcode Directory (OGL v3.0; contains "
               "OS data © Crown copyright). Coastline: Natural Earth (public domain). Small "
               "areas and demand: synthetic.")  # fmt: skip
COASTLINE = Path(__file__).resolve().parent / "geo" / "coastline.json"
LAND, SEA_EDGE = "#f0f4f5", "#aeb7bd"
MARGIN = 15_000  # metres around what the map shows


@functools.cache
def coastline() -> list[list[tuple[float, float]]]:
    """Every ring of the shipped coastline (United Kingdom, Isle of Man, Ireland), in metres."""
    doc = json.loads(COASTLINE.read_text())
    return [[(x, y) for x, y in ring] for country in doc["countries"] for ring in country["rings"]]


def _land(ax) -> None:
    for ring in coastline():
        ax.fill(*zip(*ring, strict=True), facecolor=LAND, edgecolor=SEA_EDGE, linewidth=0.5,
                zorder=0)  # fmt: skip


def _frame(ax, easting, northing, margin: float = MARGIN) -> None:
    """Show these points (with a margin), widened to the axes' shape so that the map fills
    the figure; the land around them is drawn but does not widen it."""
    if not len(easting):
        return
    x0, x1 = min(easting) - margin, max(easting) + margin
    y0, y1 = min(northing) - margin, max(northing) + margin
    box = ax.get_position()
    width, height = ax.figure.get_size_inches()
    shape = (box.width * width) / (box.height * height)  # the axes' width over height
    if (x1 - x0) / (y1 - y0) < shape:
        grow = (shape * (y1 - y0) - (x1 - x0)) / 2
        x0, x1 = x0 - grow, x1 + grow
    else:
        grow = ((x1 - x0) / shape - (y1 - y0)) / 2
        y0, y1 = y0 - grow, y1 + grow
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)


def market_map(market, title: str, failed=(), unmet_areas=(), catchment_of: str | None = None,
               took_on=(), around: set[str] | None = None, cuts=()):  # fmt: skip
    """Small areas as grey dots (orange: left without a service in the scenario; blue: the
    catchment of ``catchment_of``), trusts as navy triangles (red crosses: failed), over the
    coastline. ``took_on`` ((code, patients), ...) draws the displaced patients' flows from the
    failed provider to those that take them on, their width by the patients; ``around`` (the
    commissioners' codes) frames the map on those commissioners' small areas."""
    figure, ax = plt.subplots(figsize=(7, 8.5))
    figure.subplots_adjust(left=0.02, right=0.98, top=0.94, bottom=0.12)
    _land(ax)
    names = dict(zip(market.providers["code"], market.providers["name"], strict=True))
    areas = market.areas
    ax.scatter(areas["easting"], areas["northing"], s=1.5, c=GREY, alpha=0.35, linewidths=0,
               label="Small areas (synthetic)")  # fmt: skip
    if catchment_of:
        served = market.flows.filter(pl.col("provider") == catchment_of)["area"]
        mine = areas.filter(pl.col("area").is_in(served.implode()))
        ax.scatter(mine["easting"], mine["northing"], s=4, c=BLUE, linewidths=0,
                   label=f"Areas {tidy_name(names.get(catchment_of, catchment_of))} "
                         "serves")  # fmt: skip
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
        _flows(ax, providers, down, took_on)
    if cuts:
        less = providers.filter(pl.col("code").is_in(list(cuts)))
        ax.scatter(less["easting"], less["northing"], marker="^", s=60, c=ORANGE,
                   edgecolors=NAVY, label="Capacity cut")  # fmt: skip
    if failed:  # a failure's reach is regional: frame what it touches
        moved = {c for c, _ in took_on} | set(failed) | set(cuts)
        touched = providers.filter(pl.col("code").is_in(list(moved)))
        lost = areas.filter(pl.col("area").is_in(list(unmet_areas)))
        _frame(ax, [*touched["easting"], *lost["easting"]],
               [*touched["northing"], *lost["northing"]], margin=4 * MARGIN)  # fmt: skip
    elif around and (mine := areas.filter(pl.col("commissioner_code").is_in(list(around)))).height:
        _frame(ax, mine["easting"], mine["northing"])
    else:
        _frame(ax, areas["easting"], areas["northing"])
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(title, loc="left", fontsize=11)
    ax.legend(loc="upper left", bbox_to_anchor=(0, 0), ncols=2, fontsize=8, frameon=False,
              markerscale=2)  # fmt: skip
    figure.text(0.01, 0.01, ATTRIBUTION, fontsize=6, color="#4c6272", wrap=True)
    return figure


def _flows(ax, providers, down, took_on) -> None:
    """An arrow from the nearest failed provider to each provider that takes on patients."""
    if not len(took_on) or not down.height:
        return
    where = {r["code"]: (r["easting"], r["northing"]) for r in providers.iter_rows(named=True)}
    sources = list(zip(down["easting"], down["northing"], strict=True))
    largest = max(x for _, x in took_on)
    for n, (code, patients) in enumerate(took_on):
        if code not in where:
            continue
        x1, y1 = where[code]
        x0, y0 = min(sources, key=lambda s: (s[0] - x1) ** 2 + (s[1] - y1) ** 2)
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0), zorder=3,
                    arrowprops={"arrowstyle": "-|>", "color": RED, "alpha": 0.7,
                                "linewidth": 0.5 + 3.5 * patients / largest,
                                "shrinkA": 4, "shrinkB": 4})  # fmt: skip
        if n == 0:
            ax.plot([], [], color=RED, alpha=0.7, linewidth=2,
                    label="Where its patients go (width: patients)")  # fmt: skip
