"""The market workspace: stress tests (audited, refused cleanly), continuity-of-services
assessments with the commissioner's decision, the priority list, the role × action matrix,
pages, maps and exports."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from commissioning.audit.models import Revision
from commissioning.jobs import worker
from commissioning.market import data, rules
from commissioning.market import services as m
from commissioning.market.models import ContinuityAssessment, StressTest
from commissioning.market.permissions import Action, can
from commissioning.names import tidy_name

pytestmark = pytest.mark.django_db


def test_a_stress_test_is_recorded_and_audited(market):
    e, _ = market
    test = m.start_stress_test(m.StressInput(("RJE",)), e.commissioner)
    test.refresh_from_db()
    assert test.status == "done" and test.done == test.total == 1
    (result,) = test.results
    assert result["failed"] == ["RJE"] and result["extra_patient_km"] >= 0
    assert result["objective"] == pytest.approx(
        result["patient_km"] + test.penalty * result["unmet_demand"], rel=1e-9
    )
    assert test.baseline["unmet_demand"] == pytest.approx(0, abs=1e-6)
    assert Revision.objects.filter(object_type="market.stresstest", action="create").exists()


def test_bad_stress_tests_are_refused_and_nothing_is_saved(market):
    e, _ = market
    with pytest.raises(ValidationError, match="provider RXX: not in the providers file"):
        m.start_stress_test(m.StressInput(("RXX",)), e.commissioner)
    with pytest.raises(ValidationError, match="Choose a provider that fails"):
        m.start_stress_test(m.StressInput(), e.commissioner)
    with pytest.raises(PermissionDenied):
        m.start_stress_test(m.StressInput(("RJE",)), e.provider)
    assert not StressTest.objects.exists()


def test_every_single_failure_with_progress(market):
    e, _ = market
    test = m.start_stress_test(m.StressInput(sweep=True), e.finance_lead)
    test.refresh_from_db()
    assert test.status == "done" and test.done == test.total == len(test.results) > 100
    assert {r["failed"][0] for r in test.results} >= {"RJE", "RWE"}


def test_continuity_evidence_decision_and_priority(market):
    e, contract = market
    assessment = m.gather_evidence(contract, e.commissioner)
    ev = assessment.evidence
    assert ev["provider"] == "RJE" and ev["population_served"] > 0 and ev["areas_served"] > 0
    assert assessment.no_alternative == rules.no_alternative(
        ev["population_without_alternative"], ev["population_served"]
    )
    assert 0 <= ev["deprived_share_served"] <= 1
    indicated = assessment.indicated
    with pytest.raises(ValidationError, match="record the reasons"):
        m.decide_continuity(assessment, m.DecisionInput(not indicated, False, "", ""),
                            e.commissioner)  # fmt: skip
    with pytest.raises(ValidationError, match="Name the services"):
        m.decide_continuity(assessment, m.DecisionInput(True, True, " ", "x"), e.commissioner)
    assessment.refresh_from_db()
    assert assessment.status == "draft"
    with pytest.raises(PermissionDenied):
        m.decide_continuity(assessment, m.DecisionInput(True, True, "CT", ""), e.quality_lead)
    decided = m.decide_continuity(
        assessment, m.DecisionInput(True, True, "Thrombectomy depends on the unit", ""),
        e.commissioner,
    )  # fmt: skip
    assert decided.designated and decided.indicated and decided.status == "decided"
    with pytest.raises(ValidationError, match="already been decided"):
        m.decide_continuity(decided, m.DecisionInput(False, False, "", "x"), e.commissioner)
    with pytest.raises(ValidationError, match="kept as decided"):
        m.gather_evidence(contract, e.commissioner)
    changes = Revision.objects.filter(object_type="market.continuityassessment")
    assert changes.count() == 2
    (row,) = m.priority_list([contract])
    assert 0 <= row["score"] <= 100 and row["assessment"] == decided


EXPECTED = {
    Action.VIEW_MARKET: {"commissioner", "deputy", "contract_manager", "quality_lead",
                         "finance_lead", "clinical_adviser", "senate_adviser",
                         "provider_clinician", "auditor", "administrator",
                         "other_commissioner"},
    Action.RUN_STRESS_TEST: {"commissioner", "deputy", "contract_manager", "quality_lead",
                             "finance_lead", "other_commissioner"},
    Action.ASSESS_CONTINUITY: {"commissioner", "deputy", "contract_manager",
                               "other_commissioner"},
}  # fmt: skip


def test_role_by_action_matrix(market):
    e, contract = market
    for action, allowed in EXPECTED.items():
        obj = contract if action is Action.ASSESS_CONTINUITY else None
        got = {role for role, user in e.users.items() if can(user, action, obj)}
        assert got == allowed, action


def test_pages_maps_and_exports(client, market):
    e, contract = market
    client.force_login(e.commissioner)
    page = client.get(reverse("market"))
    assert page.status_code == 200 and "Concentration" in page.content.decode()
    svg = client.get(reverse("market-map", args=["svg"]), {"catchment": "RJE"})
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content[:500]
    assert client.get(reverse("market-map", args=["png"])).content[:4] == b"\x89PNG"
    hhi = pl.read_csv(client.get(reverse("market-hhi-csv")).content)
    assert {"commissioner", "area"} <= set(hhi["level"]) and (hhi["hhi"] <= 10_000).all()
    done = client.post(reverse("market"), {"fail": ["RJE"]}, follow=True)
    body = done.content.decode()
    assert "Stress test finished" in body and "Where the patients go" in body
    test = StressTest.objects.get(failed=["RJE"])
    assert client.get(reverse("market-stress-map", args=[test.pk, "svg"])).status_code == 200
    results = pl.read_csv(client.get(reverse("market-stress-csv", args=[test.pk])).content)
    assert results["scenario"].to_list() == ["fail RJE"]
    bad = client.post(reverse("market"), {}).content.decode()
    assert "Choose a provider that fails" in bad
    no_size = client.post(reverse("market"), {"cut_provider": "RWE"}).content.decode()
    assert "Enter how much of the capacity is cut" in no_size
    too_big = client.post(reverse("market"), {"cut_provider": "RWE", "cut_percent": "150"})
    assert too_big.context["form"].errors["cut_percent"] == [
        "Enter a cut between 1 and 100 per cent"
    ]  # one message, not a second, wrong one (issue 18)
    cut = client.post(reverse("market"), {"cut_provider": "RWE", "cut_percent": "30"},
                      follow=True).content.decode()  # fmt: skip
    assert "Stress test finished" in cut
    assert StressTest.objects.filter(cuts={"RWE": 0.3}).exists()
    shown = client.get(reverse("market"), {"catchment": "RJE"}).content.decode()
    assert "map.svg?catchment=RJE" in shown
    running = StressTest.objects.create(
        title="Every single-provider failure", sweep=True, max_km=50, circuity=1, penalty=1000,
        data="x", total=140, done=35, started_at=test.started_at,
    )  # fmt: skip
    progress = client.get(reverse("market-stress", args=[running.pk])).content.decode()
    assert 'http-equiv="refresh"' in progress and "35 of 140 scenarios solved" in progress
    assert "No worker is running" in progress  # and the page says what the sweep waits for
    worker.beat("w1", running.started_at)
    progress = client.get(reverse("market-stress", args=[running.pk])).content.decode()
    assert "No worker is running" not in progress
    listing = client.get(reverse("market-continuity")).content.decode()
    assert contract.reference in listing and "Not started" in listing
    url = reverse("market-assessment", args=[contract.pk])
    client.post(url, {"step": "evidence"})
    refused = client.post(url, {"designated": "", "rationale": ""}).content.decode()
    assert "Decide whether the service is a Commissioner Requested Service" in refused
    assessment = ContinuityAssessment.objects.get()
    choice = "no" if assessment.indicated else "yes"
    against = client.post(url, {"designated": choice}).content.decode()
    assert "record the reasons" in against
    client.post(url, {"designated": choice, "rationale": "Reviewed at the board, 3 December"})
    assessment.refresh_from_db()
    assert assessment.status == "decided" and assessment.rationale.startswith("Reviewed")
    csv = pl.read_csv(client.get(reverse("market-continuity-csv")).content)
    assert csv["contract"].to_list() == [contract.reference]
    client.force_login(e.provider)
    assert client.get(reverse("market")).status_code == 403
    assert client.get(reverse("market-stress", args=[test.pk])).status_code == 403


def test_a_stress_test_says_where_the_patients_go_in_names(client, market):
    """Issue 18: the result named where the failed provider's patients go, listed "providers
    then full" as bare codes (most full before any failure), omitted the capacity cut and
    showed negative extra patient-km unexplained."""
    e, _ = market
    client.force_login(e.commissioner)
    test = m.start_stress_test(m.StressInput(("RJE",), {"RWE": 0.3}), e.commissioner)
    (r,) = test.results
    page = client.get(reverse("market-stress", args=[test.pk])).content.decode()
    providers = data.load_market().providers
    names = dict(zip(providers["code"], providers["name"], strict=True))
    assert "Capacity cut applied" in page and "30% fewer places" in page
    assert tidy_name(names.get("RWE", "RWE")) in page
    assert r["took_on"], "someone takes the failed provider's patients"
    for t in r["took_on"]:
        assert f"({t['provider']})" in page
    assert r["displaced"] > 0 and "Patients who must go elsewhere" in page
    already = len(r["providers_at_capacity"]) - len(r["newly_full"])
    assert already == 0 or "already full before it" in page
    assert "Providers then full" not in page  # the bare list of codes is gone
    for code in r["newly_full"]:
        assert tidy_name(names[code]) in page
    assert "Average journey of a patient who is served" in page
    if r["extra_patient_km"] < 0:
        assert "no longer travel at all" in page
    csv = pl.read_csv(client.get(reverse("market-stress-csv", args=[test.pk])).content)
    assert csv["patients_displaced"][0] == pytest.approx(r["displaced"], rel=1e-3)
    svg = client.get(reverse("market-stress-map", args=[test.pk, "svg"])).content.decode()
    assert "Where its patients go" in svg and "Capacity cut" in svg  # the flows and the cut


def test_a_result_stored_before_the_model_said_where_patients_go_still_reads(client, market):
    e, _ = market
    client.force_login(e.commissioner)
    old = StressTest.objects.create(
        title="If X failed", failed=["RJE"], max_km=50, circuity=1, penalty=1000, data="x",
        total=1, done=1, status="done", started_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC),
        baseline={"unmet_demand": 0.0, "patient_km": 10.0},
        results=[{"scenario": "fail RJE", "failed": ["RJE"], "cuts": {}, "objective": 1.0,
                  "unmet_demand": 5.0, "patient_km": 9.0, "extra_patient_km": -1.0,
                  "providers_at_capacity": ["RWE"], "areas_with_unmet_demand": [],
                  "population_without_service": 0}],
    )  # fmt: skip
    page = client.get(reverse("market-stress", args=[old.pk])).content.decode()
    assert "run it again to see it" in page and "Patients who must go elsewhere" not in page


def test_the_workspace_shows_your_area_first_and_england_on_request(client, market):
    """Issue 18: the market pages showed England; they show the person's commissioner's small
    areas and the providers their patients use first, England on request."""
    e, _ = market
    client.force_login(e.commissioner)
    icb = e.commissioner.memberships.get().organisation.code
    m_ = data.load_market()
    assert icb in set(m_.areas["commissioner_code"])
    ours = set(
        m_.flows.join(m_.areas, on="area").filter(pl.col("commissioner_code") == icb)["provider"]
    )
    page = client.get(reverse("market")).content.decode()
    assert "Showing your area" in page and "Share of your patients" in page
    assert len(set(m_.areas["commissioner_code"])) > 1
    table = page.split("Concentration in your area</caption>")[1].split("</table>")[0]
    assert table.count("<td") == 6  # one row, your commissioner's, of six cells
    assert 'optgroup label="Providers your patients use"' in page and 'size="12"' in page
    group = page.split('optgroup label="Providers your patients use"')[1].split("</optgroup>")[0]
    assert {c for c in ours if f'value="{c}"' in group} == ours
    england = client.get(reverse("market"), {"scope": "england"}).content.decode()
    assert "Showing all of England" in england and "Share of all patients" in england
    assert "map.svg?scope=england" in england
    framed = client.get(reverse("market-map", args=["svg"])).content
    whole = client.get(reverse("market-map", args=["svg"]), {"scope": "england"}).content
    assert framed != whole  # the map is framed on your area unless England is asked for


def test_the_workspace_says_when_there_is_no_economy(client, settings, tmp_path, economy):
    settings.SYNTH_DIR = tmp_path / "nothing"
    client.force_login(economy.commissioner)
    assert client.get(reverse("market")).status_code == 404
    assert dt.date.today()  # the message is Django's 404 page; the view names `make demo`
