"""Issue 16, finding 6: no defence against password guessing (50 wrong passwords answered at
full speed, then the right one worked). Now: lockout per account and per address with a clear
message and an administrator's unlock (django-axes); two-step sign-in (time-based codes,
django-otp), required for those who read personal data or move money; API tokens that expire
and can be rotated."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from typer.testing import CliRunner

from commissioning.api.models import ApiToken
from commissioning.api.tokens import issue_token, rotate_token
from commissioning.cli import app
from commissioning.organisations.permissions import SYSTEM, needs_two_factor

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def _sign_in(client, username, password=PASSWORD, address="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password},
                       REMOTE_ADDR=address)  # fmt: skip


def _unthrottle(device) -> None:
    """As if the wait after a wrong code had passed."""
    device.refresh_from_db()
    device.throttling_failure_timestamp = timezone.now() - dt.timedelta(hours=1)
    device.save(update_fields=["throttling_failure_timestamp"])


def _code(device, drift: int = 0) -> str:
    """The app's code now (``drift=1``: the next one; a code is accepted once, so a second
    sign-in within the same 30 seconds needs the next)."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, drift):06d}"


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(client, make_user):
    make_user("commissioner")
    for _ in range(4):
        assert _sign_in(client, "commissioner", "guess").status_code == 200
    assert _sign_in(client, "commissioner", "guess").status_code == 429  # the fifth
    locked = _sign_in(client, "commissioner")
    assert locked.status_code == 429
    assert "Sign-in is locked for now" in locked.content.decode()
    assert "Try again in 15 minutes" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # From another address too: the account is locked, not only the address.
    assert _sign_in(client, "commissioner", address="10.0.0.2").status_code == 429
    # An administrator unlocks it; then the right password works.
    call_command("axes_reset_username", "commissioner", verbosity=0)
    assert _sign_in(client, "commissioner").status_code == 302


def test_one_address_guessing_many_accounts_is_locked_out(client, make_user):
    for i in range(6):
        make_user("commissioner", username=f"person-{i}")
    for i in range(5):  # a different account each time: no account reaches its limit
        _sign_in(client, f"person-{i}", "guess", address="10.9.9.9")
    assert _sign_in(client, "person-5", address="10.9.9.9").status_code == 429
    assert _sign_in(client, "person-5", address="10.1.1.1").status_code == 302


def test_who_must_use_two_step_sign_in(make_user):
    must = ["finance_lead", "care_coordinator", "auditor", "administrator", "budget_holder"]
    for role in must:
        assert needs_two_factor(make_user(role, username=f"m-{role}")), role
    for role in ("commissioner", "contract_manager", "quality_lead", "clinical_adviser",
                 "provider_representative", None):  # fmt: skip
        assert not needs_two_factor(make_user(role, username=f"n-{role}")), role


def test_a_finance_lead_sets_up_then_uses_two_step_sign_in(client, make_user):
    finance = make_user("finance_lead")
    assert _sign_in(client, "finance-lead").status_code == 302
    # Nothing but the second step until it is taken: pages, exports and the API.
    assert client.get(reverse("home"))["Location"].startswith(reverse("two-factor"))
    assert client.get("/ledger/accounts/ANY/postings.csv").status_code == 302
    assert client.get("/api/v1/organisations").status_code == 401
    setup = client.get(reverse("two-factor"), follow=True)
    assert setup.redirect_chain[-1][0].startswith(reverse("two-factor-setup"))
    page = setup.content.decode()
    assert "Set up two-step sign-in" in page and 'src="data:image/svg+xml' in page
    device = TOTPDevice.objects.get(user=finance, confirmed=False)
    wrong = client.post(reverse("two-factor-setup"), {"code": "000000"})
    assert "The code is not right" in wrong.content.decode()
    _unthrottle(device)  # each wrong code doubles the wait before the next is tried
    setup_code = _code(device)
    done = client.post(reverse("two-factor-setup"), {"code": setup_code}, follow=True)
    assert "Two-step sign-in is set up" in done.content.decode()
    assert client.get(reverse("home")).status_code == 200
    assert client.get("/api/v1/organisations").status_code == 200
    # Next time: password, then the code.
    client.post(reverse("logout"))
    _sign_in(client, "finance-lead")
    assert client.get(reverse("home"))["Location"].startswith(reverse("two-factor"))
    page = client.get(reverse("two-factor")).content.decode()
    assert "Enter the code from your authenticator app" in page
    assert "demo account's code" not in page  # never outside the demo
    assert "The code is not right" in client.post(reverse("two-factor"),
                                                  {"code": "123456"}).content.decode()  # fmt: skip
    throttled = client.post(reverse("two-factor"), {"code": _code(device)}).content.decode()
    assert "Too many wrong codes" in throttled  # even the right code, straight after
    _unthrottle(device)
    reused = client.post(reverse("two-factor"), {"code": setup_code}).content.decode()
    assert "The code is not right" in reused  # the code that set it up cannot be used again
    _unthrottle(device)
    ok = client.post(reverse("two-factor"), {"code": _code(device, 1), "next": "/together/"})
    assert ok["Location"] == "/together/"


