"""OCDS releases, packages and records built from published notices validate against the
shipped OCDS 1.1.5 schema with no errors, and say what the notices said (issue 20)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commissioning.ocds import releases as ocds
from commissioning.ocds.validate import problems as validate

PUBLISHER = {"name": "Test commissioner"}
FACTS = {
    "schedule": 10, "route": "competitive", "title": "Hyper-acute stroke unit",
    "reference": "XA1-SPEC-0001", "specification_reference": "XA1-SPEC-0001",
    "description": "A hyper-acute stroke unit.", "cpv": "85111000-0",
    "cpv_label": "Hospital services", "value_pence": 22_800_000_00,
    "envelope_pence": 24_000_000_00, "term_months": 36,
    "buyer": {"code": "XA1", "name": "NHS Example ICB", "address": "1 High St",
              "postcode": "AB1 2CD"},
    "supplier": {"code": "RJE", "name": "University Hospitals of North Midlands",
                 "address": "Newcastle Road", "postcode": "ST4 6QG"},
    "award_id": 7, "decided_on": "2026-03-02", "start": None, "end": None,
    "criteria": {"quality_innovation": 40, "value": 20, "integration": 15, "access": 15,
                 "social_value": 10},
}  # fmt: skip


def _notice(stage="intention", n=1, **facts):
    when = f"2026-03-0{n}T10:00:00+00:00"
    return {"id": n, "process_id": 3, "stage": stage, "title": "A notice", "published_at": when,
            "facts": {**FACTS, **facts}}  # fmt: skip


def _both():
    return [
        ocds.release(_notice(), "ocds-demo00"),
        ocds.release(_notice("award", 2, schedule=11, start="2026-05-01", end="2029-04-30",
                             reference="XA1-2026-0001"), "ocds-demo00"),
    ]  # fmt: skip


def test_a_release_package_of_both_notices_validates():
    package = ocds.release_package(_both(), "https://example.org/r.json",
                                   "2026-03-05T00:00:00+00:00", PUBLISHER)  # fmt: skip
    assert validate(package) == []


def test_the_record_compiles_the_award_as_it_stands_after_the_contract():
    record = ocds.record(_both())
    package = ocds.record_package([record], "https://example.org/r.json",
                                  "2026-03-05T00:00:00+00:00", PUBLISHER)  # fmt: skip
    assert validate(package) == []
    compiled = record["compiledRelease"]
    assert compiled["ocid"] == "ocds-demo00-3"
    (award,) = compiled["awards"]
    assert award["status"] == "active"  # the notice of intention's "pending", then the award
    assert award["suppliers"] == [{"id": "GB-NHS-RJE",
                                   "name": "University Hospitals of North Midlands"}]  # fmt: skip
    assert award["value"] == {"amount": 22_800_000, "currency": "GBP"}
    (contract,) = compiled["contracts"]
    assert contract["period"]["startDate"] == "2026-05-01T00:00:00+01:00"  # British Summer Time
    assert contract["period"]["endDate"] == "2029-04-30T00:00:00+01:00"
    parties = {p["id"]: p for p in compiled["parties"]}
    assert parties["GB-NHS-XA1"]["identifier"] == {"scheme": "GB-NHS", "id": "XA1",
                                                   "legalName": "NHS Example ICB"}  # fmt: skip
    assert compiled["tender"]["procurementMethod"] == "open"
    assert compiled["tender"]["classification"]["id"] == "85111000-0"


@pytest.mark.parametrize(
    ("route", "method"),
    [("direct_award_a", "direct"), ("direct_award_b", "direct"), ("direct_award_c", "direct"),
     ("most_suitable_provider", "limited"), ("competitive", "open")],
)  # fmt: skip
def test_every_route_makes_a_valid_release(route, method):
    release = ocds.release(_notice(route=route), "ocds-demo00")
    assert release["tender"]["procurementMethod"] == method
    assert validate(release) == []


@given(st.integers(min_value=0, max_value=10**14))
def test_amounts_are_the_pence_exactly(pence):
    amount = ocds.amount(pence)
    assert round(amount * 100) == pence
    assert f"{amount:.2f}".replace(".", "").lstrip("0") == (str(pence) if pence else "")
