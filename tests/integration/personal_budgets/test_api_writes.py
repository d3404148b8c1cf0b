"""A personal health budget's work through the API, with the same people entitled as on the
pages: a care coordinator records a person, their assessment, a plan agreed with them, a
review; the holder asks for a decision to be reconsidered and the coordinator decides. The
request bodies are the services' own commands (api.commands), so a refusal names the same
fields as the pages do."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from commissioning.personal_budgets.models import Access, Person
from tests.bearer import post

from .conftest import ELIGIBLE, valid_nhs_number

pytestmark = pytest.mark.django_db
TODAY = dt.datetime(2026, 8, 3, 9, tzinfo=dt.UTC)


def test_a_coordinator_takes_a_person_from_record_to_agreed_plan(client, programme):
    c = programme.coordinator
    with time_machine.travel(TODAY, tick=False):
        made = post(client, "/api/v1/budgets/people", {
            "commissioner": "XC001", "nhs_number": valid_nhs_number(612345670),
            "name": "Mary Somerville", "date_of_birth": "1955-12-26", "entitlement": "chc",
        }, c)  # fmt: skip
        assert made.status_code == 201, made.content
        pk = made.json()["id"]
        base = f"/api/v1/budgets/people/{pk}"
        assessed = post(client, f"{base}/assessments", {
            "assessed_on": "2026-08-01", "ratings": ELIGIBLE, "decision": "eligible",
            "decision_reasons": "MDT agreed",
        }, c)  # fmt: skip
        assert assessed.status_code == 201, assessed.content
        plan = post(client, f"{base}/plans", {
            "start_date": "2026-09-01", "needs": "Breathing at night", "outcomes": "At home",
            "risks": "Ventilator failure", "contingency": "Agency cover",
            "mode": "direct_payment", "recipient": "patient", "amount_pence": 1_000_000,
            "services": [{"name": "Personal assistant", "category": "personal_care",
                          "annual_cost_pence": 900_000}],
        }, c)  # fmt: skip
        assert plan.status_code == 201, plan.content
        version = plan.json()["version"]
        agreed = post(client, f"{base}/plans/{version}/agreement",
                      {"agreed_by": "person", "agreed_on": "2026-08-03"}, c)  # fmt: skip
        assert agreed.status_code == 200 and agreed.json()["status"] == "agreed"
        review = {"held_on": "2026-08-03", "needs_met": True, "notes": "Going well"}
        reviewed = post(client, f"{base}/reviews", review, c)
        assert reviewed.status_code == 201, reviewed.content
    person = Person.objects.get(pk=pk)
    assert person.commissioner == programme.icb and person.coordinator == c
    # Each write read the record, and the person's access log says who and through what.
    assert Access.objects.filter(user_id=c.pk, channel="api", person_id=pk).count() >= 4


def test_refusals_are_the_pages_refusals(client, programme):
    base = f"/api/v1/budgets/people/{programme.person.pk}"
    review = {"held_on": "2026-08-03", "needs_met": True, "notes": "x"}
    with time_machine.travel(TODAY, tick=False):
        # Another coordinator's caseload, the holder themselves, a stranger: refused alike.
        for who in (programme.other_coordinator, programme.holder, programme.stranger):
            assert post(client, f"{base}/reviews", review, who).status_code == 403
        bad = post(client, f"{base}/reviews", {**review, "held_on": "2027-01-01"},
                   programme.coordinator)  # fmt: skip
        not_mine = post(client, "/api/v1/budgets/people", {
            "commissioner": "XT001", "nhs_number": valid_nhs_number(612345670),
            "name": "X", "date_of_birth": "1955-12-26", "entitlement": "chc",
        }, programme.coordinator)  # fmt: skip
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "held_on"
    assert not_mine.status_code == 403


def test_the_holder_asks_for_reconsideration_and_the_coordinator_decides(client, programme):
    base = f"/api/v1/budgets/people/{programme.person.pk}"
    with time_machine.travel(TODAY, tick=False):
        asked = post(client, f"{base}/reconsiderations",
                     {"about": "reduction", "grounds": "The budget does not cover nights"},
                     programme.holder)  # fmt: skip
        assert asked.status_code == 201, asked.content
        rid = asked.json()["id"]
        by_holder = post(client, f"{base}/reconsiderations/{rid}/decision",
                         {"outcome": "upheld", "reasons": "x"}, programme.holder)  # fmt: skip
        assert by_holder.status_code == 403
        no_reasons = post(client, f"{base}/reconsiderations/{rid}/decision",
                          {"outcome": "upheld", "reasons": ""}, programme.coordinator)  # fmt: skip
        decided = post(client, f"{base}/reconsiderations/{rid}/decision",
                       {"outcome": "changed", "reasons": "Nights added to the plan"},
                       programme.coordinator)  # fmt: skip
    assert no_reasons.status_code == 422
    assert decided.status_code == 200, decided.content
