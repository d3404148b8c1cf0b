"""The API's refusals of input: one shape for every 422, and no query parameter ignored."""

from __future__ import annotations

import itertools
import re

import pytest

from tests.bearer import bearer, post
from tests.cycle import DAY0, at, indicator
from tests.integration.cycle.test_api_cycle import spec_payload

pytestmark = pytest.mark.django_db
API = "/api/v1"


def _operations(client, method):
    """(path, the query parameters it documents) of every operation of ``method`` in the
    OpenAPI document."""
    doc = client.get(f"{API}/openapi.json").json()
    for path, methods in doc["paths"].items():
        if method in methods:
            params = methods[method].get("parameters", [])
            yield path, sorted(p["name"] for p in params if p["in"] == "query")


def test_the_document_lists_every_route_of_the_api(client):
    from commissioning.api.v1 import api

    routes = {str(p.pattern) for p in api.urls[0]} - {"openapi.json", ""}  # "": a redirect
    documented = client.get(f"{API}/openapi.json").json()["paths"]
    as_routes = {re.sub(r"\{([^}]+)\}", r"<\1>", p.removeprefix(f"{API}/")) for p in documented}
    assert routes == as_routes  # so the tests below, walking the document, walk every route


def _url(path: str) -> str:
    # Any value will do for a path parameter: an undeclared query parameter is refused first.
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_get_operation_refuses_a_query_parameter_it_does_not_declare(client, economy):
    headers = bearer(economy.users["commissioner"])
    operations = list(_operations(client, "get"))
    assert sum(1 for _, query in operations if query) >= 18  # lists, filters, pagination
    for path, query in operations:
        response = client.get(_url(path), {"type": "trust"}, **headers)
        assert response.status_code == 422, (path, response.content[:300])
        [problem] = response.json()["detail"]
        assert problem["loc"] == ["query", "type"], path
        assert problem["type"] == "extra_forbidden"
        assert problem["ctx"]["accepted"] == query, path  # just what the document declares
        assert "'type'" in problem["msg"]
        assert (", ".join(query) if query else "none") in problem["msg"]


def test_a_write_refuses_an_undeclared_query_parameter_too_and_saves_nothing(client, economy):
    from commissioning.specifications.models import ServiceSpecification

    with at(DAY0):
        response = post(
            client, f"{API}/specifications?dry_run=1", spec_payload(), economy.users["commissioner"]
        )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "dry_run"]
    assert not ServiceSpecification.objects.exists()


def test_the_parameters_an_operation_declares_still_work(client, trusts, make_user):
    headers = bearer(make_user("commissioner"))
    page = client.get(
        f"{API}/organisations",
        {"org_type": "foundation_trust", "page": 2, "page_size": 5, "open_only": "true"},
        **headers,
    )
    assert page.status_code == 200 and page.json()["page"] == 2
    assert len(page.json()["items"]) == 5


def test_an_anonymous_request_is_refused_as_unauthenticated_before_its_parameters(client, trusts):
    assert client.get(f"{API}/organisations", {"type": "trust"}).status_code == 401


def _positions_are_integers(where: list) -> None:
    assert where[0] in {"body", "query", "path"}
    for previous, part in itertools.pairwise(where):
        assert isinstance(part, str | int) and not isinstance(part, bool)
        if isinstance(part, str):
            assert not part.isdigit(), where  # a position is never written as a string
        else:
            assert previous in {"outcomes", "quality_requirements"}, where


def test_loc_has_one_shape_from_the_types_check_and_from_the_services(client, economy):
    commissioner = economy.users["commissioner"]
    by_the_service = spec_payload()
    by_the_service["outcomes"].append(
        {"indicator_id": indicator("4.3").pk, "baseline": "77", "target": "70",
         "target_date": "2029-03-31"}
    )  # fmt: skip
    by_the_types = spec_payload()
    by_the_types["outcomes"][0]["baseline"] = {"not": "a number"}
    with at(DAY0):
        refused = post(client, f"{API}/specifications", by_the_service, commissioner)
        mistyped = post(client, f"{API}/specifications", by_the_types, commissioner)
        missing = post(client, f"{API}/specifications", {"title": 5}, commissioner)
    paging = client.get(f"{API}/specifications", {"page": "x"}, **bearer(commissioner))
    assert [d["loc"] for d in refused.json()["detail"]] == [["body", "outcomes", 1, "target"]]
    assert [d["loc"] for d in mistyped.json()["detail"]] == [["body", "outcomes", 0, "baseline"]]
    assert ["body", "title"] in [d["loc"] for d in missing.json()["detail"]]  # no "payload"
    assert [d["loc"] for d in paging.json()["detail"]] == [["query", "page"]]
    for response in (refused, mistyped, missing, paging):
        assert response.status_code == 422
        for problem in response.json()["detail"]:
            assert {"loc", "msg", "type"} <= set(problem)
            _positions_are_integers(problem["loc"])
