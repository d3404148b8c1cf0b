"""The API fuzzed from its own OpenAPI document (schemathesis): for every operation a bounded
number of generated requests, derandomised so that CI sees the same ones every run, sent as a
signed-in commissioner and as a finance lead with real objects in the database. No operation
may answer 500, and input the API refuses is a 4xx that names the field (issue 16)."""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, settings

from commissioning.api.tokens import issue_token
from commissioning.api.v1 import api

pytestmark = pytest.mark.django_db
EXAMPLES = 12

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())


@pytest.fixture
def callers(cycle):
    """A commissioning cycle taken to a signed contract (specifications, a selection,
    proposals, scores, a decision, a contract), and two callers with tokens."""
    cycle.signed()
    people = cycle.e.users
    return [
        {"Authorization": f"Bearer {issue_token(people[who], 'fuzz', people[who])[1]}"}
        for who in ("commissioner", "finance_lead")
    ]


def _names_its_field(response) -> bool:
    try:
        detail = response.json().get("detail")
    except ValueError:
        return False
    if isinstance(detail, str):  # a refusal (403, 404) says what in words
        return bool(detail)
    return bool(detail) and all(isinstance(d, dict) and d.get("loc") and d.get("msg")
                                for d in detail)  # fmt: skip


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_500_and_refusals_name_the_field(case, callers):
    for headers in callers:
        response = case.call(headers=headers)
        assert response.status_code < 500, (case.method, case.formatted_path, response.text[:500])
        if 400 <= response.status_code < 500 and response.status_code != 405:
            where = (case.method, case.formatted_path, response.status_code, response.text[:500])
            assert _names_its_field(response), where


def test_the_document_the_fuzzing_reads_is_the_apis_own():
    raw = json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1"), default=str))
    assert set(raw["paths"]) == set(schema.raw_schema["paths"])
