"""The market and continuity of services through the API, as a commissioner's analyst would
use it: concentration, a stress test, the priority list, and a contract's assessment from the
evidence to the commissioner's decision, with the same refusals as the pages."""

from __future__ import annotations

import json

import pytest

from commissioning.api.tokens import issue_token
from commissioning.market.models import ContinuityAssessment
from commissioning.organisations.permissions import SYSTEM
from tests.synth import write_economy

pytestmark = pytest.mark.django_db


def _as(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user, 'test', SYSTEM)[1]}"}


def _post(client, url, body, user):
    return client.post(url, json.dumps(body), content_type="application/json", **_as(user))


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    return write_economy(
        tmp_path_factory.mktemp("market-api"),
        spells_per_year=30_000, years=1, seed=5, areas=600, diagnosis_groups=3,
    )  # fmt: skip


@pytest.fixture
def market(settings, synth, cycle):
    settings.SYNTH_DIR = synth
    return cycle.e, cycle.signed().contract


def test_concentration_and_a_stress_test(client, market):
    e, _ = market
    hhi = client.get("/api/v1/market/concentration", **_as(e.quality_lead)).json()
    assert hhi["count"] > 0 and all(0 < r["hhi"] <= 10_000 for r in hhi["items"])
    started = _post(client, "/api/v1/market/stress-tests", {"fail": ["RJE"]}, e.commissioner)
    assert started.status_code == 201, started.content
    test = started.json()
    assert test["status"] == "done" and test["results"][0]["failed"] == ["RJE"]
    read = client.get(f"/api/v1/market/stress-tests/{test['id']}", **_as(e.auditor)).json()
    assert read["results"] == test["results"]
    unknown = _post(client, "/api/v1/market/stress-tests", {"fail": ["ZZZ99"]}, e.commissioner)
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"][-1] == "fail"
    refused = _post(client, "/api/v1/market/stress-tests", {"fail": ["RJE"]}, e.provider)
    assert refused.status_code == 403


def test_a_contracts_continuity_from_evidence_to_decision(client, market):
    e, contract = market
    base = f"/api/v1/market/contracts/{contract.pk}/continuity"
    assert client.get(base, **_as(e.commissioner)).status_code == 404
    assert _post(client, f"{base}/evidence", {}, e.quality_lead).status_code == 403
    gathered = _post(client, f"{base}/evidence", {}, e.commissioner).json()
    assert gathered["status"] == "draft" and "population_served" in gathered["evidence"]
    decided = _post(
        client,
        f"{base}/decision",
        {"designated": gathered["indicated"], "rationale": "As the tests indicate"},
        e.commissioner,
    )
    assert decided.status_code == 200, decided.content
    assert decided.json()["status"] == "decided"
    again = _post(client, f"{base}/decision", {"designated": True}, e.commissioner)
    assert again.status_code == 422
    assert ContinuityAssessment.objects.get(contract=contract).decided_by == e.commissioner
    ranked = client.get("/api/v1/market/continuity", **_as(e.finance_lead)).json()["items"]
    assert [r["contract_reference"] for r in ranked] == [contract.reference]
    assert ranked[0]["crs_designated"] == gathered["indicated"]
