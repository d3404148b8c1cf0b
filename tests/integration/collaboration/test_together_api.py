"""The API of issue 6: an idempotent transaction over HTTP, refusals with the field named,
the pool and the specialised month-end as JSON, and a primary care decision."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from commissioning.collaboration import pooled
from commissioning.ledger.models import Transaction
from commissioning.specialised import services as specialised
from tests.bearer import bearer

pytestmark = pytest.mark.django_db


def post(client, url, body, headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def test_a_transaction_posted_twice_over_the_api_posts_once(client, bcf):
    headers = bearer(bcf.people["XC001"])
    body = {
        "key": "api-1",
        "description": "Top up",
        "legs": [{"account": "XC001-FUND", "pence": -500}, {"account": "XC001-BCF", "pence": 500}],
    }
    first = post(client, "/api/v1/ledger/transactions", body, headers)
    again = post(client, "/api/v1/ledger/transactions", body, headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and not again.json()["created"]
    assert Transaction.objects.filter(key="api-1").count() == 1
    account = client.get("/api/v1/ledger/accounts/XC001-BCF", **headers).json()
    assert account["balance_pence"] == 10**8 + 500
    over = post(client, "/api/v1/ledger/transactions", {**body, "key": "api-2", "legs": [
        {"account": "XC001-BCF", "pence": -(10**9)},
        {"account": "XC001-FUND", "pence": 10**9}]}, headers)  # fmt: skip
    assert over.status_code == 422
    assert over.json()["detail"][0]["loc"] == ["body", "legs", 0, "pence"]
    stolen = post(
        client,
        "/api/v1/ledger/transactions",
        {
            **body,
            "key": "api-3",
            "legs": [{"account": "XL001-BCF", "pence": -1}, {"account": "XC001-BCF", "pence": 1}],
        },
        headers,
    )
    assert stolen.status_code == 403
    verify = client.get("/api/v1/ledger/verify", **headers).json()
    assert verify["ok"] and verify["violation"] == ""


def test_the_pool_and_the_month_end_as_json(client, bcf):
    icb, _ = bcf.pool.partners.all()
    pooled.contribute(icb, 6_000_000, "c-icb", bcf.people["XC001"], dt.date(2025, 4, 1))
    pool = client.get(f"/api/v1/pools/{bcf.pool.pk}", **bearer(bcf.people["XC001"])).json()
    assert pool["balance_pence"] == 6_000_000
    assert {p["code"]: p["paid_pence"] for p in pool["partners"]} == {
        "XC001": 6_000_000,
        "XL001": 0,
    }
    line = specialised.set_budget(specialised.BudgetInput(bcf.icb.pk, "HIV", 2025, 1_200_000),
                                  _finance_at(bcf.icb, bcf))  # fmt: skip
    specialised.record_month(line, dt.date(2025, 4, 1), 100_000, 10, _finance_at(bcf.icb, bcf))
    rows = client.get("/api/v1/specialised/XC001/month-end", **bearer(bcf.people["XC001"]))
    assert rows.status_code == 200
    assert rows.json()[0]["forecast_outturn_pence"] == 1_200_000
    refused = client.get("/api/v1/specialised/XC001/month-end", **bearer(bcf.people["XL001"]))
    assert refused.status_code == 403


def _finance_at(org, bcf):
    return bcf.people[org.code]
