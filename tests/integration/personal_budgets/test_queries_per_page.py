"""No query per row on the caseload and a person's record (issue 19): the same number of
queries with more people on the caseload and more months of payments (tests/queries.py)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from commissioning.personal_budgets import services as phb
from tests.integration.personal_budgets.conftest import ELIGIBLE, plan_input, valid_nhs_number
from tests.queries import assert_no_query_per_row


def _people(programme, n: int, start: int):
    def record():
        for i in range(start, start + n):
            person = phb.record_person(
                phb.PersonInput(programme.icb.pk, valid_nhs_number(100000000 + i * 7919),
                                f"Person {i}", dt.date(1950, 1, 1), "chc"),
                programme.coordinator,
            )  # fmt: skip
            found = phb.AssessmentInput(dt.date(2026, 5, 1), ELIGIBLE, "eligible", "MDT agreed")
            phb.assess(person, found, programme.coordinator)
            plan = phb.draft_plan(person, plan_input(), programme.coordinator)
            phb.agree_plan(plan, phb.AgreeInput("person", dt.date(2026, 6, 1)),
                           programme.coordinator)  # fmt: skip

    return record


def _payments(programme, months, tag: str):
    def pay():
        for month in months:
            phb.record_payment(
                programme.person,
                phb.PaymentInput(f"{tag}-{month}", 1_000, "therapy", "Physio", "Sessions",
                                 dt.date(2026, month, 3)),
                programme.holder,
            )  # fmt: skip

    return pay


def test_the_caseload(client, programme):
    _people(programme, 1, 0)()
    client.force_login(programme.coordinator)
    assert_no_query_per_row(client, reverse("phb"), _people(programme, 3, 1))


def test_a_persons_record(client, programme):
    _payments(programme, [6], "a")()
    client.force_login(programme.coordinator)
    url = reverse("phb-person", args=[programme.person.pk])
    assert_no_query_per_row(client, url, _payments(programme, [7, 8, 9], "b"))
