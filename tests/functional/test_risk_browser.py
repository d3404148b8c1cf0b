"""In a real browser (headless Chromium, issue 21): the quality lead opens a provider's risk
profile from its contract, sees the platform's signals, the published indicators and the soft
intelligence on one timeline, records a whistleblowing concern, and opens the escalation case
the profile then proposes, with its evidence. Every page is checked with axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from commissioning.organisations.permissions import SYSTEM
from commissioning.reference.services import ingest_file
from tests.conftest import REFERENCE
from tests.cycle import Cycle, build_economy
from tests.functional.conftest import CHROMIUM, violations
from tests.functional.test_cycle_browser import Person, banner

pytestmark = [pytest.mark.functional, pytest.mark.django_db(transaction=True)]


def test_the_quality_lead_opens_a_risk_profile_and_the_proposed_case(browser, live_server):
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: `make test` installs it from Debian")
    ingest_file("trusts", REFERENCE / "nhs_trusts.csv", SYSTEM)
    contract = Cycle(build_economy()).signed().contract
    for kind, name in (("shmi", "synthetic_shmi_trust_level.csv"),
                       ("cqc", "synthetic_cqc_latest_ratings.csv"),
                       ("oversight", "synthetic_oversight_league_table.csv")):  # fmt: skip
        ingest_file(kind, REFERENCE / name, SYSTEM, source=f"synthetic {name}")
    lead = Person(browser, live_server, "quality-lead")
    try:
        page = lead.sign_in()
        page.goto(f"{live_server.url}/contracts/{contract.pk}/")
        page.get_by_role("link", name="its risk profile").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("North Midlands")
        timeline = page.locator("#timeline")
        expect(timeline).to_contain_text("Published indicators")
        expect(timeline).to_contain_text("higher than expected")
        expect(timeline).to_contain_text("Segment 3")
        expect(page.get_by_text("No escalation is proposed")).to_be_visible()
        assert violations(page) == []

        page.get_by_label("Whistleblowing").check()
        page.get_by_label("When it happened").fill("2026-10-20")
        page.get_by_label("In a line").fill("Unsafe staffing on the stroke ward at night")
        page.get_by_role("button", name="Add to the risk profile").click()
        expect(banner(page)).to_contain_text("added to the risk profile")
        expect(page.locator("#timeline")).to_contain_text("Soft intelligence")
        callout = page.locator(".nhsuk-warning-callout")
        expect(callout).to_contain_text("An escalation case is proposed")
        expect(callout).to_contain_text("Unsafe staffing on the stroke ward at night")
        assert violations(page) == []

        callout.get_by_role("link", name="Open the proposed escalation case").click()
        expect(page.get_by_label("Summary")).to_have_value(
            "Independent signals agree: published indicators and soft intelligence"
        )
        assert violations(page) == []
        page.get_by_role("button", name="Open the case").click()
        expect(banner(page)).to_contain_text("opened")
        expect(page.get_by_text("Unsafe staffing on the stroke ward at night")).to_be_visible()
        assert violations(page) == []

        page.goto(f"{live_server.url}/quality/risk/")
        expect(
            page.get_by_role("link", name="University Hospitals of North Midlands")
        ).to_be_visible()
        assert violations(page) == []
    finally:
        lead.close()
