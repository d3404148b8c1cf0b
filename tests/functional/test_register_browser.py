"""In a real browser (headless Chromium), not signed in: a member of the public finds the
completed hyper-acute stroke cycle in the register, reads its award notice, and downloads its
OCDS record, which validates; axe-core finds nothing on any page (issue 20)."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from commissioning.ocds.validate import problems as validate
from tests.cycle import Cycle, build_economy
from tests.functional.conftest import CHROMIUM, violations

pytestmark = [pytest.mark.functional, pytest.mark.django_db(transaction=True)]


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is installed by `make test`")
def test_the_public_finds_the_award_and_downloads_its_record(browser, live_server):
    cycle = Cycle(build_economy()).signed()
    page = browser.new_page()
    page.goto(f"{live_server.url}/register/")
    assert page.url.endswith("/register/")  # no sign-in asked for
    assert violations(page) == []
    page.get_by_label("Service").fill("stroke")
    page.get_by_label("Route").select_option("competitive")
    page.get_by_role("button", name="Search the notices").click()
    assert violations(page) == []
    expect(page.get_by_role("link", name="Award notice")).to_be_visible()
    page.get_by_role("link", name="Award notice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Notice following a competition under the competitive process"
    )
    expect(page.get_by_text(cycle.contract.reference).first).to_be_visible()
    assert violations(page) == []
    page.get_by_role("link", name="Hyper-acute stroke unit").click()
    assert violations(page) == []
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the OCDS record (JSON)").click()
    record = json.loads(open(download.value.path(), encoding="utf-8").read())  # noqa: SIM115
    assert validate(record) == []
    (awarded,) = record["records"][0]["compiledRelease"]["awards"]
    assert awarded["value"]["amount"] * 100 == cycle.contract.value_pence
    page.goto(f"{live_server.url}/register/annual/XC001/2026/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("2026/27")
    assert violations(page) == []
    page.context.close()
