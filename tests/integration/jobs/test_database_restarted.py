"""Issue 19's third fault, on PostgreSQL: the database restarted while the site and the worker
run. A proxy stands between them and PostgreSQL (restarting the machine's server would disturb
every other test); cutting it closes every connection and refuses new ones, which is what a
restart does to a database's clients, and restoring it listens again on the same port.

While the database is away, ``/health/`` answers 503 naming it, at once; and, when the
database's host stops answering at all (connections accepted and never answered, as in a
failover), within the platform's connect timeout (5 s) rather than hanging. When it is back,
neither process having been restarted, ``/health/`` answers 200 again and a sweep a
commissioner starts on the market page is stored by the site and run by the same worker
process.

A sweep the worker is running when the database goes away cannot record its end; the worker
waits for the database, puts the job back in the queue and runs it again from the start: the
results are stored once, every scenario once."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from commissioning.jobs.models import WorkerBeat
from commissioning.market import services as m
from commissioning.market.models import StressTest
from tests.synth import write_economy

from . import live

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

OUTAGE = 4.0  # seconds: longer than the worker's heartbeat (2 s), so both of its loops meet it
CONNECT_TIMEOUT = 5  # seconds (config.settings)


def _health(balancer: live.HTTP) -> tuple[int, dict, float]:
    started = time.monotonic()
    health = balancer.get("/health/")
    return health.status, health.json(), time.monotonic() - started


def _unavailable(answer: tuple[int, dict, float], within: float) -> None:
    status, body, seconds = answer
    assert status == 503, body
    assert body["database"] == "unreachable" and body["status"] == "unavailable"
    assert seconds < within, f"/health/ took {seconds:.1f} s while the database was away"


def _proxy() -> live.Proxy:
    s = connection.settings_dict
    return live.Proxy((s["HOST"] or "127.0.0.1", int(s["PORT"] or 5432)))


def test_the_site_and_the_worker_recover_from_a_database_restart_by_themselves(
    market, market_synth, tmp_path
):
    if connection.vendor != "postgresql":
        pytest.skip("the fault tests run on PostgreSQL (CI's second run)")
    e, _ = market
    proxy = _proxy()
    env = live.environment(tmp_path, live.database_url(proxy.port),
                           COMMISSIONING_SYNTH_DIR=str(market_synth))  # fmt: skip
    try:
        with (
            live.web(env, tmp_path / "web.log") as site,
            live.worker(env, tmp_path / "worker.log") as worker,
        ):
            balancer = live.HTTP(site.port, timeout=10)  # asks for /health/, without a session
            live.wait(lambda: balancer.get("/health/").status == 200, 30, "the site and a worker")
            (beat,) = WorkerBeat.objects.all()
            assert beat.pid == worker.pid
            serving = site.worker_pids()
            browser = live.HTTP(site.port)
            browser.sign_in(e.commissioner)
            assert browser.get("/market/").status == 200  # connections open, as in service

            proxy.cut()  # restarting: connections closed, new ones refused
            answers = []
            end = time.monotonic() + OUTAGE
            while time.monotonic() < end:
                answers.append(_health(balancer))
                time.sleep(0.2)
            assert len(answers) > 5
            for answer in answers:
                _unavailable(answer, within=2)
            proxy.silence()  # its host not answering: connections accepted, never answered
            for _ in range(2):
                _unavailable(_health(balancer), within=CONNECT_TIMEOUT + 2)
            assert site.alive() and worker.alive(), worker.output()

            proxy.restore()
            live.wait(lambda: balancer.get("/health/").status == 200, 30,
                      "/health/ to answer 200 once the database is back")  # fmt: skip
            started = browser.post("/market/", {"sweep": "on"})
            assert started.status == 302, started.text[:2000]
            test = StressTest.objects.get()
            live.wait(lambda: DBTaskResult.objects.filter(status__in=["SUCCESSFUL", "FAILED"]),
                      120, "the worker to run the sweep")  # fmt: skip
            test.refresh_from_db()
            (job,) = DBTaskResult.objects.all()
            assert test.status == "done" and job.status == "SUCCESSFUL", job.traceback
            assert job.worker_ids == [beat.worker_id]  # the worker that was there all along
            assert worker.alive() and site.worker_pids() == serving
            log = worker.output()
            assert "lost the database" in log and "the database did not answer" in log, log
    finally:
        proxy.cut()


def test_a_sweep_running_when_the_database_goes_away_is_run_again_and_stored_once(
    settings, tmp_path, cycle
):
    if connection.vendor != "postgresql":
        pytest.skip("the fault tests run on PostgreSQL (CI's second run)")
    synth = write_economy(
        tmp_path / "synth",
        spells_per_year=200_000,
        years=1,
        seed=5,
        areas=4_000,
        diagnosis_groups=3,
    )  # fmt: skip  (a sweep of seconds)
    settings.SYNTH_DIR = synth
    proxy = _proxy()
    env = live.environment(tmp_path, live.database_url(proxy.port),
                           COMMISSIONING_SYNTH_DIR=str(synth))  # fmt: skip
    test = m.start_stress_test(m.StressInput(sweep=True), cycle.e.commissioner, background=True)
    try:
        with live.worker(env, tmp_path / "worker.log") as worker:
            live.wait(lambda: StressTest.objects.get(pk=test.pk).done >= 1, 120,
                      "the sweep to be under way")  # fmt: skip
            proxy.cut()
            # The sweep goes on in memory; its progress, then its end, cannot be written.
            live.wait(lambda: "lost the database" in worker.output(), 120,
                      "the worker to find it cannot record the job's end")  # fmt: skip
            (job,) = DBTaskResult.objects.all()
            assert job.status == "RUNNING" and worker.alive()
            proxy.restore()
            live.wait(lambda: DBTaskResult.objects.filter(status__in=["SUCCESSFUL", "FAILED"]),
                      120, "the job to be run again")  # fmt: skip
            job.refresh_from_db()
            test.refresh_from_db()
            assert job.status == "SUCCESSFUL", job.traceback
            (beat,) = WorkerBeat.objects.all()
            assert job.worker_ids == [beat.worker_id] * 2 and beat.pid == worker.pid
            assert "requeued: its worker lost the database while running it" in worker.output()
    finally:
        proxy.cut()
    assert test.status == "done" and test.done == test.total == len(test.results) > 100
    assert len({r["scenario"] for r in test.results}) == test.total  # each stored once
