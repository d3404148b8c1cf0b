"""Configuration fails closed (issue 16, finding 5) and every answer carries the headers and
session rules of finding 11."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.urls import reverse

from commissioning.config.security import SESSION_SEEN, SESSION_STARTED

REPO = Path(__file__).resolve().parents[3]
# The settings checks run in fresh processes and read no database: once (with SQLite) is
# enough; the suite's PostgreSQL run skips them.
settings_only = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="configuration is checked in the SQLite run (no database involved)",
)
GOOD_KEY = "k" * 10 + "Zq3Xr9Vb2Nw7Lp5Hd8Tf4Jm6Yc1Ks0Ga" + "e" * 20
OLD_PUBLIC_KEY = "insecure-demo-key-set-DJANGO_SECRET_KEY-in-production"


def _run(code_or_args, env_extra: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DJANGO_", "COMMISSIONING_"))}  # fmt: skip
    env.update(DJANGO_SETTINGS_MODULE="commissioning.config.settings",
               COMMISSIONING_DATA_DIR=str(tmp_path), **env_extra)  # fmt: skip
    args = code_or_args if isinstance(code_or_args, list) else ["-c", code_or_args]
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True,
                          cwd=REPO, timeout=120, check=False)  # fmt: skip


@settings_only
def test_debug_is_off_and_the_key_is_never_a_public_string_unless_asked(tmp_path):
    done = _run(
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DEBUG, settings.SECRET_KEY)",
        {},
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    debug, key = done.stdout.split()
    assert debug == "False"
    assert key != OLD_PUBLIC_KEY and len(key) >= 50
    kept = tmp_path / "secret_key"
    assert kept.read_text() == key and (kept.stat().st_mode & 0o777) == 0o600
    again = _run("import django; django.setup(); from django.conf import settings; "
                 "print(settings.SECRET_KEY)", {}, tmp_path)  # fmt: skip
    assert again.stdout.strip() == key  # the same key on the same machine


@settings_only
@pytest.mark.parametrize(
    ("env", "check_id", "says"),
    [
        ({}, "commissioning.E001", "DJANGO_SECRET_KEY is not set"),
        ({"DJANGO_SECRET_KEY": OLD_PUBLIC_KEY}, "commissioning.E001", "has been published"),
        ({"DJANGO_SECRET_KEY": "short"}, "commissioning.E001", "shorter than 50 characters"),
        ({"DJANGO_SECRET_KEY": GOOD_KEY, "DJANGO_DEBUG": "1"}, "commissioning.E002", "DEBUG on"),
        ({"DJANGO_SECRET_KEY": GOOD_KEY, "COMMISSIONING_DEMO": "1"}, "commissioning.E003",
         "COMMISSIONING_DEMO"),
    ],
)  # fmt: skip
def test_production_refuses_to_start_and_says_why(tmp_path, env, check_id, says):
    production = {"COMMISSIONING_PRODUCTION": "1", **env}
    check = _run(["manage.py", "check"], production, tmp_path)
    assert check.returncode != 0
    assert check_id in check.stderr and says in check.stderr
    if check_id == "commissioning.E001" and not env:
        # A WSGI server (which runs no system checks) cannot start it either.
        wsgi = _run("import commissioning.config.wsgi", production, tmp_path)
        assert wsgi.returncode != 0
        assert "ImproperlyConfigured" in wsgi.stderr and check_id in wsgi.stderr


@settings_only
def test_deploy_checks_pass_in_production(tmp_path):
    production = {"COMMISSIONING_PRODUCTION": "1", "DJANGO_SECRET_KEY": GOOD_KEY,
                  "DJANGO_ALLOWED_HOSTS": "commissioning.example.nhs.uk"}  # fmt: skip
    done = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production,
                tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr + done.stdout
    assert "System check identified no issues" in done.stdout


def test_an_anonymous_404_lists_no_url_patterns(client):
    response = client.get("/no-such-page/")
    assert response.status_code in (302, 404)
    followed = client.get("/no-such-page/", follow=True).content.decode()
    assert "ledger/accounts" not in followed and "URLconf" not in followed


def test_every_answer_carries_the_security_headers(client, make_user):
    client.force_login(make_user("commissioner"))
    page = client.get(reverse("home"))
    csp = page["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    scripts = re.findall(r"<script([^>]*)>", page.content.decode())
    inline = [s for s in scripts if "src=" not in s]
    assert inline and all(f'nonce="{nonce}"' in s for s in inline)
    assert " style=" not in page.content.decode()
    assert (
        "camera=()" in page["Permissions-Policy"] and "geolocation=()" in page["Permissions-Policy"]
    )
    assert page["Referrer-Policy"] == "same-origin"
    for response in (page, client.get(reverse("directory-csv")),
                     client.get("/api/v1/organisations")):  # fmt: skip
        assert "no-store" in response["Cache-Control"], response
    # Another nonce on the next page.
    assert nonce not in client.get(reverse("home"))["Content-Security-Policy"]


def test_hsts_is_sent_over_tls_in_production(client, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    assert "Strict-Transport-Security" not in client.get(reverse("login"))
    secure = client.get(reverse("login"), secure=True)
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def _aged(client, started_ago: int, seen_ago: int) -> None:
    session = client.session
    now = int(time.time())
    session[SESSION_STARTED], session[SESSION_SEEN] = now - started_ago, now - seen_ago
    session.save()


def test_a_session_ends_after_30_minutes_idle_and_after_10_hours(client, make_user):
    user = make_user("commissioner")
    client.force_login(user)
    _aged(client, started_ago=600, seen_ago=120)
    assert client.get(reverse("home")).status_code == 200  # active: carries on
    _aged(client, started_ago=3600, seen_ago=31 * 60)
    idle = client.get(reverse("home"), follow=True)
    assert idle.redirect_chain[0][0].startswith(reverse("login"))
    assert "You were signed out after 30 minutes without activity" in idle.content.decode()
    client.force_login(user)
    _aged(client, started_ago=10 * 3600 + 5, seen_ago=10)
    absolute = client.get(reverse("home"), follow=True)
    assert "You were signed out after 10 hours" in absolute.content.decode()
    client.force_login(user)
    _aged(client, started_ago=3600, seen_ago=31 * 60)
    assert client.get("/api/v1/organisations").status_code == 401


def test_signing_in_starts_the_sessions_clock(client, make_user):
    make_user("commissioner")
    before = int(time.time())
    client.post(reverse("login"), {"username": "commissioner",
                                   "password": "correct-horse-battery"})  # fmt: skip
    assert client.session[SESSION_STARTED] >= before


def test_a_refusal_is_one_line_with_the_actors_id_and_no_traceback(client, make_user, caplog):
    user = make_user("provider_representative")
    client.force_login(user)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get(reverse("audit")).status_code == 403
        assert client.get("/api/v1/ledger/verify").status_code == 403
    refused = [r for r in caplog.records if r.name == "django.request"]
    assert [r.getMessage() for r in refused] == [
        f"Refused GET /audit/ for user {user.pk}",
        f"Refused GET /api/v1/ledger/verify for user {user.pk}",
    ]
    assert all(r.exc_info is None and r.exc_text is None for r in refused)
