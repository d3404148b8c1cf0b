"""In a real browser (headless Chromium): a new commissioning cycle from a draft specification
to a signed contract, walked by three people: a commissioner, a clinical adviser of the
cardiovascular network, and a provider's representative. The clock is moved on (time-machine)
where the walk would otherwise wait for the deadline for proposals and for standstill."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urljoin, urlparse

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from tests.cycle import PASSWORD, PDF, Cycle, build_economy, indicator
from tests.functional.conftest import CHROMIUM, violations

pytestmark = [pytest.mark.functional, pytest.mark.django_db(transaction=True)]

START = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))  # a Monday


class Person:
    """One person in their own browser context (their own cookies), signed in afresh."""

    def __init__(self, browser, live_server, username):
        self.browser, self.url, self.username = browser, live_server.url, username
        self.page = None

    def sign_in(self):
        if self.page is not None:
            self.page.context.close()
        needs_code = two_step_device(self.username) is not None
        self.page = self.browser.new_page()
        self.page.goto(f"{self.url}/sign-in/")
        self.page.get_by_label("Username").fill(self.username)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("button", name="Sign in").click()
        if needs_code:
            # The second step, with the code the person's authenticator app shows.
            self.page.wait_for_url(f"{self.url}/sign-in/two-step/**")
            code = two_step_code(self.username)
            self.page.get_by_label("Code from your authenticator app").fill(code)
            self.page.get_by_role("button", name="Continue").click()
        self.page.wait_for_url(f"{self.url}/")
        return self.page

    def close(self):
        if self.page is not None:
            self.page.context.close()


def two_step_device(username: str):
    """The authenticator of someone who must sign in in two steps (made the first time)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from commissioning.organisations.models import User
    from commissioning.organisations.permissions import needs_two_factor

    user = User.objects.prefetch_related("memberships").get(username=username)
    if not needs_two_factor(user):
        return None
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)


def two_step_code(username: str) -> str:
    """The code the person's app shows now, or the next one if this one was used (a code is
    accepted once)."""
    import time

    from django_otp.oath import totp

    device = two_step_device(username)
    device.refresh_from_db()
    now_t = int((time.time() - device.t0) // device.step)
    drift = max(0, device.last_t + 1 - now_t)
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, drift):06d}"


def banner(page):
    return page.locator(".nhsuk-notification-banner")


def follow(page, link) -> None:
    """Click ``link`` and wait for the page it leads to. Under a loaded CI machine a click on a
    link has been lost now and then (the walk then waited 30 s on a page that never came,
    never the same step twice); if the page has not come within 10 s the link's own address
    is followed, so the walk still goes where the user's click goes, and the page it arrives
    at is tested as before."""
    href = link.get_attribute("href")
    assert href, "a link without an address"
    target = urlparse(urljoin(page.url, href)).path
    link.click()
    try:
        page.wait_for_url(lambda url: urlparse(url).path == target, timeout=10_000)
    except PlaywrightTimeoutError:
        page.goto(urljoin(page.url, href))


