"""Regenerate ``src/commissioning/market/geo/coastline.json``: the coastlines the market map
draws, in British National Grid metres (EPSG:27700) so they sit under the trusts' and small
areas' coordinates without any projection at run time.

Source: Natural Earth 1:10m admin-0 countries (public domain), as the ``world-atlas`` npm
package ships it in TopoJSON (ISC licence); ``topojson-client``'s ``topo2geo`` turns it into
GeoJSON and ``pyproj`` projects it. Neither is needed at run time: the output is committed.

    npm ci                       # world-atlas and topojson-client are dev dependencies
    .venv/bin/pip install pyproj # only for this script (the "geo" extra in pyproject.toml)
    .venv/bin/python scripts/coastline.py
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from pyproj import Transformer

ROOT = Path(__file__).resolve().parents[1]
TOPOJSON = ROOT / "node_modules" / "world-atlas" / "countries-10m.json"
OUT = ROOT / "src" / "commissioning" / "market" / "geo" / "coastline.json"
COUNTRIES = {"826": "United Kingdom", "833": "Isle of Man", "372": "Ireland"}
GRID = 100  # metres: finer than the 1:10m source's detail


def main() -> None:
    with TOPOJSON.open("rb") as topo:
        geo = json.loads(
            subprocess.run(
                [str(ROOT / "node_modules" / ".bin" / "topo2geo"), "countries=-"],
                stdin=topo, capture_output=True, check=True,
            ).stdout
        )  # fmt: skip
    to_grid = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    countries = []
    for feature in geo["features"]:
        if feature.get("id") not in COUNTRIES:
            continue
        geometry = feature["geometry"]
        polygons = (
            geometry["coordinates"]
            if geometry["type"] == "MultiPolygon"
            else [geometry["coordinates"]]
        )
        rings = []
        for polygon in polygons:
            outer = polygon[0]  # holes (lakes) are not drawn
            xs, ys = to_grid.transform([p[0] for p in outer], [p[1] for p in outer])
            rings.append([[round(x / GRID) * GRID, round(y / GRID) * GRID]
                          for x, y in zip(xs, ys, strict=True)])  # fmt: skip
        countries.append({"code": feature["id"], "name": COUNTRIES[feature["id"]],
                          "rings": rings})  # fmt: skip
    OUT.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "source": "Natural Earth 1:10m admin-0 countries, via the world-atlas npm package 2.0.2",
        "licence": "Natural Earth: public domain (naturalearthdata.com/about/terms-of-use); "
        "world-atlas: ISC licence, Copyright 2013-2019 Michael Bostock",
        "crs": "EPSG:27700 (British National Grid), metres, rounded to 100 m",
        "countries": sorted(countries, key=lambda c: c["code"]),
    }
    OUT.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    points = sum(len(r) for c in countries for r in c["rings"])
    print(f"{OUT.relative_to(ROOT)}: {len(countries)} countries, {points} points")


if __name__ == "__main__":
    main()
