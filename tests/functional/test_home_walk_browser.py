"""Issue 18's walk, in a real browser (headless Chromium, every request outside the server
blocked): the demo as `make demo` builds it, every demo account signs in through the sign-in
pages (two steps where the account needs them), its home page lists the work the demo leaves
waiting for it, and following each item reaches a page where the work can be done: the button
or link the item names is there (an item without one is something to read). axe-core checks
every page on the way for WCAG 2.2 A/AA."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from typer.testing import CliRunner

from commissioning.cli import app
from commissioning.organisations.models import User
from commissioning.ui.worklist import work_for
from tests.functional.conftest import violations
from tests.functional.test_cycle_browser import two_step_code, two_step_device

pytestmark = [pytest.mark.functional, pytest.mark.django_db(transaction=True)]

# The roles the demo gives work (the route matrix asserts the same of its queues).
BUSY = {"commissioner", "quality-lead", "finance-lead", "care-coordinator", "budget-holder",
        "provider-representative", "bidder"}  # fmt: skip
READING = ("Look at ", "Read ")  # an item to read names no button


def _sign_in(browser, url: str, username: str):
    needs_code = two_step_device(username) is not None
    page = browser.new_page()
    page.goto(f"{url}/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"demo-{username}")
    page.get_by_role("button", name="Sign in").click()
    if needs_code:
        page.wait_for_url(f"{url}/sign-in/two-step/**")
        page.get_by_label("Code from your authenticator app").fill(two_step_code(username))
        page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{url}/")
    return page


def _is_reading(title: str) -> bool:
    return title.startswith(READING) or title[:1].isdigit()


def test_every_demo_account_finds_its_work_on_its_home_page_and_can_do_it(
    browser, live_server, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    settings.SYNTH_DIR = tmp_path / "synth"
    done = CliRunner().invoke(app, ["demo-setup", "--spells", "4000", "--years", "1"])
    assert done.exit_code == 0, done.output

    found: dict[str, list[str]] = {}
    problems: list[str] = []
    followed = 0
    for user in User.objects.filter(is_active=True).order_by("username"):
        work = work_for(user)
        page = _sign_in(browser, live_server.url, user.username)
        found[f"home as {user.username}"] = violations(page)
        # The home page lists exactly the work the queue holds, to do and waited for.
        to_do = page.locator("section[aria-labelledby='to-do'] li > a")
        assert to_do.all_inner_texts() == [i.title for i in work.to_do], user.username
        waiting = page.locator("section[aria-labelledby='waiting-on-others'] li > a")
        assert waiting.all_inner_texts() == [i.title for i in work.waiting], user.username
        if user.username in BUSY:
            assert len(work), f"the demo leaves {user.username} nothing on their home page"
        for item in work.to_do + work.waiting:
            page.goto(f"{live_server.url}/")
            link = page.get_by_role("link", name=item.title, exact=True).first
            with page.expect_navigation() as navigation:
                link.click()
            followed += 1
            where = f"{item.title!r} as {user.username}"
            if navigation.value is None or navigation.value.status != 200:
                problems.append(f"{where}: answers {navigation.value and navigation.value.status}")
                continue
            found[where] = violations(page)
            if item.waiting_on:
                continue
            if not item.action:
                if not _is_reading(item.title):
                    problems.append(f"{where}: names no button or link that does it")
                continue
            named = page.get_by_role("button", name=item.action).or_(
                page.get_by_role("link", name=item.action)
            )
            if not named.count():
                problems.append(f"{where}: no {item.action!r} on {page.url}")
            else:
                expect(named.first).to_be_attached()
        page.context.close()
    assert problems == [], "\n".join(problems)
    assert {k: v for k, v in found.items() if v} == {}
    assert followed >= 15, f"the demo's queues held only {followed} items"
