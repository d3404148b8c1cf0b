"""In a real browser (headless Chromium): a commissioner signs in and finds a trust."""

from __future__ import annotations

import pytest

from tests.functional.conftest import violations

pytestmark = [pytest.mark.functional, pytest.mark.django_db(transaction=True)]


def test_commissioner_signs_in_and_finds_mid_staffordshire(
    browser, live_server, make_user, reference_dir
):
    from commissioning.organisations.permissions import SYSTEM
    from commissioning.reference.services import ingest_file

    ingest_file("trusts", reference_dir / "nhs_trusts.csv", SYSTEM)
    make_user("commissioner", first_name="Chris", last_name="Commissioner")

    page = browser.new_page()
    page.goto(f"{live_server.url}/")
    assert page.title().startswith("Sign in")
    page.get_by_label("Username").fill("commissioner")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", name="Welcome, Chris Commissioner").is_visible()

    page.get_by_role("link", name="Find an organisation").click()
    page.get_by_label("Name, ODS code or postcode").fill("Mid Staffordshire")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Mid Staffordshire NHS Foundation Trust").click()
    assert (
        page.get_by_role("heading", level=1)
        .inner_text()
        .endswith("Mid Staffordshire NHS Foundation Trust")
    )
    assert page.get_by_text("RJD", exact=True).is_visible()
    # The NHS.UK stylesheet was served locally and applied.
    colour = page.evaluate(
        "getComputedStyle(document.querySelector('.nhsuk-header')).backgroundColor"
    )
    assert colour == "rgb(0, 94, 184)"  # NHS blue
    page.close()


def test_search_as_you_type_updates_results_with_htmx(
    browser, live_server, make_user, reference_dir
):
    from commissioning.organisations.permissions import SYSTEM
    from commissioning.reference.services import ingest_file

    ingest_file("trusts", reference_dir / "nhs_trusts.csv", SYSTEM)
    user = make_user("quality_lead")
    page = browser.new_page()
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/organisations/")
    page.get_by_label("Name, ODS code or postcode").press_sequentially("RJE", delay=50)
    page.get_by_text("1 organisation found").wait_for(timeout=5000)
    assert page.get_by_role(
        "link", name="University Hospitals of North Midlands NHS Trust"
    ).is_visible()
    page.close()


def _setup_code(user) -> str:
    """The code an authenticator app would show for the key the set-up page gave."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user, confirmed=False)
    return f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"


def test_main_pages_have_no_wcag_aa_violations(browser, live_server, make_user, reference_dir):
    """axe-core (the engine behind most accessibility checkers) finds no WCAG 2.2 A/AA issue."""
    from commissioning.organisations.permissions import SYSTEM
    from commissioning.reference.services import ingest_file

    ingest_file("trusts", reference_dir / "nhs_trusts.csv", SYSTEM)
    ingest_file("ae", reference_dir / "ae_attendances.csv", SYSTEM)
    user = make_user("auditor")
    page = browser.new_page()
    # The checker itself must catch a known fault, or a clean result would mean nothing.
    page.set_content('<html lang="en"><title>t</title><main><input type="text"></main></html>')
    assert any(v.startswith("label") for v in violations(page))
    found = {}
    page.goto(f"{live_server.url}/sign-in/")
    found["sign-in"] = violations(page)
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    # An auditor reads personal data: the first sign-in sets up two-step sign-in.
    page.wait_for_url(f"{live_server.url}/sign-in/two-step/set-up/**")
    found["two-step set-up"] = violations(page)
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    found["two-step set-up, no code"] = violations(page)
    page.get_by_label("Code from your authenticator app").fill(_setup_code(user))
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    page.wait_for_url(f"{live_server.url}/")
    for name, path in [
        ("home", "/"),
        ("directory", "/organisations/?q=staff"),
        ("organisation", "/organisations/RJE/"),
        ("audit", "/audit/?verify=1"),
        ("about", "/about-the-data/"),
    ]:
        page.goto(f"{live_server.url}{path}")
        found[name] = violations(page)
    page.close()
    assert {k: v for k, v in found.items() if v} == {}


def test_the_header_fits_a_phone_and_its_menu_opens(browser, live_server, make_user):
    """Issue 18: at 390 px the header's menu did not collapse and pages scrolled sideways (the
    NHS.UK frontend's JavaScript was not loaded). Now the links that do not fit move under
    "More", and nothing is wider than the screen."""
    make_user("commissioner", first_name="Chris", last_name="Commissioner")
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill("commissioner")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    more = page.get_by_role("button", name="Browse More")
    more.wait_for(state="visible")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    more.click()
    assert more.get_attribute("aria-expanded") == "true"
    assert violations(page) == []
    assert browser.blocked == []  # nothing was asked of another origin
    page.close()
