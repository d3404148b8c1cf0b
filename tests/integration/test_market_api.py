"""The market and continuity of services through the API, as a commissioner's analyst would
use it: concentration, a stress test, the priority list, and a contract's assessment from the
evidence to the commissioner's decision, with the same refusals as the pages."""

from __future__ import annotations

import pytest

from commissioning.market.models import ContinuityAssessment
from tests.bearer import bearer, post

pytestmark = pytest.mark.django_db


def test_concentration_and_a_stress_test(client, market):
    e, _ = market
    hhi = client.get("/api/v1/market/concentration", **bearer(e.quality_lead)).json()
    assert hhi["count"] > 0 and all(0 < r["hhi"] <= 10_000 for r in hhi["items"])
    started = post(client, "/api/v1/market/stress-tests", {"fail": ["RJE"]}, e.commissioner)
    assert started.status_code == 201, started.content
    test = started.json()
    assert test["status"] == "done" and test["results"][0]["failed"] == ["RJE"]
    read = client.get(f"/api/v1/market/stress-tests/{test['id']}", **bearer(e.auditor)).json()
    assert read["results"] == test["results"]
    unknown = post(client, "/api/v1/market/stress-tests", {"fail": ["ZZZ99"]}, e.commissioner)
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"][-1] == "fail"
    refused = post(client, "/api/v1/market/stress-tests", {"fail": ["RJE"]}, e.provider)
    assert refused.status_code == 403


def test_a_contracts_continuity_from_evidence_to_decision(client, market):
    e, contract = market
    base = f"/api/v1/market/contracts/{contract.pk}/continuity"
    assert client.get(base, **bearer(e.commissioner)).status_code == 404
    assert post(client, f"{base}/evidence", {}, e.quality_lead).status_code == 403
    gathered = post(client, f"{base}/evidence", {}, e.commissioner).json()
    assert gathered["status"] == "draft" and "population_served" in gathered["evidence"]
    decided = post(
        client,
        f"{base}/decision",
        {"designated": gathered["indicated"], "rationale": "As the tests indicate"},
        e.commissioner,
    )
    assert decided.status_code == 200, decided.content
    assert decided.json()["status"] == "decided"
    again = post(client, f"{base}/decision", {"designated": True}, e.commissioner)
    assert again.status_code == 422
    assert ContinuityAssessment.objects.get(contract=contract).decided_by == e.commissioner
    ranked = client.get("/api/v1/market/continuity", **bearer(e.finance_lead)).json()["items"]
    assert [r["contract_reference"] for r in ranked] == [contract.reference]
    assert ranked[0]["crs_designated"] == gathered["indicated"]