def test_a_new_cycle_from_draft_specification_to_signed_contract(browser, live_server):
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: `make test` installs it from Debian")
    with time_machine.travel(START, tick=True) as clock:
        build_economy()
        stroke_indicator = indicator("1.1")
        commissioner = Person(browser, live_server, "commissioner")
        adviser = Person(browser, live_server, "clinical-adviser")
        provider = Person(browser, live_server, "provider")

        # The commissioner writes the specification, then consults the network.
        page = commissioner.sign_in()
        follow(page, page.get_by_role("link", name="Service specifications").first)
        follow(page, page.get_by_role("link", name="Write a new specification"))
        page.get_by_label("Service", exact=True).fill("Community stroke rehabilitation")
        page.get_by_label("Description of the service").fill("Early supported discharge at home.")
        page.get_by_label("Population covered").fill("Adults after a stroke")
        page.get_by_label("Area covered").fill("The ICB area")
        page.get_by_label("Planned activity a year").fill("900")
        page.get_by_label("Unit of activity").fill("people supported")
        page.get_by_label("Financial envelope").fill("3,600,000")
        page.get_by_label("Term in months").fill("36")
        page.get_by_role("button", name="Save as a draft").click()
        expect(banner(page)).to_contain_text("is saved as a draft")

        follow(page, page.get_by_role("link", name="Add an outcome").first)
        page.get_by_label("NHS Outcomes Framework indicator").select_option(
            str(stroke_indicator.pk)
        )
        page.get_by_label("Baseline").fill("71.3")
        page.get_by_label("Target", exact=True).fill("80")  # wrong way: lower is better
        page.get_by_label("Target date").fill("2029-03-31")
        page.get_by_role("button", name="Add the outcome").click()
        expect(
            page.get_by_text("so the target must be below the baseline (71.3)").first
        ).to_be_visible()
        page.get_by_label("Target", exact=True).fill("65")
        page.get_by_role("button", name="Add the outcome").click()
        expect(banner(page)).to_contain_text("The outcome is added.")

        for dimension, requirement in [
            ("Safe", "Falls risk assessed at the first visit"),
            ("Clinically effective", "Therapy starts within 24 hours of discharge"),
            ("Positive experience", "People who would recommend the service"),
        ]:
            follow(page, page.get_by_role("link", name="Add a quality requirement").last)
            page.get_by_label(dimension, exact=True).check()
            page.get_by_label("Quality requirement").fill(requirement)
            page.get_by_label("Threshold").fill("at least 90% each month")
            page.get_by_label("Method of measurement").fill("Service records")
            page.get_by_role("button", name="Add the requirement").click()
            expect(banner(page)).to_contain_text("The quality requirement is added.")
        page.get_by_role("button", name="Send out for consultation").click()
        follow(page, page.get_by_role("link", name="Ask for clinical advice").last)
        page.get_by_label("Strategic clinical network: cardiovascular").check()
        page.get_by_label("Organisation").select_option(
            label="Cardiovascular Strategic Clinical Network (XN001)"
        )
        page.get_by_label("What would you like advice on?").fill("Is 24-hour therapy start safe?")
        page.get_by_label("Advice needed by").fill("2026-03-09")
        page.get_by_role("button", name="Send the request").click()
        expect(banner(page)).to_contain_text("Your request for advice is sent.")
        spec_url = page.url

        # The clinical adviser answers, with a document.
        page = adviser.sign_in()
        follow(page, page.get_by_role("link", name="Advice requests").first)
        follow(page, page.get_by_role("link", name="Community stroke rehabilitation"))
        page.get_by_label("Support it with the changes suggested").check()
        page.get_by_label("Your advice", exact=True).fill(
            "Safe, with a therapist on call at weekends."
        )
        page.get_by_label("Supporting documents (optional)").set_input_files(
            files=[{"name": "advice.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
        page.get_by_role("button", name="Send your advice").click()
        expect(banner(page)).to_contain_text("Your advice is recorded")

        # The commissioner approves, applies the regime and invites proposals.
        page = commissioner.sign_in()
        page.goto(spec_url)
        expect(page.get_by_text("Safe, with a therapist on call at weekends.")).to_be_visible()
        page.get_by_role("button", name="Approve the specification").click()
        # The approval's page first: a link clicked before it loads belongs to the old page.
        expect(banner(page)).to_contain_text("The specification is approved")
        follow(page, page.get_by_role("link", name="Choose how to select a provider").first)
        page.get_by_label("Budget").select_option(label="Acute services 2026/27 (XC001-ACUTE-2026)")
        page.get_by_role("button", name="Check which process applies").click()
        expect(page.get_by_text("The regime points to: Competitive process")).to_be_visible()
        page.get_by_role("button", name="Record the process").click()
        follow(page, page.get_by_role("link", name="Invite proposals").first)
        page.get_by_label("Last day for proposals").fill("2026-03-16")
        page.get_by_label(re.compile(r"^Commissioner Tester")).check()
        page.get_by_role("button", name="Publish and invite proposals").click()
        expect(banner(page)).to_contain_text("Proposals are invited")

        # The provider writes and submits a proposal.
        page = provider.sign_in()
        follow(page, page.get_by_role("link", name="Opportunities and proposals").first)
        follow(page, page.get_by_role("link", name="Community stroke rehabilitation"))
        follow(page, page.get_by_role("link", name="Write a proposal"))
        page.get_by_label("Your proposal").fill("A 7-day early supported discharge team.")
        page.get_by_label("Capacity a year").fill("950")
        page.get_by_label("Price over the whole term").fill("3,450,000")
        page.get_by_label(re.compile("How you will meet outcome 1.1")).fill(
            "Therapy within 24 hours."
        )
        page.get_by_role("button", name="Save as a draft").click()
        page.get_by_role("button", name="Submit the proposal").click()
        expect(banner(page)).to_contain_text("Your proposal is submitted")

        # After the deadline: the commissioner declares, scores, moderates and decides.
        clock.shift(dt.timedelta(days=15))
        page = commissioner.sign_in()
        page.goto(spec_url)
        follow(page, page.get_by_role("link", name="Evaluate the proposals").first)
        follow(page, page.get_by_role("link", name="Declare your interests"))
        page.get_by_label("No, I have no interests to declare").check()
        page.get_by_role("button", name="Make the declaration").click()
        follow(page, page.get_by_role("link", name=re.compile("Score it")))
        expect(
            page.get_by_role("heading", name=re.compile("Score the proposal from"))
        ).to_be_visible()
        for field in page.locator("select").all():
            field.select_option("4")
        for reason in page.locator("textarea").all():
            reason.fill("Meets the requirement with added value.")
        page.get_by_role("button", name="Record your scores").click()
        follow(page, page.get_by_role("link", name=re.compile("Moderate the scores")))
        expect(
            page.get_by_role("heading", name=re.compile("Moderate the scores for"))
        ).to_be_visible()
        for field in page.locator("select").all():
            field.select_option("4")
        for reason in page.locator("textarea").all():
            reason.fill("Agreed: one evaluator, no divergence.")
        page.get_by_role("button", name="Record the moderated scores").click()
        expect(page.get_by_text("rank 1, 80.0%")).to_be_visible()
        page.goto(spec_url)
        follow(page, page.get_by_role("link", name="Decide", exact=True).first)
        page.get_by_label("Award a contract").check()
        page.get_by_label(
            re.compile("University Hospitals of North Midlands NHS Trust: 80.0%")
        ).check()
        page.get_by_label("Rationale", exact=True).fill(
            "The proposal scored 80% and is within the envelope."
        )
        page.get_by_role("button", name="Record the decision").click()
        expect(banner(page)).to_contain_text("Next, publish the notice of intention to award")
        page.get_by_role("button", name="Publish the notice today").click()
        expect(
            page.get_by_text("Standstill runs to the end of Friday 27 March 2026").first
        ).to_be_visible()

        # After standstill: the commissioner makes the contract; both sides sign it.
        clock.shift(dt.timedelta(days=12))
        page = commissioner.sign_in()
        page.goto(spec_url)
        follow(page, page.get_by_role("link", name="Notice and standstill").first)
        follow(page, page.get_by_role("link", name="Make the contract"))
        page.get_by_role("button", name="Make the contract").click()
        expect(banner(page)).to_contain_text("quality schedule")
        contract_url = page.url
        expect(page.get_by_text("Falls risk assessed at the first visit")).to_be_visible()
        page.get_by_role("button", name="Sign the contract").click()

        page = provider.sign_in()
        follow(page, page.get_by_role("link", name="Contracts").first)
        follow(page, page.get_by_role("link", name=re.compile("^XC001-2026-")))
        assert page.url == contract_url
        page.get_by_role("button", name="Sign the contract").click()
        expect(banner(page)).to_contain_text("signed by both sides")
        expect(page.get_by_text("Signed", exact=True).first).to_be_visible()

        for person in (commissioner, adviser, provider):
            person.close()

    from commissioning.audit.chain import verify_chain
    from commissioning.contracts.models import Contract

    contract = Contract.objects.get()
    assert contract.status == "signed" and contract.value_pence == 3_450_000_00
    assert contract.quality_schedule.count() == 4
    assert verify_chain().ok


@pytest.mark.parametrize("username", ["provider", "clinical-adviser"])
def test_providers_and_clinical_advisers_cannot_decide_in_the_browser(
    browser, live_server, username
):
    economy = build_economy()
    cycle = Cycle(economy)
    cycle.decided()
    person = Person(browser, live_server, username)
    page = person.sign_in()
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 3, 24, 10)), tick=True):
        page.goto(f"{live_server.url}/selection/{cycle.process.pk}/")
        assert page.get_by_role("link", name="Record the decision").count() == 0
        response = page.goto(f"{live_server.url}/selection/{cycle.process.pk}/decide/")
        assert response.status == 403
        expect(page.get_by_role("heading", name="You cannot do this")).to_be_visible()
        token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
        for path in (
            f"/selection/{cycle.process.pk}/decide/",
            f"/decisions/{cycle.decision.pk}/notice/",
            f"/decisions/{cycle.decision.pk}/withdraw/",
        ):
            posted = page.request.post(
                f"{live_server.url}{path}",
                form={"outcome": "not_award", "rationale": "x" * 40, "reason": "x"},
                headers={"X-CSRFToken": token, "Referer": live_server.url},
            )
            assert posted.status == 403, path
    person.close()
    cycle.decision.refresh_from_db()
    assert cycle.decision.status == "recorded" and cycle.decision.outcome == "award"


