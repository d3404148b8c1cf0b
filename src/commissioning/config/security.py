"""The platform's web security that is configuration rather than policy (docs/security.md):

- (in ``keys.py``) the local secret key for a machine that runs the demo or the tests, never a
  public string;
- system checks that refuse production with a missing or public secret key, ``DEBUG`` or the
  demo's conveniences on (``manage.py`` commands run them; the WSGI entry point runs them too);
- ``Cache-Control: no-store`` on every page, export and API answer (the platform is behind
  sign-in, and any of them can carry personal or commercially confidential data);
- sessions that end after a period without activity and, whatever the activity, after an
  absolute lifetime;
- (in ``logs.py``) a refused request logged as one line naming the actor by id, never a
  traceback.

Who may do what is not here: that is each app's ``permissions.py``.
"""

from __future__ import annotations

import os
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core import checks
from django.utils.cache import patch_cache_control

from .keys import key_problem


@checks.register(checks.Tags.security)
def production_settings(app_configs=None, **kwargs):
    """In production mode: a secret key of its own, DEBUG off and no demo conveniences. Errors,
    so that ``manage.py`` commands refuse to run and the WSGI entry point refuses to start."""
    if not getattr(settings, "PRODUCTION", False):
        return []
    errors = []
    problem = key_problem(os.environ.get("DJANGO_SECRET_KEY"))
    if problem:
        errors.append(
            checks.Error(
                f"Production mode refuses to start: {problem}.",
                hint="Set DJANGO_SECRET_KEY to a random value of at least 50 characters, kept "
                "secret, for example the output of: "
                "python -c 'import secrets; print(secrets.token_urlsafe(64))'",
                id="commissioning.E001",
            )
        )
    if settings.DEBUG:
        errors.append(
            checks.Error(
                "Production mode refuses to start with DEBUG on: error pages would show "
                "tracebacks and settings, and 404 pages every URL.",
                hint="Unset DJANGO_DEBUG.",
                id="commissioning.E002",
            )
        )
    if getattr(settings, "DEMO", False):
        errors.append(
            checks.Error(
                "Production mode refuses to start with COMMISSIONING_DEMO on (the demo shows "
                "demo accounts' sign-in codes).",
                hint="Unset COMMISSIONING_DEMO.",
                id="commissioning.E003",
            )
        )
    return errors


def refuse_to_start_unless_checks_pass() -> None:
    """For the WSGI entry point, which Django does not check: in production, stop with the
    reason if a check of ``production_settings`` fails."""
    from django.core.exceptions import ImproperlyConfigured

    errors = [e for e in production_settings() if e.is_serious()]
    if errors:
        raise ImproperlyConfigured("\n".join(f"{e.id}: {e.msg} {e.hint}" for e in errors))


class NoStoreMiddleware:
    """Nothing the platform answers is kept by a browser or a proxy cache (static files are
    served before this, by WhiteNoise, with their own long cache lifetimes)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(response, no_store=True, private=True)
        return response


SESSION_STARTED = "_signed_in_at"
SESSION_SEEN = "_last_seen_at"
# The session is written at most once a minute to record activity, not on every request.
SEEN_RESOLUTION = 60


def mark_signed_in(sender, request, user, **kwargs) -> None:
    """``user_logged_in``: the session's absolute lifetime counts from here."""
    now = int(time.time())
    request.session[SESSION_STARTED] = now
    request.session[SESSION_SEEN] = now


class SessionLifetimeMiddleware:
    """A session ends after ``SESSION_IDLE_SECONDS`` without a request, and after
    ``SESSION_MAX_SECONDS`` whatever the activity (a shared or stolen session cannot live on).
    The person is signed out and told why on the sign-in page; the API answers 401."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            started = request.session.get(SESSION_STARTED)
            seen = request.session.get(SESSION_SEEN, started)
            if started is None:  # a session from before this rule: it starts now
                request.session[SESSION_STARTED] = request.session[SESSION_SEEN] = now
            elif now - started > settings.SESSION_MAX_SECONDS:
                return self._end(request, f"after {settings.SESSION_MAX_SECONDS // 3600} hours")
            elif now - seen > settings.SESSION_IDLE_SECONDS:
                return self._end(
                    request,
                    f"after {settings.SESSION_IDLE_SECONDS // 60} minutes without activity",
                )
            elif now - seen >= SEEN_RESOLUTION:
                request.session[SESSION_SEEN] = now
        return self.get_response(request)

    def _end(self, request, why: str):
        logout(request)
        if request.path.startswith("/api/"):
            return self.get_response(request)  # anonymous now: the API answers 401
        messages.info(request, f"You were signed out {why}. Sign in again to carry on.")
        return redirect_to_login(request.get_full_path())
