"""One risk profile per provider (issue 21, part 4): the platform's own signals, published
indicators and soft intelligence on one timeline; an escalation case proposed when independent
signals agree, opened by the quality lead with the evidence; the sortable table of all the
commissioner's providers; the same through the API; never shown to a provider."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from commissioning.organisations.permissions import SYSTEM
from commissioning.quality.models import EscalationCase, SoftIntelligence
from commissioning.reference.services import ingest_file
from tests.bearer import bearer, post

pytestmark = pytest.mark.django_db
TODAY = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def profiled(trusts, cycle, reference_dir):
    contract = cycle.signed().contract
    for kind, name in (("shmi", "synthetic_shmi_trust_level.csv"),
                       ("cqc", "synthetic_cqc_latest_ratings.csv"),
                       ("oversight", "synthetic_oversight_league_table.csv")):  # fmt: skip
        ingest_file(kind, reference_dir / name, SYSTEM, source=f"synthetic {name}")
    return cycle.e, contract


def test_the_profile_puts_every_source_on_one_timeline_and_proposes_a_case(client, profiled):
    e, contract = profiled
    client.force_login(e.quality_lead)
    with time_machine.travel(TODAY, tick=False):
        page = client.get("/quality/providers/RJE/risk/").content.decode()
        # published indicators alone are one group: no proposal yet
        assert "No escalation is proposed" in page
        assert "SHMI 1.2408 for April 2025 to March 2026: higher than expected" in page
        assert "Segment 3 (Q2 2025/26)" in page and "Overall Requires improvement" in page
        recorded = client.post("/quality/providers/RJE/risk/", {
            "kind": "whistleblowing", "weight": "concern", "occurred_on": "2026-10-20",
            "summary": "A nurse reports unsafe staffing on the stroke ward at night"},
            follow=True)  # fmt: skip
        page = recorded.content.decode()
    assert "The intelligence has been added to the risk profile" in page
    assert "An escalation case is proposed" in page
    assert "published indicators and soft intelligence" in page
    timeline = page[page.index('id="timeline"') :]
    assert timeline.index("A nurse reports unsafe") < timeline.index("SHMI 1.2408")  # newest first
    assert SoftIntelligence.objects.get().recorded_by == e.quality_lead

    # the quality lead opens the proposed case: the evidence is written into it
    with time_machine.travel(TODAY, tick=False):
        form = client.get("/quality/cases/new/?risk=RJE").content.decode()
        assert "Independent signals agree: published indicators and soft intelligence" in form
        assert "whistleblowing" in form.lower() and "SHMI 1.2408" in form
        opened = client.post("/quality/cases/new/?risk=RJE", {
            "provider_id": contract.provider_id, "source": "risk_profile",
            "summary": "Independent signals agree: published indicators and soft intelligence",
            "description": "Evidence from the risk profile", "contract_id": ""},
            follow=True)  # fmt: skip
        assert opened.status_code == 200
        case = EscalationCase.objects.get()
        assert case.source == "risk_profile"
        after = client.get("/quality/providers/RJE/risk/").content.decode()
    assert "A case about this provider is open" in after and case.reference in after
    assert case.reference in after  # and the case is on the timeline


def test_the_table_of_all_providers_sorts_and_exports(client, profiled):
    e, _ = profiled
    client.force_login(e.commissioner)
    with time_machine.travel(TODAY, tick=False):
        table = client.get("/quality/risk/?sort=segment").content.decode()
        csv_text = client.get("/quality/risk/?sort=segment&format=csv").content.decode()
        odd = client.get("/quality/risk/?sort=nonsense")
    assert "University Hospitals of North Midlands" in table and 'aria-sort="descending"' in table
    assert csv_text.splitlines()[0].startswith("provider,ods_code,concerns_platform")
    assert ",RJE," in csv_text and "Requires improvement" in csv_text
    assert odd.status_code == 200


def test_a_provider_never_sees_a_risk_profile_nor_a_link_to_one(client, profiled):
    e, contract = profiled
    SoftIntelligence.objects.create(
        provider=contract.provider, kind="whistleblowing", occurred_on=dt.date(2026, 10, 1),
        summary="A confidential report", recorded_by=e.quality_lead, recorded_on=dt.date.today(),
    )  # fmt: skip
    client.force_login(e.provider)
    assert client.get("/quality/providers/RJE/risk/").status_code == 403
    assert client.get("/quality/risk/").status_code == 403
    for page in ("/quality/providers/RJE/", f"/quality/contracts/{contract.pk}/",
                 f"/contracts/{contract.pk}/"):  # fmt: skip
        shown = client.get(page).content.decode()
        assert "/risk/" not in shown and "A confidential report" not in shown
    answer = client.get("/api/v1/quality/providers/RJE/risk-profile", **bearer(e.provider))
    assert answer.status_code == 403 and "confidential" not in answer.content.decode()
    client.force_login(e.quality_lead)
    for page in ("/quality/providers/RJE/", f"/quality/contracts/{contract.pk}/",
                 f"/contracts/{contract.pk}/"):  # fmt: skip
        assert "/quality/providers/RJE/risk/" in client.get(page).content.decode()


def test_the_api_gives_the_profile_and_takes_soft_intelligence(client, profiled):
    e, _ = profiled
    with time_machine.travel(TODAY, tick=False):
        made = post(client, "/api/v1/quality/providers/RJE/intelligence", {
            "kind": "complaint", "occurred_on": "2026-10-30",
            "summary": "Discharged without a care plan"}, e.quality_lead)  # fmt: skip
        refused = post(client, "/api/v1/quality/providers/RJE/intelligence", {
            "kind": "rumour", "occurred_on": "2027-01-01", "summary": ""},
            e.quality_lead)  # fmt: skip
        read = client.get("/api/v1/quality/providers/RJE/risk-profile", **bearer(e.auditor))
    assert made.status_code == 201 and made.json()["kind"] == "complaint"
    assert refused.status_code == 422
    assert {d["loc"][-1] for d in refused.json()["detail"]} == {"kind", "occurred_on", "summary"}
    body = read.json()
    assert body["latest_shmi_band"] == 1 and body["oversight_segment"] == 3
    assert body["concerns"]["soft"] == 1 and body["proposal"]["evidence"]
    assert body["signals"][0]["text"] == "Discharged without a care plan"
