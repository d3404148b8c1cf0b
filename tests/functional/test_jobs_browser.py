"""In a real browser (headless Chromium): a quality lead starts an SHMI run from the mortality
page; its job's page shows it waiting, with a button to cancel it, and the home page lists it;
cancelled meanwhile by an administrator, the open page shows it cancelled by itself (htmx
polling, no inline script); a second run, once done, links to the results. The pages pass
axe-core, and the browser reports no Content Security Policy violation (the fixture watches the
console)."""

from __future__ import annotations

import time

import pytest
from django.db.utils import OperationalError
from playwright.sync_api import expect

from commissioning.jobs import services as jobs
from commissioning.jobs.models import Job
from commissioning.organisations.models import User
from commissioning.quality.services import run_shmi
from tests.cycle import build_economy
from tests.functional.conftest import CHROMIUM, violations
from tests.functional.test_cycle_browser import Person, banner
from tests.synth import write_economy

pytestmark = [pytest.mark.functional, pytest.mark.django_db(transaction=True)]


def while_the_page_polls(call):
    """A write from the test while the live server answers the page's polls: the in-memory test
    database locks whole tables, so a write that meets a poll is tried again."""
    for _ in range(100):
        try:
            return call()
        except OperationalError:
            time.sleep(0.05)
    raise AssertionError("the database stayed locked")


def test_an_shmi_run_followed_on_its_page(browser, live_server, settings, tmp_path):
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: `make test` installs it from Debian")
    settings.SYNTH_DIR = write_economy(
        tmp_path, spells_per_year=20_000, years=1, seed=5, areas=400, diagnosis_groups=3
    )
    build_economy()
    lead = Person(browser, live_server, "quality-lead")
    try:
        page = lead.sign_in()
        page.goto(f"{live_server.url}/quality/mortality/")
        assert violations(page) == []
        page.get_by_role("button", name="Run SHMI on the synthetic spells").click()
        expect(banner(page)).to_contain_text("SHMI run started")
        expect(page.get_by_role("heading", level=1)).to_contain_text("SHMI and CUSUM alerts")
        expect(page.get_by_text("Waiting for a worker", exact=True)).to_be_visible()
        expect(page.get_by_role("button", name="Cancel the job")).to_be_visible()
        expect(page.get_by_label("Progress of the job")).to_be_visible()
        assert violations(page) == []
        job_page = page.url
        page.goto(f"{live_server.url}/")
        expect(page.locator("#your-jobs")).to_have_text("Your jobs running")
        page.get_by_role("link", name="SHMI and CUSUM alerts").click()
        assert page.url == job_page

        # Cancelled by someone else: the open page shows it by itself.
        job = Job.objects.get()
        admin = User.objects.get(username="administrator")
        while_the_page_polls(lambda: jobs.cancel_job(job, admin))
        expect(page.get_by_text("The job was cancelled.")).to_be_visible(timeout=15_000)
        expect(page.get_by_role("button", name="Cancel the job")).to_have_count(0)

        # Run again, to the end (the page closed meanwhile: the worker's own run with its
        # heartbeat is tested in tests/integration/jobs; here its task is called in-process).
        page.goto(f"{live_server.url}/quality/mortality/")
        page.get_by_role("button", name="Run SHMI on the synthetic spells").click()
        expect(banner(page)).to_contain_text("SHMI run started")
        page.goto("about:blank")
        second = Job.objects.exclude(pk=job.pk).get()
        run_shmi.call(second.pk)
        page.goto(f"{live_server.url}/jobs/{second.pk}/")
        expect(page.locator(".nhsuk-tag")).to_have_text("Finished")
        assert violations(page) == []
        page.get_by_role("link", name="See the mortality results").click()
        expect(page.get_by_role("heading", name="Alerts")).to_be_visible()
    finally:
        lead.close()