def test_a_commissioner_signs_in_with_a_password_alone(client, make_user):
    make_user("commissioner")
    _sign_in(client, "commissioner")
    assert client.get(reverse("home")).status_code == 200


def test_the_demo_shows_a_demo_accounts_code_and_nothing_else(client, make_user, settings):
    from commissioning.web.two_factor import DEMO_DEVICE

    settings.DEMO = True
    finance = make_user("finance_lead")
    device = TOTPDevice.objects.create(user=finance, name=DEMO_DEVICE, confirmed=True)
    _sign_in(client, "finance-lead")
    page = client.get(reverse("two-factor")).content.decode()
    assert f"the demo account's code now is <strong>{_code(device)}</strong>" in page


def test_api_tokens_expire_and_rotate(client, make_user):
    user = make_user("commissioner")
    token, raw = issue_token(user, "ledger sync", SYSTEM)
    assert token.expires_at - timezone.now() > dt.timedelta(days=89)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get("/api/v1/organisations", **auth).status_code == 200
    rotated = client.post("/api/v1/tokens/rotate", **auth)
    assert rotated.status_code == 201
    new = rotated.json()["token"]
    assert client.get("/api/v1/organisations", **auth).status_code == 401  # the old one
    new_auth = {"HTTP_AUTHORIZATION": f"Bearer {new}"}
    assert client.get("/api/v1/organisations", **new_auth).status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is not None and token.replaced_by.prefix == new[:8]
    # An expired token is refused, and cannot be rotated.
    ApiToken.objects.filter(prefix=new[:8]).update(expires_at=timezone.now())
    assert client.get("/api/v1/organisations", **new_auth).status_code == 401
    with pytest.raises(Exception, match="revoked or expired"):
        rotate_token(ApiToken.objects.get(prefix=new[:8]), SYSTEM)


def test_the_command_line_issues_for_a_time_and_rotates(make_user):
    make_user("commissioner")
    runner = CliRunner()
    made = runner.invoke(app, ["api-token", "create", "commissioner", "--days", "30"])
    assert made.exit_code == 0, made.output
    raw = re.search(r"[A-Za-z0-9_-]{43}", made.output).group(0)
    token = ApiToken.objects.get(prefix=raw[:8])
    assert dt.timedelta(days=29) < token.expires_at - timezone.now() <= dt.timedelta(days=30)
    too_long = runner.invoke(app, ["api-token", "create", "commissioner", "--days", "400"])
    assert too_long.exit_code == 1 and "1 to 366 days" in too_long.output
    rotated = runner.invoke(app, ["api-token", "rotate", raw[:8]])
    assert rotated.exit_code == 0, rotated.output
    token.refresh_from_db()
    assert token.revoked_at is not None and token.replaced_by is not None


def test_a_script_gets_only_the_token_and_tokens_can_be_listed_and_revoked(make_user):
    """Issue 18: the README's one-liner got an empty token when the output wrapped at 80
    columns; there was no way to list or revoke from the command line."""
    make_user("commissioner", "username-that-wraps-a-line")
    runner = CliRunner()
    made = runner.invoke(app, ["api-token", "create", "username-that-wraps-a-line", "--quiet"])
    assert made.exit_code == 0, made.output
    raw = made.output.strip()
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", raw)
    listed = runner.invoke(app, ["api-token", "list"])
    assert raw[:8] in listed.output and raw not in listed.output  # never the secret
    revoked = runner.invoke(app, ["api-token", "revoke", raw[:8]])
    assert revoked.exit_code == 0, revoked.output
    assert ApiToken.objects.get(prefix=raw[:8]).revoked_at is not None
    assert "No tokens in force" in runner.invoke(app, ["api-token", "list"]).output
    assert runner.invoke(app, ["api-token", "revoke", raw[:8]]).exit_code == 1


def test_no_token_begins_with_a_dash_which_the_command_line_reads_as_an_option(
    make_user, monkeypatch
):
    """CI failed once when a token's prefix began "-I": `api-token rotate -I…` is an option.
    The secret is drawn again until it does not begin with "-"."""
    from commissioning.api import tokens

    draws = iter(["-Iabcdefg" + "x" * 34, "-_abcdefg" + "y" * 34, "Qabcdefgh" + "z" * 34])
    monkeypatch.setattr(tokens.secrets, "token_urlsafe", lambda n: next(draws))
    user = make_user("commissioner")
    token, raw = issue_token(user, "script", SYSTEM)
    assert raw.startswith("Q") and token.prefix == "Qabcdefg"
