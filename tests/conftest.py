from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests: the "ci" profile (the default) draws the same examples every run, so the
# suite cannot pass on one run and fail on the next; "explore" draws new random examples
# each run, and more of them, to look for what the fixed ones miss:
#   HYPOTHESIS_PROFILE=explore .venv/bin/pytest tests/unit tests/spec
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False, max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO / "data" / "reference"


@pytest.fixture(scope="session", autouse=True)
def engine_cache(tmp_path_factory) -> Path:
    """The engine keeps what it derives from its options alone (engine.cache) in a directory
    of the test process's own, not the user's: each test process starts with none."""
    directory = tmp_path_factory.mktemp("engine-cache")
    os.environ["COMMISSIONING_CACHE_DIR"] = str(directory)
    return directory


@pytest.fixture
def reference_dir() -> Path:
    return REFERENCE


@pytest.fixture(scope="session")
def spark():
    """One local Spark session for the test process (a JVM takes seconds to start). Tests
    that use it are marked ``spark``: `make test` runs them in a pass of their own after the
    rest, so a JVM never competes with a browser walk for the machine's cores."""
    from commissioning.engine.spark import session

    os.environ.setdefault("COMMISSIONING_SPARK_DRIVER_MEMORY", "2g")
    return session()


@pytest.fixture
def make_user(db):
    """Create a user holding ``role`` at ``organisation`` (a synthetic ICB by default)."""
    from commissioning.organisations.models import Membership, Organisation, User

    def _make(role: str | None, username: str | None = None, organisation=None, **extra):
        username = username or (role or "nobody").replace("_", "-")
        user = User.objects.create_user(
            username=username, password="correct-horse-battery", **extra
        )
        if role:
            org = (
                organisation
                or Organisation.objects.get_or_create(
                    code="XC001",
                    defaults={
                        "name": "NHS Synthetic Test ICB",
                        "org_type": "icb",
                        "is_synthetic": True,
                    },
                )[0]
            )
            Membership.objects.create(user=user, organisation=org, role=role)
        return user

    return _make


@pytest.fixture
def trusts(db):
    """The real NHS trusts file, ingested through the service."""
    from commissioning.organisations.permissions import SYSTEM
    from commissioning.reference.services import ingest_file

    return ingest_file("trusts", REFERENCE / "nhs_trusts.csv", SYSTEM)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's deliberate slowness is for production; tests only need a correct hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_results_kept_from_another_test():
    """Results stored until the data change (``audit.stored``) are keyed by the audit trail's
    length, which a test's rolled-back transaction sets back: each test starts with none."""
    from django.core.cache import cache

    from commissioning.audit import stored

    cache.clear()
    stored.request_finished()  # nor the version a request of another test read


@pytest.fixture
def economy(db):
    """A small health economy with a person in every role (see ``tests/cycle.py``)."""
    from tests.cycle import build_economy

    return build_economy()


@pytest.fixture
def cycle(economy):
    """A commissioning cycle to take to the stage a test needs: ``cycle.decided()``."""
    from tests.cycle import Cycle

    return Cycle(economy)


@pytest.fixture(autouse=True)
def _force_login_completes_two_step_sign_in(monkeypatch):
    """``client.force_login`` stands for a completed sign-in: the password and, for someone who
    must use two-step sign-in, the code from their authenticator app (a confirmed device of
    their own, verified in the session, as ``web.two_factor`` leaves it). The two-step pages
    themselves are tested by signing in through them."""
    from django.test import Client

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from commissioning.organisations.permissions import needs_two_factor

        user.__dict__.pop("_needs_two_factor", None)
        if needs_two_factor(user):
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            device = device or TOTPDevice.objects.create(user=user, name="Test app")
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
        user.__dict__.pop("_needs_two_factor", None)

    monkeypatch.setattr(Client, "force_login", force_login)
