"""Issue 19's first fault, on PostgreSQL (the database a hosted service runs on): the worker is
killed with SIGKILL in the middle of a sweep of every provider's failure. Another worker takes
the job up once the first stops beating, runs it to the end, and the results are those of an
undisturbed run, stored once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from commissioning.market import services as m
from commissioning.market.models import StressTest
from tests.synth import write_economy

pytestmark = pytest.mark.django_db(transaction=True)


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _wait(condition, seconds: float, what: str):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if value := condition():
            return value
        time.sleep(0.1)
    raise AssertionError(f"waited {seconds} s for {what}")


def test_a_worker_killed_mid_sweep_is_replaced_and_nothing_is_lost_or_stored_twice(
    settings, tmp_path, cycle
):
    if connection.vendor != "postgresql":
        pytest.skip("the fault tests run on PostgreSQL (CI's second run)")
    synth = write_economy(tmp_path / "synth", spells_per_year=400_000, years=1, seed=5,
                          areas=8_000, diagnosis_groups=3)  # fmt: skip
    settings.SYNTH_DIR = synth
    commissioner = cycle.e.commissioner
    env = {**os.environ, "DATABASE_URL": _database_url(), "COMMISSIONING_SYNTH_DIR": str(synth),
           "COMMISSIONING_DATA_DIR": str(tmp_path), "COMMISSIONING_WORKER_STALE": "3"}  # fmt: skip
    command = [sys.executable, "-m", "commissioning.cli", "worker", "--interval", "0.2"]

    test = m.start_stress_test(m.StressInput(sweep=True), commissioner, background=True)
    first = subprocess.Popen(command, env=env)
    try:
        _wait(lambda: StressTest.objects.get(pk=test.pk).done >= 10, 120, "the sweep to start")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    test.refresh_from_db()
    assert test.status == "running" and test.results == []  # killed before it finished

    second = subprocess.Popen(command, env=env)
    try:
        _wait(lambda: StressTest.objects.get(pk=test.pk).status != "running", 180,
              "the second worker to finish the job")  # fmt: skip
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)
    test.refresh_from_db()
    (job,) = DBTaskResult.objects.all()
    assert test.status == "done" and job.status == "SUCCESSFUL"
    assert len(job.worker_ids) == 2  # the killed worker, then the one that finished it
    assert len(test.results) == test.total == test.done

    undisturbed = m.start_stress_test(m.StressInput(sweep=True), commissioner)
    ours = {r["scenario"]: r for r in test.results}
    for r in undisturbed.results:
        mine = ours[r["scenario"]]
        assert mine["objective"] == pytest.approx(r["objective"], rel=1e-9), r["scenario"]
        assert mine["unmet_demand"] == pytest.approx(r["unmet_demand"], rel=1e-9, abs=1e-6)
