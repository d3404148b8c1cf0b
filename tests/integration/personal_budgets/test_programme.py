"""The programme page for finance leads and commissioners: totals under statistical
disclosure control, as a page and a CSV, so that no person can be picked out."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from commissioning.personal_budgets import services as phb

from .conftest import plan_input, valid_nhs_number

pytestmark = pytest.mark.django_db


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_a_small_programme_shows_no_count_and_no_money(client, programme):
    exact = phb.programme_counts(programme.icb)
    assert (exact.people, exact.agreed_plans, exact.people_with_spending) == (2, 2, 1)
    assert exact.allocated_pence == 1_700_000 and exact.spent_pence == 10_000
    client.force_login(programme.finance)
    url = f"/budgets/programme/{programme.icb.code}/"
    body = client.get(url).content.decode()
    assert "Counts of 7 people or fewer are not shown" in body
    assert body.count("Not shown: 7 or fewer people") == 2
    for exact_figure in ("£17,000", "£12,000", "£5,000", "£100"):
        assert exact_figure not in body
    rows = _csv(client.get(url + "programme.csv"))
    assert rows[0] == ["Section", "Figure", "Value", "Note"]
    by_figure = {r[1]: r[2:] for r in rows[1:]}
    assert by_figure["People with a budget record"] == ["", "not shown: 7 or fewer"]
    assert by_figure["Allocated in agreed plans, a year"] == [
        "",
        "not shown: 7 or fewer people behind it",
    ]
    assert all(value == "" for value, _ in by_figure.values())


def test_a_larger_programme_rounds_counts_to_five_and_shows_money(client, programme):
    for i in range(10):
        person = phb.record_person(
            phb.PersonInput(
                programme.icb.pk,
                valid_nhs_number(450_000_000 + 1_000 * i),
                f"Person {i}",
                dt.date(1950 + i, 1, 1),
                "ltc",
            ),
            programme.coordinator,
        )
        plan = phb.draft_plan(person, plan_input(mode="notional"), programme.coordinator)
        phb.agree_plan(plan, phb.AgreeInput("person", dt.date(2026, 6, 1)), programme.coordinator)
        phb.record_payment(
            person,
            phb.PaymentInput(
                f"p-{i}",
                5_000,
                "personal_care",
                "Home Care Ltd",
                "A week of care",
                dt.date(2026, 6, 8),
                plan.services.first().pk,
            ),
            programme.coordinator,
        )
    exact = phb.programme_counts(programme.icb)
    assert (exact.people, exact.agreed_plans, exact.people_with_spending) == (12, 12, 11)
    assert exact.allocated_pence == 1_700_000 + 10 * 1_200_000
    assert exact.spent_pence == 10_000 + 10 * 5_000
    shown = phb.programme(programme.icb, programme.finance)
    assert shown.people.value == 10 and shown.agreed_plans.value == 10
    assert shown.allocated_pence.value == 13_700_000 and shown.spent_pence.value == 60_000
    assert shown.by_entitlement["Long-term condition (an offer since April 2015)"].value == 10
    assert shown.by_entitlement["NHS Continuing Healthcare (a right since October 2014)"].suppressed
    client.force_login(programme.finance)
    url = f"/budgets/programme/{programme.icb.code}/"
    body = client.get(url).content.decode()
    assert "£137,000" in body and "£600" in body
    by_figure = {r[1]: r[2:] for r in _csv(client.get(url + "programme.csv"))[1:]}
    assert by_figure["People with a budget record"] == ["10", "rounded to the nearest 5"]
    assert by_figure["Allocated in agreed plans, a year"] == ["137000.00", "pounds"]
    assert by_figure["Spent, less spending recovered by repayments"] == ["600.00", "pounds"]
    assert by_figure["Notional budget (the NHS arranges the care)"] == [
        "10",
        "rounded to the nearest 5",
    ]


def test_only_those_who_may_see_the_programme_get_its_csv(client, programme):
    url = f"/budgets/programme/{programme.icb.code}/programme.csv"
    for outsider in (programme.provider, programme.holder, programme.stranger):
        client.force_login(outsider)
        assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302
