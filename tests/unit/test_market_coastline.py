"""The market map's coastline (issue 18: the map had no coastline): shipped with the project,
in British National Grid metres, and where England is."""

from __future__ import annotations

import json

from commissioning.market import charts


def test_the_coastline_is_shipped_with_its_source_and_licence():
    doc = json.loads(charts.COASTLINE.read_text())
    assert "Natural Earth" in doc["source"] and "public domain" in doc["licence"]
    assert {c["name"] for c in doc["countries"]} == {"United Kingdom", "Isle of Man", "Ireland"}


def test_the_coastline_is_in_national_grid_metres_where_great_britain_is():
    great_britain = max(charts.coastline(), key=len)  # the longest ring: the main island
    eastings = [x for x, _ in great_britain]
    northings = [y for _, y in great_britain]
    # Land's End is near (134,000, 25,000), Lowestoft near (655,000, 293,000) and Dunnet
    # Head near (320,000, 977,000) on the National Grid.
    assert 120_000 < min(eastings) < 150_000
    assert 645_000 < max(eastings) < 665_000
    assert 0 < min(northings) < 30_000
    assert 960_000 < max(northings) < 990_000
