"""Django settings. Configuration only; everything is overridable from the environment.

- ``DATABASE_URL``: PostgreSQL in production (``postgres://user@host:5432/name``); the
  default is an embedded SQLite file in ``var/`` (WAL mode, immediate transactions).
- ``COMMISSIONING_DATA_DIR``: where the database, landing area for fetched files and the
  synthetic economy's Parquet files live (default ``var/`` in the working tree).
- ``COMMISSIONING_PRODUCTION=1``: production mode (docs/security.md): it refuses to start
  without ``DJANGO_SECRET_KEY`` of its own, with ``DJANGO_DEBUG`` or with the demo's
  conveniences; cookies are secure, HSTS is sent and plain HTTP is redirected to HTTPS.
- ``DJANGO_SECRET_KEY``: required in production. Elsewhere a random key is made once and kept
  in the data directory (never a public string).
- ``DJANGO_DEBUG=1``: Django's debug pages, for development only (off unless asked for).
- ``COMMISSIONING_DEMO=1``: set by ``commissioning serve`` for the local demo.
- docs/deployment.md lists every variable, the processes and the health endpoint.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE

BASE_DIR = Path(__file__).resolve().parents[3]
DATA_DIR = Path(os.environ.get("COMMISSIONING_DATA_DIR", BASE_DIR / "var")).resolve()
REFERENCE_DIR = BASE_DIR / "data" / "reference"
NODE_MODULES = BASE_DIR / "node_modules"


def _flag(name: str) -> bool:
    return os.environ.get(name, "0").strip().lower() in ("1", "true", "yes", "on")


PRODUCTION = _flag("COMMISSIONING_PRODUCTION")
DEMO = _flag("COMMISSIONING_DEMO")
# Off unless asked for; production refuses to start with it on (check commissioning.E002).
DEBUG = _flag("DJANGO_DEBUG")

DATA_DIR.mkdir(parents=True, exist_ok=True)
if PRODUCTION:
    # No fallback: with none set, check commissioning.E001 refuses to start and says why.
    SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
else:
    from .keys import local_secret_key

    SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or local_secret_key(DATA_DIR)
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "commissioning.jobs",
    "commissioning.ui",
    "commissioning.audit",
    "commissioning.organisations",
    "commissioning.reference",
    "commissioning.specifications",
    "commissioning.selection",
    "commissioning.contracts",
    "commissioning.quality",
    "commissioning.market",
    "commissioning.register",
    "commissioning.ledger",
    "commissioning.collaboration",
    "commissioning.specialised",
    "commissioning.personal_budgets",
    "commissioning.api",
    "commissioning.web",
    "commissioning.config",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "commissioning.config.security.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "commissioning.organisations.middleware.MembershipsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "commissioning.config.security.SessionLifetimeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "commissioning.ui.middleware.LoginRequiredMiddleware",
    "commissioning.web.two_factor.TwoFactorMiddleware",
    # Last, as django-axes asks: it answers a locked-out sign-in.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "commissioning.config.urls"
WSGI_APPLICATION = "commissioning.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "commissioning.web.context.navigation",
            ],
            # Django's date filter, its answers remembered (ui/templatetags/dates.py).
            "builtins": ["commissioning.ui.templatetags.dates"],
        },
    },
]

_default_db = f"sqlite:///{DATA_DIR / 'commissioning.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_db))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the demo read while it writes; IMMEDIATE takes the write lock at BEGIN so two
    # writers queue instead of failing half-way (the audit chain depends on it).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database host that does not answer (a failover, a machine gone) fails a connection in
    # 5 s rather than holding the request, and /health/, for as long as TCP takes to give up;
    # ?connect_timeout=N in DATABASE_URL says otherwise.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# A connection is kept for the next request (opening one costs more than most pages) and
# checked before it is reused, so a database that restarted is reconnected to, not failed on.
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("COMMISSIONING_DB_CONN_MAX_AGE", "60"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "organisations.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# django-axes first: it refuses a locked-out sign-in before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Password guessing (django-axes): after 5 failures in a row for one username, or from one
# address, sign-in is refused for 15 minutes (each further failure starts the wait again);
# an administrator can unlock at once (admin: Axes access attempts, or
# `manage.py axes_reset_username NAME`). A success resets the count.
AXES_FAILURE_LIMIT = int(os.environ.get("COMMISSIONING_SIGN_IN_ATTEMPTS", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]  # behind a proxy: its client-address header
AXES_VERBOSE = False
# Two-step sign-in (django-otp, time-based codes): see commissioning.web.two_factor.
OTP_TOTP_ISSUER = "Commissioning platform"
# Results kept between requests until the data change (audit.stored, decision 052): memory in
# each process; Django's default of 300 entries would churn with a team's worth of people.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("COMMISSIONING_CACHE_ENTRIES", "5000"))},
    }
}
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise serves from finders; it warns if this is absent
# The NHS.UK frontend and htmx come from npm (package.json) and are served from node_modules
# (the frontend's CSS compiled by `make setup`), never from a CDN and never copied into the
# repository.
STATICFILES_DIRS = [
    # The NHS.UK frontend's CSS compiled without its CDN fonts (Makefile, ui/nhsuk.scss).
    ("build", BASE_DIR / "build" / "static"),
    ("nhsuk", NODE_MODULES / "nhsuk-frontend" / "dist" / "nhsuk"),
    ("htmx", NODE_MODULES / "htmx.org" / "dist"),
]
WHITENOISE_USE_FINDERS = True

# Uploads (commissioning.config.uploads): at most 10 files a request (a proposal's or advice's
# documents) and 105 MB a request (a file's own limit is its form's); form fields and JSON
# bodies (the API carries documents in base64) at most 15 MB held in memory.
FILE_UPLOAD_HANDLERS = ["commissioning.config.uploads.BoundedUploadHandler"]
DATA_UPLOAD_MAX_NUMBER_FILES = 10
MAX_UPLOAD_REQUEST_BYTES = 105 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 15 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Sessions end after 30 minutes without a request and after 10 hours whatever the activity
# (commissioning.config.security.SessionLifetimeMiddleware); the cookie ends with the browser.
# The public register's open contracting data (issue 20, decision 053): the prefix of every
# ocid, registered with the Open Contracting Partnership by whoever publishes (the default is
# the demo's and is not registered), and who the packages name as their publisher.
COMMISSIONING_OCID_PREFIX = os.environ.get("COMMISSIONING_OCID_PREFIX", "ocds-demo00")
COMMISSIONING_PUBLISHER = os.environ.get(
    "COMMISSIONING_PUBLISHER", "Commissioning platform (demonstration data)"
)
# The canonical base of the FHIR Measures of contracts' quality schedules (issue 21, decision
# 058): a provider's MeasureReport names its Measure by this URL, so it must not change once
# reports are sent. The default is the demo's.
COMMISSIONING_FHIR_BASE = os.environ.get(
    "COMMISSIONING_FHIR_BASE", "https://commissioning.example.nhs.uk/fhir"
)
SESSION_IDLE_SECONDS = int(os.environ.get("COMMISSIONING_SESSION_IDLE_MINUTES", "30")) * 60
SESSION_MAX_SECONDS = int(os.environ.get("COMMISSIONING_SESSION_MAX_HOURS", "10")) * 3600
SESSION_COOKIE_AGE = SESSION_MAX_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # HSTS is sent only on requests that came over TLS (SecurityMiddleware).
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_SSL_REDIRECT = os.environ.get("COMMISSIONING_SSL_REDIRECT", "1") == "1"
    # A load balancer asks for the health of each server over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    if os.environ.get("COMMISSIONING_BEHIND_TLS_PROXY") == "1":
        # The proxy that ends TLS says so; only set this behind a proxy that always sets it.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    CSRF_TRUSTED_ORIGINS = [
        o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o
    ]

# Long work (a sweep of every provider's failure) runs in the worker (`commissioning worker`),
# from jobs stored in the database: SQLite for the demo, PostgreSQL in production (decision 051).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Content Security Policy (django-csp): everything from this origin; no inline script except
# by the page's nonce (the base template's one line), no inline style, no plugins, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Permissions-Policy (django-permissions-policy): no page needs any of these.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer", "autoplay", "camera", "display-capture", "encrypted-media",
        "fullscreen", "geolocation", "gyroscope", "magnetometer", "microphone", "midi",
        "payment", "publickey-credentials-get", "screen-wake-lock", "usb", "xr-spatial-tracking",
    )
}  # fmt: skip

# Logs never contain personal data (docs/security.md): log records name objects by id only.
# A refused request is one line naming the actor by id, never a traceback.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"refusals": {"()": "commissioning.config.logs.RefusalLogFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {"django.request": {"filters": ["refusals"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

SYNTH_DIR = Path(os.environ.get("COMMISSIONING_SYNTH_DIR", DATA_DIR / "synth")).resolve()
