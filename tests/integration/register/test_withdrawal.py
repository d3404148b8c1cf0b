"""A decision withdrawn after its notice was published (issue 20): the register publishes the
platform's notice of the withdrawal with its reason, and the OCDS record cancels the award (a
release tagged awardCancellation) and still validates; a decision withdrawn before any notice
publishes nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from commissioning.ocds.validate import problems as validate
from commissioning.selection import services as sel
from commissioning.selection.models import Notice
from tests.cycle import DECISION_DAY, at

pytestmark = pytest.mark.django_db

REASON = "We found an error in moderation: the scores for access were transposed."


def test_a_withdrawn_decision_is_published_and_its_award_cancelled(cycle):
    cycle.noticed()  # the notice of intention is published; the standstill runs
    with at(DECISION_DAY + dt.timedelta(days=1)):
        rep = sel.make_representation(cycle.decision, cycle.e.rwe.pk, "Scoring error",
                                      cycle.e.rival)  # fmt: skip
        sel.respond_to_representation(rep, False, REASON, cycle.e.commissioner)
    intention, withdrawal = Notice.objects.filter(process=cycle.process).order_by("published_at")
    assert (intention.stage, withdrawal.stage, withdrawal.schedule) == (
        "intention", "withdrawal", 0)  # fmt: skip
    items = {i["heading"]: i["text"] for i in withdrawal.items}
    assert items["Why the decision was withdrawn"] == (
        f"Withdrawn after representation {rep.pk}: {REASON}"
    )
    assert "withdrew its decision" in items["Statement that the decision was withdrawn"]

    anyone = Client()
    page = anyone.get(f"/register/notices/{withdrawal.pk}/").content.decode()
    assert "Notice that the decision to award was withdrawn" in page and "transposed" in page
    assert "No schedule of the Health Care Services" in page
    record = json.loads(anyone.get(f"/register/processes/{cycle.process.pk}/ocds.json").content)
    assert validate(record) == []
    releases = record["records"][0]["releases"]
    assert len(releases) == 2
    compiled = record["records"][0]["compiledRelease"]
    (award,) = compiled["awards"]
    assert award["status"] == "cancelled"
    assert compiled["tender"]["status"] == "active"
    feed = json.loads(anyone.get("/register/ocds/releases.json").content)
    assert validate(feed) == []
    assert feed["releases"][-1]["tag"] == ["awardCancellation"]


def test_a_decision_withdrawn_before_its_notice_publishes_nothing(cycle):
    cycle.decided()
    with at(DECISION_DAY):
        sel.withdraw_decision(cycle.decision, REASON, cycle.e.commissioner)
    assert not Notice.objects.exists()
