"""In a real browser (headless Chromium): the provider uploads a year and more of monthly
figures for a line of its contract's quality schedule; the SPC chart shows a special cause of
concern; the quality lead sees it on the contract's quality page, opens an escalation case
from there, issues a contract performance notice and agrees a remedial action plan. Every page
on the way is checked with axe-core."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.cycle import Cycle, build_economy
from tests.functional.conftest import CHROMIUM, violations
from tests.functional.test_cycle_browser import Person, banner

pytestmark = [pytest.mark.functional, pytest.mark.django_db(transaction=True)]

FIGURES = "month,value\n" + "\n".join(
    f"{2024 + (10 + i) // 12}-{(10 + i) % 12 + 1:02d},{v}"
    for i, v in enumerate(
        [
            94,
            95,
            93.5,
            94.5,
            95,
            94,
            93,
            95.5,
            94,
            94.5,
            95,
            94,
            93.5,
            94,
            95,
            94.5,
            86,
            85.5,
            86,
            85,
            86.5,
            85,
            84.5,
            86,
        ]
    )
)


def test_figures_to_a_concern_to_a_remedial_action_plan(browser, live_server, tmp_path):
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: `make test` installs it from Debian")
    contract = Cycle(build_economy()).signed().contract
    # a contract in its third year: two years of monthly figures fall within its term
    type(contract).objects.filter(pk=contract.pk).update(start_date=dt.date(2024, 4, 1))
    figures = tmp_path / "brain-imaging.csv"
    figures.write_text(FIGURES)
    provider = Person(browser, live_server, "provider")
    lead = Person(browser, live_server, "quality-lead")
    try:
        page = provider.sign_in()
        page.goto(f"{live_server.url}/contracts/{contract.pk}/")
        page.get_by_role("link", name="see the monthly figures on SPC charts").click()
        page.get_by_role("link", name="Brain imaging within 1 hour of arrival").click()
        page.get_by_label("A CSV file of monthly figures").set_input_files(str(figures))
        page.get_by_role("button", name="Upload the file").click()
        expect(banner(page)).to_contain_text("Figures recorded: 24 added")
        expect(page.get_by_text("Special cause variation: concern (lower)")).to_be_visible()
        expect(page.locator("figure img")).to_be_visible()
        assert page.locator("figure img").evaluate("img => img.naturalWidth") > 0
        assert violations(page) == []
        page.get_by_label("Month", exact=True).fill("2026-13")
        page.get_by_role("button", name="Record the figure").click()
        expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter the month as year")

        page = lead.sign_in()
        page.get_by_role("link", name="Quality").first.click()
        page.goto(f"{live_server.url}/quality/contracts/{contract.pk}/")
        callout = page.locator(".nhsuk-warning-callout")
        expect(callout).to_contain_text("Brain imaging within 1 hour of arrival")
        assert violations(page) == []
        callout.get_by_role("link", name="Raise a quality concern").click()
        page.get_by_label("Summary").fill("Brain imaging within the hour below 90% since March")
        page.get_by_label("What is the concern, and what is it based on?").fill(
            "Eight months below the contract threshold; a shift on the SPC chart."
        )
        page.get_by_label("Raised by a commissioner").check()
        assert violations(page) == []
        page.get_by_role("button", name="Open the case").click()
        expect(banner(page)).to_contain_text("opened")
        expect(page.get_by_role("link", name=contract.reference)).to_be_visible()
        page.get_by_label("The performance this notice is about").fill("Brain imaging times")
        page.get_by_label("Contract management meeting to be held by").fill("2099-01-15")
        page.get_by_role("button", name="Issue the notice").click()
        expect(banner(page)).to_contain_text("Contract performance notice issued")
        page.get_by_label("What the provider will do").fill("A second CT scanner slot at night")
        page.get_by_label("Milestones").fill("2099-02-28, Night CT rota in place")
        page.get_by_role("button", name="Record the agreed plan").click()
        expect(banner(page)).to_contain_text("Remedial action plan agreed")
        expect(page.get_by_text("Night CT rota in place")).to_be_visible()
        assert violations(page) == []
    finally:
        provider.close()
        lead.close()
