"""``/health/`` (issue 19): for a load balancer, without signing in: 200 when the database
answers and a worker beat in the last ``STALE`` seconds, else 503 saying which is missing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from commissioning.jobs import worker
from commissioning.jobs.models import WorkerBeat

pytestmark = pytest.mark.django_db


def test_no_worker_is_503_and_says_so(client):
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "worker": "none alive"}
    assert "no-cache" in response["Cache-Control"]


def test_a_worker_that_beat_just_now_is_healthy_and_a_silent_one_is_not(client):
    worker.beat("w1", timezone.now())
    assert client.get("/health/").json() == {"status": "ok", "database": "ok", "worker": "ok"}
    WorkerBeat.objects.update(beat_at=timezone.now() - dt.timedelta(seconds=worker.STALE + 1))
    assert client.get("/health/").status_code == 503


def test_health_is_not_redirected_to_https_in_production(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    worker.beat("w1", timezone.now())
    assert client.get("/health/").status_code == 200
    assert client.get("/sign-in/").status_code == 301  # everything else goes to HTTPS


def test_production_settings_exempt_the_health_endpoint():
    import subprocess
    import sys

    code = (
        "import os; os.environ['COMMISSIONING_PRODUCTION']='1';"
        "os.environ['DJANGO_SECRET_KEY']='x'*60;"
        "from commissioning.config import settings as s; print(s.SECURE_REDIRECT_EXEMPT)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['^health/$']"
