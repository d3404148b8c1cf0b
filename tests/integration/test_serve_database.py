"""``serve --production`` on a PostgreSQL server with no database of DATABASE_URL's name makes
it, so the README's one line serves a fresh machine; a database that exists is left alone."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
from django.db import connection

from tests.integration.jobs.live import database_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

MAKE = (
    "import django; django.setup();"
    "from commissioning.cli.service import _make_the_database as make; make(); make()"
)


def test_a_missing_database_is_made_once(settings):
    if connection.vendor != "postgresql":
        pytest.skip("the database is made on PostgreSQL (CI's second run)")
    name = f"made_{uuid.uuid4().hex[:10]}"
    url = database_url().rsplit("/", 1)[0] + f"/{name}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMISSIONING_")}
    env |= {"DATABASE_URL": url, "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "DJANGO_SETTINGS_MODULE": "commissioning.config.settings"}  # fmt: skip
    try:
        done = subprocess.run([sys.executable, "-c", MAKE], env=env, capture_output=True,
                              text=True, timeout=120)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert done.stdout.count("Made the database") == 1  # the second call found it there
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            assert cursor.fetchone() == (1,)
    finally:
        with connection._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)}")