def test_the_cycle_pages_have_no_wcag_aa_violations(browser, live_server):
    economy = build_economy()
    cycle = Cycle(economy).signed()
    found = {}
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 4, 9, 10)), tick=True):
        pages = {
            "commissioner": [
                ("specifications", "/specifications/"),
                ("specification", f"/specifications/{cycle.spec.pk}/"),
                ("outcome form", f"/specifications/{cycle.spec.pk}/outcomes/new/"),
                ("selection", f"/selection/{cycle.process.pk}/"),
                ("evaluation", f"/selection/{cycle.process.pk}/evaluation/"),
                ("decision", f"/decisions/{cycle.decision.pk}/"),
                ("decision record", f"/selection/{cycle.process.pk}/record/"),
                ("contract", f"/contracts/{cycle.contract.pk}/"),
                ("new specification", "/specifications/new/"),
            ],
            "provider": [
                ("opportunities", "/opportunities/"),
                ("proposal", f"/proposals/{cycle.proposal.pk}/"),
                ("unsolicited proposal", "/proposals/new/"),
            ],
            "clinical-adviser": [
                ("advice requests", "/advice/"),
                ("advice", f"/advice/{cycle.advice_request.pk}/"),
            ],
        }
        for username, paths in pages.items():
            person = Person(browser, live_server, username)
            page = person.sign_in()
            for name, path in paths:
                page.goto(f"{live_server.url}{path}")
                found[name] = violations(page)
            person.close()
    assert {k: v for k, v in found.items() if v} == {}
