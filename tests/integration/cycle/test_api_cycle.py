"""The commissioning cycle through the JSON API, with bearer tokens, as each role."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from commissioning.api.tokens import issue_token
from commissioning.audit.models import Revision
from commissioning.organisations.permissions import SYSTEM
from commissioning.selection.models import Decision
from commissioning.specifications.models import ServiceSpecification
from tests.cycle import AFTER_STANDSTILL, DAY0, DEADLINE, DECISION_DAY, PDF, at, indicator

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def api(client, economy):
    tokens = {}

    def call(role, method, path, payload=None, status=200):
        if role not in tokens:
            _, tokens[role] = issue_token(economy.users[role], "test", SYSTEM)
        response = getattr(client, method)(
            f"{API}{path}",
            data=payload,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {tokens[role]}",
        )
        assert response.status_code == status, (
            method,
            path,
            response.status_code,
            response.content[:800],
        )
        if response["Content-Type"].startswith("application/json"):
            return response.json()
        return response

    return call


def spec_payload(**overrides):
    payload = {
        "commissioner_code": "XC001",
        "title": "Hyper-acute stroke unit",
        "service_description": "24/7 hyper-acute stroke care",
        "population": "Adults with a suspected stroke",
        "area": "The ICB area",
        "annual_activity": 1800,
        "activity_unit": "admissions",
        "financial_envelope_pence": 12_000_000_00,
        "term_months": 36,
        "outcomes": [
            {
                "indicator_id": indicator("1.1").pk,
                "baseline": "71.3",
                "target": "65",
                "target_date": "2029-03-31",
            }
        ],
        "quality_requirements": [
            {
                "dimension": d,
                "requirement": f"A {d} requirement",
                "threshold": "at least 90%",
                "method_of_measurement": "Audit",
            }
            for d in ("safe", "effective", "experience")
        ],
    }
    payload.update(overrides)
    return payload


SCORES = {
    "scores": {
        c: {"score": 4, "reason": "Good"}
        for c in ("quality_innovation", "value", "integration", "access", "social_value")
    }
}


def test_a_whole_cycle_through_the_api(api, economy):
    with at(DAY0):
        spec = api("commissioner", "post", "/specifications", spec_payload(), 201)
        assert spec["reference"].startswith("SPEC-") and spec["status"] == "draft"
        api(
            "commissioner",
            "post",
            f"/specifications/{spec['id']}/status",
            {"status": "consultation"},
        )
        request = api(
            "commissioner",
            "post",
            f"/specifications/{spec['id']}/advice-requests",
            {
                "source": "scn_cardiovascular",
                "organisation_code": "XN001",
                "question": "Is one unit safe?",
                "due_date": "2026-03-12",
            },
            201,
        )
    with at(DAY0 + dt.timedelta(days=2)):
        waiting = api("clinical_adviser", "get", "/advice-requests?waiting=true")
        assert [r["id"] for r in waiting["items"]] == [request["id"]]
        advice = api(
            "clinical_adviser",
            "post",
            f"/advice-requests/{request['id']}/advice",
            {
                "recommendation": "support",
                "summary": "Safe.",
                "documents": [
                    {"filename": "a.pdf", "content_base64": base64.b64encode(PDF).decode()}
                ],
            },
            201,
        )
        assert advice["documents"][0]["filename"] == "a.pdf"
    with at(DAY0 + dt.timedelta(days=3)):
        api("commissioner", "post", f"/specifications/{spec['id']}/status", {"status": "approved"})
        process = api(
            "commissioner",
            "post",
            f"/specifications/{spec['id']}/selection",
            {"budget_code": "XC001-ACUTE-2026"},
            201,
        )
        assert process["route"] == "competitive" and process["route_reasons"]
        process = api(
            "commissioner",
            "post",
            f"/selections/{process['id']}/invitation",
            {
                "weights": {
                    "quality_innovation": 40,
                    "value": 20,
                    "integration": 15,
                    "access": 15,
                    "social_value": 10,
                },
                "proposals_deadline": DEADLINE.isoformat(),
                "evaluators": ["commissioner"],
            },
        )
    outcome_id = spec["outcomes"][0]["id"]
    with at(DAY0 + dt.timedelta(days=8)):
        proposal = api(
            "provider",
            "post",
            f"/selections/{process['id']}/proposals",
            {
                "provider_code": "RJE",
                "description": "We will run it",
                "capacity": 2000,
                "total_price_pence": 11_000_000_00,
                "outcome_answers": {str(outcome_id): "24/7"},
            },
            201,
        )
        api("provider", "post", f"/proposals/{proposal['id']}/submit")
        assert api("rival", "get", f"/proposals/{proposal['id']}", status=403)
    with at(DEADLINE + dt.timedelta(days=1)):
        api(
            "commissioner",
            "post",
            f"/selections/{process['id']}/declarations",
            {"has_interest": False},
            201,
        )
        api("commissioner", "post", f"/proposals/{proposal['id']}/scores", SCORES, 201)
        api("commissioner", "post", f"/proposals/{proposal['id']}/moderation", SCORES)
        evaluation = api("commissioner", "get", f"/selections/{process['id']}/evaluation")
        assert evaluation[0]["weighted_percent"] == 80.0 and evaluation[0]["rank"] == 1
    with at(DECISION_DAY):
        decision = api(
            "commissioner",
            "post",
            f"/selections/{process['id']}/decisions",
            {
                "outcome": "award",
                "awarded_proposal_ids": [proposal["id"]],
                "advice_considered_ids": [advice["id"]],
                "rationale": "The only proposal, scoring 80% and within the envelope.",
            },
            201,
        )
        decision = api("commissioner", "post", f"/decisions/{decision['id']}/notice")
        assert decision["standstill"]["last_day"] == "2026-04-02"
        seen_by_bidder = api("provider", "get", f"/decisions/{decision['id']}")
        assert seen_by_bidder["rationale"] is None and seen_by_bidder["awarded_proposal_ids"] == [
            proposal["id"]
        ]
    with at(AFTER_STANDSTILL):
        contract = api(
            "contract_manager",
            "post",
            f"/decisions/{decision['id']}/contracts",
            {
                "proposal_id": proposal["id"],
                "start_date": "2026-05-01",
                "end_date": "2029-04-30",
                "associate_codes": ["XC002"],
            },
            201,
        )
        api("provider", "post", f"/contracts/{contract['id']}/signatures")
        contract = api("commissioner", "post", f"/contracts/{contract['id']}/signatures")
    assert contract["status"] == "signed" and contract["associate_codes"] == ["XC002"]
    assert {i["kind"] for i in contract["quality_schedule"]} == {"outcome", "quality_requirement"}
    assert api("other_commissioner", "get", "/contracts")["count"] == 1  # an associate sees it
    assert api("rival", "get", "/contracts")["count"] == 0


def test_a_bad_nested_outcome_refuses_the_whole_specification_naming_the_field(api, economy):
    bad = spec_payload()
    bad["outcomes"].append(
        {
            "indicator_id": indicator("4.3").pk,
            "baseline": "77",
            "target": "70",
            "target_date": "2029-03-31",
        }
    )
    api("commissioner", "get", "/specifications")  # the token is issued (and audited) first
    before = (ServiceSpecification.objects.count(), Revision.objects.count())
    with at(DAY0):
        response = api("commissioner", "post", "/specifications", bad, 422)
    assert response["detail"] == [
        {
            "loc": ["body", "outcomes", 1, "target"],
            "msg": "For this indicator higher is better, so the target must be above the "
            "baseline (77)",
            "type": "value_error",
        }
    ]
    assert (ServiceSpecification.objects.count(), Revision.objects.count()) == before


def test_type_errors_are_422_naming_the_field_too(api, economy):
    with at(DAY0):
        response = api(
            "commissioner",
            "post",
            "/specifications",
            spec_payload(financial_envelope_pence="lots"),
            422,
        )
    assert response["detail"][0]["loc"][-1] == "financial_envelope_pence"


def test_a_provider_cannot_write_a_specification(api, economy):
    with at(DAY0):
        response = api("provider", "post", "/specifications", spec_payload(), 403)
    assert "permission" in response["detail"]


@pytest.mark.parametrize("role", ["provider", "rival", "clinical_adviser", "provider_clinician"])
def test_providers_and_clinical_advisers_can_never_take_change_or_delete_a_decision(
    api, cycle, role
):
    from commissioning.selection import services as sel

    cycle.noticed()
    with at(DECISION_DAY + dt.timedelta(days=1)):
        rep = sel.make_representation(cycle.decision, cycle.e.rwe.pk, "Price", cycle.e.rival)
    d, p = cycle.decision.pk, cycle.process.pk
    api(role, "get", f"/decisions/{d}", status=200 if role in ("provider", "rival") else 403)
    before = (
        list(Decision.objects.values_list("pk", "status", "outcome", "rationale")),
        Revision.objects.count(),
    )
    with at(DECISION_DAY + dt.timedelta(days=2)):
        api(
            role,
            "post",
            f"/selections/{p}/decisions",
            {
                "outcome": "award",
                "awarded_proposal_ids": [cycle.rival_proposal.pk],
                "rationale": "x" * 40,
                "departure_confirmed": True,
            },
            403,
        )
        api(role, "post", f"/decisions/{d}/notice", None, 403)
        api(role, "post", f"/decisions/{d}/withdrawal", {"reason": "x"}, 403)
        api(
            role,
            "post",
            f"/representations/{rep.pk}/response",
            {"decision_stands": False, "response": "x"},
            403,
        )
        api(role, "patch", f"/decisions/{d}", {"outcome": "not_award"}, 405)
        api(role, "delete", f"/decisions/{d}", None, 405)
    after = (
        list(Decision.objects.values_list("pk", "status", "outcome", "rationale")),
        Revision.objects.count(),
    )
    assert after == before


def test_documents_are_downloaded_only_by_those_who_may_see_them(api, cycle):
    cycle.proposed()
    document = cycle.proposal.documents.get()
    assert api("provider", "get", f"/documents/{document.pk}").content.startswith(b"%PDF")
    assert api("quality_lead", "get", f"/documents/{document.pk}").content.startswith(b"%PDF")
    api("rival", "get", f"/documents/{document.pk}", status=403)


def test_bad_base64_is_refused_naming_the_document(api, cycle):
    cycle.consulting()
    with at(DAY0 + dt.timedelta(days=1)):
        response = api(
            "clinical_adviser",
            "post",
            f"/advice-requests/{cycle.advice_request.pk}/advice",
            {
                "recommendation": "support",
                "summary": "Fine",
                "documents": [{"filename": "a.pdf", "content_base64": "not base64!"}],
            },
            422,
        )
    assert response["detail"][0]["loc"] == ["body", "documents", 0, "content_base64"]


def test_a_score_without_its_reason_is_refused_naming_the_criterion(api, cycle):
    """Issue 18: "Give the reason for this score" five times, naming no criterion."""
    cycle.declared()
    blank = {"scores": {c: {"score": 3, "reason": " "} for c in SCORES["scores"]}}
    with at(DEADLINE + dt.timedelta(days=2)):
        refused = api("commissioner", "post", f"/proposals/{cycle.proposal.pk}/scores", blank, 422)
    from commissioning.selection.rules.evaluation import Criterion

    by_field = {e["loc"][-1]: e["msg"] for e in refused["detail"]}
    assert by_field["quality_innovation_justification"] == (
        f"Give the reason for the score for {Criterion.QUALITY_INNOVATION.label}"
    )
    assert sorted(by_field.values()) == sorted(
        f"Give the reason for the score for {c.label}" for c in Criterion
    )
