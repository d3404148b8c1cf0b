"""In a real browser (headless Chromium), issue 7's proof: a care coordinator writes and
agrees a care and support plan; the budget holder signs in, sees it, and a prohibited
purchase is refused with its reason; the coordinator requires part of the unused balance
back and records the money repaid. Every page is checked with axe-core."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from commissioning import clock
from commissioning.organisations.models import Membership, Organisation, User
from commissioning.personal_budgets import services as phb
from commissioning.personal_budgets.models import Plan
from tests.functional.conftest import CHROMIUM, violations
from tests.functional.test_cycle_browser import PASSWORD, Person, banner
from tests.integration.personal_budgets.conftest import ELIGIBLE, valid_nhs_number

pytestmark = [pytest.mark.functional, pytest.mark.django_db(transaction=True)]


def test_plan_agreed_seen_by_holder_prohibited_refused(browser, live_server):
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: `make test` installs it from Debian")
    icb = Organisation.objects.create(code="XC001", name="NHS Test ICB", org_type="icb")
    coord = User.objects.create_user(username="care-coordinator", password=PASSWORD)
    Membership.objects.create(user=coord, organisation=icb, role="care_coordinator")
    holder = User.objects.create_user(username="budget-holder", password=PASSWORD)
    Membership.objects.create(user=holder, organisation=icb, role="budget_holder")
    person = phb.record_person(
        phb.PersonInput(
            icb.pk, valid_nhs_number(999100000), "Margaret Example", dt.date(1952, 4, 2), "chc"
        ),
        coord,
    )
    phb.assess(person, phb.AssessmentInput(dt.date(2026, 5, 1), ELIGIBLE, "eligible", "MDT"), coord)
    phb.link_sign_in(person, "holder", "budget-holder", coord)

    coordinator = Person(browser, live_server, "care-coordinator")
    budget_holder = Person(browser, live_server, "budget-holder")
    try:
        page = coordinator.sign_in()
        page.get_by_role("link", name="PHBs", exact=True).click()
        assert violations(page) == []
        page.get_by_role("link", name="Margaret Example").first.click()
        assert violations(page) == []
        page.get_by_role("link", name="Write the care and support plan").click()
        page.get_by_label("The plan starts on").fill("2026-06-01")
        page.get_by_label("Health and wellbeing needs").fill("Help to breathe safely at night")
        page.get_by_label("Outcomes the person wants").fill("Stay at home; visit the allotment")
        page.get_by_label("Risks and how they are managed").fill("Ventilator failure: a spare")
        page.get_by_label("Contingency: what happens if something goes wrong").fill("Agency cover")
        page.get_by_label("How the budget is held").select_option("direct_payment")
        page.get_by_label("Who receives the direct payment").select_option("patient")
        page.get_by_label("Annual budget").fill("9,000")
        page.get_by_label("Service 1", exact=True).fill("Personal assistant")
        page.get_by_label("Service 1: kind").select_option("personal_care")
        page.get_by_label("Service 1: cost a year").fill("9,500")
        page.get_by_role("button", name="Save the draft").click()
        expect(page.get_by_text("it is £500.00 short").first).to_be_visible()
        assert violations(page) == []
        page.get_by_label("Annual budget").fill("9,500")
        page.get_by_role("button", name="Save the draft").click()
        expect(banner(page)).to_contain_text("saved as a draft")
        assert violations(page) == []
        page.get_by_role("button", name="Agree the plan").click()
        expect(banner(page)).to_contain_text("Plan agreed")
        assert Plan.objects.get(person=person).status == "agreed"

        page = budget_holder.sign_in()
        page.get_by_role("navigation").get_by_role("link", name="My budget", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Your personal health budget")
        expect(page.get_by_text("You have £9,500 left")).to_be_visible()
        assert violations(page) == []
        page.get_by_role("link", name="Care and support plan, version 1").click()
        expect(page.get_by_text("Personal assistant")).to_be_visible()
        expect(page.get_by_text("Stay at home; visit the allotment")).to_be_visible()
        assert violations(page) == []
        page.get_by_role("link", name="Back").click()
        page.get_by_role("link", name="Record a payment").click()
        page.get_by_label("What it is for").select_option("alcohol")
        page.get_by_label("Who was paid").fill("Off licence")
        page.get_by_label("What was bought").fill("Wine")
        page.get_by_label("Amount").fill("20")
        page.get_by_role("button", name="Record the payment").click()
        expect(page.get_by_text("There is a problem")).to_be_visible()
        expect(
            page.get_by_role(
                "link", name="Refused: alcohol cannot be bought with a personal health budget."
            )
        ).to_be_visible()
        assert violations(page) == []
        assert person.payments.count() == 0

        # The coordinator requires part of the unused balance back and records the money
        # received (a mistyped amount first).
        page = coordinator.page
        page.goto(f"{live_server.url}/budgets/people/{person.pk}/")
        page.get_by_role("link", name="Require repayment").click()
        page.get_by_label("Ground (regulation 15)").select_option("substantial_unused_balance")
        page.get_by_label("Reasons, for the person").fill("Money unspent since the summer")
        page.get_by_label("Amount to repay").fill("500")
        page.get_by_label("Repay by").fill(f"{clock.today() + dt.timedelta(days=28):%Y-%m-%d}")
        page.get_by_label("Who must repay").select_option("patient")
        page.get_by_role("button", name="Issue the notice").click()
        expect(banner(page)).to_contain_text("Repayment notice issued")
        assert violations(page) == []
        page.get_by_role("link", name="Record money repaid").click()
        expect(page.get_by_text("£500.00 still to be repaid of £500.00")).to_be_visible()
        assert violations(page) == []
        page.get_by_label("Amount received").fill("5,000")
        page.get_by_role("button", name="Record the repayment").click()
        expect(
            page.get_by_role("link", name="Only £500.00 is still to be repaid on this notice")
        ).to_be_visible()
        assert violations(page) == []
        page.get_by_label("Amount received").fill("500")
        page.get_by_role("button", name="Record the repayment").click()
        expect(banner(page)).to_contain_text("Repayment recorded")
        expect(page.get_by_text("Repaid in full")).to_be_visible()
        expect(page.get_by_text("£9,000 left of £9,500 a year")).to_be_visible()
        expect(page.get_by_text("£0 paid, £500 repaid, £9,000 left")).to_be_visible()
        assert violations(page) == []
    finally:
        coordinator.close()
        budget_holder.close()
