"""The sweep of every provider's failure runs in the worker, not in the web process (issue 19):
its job is stored with the stress test, in one transaction; the worker runs it and stores its
results once; a job run again (its worker died) stores nothing twice; the running jobs of a
worker that stopped beating go back in the queue, and fail after ``MAX_ATTEMPTS`` workers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from commissioning.jobs import worker
from commissioning.jobs.models import WorkerBeat
from commissioning.market import services as m
from commissioning.market.models import StressTest

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_sweep_is_a_job_the_worker_runs_and_its_results_are_stored_once(market):
    e, _ = market
    test = m.start_stress_test(m.StressInput(sweep=True), e.commissioner, background=True)
    (job,) = DBTaskResult.objects.all()
    assert job.status == "READY" and job.args_kwargs["args"] == [test.pk]
    test.refresh_from_db()
    assert test.status == "running" and test.results == []
    worker.run_worker(batch=True, interval=0, signals=False)
    job.refresh_from_db()
    test.refresh_from_db()
    assert job.status == "SUCCESSFUL" and test.status == "done"
    assert test.done == test.total == len(test.results) > 100
    first = test.results
    # The same job run again (as after its worker died) finds the results and stores nothing.
    assert m.run_queued(test.pk).endswith("nothing to do")
    test.refresh_from_db()
    assert test.results == first


def test_a_refused_sweep_leaves_no_job(market):
    e, _ = market
    with pytest.raises(Exception):  # noqa: B017 (PermissionDenied)
        m.start_stress_test(m.StressInput(sweep=True), e.provider, background=True)
    assert not DBTaskResult.objects.exists() and not StressTest.objects.exists()


def _running(worker_ids, started_ago: float) -> DBTaskResult:
    result = m.run_stress_test.enqueue(1)
    job = DBTaskResult.objects.get(id=result.id)
    job.status = "RUNNING"
    job.worker_ids = worker_ids
    job.started_at = timezone.now() - dt.timedelta(seconds=started_ago)
    job.save()
    return job


def test_the_jobs_of_a_worker_that_stopped_beating_go_back_in_the_queue(db):
    long_ago = worker.STALE + 5
    worker.beat("alive", timezone.now())
    worker.beat("dead", timezone.now())
    WorkerBeat.objects.filter(worker_id="dead").update(
        beat_at=timezone.now() - dt.timedelta(seconds=long_ago)
    )
    held = _running(["alive"], long_ago)
    orphan = _running(["dead"], long_ago)
    never_beat = _running(["died-at-once"], long_ago)
    just_started = _running(["dead"], 1)
    assert sorted(worker.requeue_orphans()) == sorted([str(orphan.id), str(never_beat.id)])
    for job, status in ((held, "RUNNING"), (orphan, "READY"), (never_beat, "READY"),
                        (just_started, "RUNNING")):  # fmt: skip
        job.refresh_from_db()
        assert job.status == status, job.worker_ids
    thrice = _running(["a", "b", "c"], long_ago)
    worker.requeue_orphans()
    thrice.refresh_from_db()
    assert thrice.status == "FAILED" and "died 3 times" in thrice.traceback
