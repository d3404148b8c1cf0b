"""The public register (issue 20): anyone, signed in or not, reads the notices as published,
item by item, searches and downloads them, and reads the process as OCDS that validates; what
was not published is never there."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client

from commissioning.ocds.validate import problems as validate
from commissioning.selection.models import Notice

pytestmark = pytest.mark.django_db


def _json(response) -> dict:
    assert response.status_code == 200, response.content[:300]
    return json.loads(response.content)


def test_an_award_decided_but_not_published_is_not_in_the_register(cycle):
    cycle.decided()
    anyone = Client()
    assert Notice.objects.count() == 0
    page = anyone.get("/register/")
    assert page.status_code == 200
    assert cycle.spec.title not in page.content.decode()
    assert anyone.get(f"/register/processes/{cycle.process.pk}/").status_code == 404
    assert anyone.get(f"/register/processes/{cycle.process.pk}/ocds.json").status_code == 404
    assert _json(anyone.get("/register/ocds/releases.json"))["releases"] == []


def test_the_notice_of_intention_then_the_award_as_anyone_reads_them(cycle):
    cycle.signed()
    intention, award = Notice.objects.filter(process=cycle.process).order_by("published_at")
    assert (intention.schedule, award.schedule) == (10, 11)  # the competitive process
    anyone = Client()  # not signed in

    listing = anyone.get("/register/").content.decode()
    assert cycle.spec.title in listing and "Award notice" in listing

    page = anyone.get(f"/register/notices/{award.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    for item in award.items:  # every item of Schedule 11, as published
        assert item["heading"] in text
    assert cycle.contract.reference in text
    assert "From 1 May 2026 to 30 April 2029." in text
    decider = cycle.decision.decided_by  # named by their authority, not by name
    assert all(decider.get_full_name() not in i["text"] for i in award.items)

    record = _json(anyone.get(f"/register/processes/{cycle.process.pk}/ocds.json"))
    assert validate(record) == []
    compiled = record["records"][0]["compiledRelease"]
    (awarded,) = compiled["awards"]
    assert awarded["status"] == "active"
    assert awarded["suppliers"][0]["id"] == f"GB-NHS-{cycle.decision.awarded.get().provider.code}"
    assert awarded["value"]["amount"] * 100 == cycle.contract.value_pence
    (contract,) = compiled["contracts"]
    assert contract["period"]["startDate"].startswith(cycle.contract.start_date.isoformat())
    assert contract["period"]["endDate"].startswith(cycle.contract.end_date.isoformat())
    assert contract["dateSigned"].startswith(cycle.contract.entered_into.isoformat())
    assert awarded["date"].startswith(cycle.decision.decided_on.isoformat())

    feed = _json(anyone.get("/register/ocds/releases.json"))
    assert validate(feed) == []
    assert [r["id"].rsplit("-", 1)[1] for r in feed["releases"]] == [
        str(intention.pk),
        str(award.pk),
    ]
    later = _json(anyone.get("/register/ocds/releases.json",
                             {"since": award.published_at.isoformat()}))  # fmt: skip
    assert [r["id"] for r in later["releases"]] == [feed["releases"][1]["id"]]
    refused = anyone.get("/register/ocds/releases.json", {"since": "yesterday"})
    assert refused.status_code == 422 and "since" in json.loads(refused.content)


def test_search_and_csv(cycle):
    cycle.noticed()
    anyone = Client()
    found = anyone.get("/register/", {"route": "competitive", "text": "stroke"})
    assert cycle.spec.title in found.content.decode()
    none = anyone.get("/register/", {"route": "direct_award_a"})
    assert cycle.spec.title not in none.content.decode()
    bad = anyone.get("/register/", {"published_from": "31/13/2026"}).content.decode()
    assert "Enter a date as year-month-day" in bad and 'href="#published_from"' in bad
    rows = list(
        csv.DictReader(io.StringIO(anyone.get("/register/notices.csv").getvalue().decode()))
    )
    (row,) = rows
    assert row["schedule"] == "10"
    assert row["service"] == cycle.spec.title
    assert row["route"] == "Competitive process"
    assert row["value_pounds"] == f"{cycle.decision.value_pence / 100:.2f}"


def test_the_annual_summary_counts_the_contract_entered_into(cycle):
    cycle.signed()  # a competitive award, signed on 8 April 2026: the year 2026/27
    anyone = Client()
    page = anyone.get("/register/annual/XC001/2026/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Annual summary of contracting activity, 2026/27" in text
    data = _json(anyone.get("/register/annual/XC001/2026.json"))
    answers = {i["item"]: i["answer"] for i in data["items"]}
    assert answers["25(2)(c)"] == "1"
    assert answers["25(2)(a)"] == "0" and answers["25(2)(b)"] == "0"
    assert answers["25(2)(g)"] == "1"  # RJE held no contract with the ICB before
    assert data["new_providers"] == ["RJE"]
    rows = list(
        csv.reader(io.StringIO(anyone.get("/register/annual/XC001/2026.csv").content.decode()))
    )
    assert [r[3] for r in rows[1:]] == [f"25(2)({x})" for x in "abcdefghi"]
    before = _json(anyone.get("/register/annual/XC001/2025.json"))
    assert {i["item"]: i["answer"] for i in before["items"]}["25(2)(c)"] == "0"
    assert anyone.get("/register/annual/RJE/2026/").status_code == 404  # not a relevant authority
    assert anyone.get("/register/annual/XC001/1999/").status_code == 404
