"""The versioned JSON API: token authentication, permissions, pagination, OpenAPI."""

from __future__ import annotations

import pytest

from commissioning.api.tokens import issue_token, revoke_token
from commissioning.organisations.permissions import SYSTEM
from commissioning.reference.services import ingest_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def bearer(make_user):
    def _bearer(role: str) -> dict:
        user = make_user(role)
        _, raw = issue_token(user, "test", SYSTEM)
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    return _bearer


def test_openapi_document_lists_the_resources(client):
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["info"]["version"] == "1"
    assert {
        "/api/v1/organisations",
        "/api/v1/organisations/{code}",
        "/api/v1/ae-attendances",
    } <= set(doc["paths"])
    params = {p["name"] for p in doc["paths"]["/api/v1/organisations"]["get"]["parameters"]}
    assert {"page", "page_size", "search"} <= params


def test_requests_without_a_valid_token_are_refused(client, trusts):
    assert client.get("/api/v1/organisations").status_code == 401
    bad = client.get("/api/v1/organisations", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert bad.status_code == 401


def test_token_lists_organisations_with_pagination(client, trusts, bearer):
    headers = bearer("commissioner")
    page = client.get("/api/v1/organisations", {"page_size": 10, "page": 2}, **headers).json()
    assert page["count"] >= 241 and page["page"] == 2 and len(page["items"]) == 10
    found = client.get("/api/v1/organisations", {"search": "RJD"}, **headers).json()
    assert [o["code"] for o in found["items"]] == ["RJD"]
    one = client.get("/api/v1/organisations/rjd", **headers).json()
    assert one["type_label"] == "NHS foundation trust" and one["easting"] == 393506


def test_page_size_is_bounded(client, trusts, bearer):
    response = client.get("/api/v1/organisations", {"page_size": 5000}, **bearer("commissioner"))
    assert response.status_code == 422


def test_activity_needs_the_permission(client, trusts, bearer, reference_dir):
    ingest_file("ae", reference_dir / "ae_attendances.csv", SYSTEM)
    ok = client.get("/api/v1/ae-attendances", {"org_code": "RJE"}, **bearer("quality_lead"))
    assert ok.status_code == 200 and ok.json()["count"] == 108
    refused = client.get("/api/v1/ae-attendances", **bearer("budget_holder"))
    assert refused.status_code == 403


def test_a_revoked_token_stops_working(client, trusts, make_user):
    user = make_user("commissioner")
    token, raw = issue_token(user, "laptop", user)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get("/api/v1/organisations", **headers).status_code == 200
    revoke_token(token, user)
    assert client.get("/api/v1/organisations", **headers).status_code == 401
    assert raw not in token.key_hash  # only the hash is stored


def test_a_session_also_authenticates(client, trusts, make_user):
    client.force_login(make_user("commissioner"))
    assert client.get("/api/v1/organisations/RJD").status_code == 200


def test_bad_filters_are_refused_naming_the_parameter(client, trusts, bearer):
    headers = bearer("commissioner")
    response = client.get("/api/v1/organisations", {"org_type": "hospital"}, **headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "org_type"
    bad_type = client.get("/api/v1/ae-attendances", {"department_type": "3"}, **headers)
    assert bad_type.status_code == 422
    trusts_only = client.get(
        "/api/v1/organisations", {"org_type": "foundation_trust", "page_size": 500}, **headers
    ).json()
    assert trusts_only["count"] > 0
    assert {o["org_type"] for o in trusts_only["items"]} == {"foundation_trust"}
