"""A pooled budget's life through the API, as a council's and an ICB's finance systems would
drive it: contributions (idempotent), spending, a commitment released, an action plan and the
partners' decisions, the year settled and a share paid, each refused as the pages refuse it."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from commissioning.collaboration import pooled
from commissioning.collaboration.models import ActionPlan, PooledBudget, YearEndSettlement
from commissioning.ledger.models import Transaction
from commissioning.organisations.models import Membership, User
from tests.bearer import bearer, post

from .conftest import AGREEMENT

pytestmark = pytest.mark.django_db


def test_contributions_and_spending_post_once_and_only_by_those_who_keep_the_money(client, bcf):
    icb, council = bcf.people["XC001"], bcf.people["XL001"]
    url = f"/api/v1/pools/{bcf.pool.pk}"
    pay = {"partner": "XC001", "amount_pence": 6_000_000, "key": "icb-contribution-1"}
    with time_machine.travel(dt.datetime(2025, 5, 2, 9, tzinfo=dt.UTC), tick=False):
        first = post(client, f"{url}/contributions", pay, icb)
        again = post(client, f"{url}/contributions", pay, icb)
        # The council keeps the pool, not the ICB's budget: it cannot pay the ICB's share.
        refused = post(client, f"{url}/contributions", {**pay, "key": "x"}, council)
        unknown = post(client, f"{url}/contributions", {**pay, "partner": "RJE"}, icb)
        scheme = bcf.pool.schemes.order_by("pk").first()
        spend = {"scheme_id": scheme.pk, "amount_pence": 250_000, "description": "Beds",
                 "key": "spend-1"}  # fmt: skip
        spent = post(client, f"{url}/spending", spend, council)
        not_keeper = post(client, f"{url}/spending", {**spend, "key": "spend-2"}, icb)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["transaction_id"] == again.json()["transaction_id"]
    assert Transaction.objects.filter(key="icb-contribution-1").count() == 1
    assert refused.status_code == 403
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"][-1] == "partner"
    assert spent.status_code == 201 and not_keeper.status_code == 403
    listed = client.get("/api/v1/pools", **bearer(icb)).json()
    assert [p["id"] for p in listed["items"]] == [bcf.pool.pk]


def test_a_commitment_released_and_an_action_plan_decided(client, bcf):
    council, icb = bcf.people["XL001"], bcf.people["XC001"]
    scheme = bcf.pool.schemes.order_by("pk").first()
    with time_machine.travel(dt.datetime(2025, 9, 2, 9, tzinfo=dt.UTC), tick=False):
        for code, user, pence in (("XC001", icb, 6_000_000), ("XL001", council, 4_000_000)):
            post(client, f"/api/v1/pools/{bcf.pool.pk}/contributions",
                 {"partner": code, "amount_pence": pence, "key": f"c-{code}"}, user)  # fmt: skip
        made = pooled.commit(
            pooled.CommitmentInput(scheme.pk, "PO-1", "Care Co", "Beds", 400_000,
                                   dt.date(2025, 6, 1), "commit-1"),
            council,
        )  # fmt: skip
        released = post(client, f"/api/v1/commitments/{made.pk}/release",
                        {"reason": "Order cancelled"}, council)  # fmt: skip
        assert released.status_code == 200 and released.json()["released_on"] == "2025-09-02"
        # Spending far over the scheme's budget makes a forecast overspend to plan for.
        for month in (4, 5, 6, 7, 8):
            pooled.record_spend(scheme, 1_500_000, f"s-{month}", "Care", council,
                                dt.date(2025, month, 15))  # fmt: skip
        plan = post(client, f"/api/v1/pools/{bcf.pool.pk}/action-plans",
                    {"actions": "Pause the second team"}, council)  # fmt: skip
        assert plan.status_code == 201, plan.content
        not_manager = post(client, f"/api/v1/pools/{bcf.pool.pk}/action-plans",
                           {"actions": "x"}, icb)  # fmt: skip
        assert not_manager.status_code == 403
        plan_id = plan.json()["id"]
        wrong_side = post(client, f"/api/v1/action-plans/{plan_id}/decisions",
                          {"partner": "XL001", "agrees": True}, icb)  # fmt: skip
        assert wrong_side.status_code == 403
        for code, user in (("XC001", icb), ("XL001", council)):
            decided = post(client, f"/api/v1/action-plans/{plan_id}/decisions",
                           {"partner": code, "agrees": True}, user)  # fmt: skip
    assert decided.json()["status"] == "agreed"
    assert ActionPlan.objects.get(pk=plan_id).status == "agreed"


def test_a_pool_agreed_over_the_api_then_settled_and_a_share_paid(client, bcf):
    council, icb = bcf.people["XL001"], bcf.people["XC001"]
    agreement = {
        "code": "S75-2025-XL001", "name": "Section 75 fund", "kind": "section_75", "host": "XL001",
        "fund_manager": council.username, **AGREEMENT,
        "start_date": "2025-04-01", "end_date": "2026-03-31",
        "partners": [
            {"organisation": "XC001", "contribution_pence": 6_000_000, "account": "XC001-BCF"},
            {"organisation": "XL001", "contribution_pence": 4_000_000, "account": "XL001-BCF"},
        ],
        "schemes": [{"name": "Reablement", "lead": "XL001", "budget_pence": 10_000_000}],
        "overdraft_pence": 5_000_000,
    }  # fmt: skip
    with time_machine.travel(dt.datetime(2025, 6, 2, 9, tzinfo=dt.UTC), tick=False):
        assert post(client, "/api/v1/pools", agreement, icb).status_code == 403  # not the host
        made = post(client, "/api/v1/pools", agreement, council)
        assert made.status_code == 201, made.content
        pool = PooledBudget.objects.get(pk=made.json()["id"])
        for code, user, pence in (("XC001", icb, 6_000_000), ("XL001", council, 4_000_000)):
            post(client, f"/api/v1/pools/{pool.pk}/contributions",
                 {"partner": code, "amount_pence": pence, "key": f"c-{code}"}, user)  # fmt: skip
        spent = post(client, f"/api/v1/pools/{pool.pk}/spending",
                     {"scheme_id": pool.schemes.get().pk, "amount_pence": 12_000_000,
                      "description": "Care", "key": "big", "value_date": "2025-05-15"},
                     council)  # fmt: skip
        assert spent.status_code == 201, spent.content
    with time_machine.travel(dt.datetime(2026, 4, 10, 9, tzinfo=dt.UTC), tick=False):
        assert post(client, f"/api/v1/pools/{pool.pk}/settlements", {}, icb).status_code == 403
        settled = post(client, f"/api/v1/pools/{pool.pk}/settlements", {}, council)
        assert settled.status_code == 201, settled.content
        year = settled.json()["year_start"]
        owes = {c: p["pays_pence"] for c, p in settled.json()["figures"]["partners"].items()}
        # The scheme's lead bears its overspend (the platform's default risk share).
        assert {c: pence for c, pence in owes.items() if pence} == {"XL001": 2_000_000}
        paid = post(client, f"/api/v1/pools/{pool.pk}/settlements/{year}/payments",
                    {"partner": "XL001"}, council)  # fmt: skip
        again = post(client, f"/api/v1/pools/{pool.pk}/settlements/{year}/payments",
                     {"partner": "XL001"}, council)  # fmt: skip
    assert paid.status_code == 201, paid.content
    assert (
        again.status_code == 200 and again.json()["transaction_id"] == paid.json()["transaction_id"]
    )
    assert YearEndSettlement.objects.filter(pool=pool, year_start=year).exists()


def test_a_consortium_and_an_arrangement_recorded(client, bcf):
    commissioner = User.objects.create(username="icb-commissioner")
    Membership.objects.create(user=commissioner, organisation=bcf.icb, role="commissioner")
    body = {"name": "Stroke consortium", "scope": "service", "service": "Stroke",
            "co_ordinating": "XC001", "members": ["XC001", "XL001"],
            "decision_rules": "Unanimity", "agreement_date": "2025-04-01"}  # fmt: skip
    made = post(client, "/api/v1/consortia", body, commissioner)
    assert made.status_code == 201, made.content
    assert made.json()["member_codes"] == ["XC001", "XL001"]
    refused = post(client, "/api/v1/consortia", body, bcf.people["XC001"])
    assert refused.status_code == 403
    bad = post(client, "/api/v1/consortia", {**body, "members": ["XC001", "ZZ999"]}, commissioner)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-2:] == ["members", 1]
