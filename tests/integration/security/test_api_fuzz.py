"""The API fuzzed from its own OpenAPI document (schemathesis): for every operation a bounded
number of generated requests, positive (fitting the document) and negative (not), derandomised
so that CI sees the same ones every run, sent as a signed-in commissioner and as a finance lead
with real objects in the database. No operation may answer 500, and input the API refuses is
a 4xx that says what (a 422 names its field) (issue 16).

One test walks every operation, so the data (a commissioning cycle to a signed contract) is
built once rather than once an operation."""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, given, settings
from schemathesis.generation.modes import GenerationMode

from commissioning.api.tokens import issue_token
from commissioning.api.v1 import api

pytestmark = pytest.mark.django_db
EXAMPLES = 8  # per operation and generation mode

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())


def _says_what(response) -> bool:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        return False
    if isinstance(detail, str):  # a refusal (403, 404) says what in words
        return bool(detail)
    return bool(detail) and all(
        isinstance(d, dict) and d.get("loc") and d.get("msg") for d in detail
    )


def _fuzz(operation, mode, callers, problems) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def fuzz(case):
        for headers in callers:
            response = case.call(headers=headers)
            where = f"{case.method} {case.formatted_path} ({mode.value})"
            status = response.status_code
            if status >= 500:
                problems.append(f"{where}: {status}")
            elif 400 <= status < 500 and status != 405 and not _says_what(response):
                problems.append(f"{where}: {status} {response.text[:200]}")

    fuzz()


@pytest.fixture
def one_connection():
    """Requests go through the WSGI handler, which closes the database connection after each
    (``close_old_connections``): on PostgreSQL that would end the test's transaction. As
    Django's own test client does, keep it open."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_no_operation_answers_500_and_every_refusal_says_what(cycle, one_connection):
    cycle.signed()
    people = cycle.e.users
    callers = [
        {"Authorization": f"Bearer {issue_token(people[who], 'fuzz', people[who])[1]}"}
        for who in ("commissioner", "finance_lead")
    ]
    problems: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 60

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, callers, problems)
    assert problems == [], "\n".join(sorted(set(problems))[:50])


def test_the_document_the_fuzzing_reads_is_the_apis_own():
    raw = json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1"), default=str))
    assert set(raw["paths"]) == set(schema.raw_schema["paths"])
