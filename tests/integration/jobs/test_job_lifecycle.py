"""A job's life in the worker (``jobs.running``, ``jobs.progress``): progress written a few times a
second whatever the rate it is reported at; a cancelled job stops at its next step and stores
nothing; a job run twice, or two runs of one job, store once; a job that fails says why; the
jobs of a worker that kept dying fail. The task here stands for an app's: it counts, and stores
one audit event for the job when it finishes (what is stored, and how often, is what is
checked)."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from commissioning.audit import chain as audit
from commissioning.audit.models import Revision
from commissioning.jobs import progress as job_progress
from commissioning.jobs import running, services, worker
from commissioning.jobs.models import Job, WorkerBeat
from commissioning.jobs.progress import Progress
from tests.jobrun import run_queued_jobs

pytestmark = pytest.mark.django_db(transaction=True)


@task()
def count_to(job_id: int, to: int) -> str:
    return running.perform(job_id, counting(to))


def counting(to: int, cancel_at: int | None = None, who=None, then=None, pause: float = 0):
    """Count ``to`` steps, ``pause`` seconds each (asking for the job to be cancelled, as
    ``who``, at step ``cancel_at``); store one audit event when done."""

    def work(job: Job, progress: Progress):
        progress.stage("Counting", total=to)
        for i in range(to):
            if i == cancel_at:
                services.cancel_job(job, who)
            if pause:
                time.sleep(pause)
            progress.advance()
        if then:
            then(job)

        def store() -> running.Result:
            audit.record(None, "event", job, after={"counted": to})
            return running.Result("/counted/")

        return store

    return work


def stored(job: Job) -> int:
    return Revision.objects.filter(object_type="jobs.job", object_id=str(job.pk),
                                   action="event").count()  # fmt: skip


def start(user, to: int = 10) -> Job:
    return services.start_job("tests.count", f"Count to {to}", user,
                              lambda job: count_to.enqueue(job.pk, to), total=to)  # fmt: skip


def test_a_job_is_recorded_with_its_task_and_audited(economy):
    job = start(economy.quality_lead)
    (queued,) = DBTaskResult.objects.all()
    assert job.task_id == str(queued.id) and queued.args_kwargs["args"] == [job.pk, 10]
    assert job.state == "queued" and job.started_by == economy.quality_lead
    revision = Revision.objects.get(object_type="jobs.job", action="create")
    assert revision.actor_id == economy.quality_lead.pk and revision.diff == {
        "kind": [None, "tests.count"], "title": [None, "Count to 10"],
        "state": [None, "queued"], "total": [None, 10],
    }  # fmt: skip


def test_the_worker_runs_it_to_the_end_and_it_stores_its_result_once(economy):
    job = start(economy.quality_lead, 25)
    run_queued_jobs()
    job.refresh_from_db()
    assert (job.state, job.done, job.total, job.result_url) == ("done", 25, 25, "/counted/")
    assert job.started_at and job.finished_at and job.percent == 100 and stored(job) == 1
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    # Run again (its worker died after storing, say): nothing to do, nothing stored twice.
    assert running.perform(job.pk, counting(25)).endswith("nothing to do")
    queued = DBTaskResult.objects.get()
    queued.status = "READY"
    queued.save()
    run_queued_jobs()
    assert stored(job) == 1


def test_two_runs_of_one_job_store_once(economy):
    """Two workers run the same job (one was taken for dead while it still ran): the first to
    finish stores; the other finds the job done and stores nothing."""
    job = start(economy.quality_lead, 5)
    outcomes = []
    first = counting(5, then=lambda j: outcomes.append(running.perform(j.pk, counting(5))))
    outcomes.append(running.perform(job.pk, first))
    assert outcomes == [f"job {job.pk}: done", f"job {job.pk}: stored by another run already"]
    assert stored(job) == 1


def test_progress_is_written_a_few_times_a_second_whatever_the_rate_it_is_reported(
    economy, monkeypatch
):
    monkeypatch.setattr(job_progress, "EVERY", 0.05)
    job = start(economy.quality_lead, 2_000)
    seen = []

    def follow(sender, job, done, total, stage, **kwargs):
        seen.append((done, total, stage))

    job_progress.reported.connect(follow)
    began = time.monotonic()
    try:
        running.perform(job.pk, counting(2_000, pause=0.0003))
    finally:
        job_progress.reported.disconnect(follow)
    took = time.monotonic() - began
    # 2,000 reports; a write when the stage is named, then at most one each 0.05 s.
    assert 2 <= len(seen) <= 2 + took / 0.05, (len(seen), took)
    assert seen[0] == (0, 2_000, "Counting") and [d for d, _, _ in seen] == sorted(
        d for d, _, _ in seen
    )
    job.refresh_from_db()
    assert job.state == "done" and job.done == 2_000 and stored(job) == 1


def test_progress_is_written_when_it_is_time_and_each_write_is_followed(economy):
    job = start(economy.quality_lead, 3)
    progress = Progress(job, every=0)
    progress.stage("Reading", total=3)
    progress.advance(2)
    job.refresh_from_db()
    assert (job.done, job.total, job.stage, job.percent) == (2, 3, "Reading", 66)


def test_a_running_job_cancelled_stops_at_its_next_step_and_stores_nothing(economy, monkeypatch):
    monkeypatch.setattr(job_progress, "EVERY", 0)
    job = start(economy.quality_lead, 10)
    said = running.perform(job.pk, counting(10, cancel_at=4, who=economy.quality_lead))
    assert said == f"job {job.pk} was cancelled: nothing stored"
    job.refresh_from_db()
    assert job.state == "cancelled" and job.cancel_requested and job.finished_at
    assert job.done == 4 and stored(job) == 0  # the step after the request did not run
    revision = Revision.objects.get(object_type="jobs.job", action="update")
    assert revision.actor_id == economy.quality_lead.pk
    assert revision.diff == {"cancel_requested": [False, True]}
    # A job that has ended cannot be cancelled; asking again changes nothing.
    with pytest.raises(ValidationError, match="has been cancelled already"):
        services.cancel_job(job, economy.quality_lead)


def test_a_cancel_that_comes_while_the_results_are_computed_still_stores_nothing(economy):
    """Asked to stop after its last report but before it stores: the store sees it."""
    job = start(economy.quality_lead, 3)
    who = economy.quality_lead
    said = running.perform(job.pk, counting(3, then=lambda j: services.cancel_job(j, who)))
    assert said.endswith("cancelled: nothing stored") and stored(job) == 0
    job.refresh_from_db()
    assert job.state == "cancelled" and job.result_url == ""


def test_a_job_cancelled_while_it_waits_never_runs(economy):
    job = start(economy.quality_lead, 10)
    cancelled = services.cancel_job(job, economy.quality_lead)
    assert cancelled.state == "cancelled" and cancelled.finished_at
    # The worker takes it up and finds nothing to do.
    run_queued_jobs()
    job.refresh_from_db()
    assert job.state == "cancelled" and job.started_at is None and stored(job) == 0
    assert DBTaskResult.objects.get().return_value.endswith("nothing to do")


def test_asking_a_running_job_to_stop_twice_records_it_once(economy):
    job = start(economy.quality_lead, 10)
    running.claim(job)
    services.cancel_job(job, economy.quality_lead)
    again = services.cancel_job(job, economy.quality_lead)
    assert again.state == "running" and again.cancel_requested
    assert Revision.objects.filter(object_type="jobs.job", action="update").count() == 1
    # A worker that takes it up again (its first worker died) stops before it starts.
    assert running.perform(job.pk, counting(10)).endswith("before it started: nothing stored")
    job.refresh_from_db()
    assert job.state == "cancelled" and stored(job) == 0


def test_only_the_starter_or_whom_the_owning_app_allows_may_cancel(economy):
    job = start(economy.quality_lead, 10)
    for someone in (economy.commissioner, economy.auditor, economy.administrator):
        with pytest.raises(PermissionDenied, match="cancel this job"):
            services.cancel_job(job, someone)  # the test kind lets no one else
    job.refresh_from_db()
    assert job.state == "queued" and not job.cancel_requested


def test_a_job_that_fails_says_why_and_stores_nothing(economy):
    job = start(economy.quality_lead, 10)

    def broken(job, progress):
        progress.stage("Reading", total=10)
        raise ValueError("the spells file has no died_30d column")

    assert running.perform(job.pk, broken) == f"job {job.pk} failed"
    job.refresh_from_db()
    assert job.state == "failed" and job.error == "the spells file has no died_30d column"
    assert stored(job) == 0 and job.finished_at


def test_work_on_threads_of_its_own_is_stopped_by_a_cancel(economy, monkeypatch):
    """Analytics that report from their own threads (the sweep, SHMI's scoring) are written by
    the worker's thread; a cancel reaches them as Cancelled from their next report."""
    monkeypatch.setattr(job_progress, "EVERY", 0.01)
    job = start(economy.quality_lead, 5_000)
    steps = []

    def analytics(progress: Progress) -> str:
        for _ in range(5_000):
            time.sleep(0.001)
            progress.advance()
            steps.append(1)
        return "finished"

    def work(job, progress):
        progress.stage("Analysing", total=5_000)
        progress.watch(analytics, progress)
        return lambda: running.Result("/never/")

    def cancel_when_under_way(sender, job, done, **kwargs):
        if done:  # someone presses Cancel once the job's page shows it under way
            services.cancel_job(job, economy.quality_lead)

    job_progress.reported.connect(cancel_when_under_way)
    try:
        said = running.perform(job.pk, work)
    finally:
        job_progress.reported.disconnect(cancel_when_under_way)
    assert said.endswith("was cancelled: nothing stored")
    assert 0 < len(steps) < 5_000  # the analytics stopped part-way
    job.refresh_from_db()
    assert job.state == "cancelled" and 0 < job.done < 5_000


def test_the_job_of_a_task_whose_workers_kept_dying_fails(economy):
    job = start(economy.quality_lead, 10)
    queued = DBTaskResult.objects.get()
    queued.status = "RUNNING"
    queued.worker_ids = ["a", "b", "c"]
    queued.started_at = timezone.now() - dt.timedelta(seconds=worker.STALE + 5)
    queued.save()
    worker.requeue_orphans()
    job.refresh_from_db()
    assert job.state == "failed" and "stopped 3 times" in job.error


def test_a_progress_write_the_database_refuses_is_skipped_and_the_job_goes_on(economy):
    """The database busy (here another connection holding a write lock on SQLite's in-memory
    test database, which refuses at once): the write is skipped, the next one is made."""
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL waits for a row lock rather than refusing")
    job = start(economy.quality_lead, 10)
    progress = Progress(job, every=0)
    holding, release = threading.Event(), threading.Event()

    def hold_a_write_lock():
        with transaction.atomic():
            now = timezone.now()
            WorkerBeat.objects.create(worker_id="busy", host="h", pid=1, started_at=now,
                                      beat_at=now)  # fmt: skip
            holding.set()
            release.wait(10)
        connection.close()

    holder = threading.Thread(target=hold_a_write_lock)
    holder.start()
    try:
        assert holding.wait(10)
        progress.stage("Reading", total=10)  # refused: skipped, no exception
        progress.advance(3)
    finally:
        release.set()
        holder.join(10)
    job.refresh_from_db()
    assert (job.done, job.stage) == (0, "")
    progress.advance(1)
    job.refresh_from_db()
    assert (job.done, job.total, job.stage) == (4, 10, "Reading")
