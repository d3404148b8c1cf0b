"""In a real browser (headless Chromium): a commissioner opens the market workspace, shows a
trust's catchment, runs a stress test of its failure and reads the result; then gathers the
continuity-of-services evidence for its contract and records a decision. Every page is
checked with axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.cycle import Cycle, build_economy
from tests.functional.conftest import CHROMIUM, violations
from tests.functional.test_cycle_browser import Person, banner
from tests.synth import write_economy

pytestmark = [pytest.mark.functional, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def synth(settings, tmp_path):
    settings.SYNTH_DIR = write_economy(
        tmp_path, spells_per_year=20_000, years=1, seed=5, areas=400, diagnosis_groups=3
    )
    return tmp_path


def map_drawn(page) -> None:
    """Wait until the map (drawn on the server) has loaded and has a size."""
    page.wait_for_function(
        "() => { const i = document.querySelector('figure img');"
        " return i && i.complete && i.naturalWidth > 0; }",
        timeout=30_000,
    )


def test_a_stress_test_and_a_continuity_decision(browser, live_server, synth):
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: `make test` installs it from Debian")
    contract = Cycle(build_economy()).signed().contract
    commissioner = Person(browser, live_server, "commissioner")
    try:
        page = commissioner.sign_in()
        page.get_by_role("link", name="Market", exact=True).click()
        expect(page.get_by_role("heading", name="Market and resilience", level=1)).to_be_visible()
        page.get_by_label("Show a provider's catchment").select_option("RJE")
        page.get_by_role("button", name="Show on the map").click()
        map_drawn(page)
        assert violations(page) == []
        page.get_by_label("Providers that fail").select_option("RJE")
        page.get_by_role("button", name="Run the stress test").click()
        expect(banner(page)).to_contain_text("Stress test finished")
        expect(page.get_by_role("heading", name="Where the patients go")).to_be_visible()
        expect(page.get_by_text("Average journey of a patient who is served")).to_be_visible()
        map_drawn(page)
        assert violations(page) == []
        page.get_by_role("link", name="Continuity of services").first.click()
        page.get_by_role("link", name="Hyper-acute stroke unit").click()
        page.get_by_role("button", name="Gather the evidence").click()
        expect(banner(page)).to_contain_text("Evidence gathered")
        page.get_by_label("Removing this service would make other related services").check()
        page.get_by_label("Which services depend on it").fill("Thrombectomy at the same site")
        page.get_by_label("Yes: designate it").check()
        assert violations(page) == []
        page.get_by_role("button", name="Record the decision").click()
        expect(banner(page)).to_contain_text("Decision recorded")
        expect(page.get_by_text("Designated a Commissioner Requested Service")).to_be_visible()
        assert contract.reference in page.content()
    finally:
        commissioner.close()
