"""In a real browser (headless Chromium): the council's finance lead opens the Better Care
Fund pool it hosts, records spending (a mistyped amount first), settles the year; the ICB's
finance lead sees what it owes and pays it; NHS England's finance lead reads the specialised
month end with its alert. In November, the host records a commitment (a mistyped amount
first), sees the forecast change, releases it and proposes an action plan, which the ICB's
finance lead agrees (after a refusal without reasons). Every page is checked with axe-core."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from commissioning.collaboration import pooled
from commissioning.ledger.models import Account
from commissioning.organisations.models import Membership, Organisation, User
from commissioning.specialised import services as specialised
from tests.functional.conftest import CHROMIUM, violations
from tests.functional.test_cycle_browser import PASSWORD, Person, banner
from tests.integration.collaboration.conftest import bcf, fund  # noqa: F401
from tests.integration.collaboration.test_commitments import year  # noqa: F401

pytestmark = [pytest.mark.functional, pytest.mark.django_db(transaction=True)]


def _sign_in_ready(*users):
    for user in users:
        user.set_password(PASSWORD)
        user.save()


def test_a_pool_settled_and_paid_and_the_specialised_month_end(browser, live_server, bcf):  # noqa: F811
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: `make test` installs it from Debian")
    pool = bcf.pool
    fund(bcf, overdraft=True)
    _, adaptations = pool.schemes.all()
    pooled.record_spend(
        adaptations, 4_000_000, "s-a", "Adaptations", bcf.people["XL001"], dt.date(2025, 6, 1)
    )
    nhse = Organisation.objects.create(
        code="Y56", name="NHS England London", org_type="nhse_region"
    )
    nhse_finance = User.objects.create(username="nhse-finance")
    Membership.objects.create(user=nhse_finance, organisation=nhse, role="finance_lead")
    line = specialised.set_budget(
        specialised.BudgetInput(nhse.pk, "ACC", 2025, 1_200_000_00), nhse_finance
    )
    for i, pounds in enumerate([100_000] * 6 + [130_000, 160_000, 190_000]):
        specialised.record_month(line, dt.date(2025, 4 + i, 1), pounds * 100, 50, nhse_finance)
    _sign_in_ready(bcf.people["XL001"], bcf.people["XC001"], nhse_finance)

    host = Person(browser, live_server, "finance-xl001")
    partner = Person(browser, live_server, "finance-xc001")
    nhs_england = Person(browser, live_server, "nhse-finance")
    try:
        page = host.sign_in()
        page.get_by_role("link", name="Together", exact=True).click()
        assert violations(page) == []
        page.get_by_role("link", name="Better Care Fund 2025/26").click()
        page.get_by_text("Record spending from the pool").click()
        page.get_by_label("Scheme", exact=True).first.select_option(label="Intermediate care")
        page.get_by_label("Amount").first.fill("sixty-one thousand")
        page.get_by_label("Date of the spending").fill("2025-05-01")
        page.get_by_label("What it paid for").fill("Step-down beds")
        page.get_by_role("button", name="Record the spending").click()
        expect(page.get_by_text("There is a problem")).to_be_visible()
        assert violations(page) == []
        page.get_by_label("Amount").first.fill("61,000")
        page.get_by_role("button", name="Record the spending").click()
        expect(banner(page)).to_contain_text("The spending is recorded.")
        page.get_by_role("button", name="Settle 2025/26 by the risk share").click()
        expect(banner(page)).to_contain_text("The year is settled.")
        assert violations(page) == []

        page = partner.sign_in()
        page.goto(f"{live_server.url}/together/pools/{pool.pk}/")
        expect(page.get_by_text("owes £1,000 towards the overspend")).to_be_visible()
        page.get_by_role("button", name="Pay £1,000 into the pool").click()
        expect(banner(page)).to_contain_text("Your share of the overspend is paid")
        assert Account.objects.get(pk=pool.pool_account_id).balance_pence == 0

        page = nhs_england.sign_in()
        page.get_by_role("link", name="Specialised", exact=True).click()
        expect(page.locator(".nhsuk-tag--red").first).to_contain_text(
            "Special cause of concern in monthly spend"
        )
        assert violations(page) == []
        page.get_by_role("link", name="Adult critical care").click()
        page.wait_for_function(
            "() => { const i = document.querySelector('figure img');"
            " return i && i.complete && i.naturalWidth > 0; }"
        )
        assert violations(page) == []
    finally:
        for person in (host, partner, nhs_england):
            person.close()


def test_a_commitment_recorded_and_released_changes_the_forecast(browser, live_server, bcf, year):  # noqa: F811
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: `make test` installs it from Debian")
    _sign_in_ready(bcf.people["XL001"], bcf.people["XC001"])
    host = Person(browser, live_server, "finance-xl001")
    partner = Person(browser, live_server, "finance-xc001")
    november = timezone.make_aware(dt.datetime(2025, 11, 15, 10))
    try:
        with time_machine.travel(november, tick=True):
            page = host.sign_in()
            page.goto(f"{live_server.url}/together/pools/{bcf.pool.pk}/")
            expect(page.get_by_text("Forecast for 2025/26 at 31 October 2025")).to_be_visible()
            uncommitted = page.get_by_role("listitem").filter(
                has_text="Covered by cutting uncommitted scheme spending: £"
            )
            expect(uncommitted).to_have_text(
                "Covered by cutting uncommitted scheme spending: £3,000"
            )
            assert violations(page) == []
            page.get_by_text("Record a commitment").click()
            page.get_by_label("Scheme", exact=True).last.select_option(label="Intermediate care")
            page.get_by_label("Order or contract reference").fill("IC-4")
            page.get_by_label("Supplier or provider").fill("Hospice at home")
            page.get_by_label("What it is for", exact=True).fill("Night sits")
            page.get_by_label("Amount committed").fill("three thousand")
            page.get_by_role("button", name="Record the commitment").click()
            expect(page.get_by_text("There is a problem")).to_be_visible()
            assert violations(page) == []
            page.get_by_label("Amount committed").fill("3,000")
            page.get_by_role("button", name="Record the commitment").click()
            expect(banner(page)).to_contain_text("Commitment IC-4 is recorded.")
            expect(uncommitted).to_have_text("Covered by cutting uncommitted scheme spending: £0")
            page.get_by_text("Release IC-4").click()
            form = page.locator(f"form[action$='/commitments/{_pk('IC-4')}/release/']")
            form.get_by_label("Why the commitment is released").fill("Sits no longer needed")
            form.get_by_role("button", name="Release what is outstanding").click()
            expect(banner(page)).to_contain_text("Commitment IC-4 is released.")
            expect(uncommitted).to_have_text(
                "Covered by cutting uncommitted scheme spending: £3,000"
            )
            assert violations(page) == []
            page.get_by_role("link", name="Propose an action plan").click()
            assert violations(page) == []
            page.get_by_label("The actions proposed").fill("Stop the spring step-down beds")
            page.get_by_label("Uncommitted spending Intermediate care will not make").fill("3,000")
            page.get_by_role("button", name="Propose the plan").click()
            expect(banner(page)).to_contain_text("The action plan is proposed to the partners.")

            page = partner.sign_in()
            page.goto(f"{live_server.url}/together/pools/{bcf.pool.pk}/")
            expect(page.get_by_text("If the year ends as forecast")).to_be_visible()
            expect(page.get_by_text("Record a commitment")).to_have_count(0)
            assert violations(page) == []
            page.get_by_role("link", name="Decide on this plan for your organisation").click()
            page.get_by_role("radio", name="Do not agree").check()
            page.get_by_role("button", name="Record the decision").click()
            expect(page.get_by_text("Give the reasons for disagreeing").first).to_be_visible()
            assert violations(page) == []
            page.get_by_role("radio", name="Agree the plan").check()
            page.get_by_role("button", name="Record the decision").click()
            expect(banner(page)).to_contain_text("The plan is now: Proposed: waiting")
    finally:
        for person in (host, partner):
            person.close()


def _pk(reference: str) -> int:
    from commissioning.collaboration.models import SchemeCommitment

    return SchemeCommitment.objects.get(reference=reference).pk
