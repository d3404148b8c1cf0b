"""The life of a job in the worker: taken up, worked, and stored once, failed or cancelled.

A task hands ``perform`` its job's id and its work. The work computes, reporting progress
(``jobs.progress``), and returns a function that stores what it computed and says where it is
(a ``Result``: a page, and the API's resource if it has one). That function runs in
one transaction with the job's move to "done", and only if the job is still running and nobody
has asked it to stop: a job run twice (its worker died after storing, and another took it up)
finds it done and stores nothing; a job cancelled at any moment up to then stores nothing.
Whatever the work raises marks the job failed with the reason, and the owning app's record is
told (``Kind.ended``) in the same transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .kinds import kind_of
from .models import Job
from .progress import Cancelled, Progress

logger = logging.getLogger("commissioning.jobs")


@dataclass(frozen=True)
class Result:
    """Where a finished job's result is: its page, and its resource in the API (if any)."""

    url: str
    api_url: str = ""


Store = Callable[[], Result]  # writes the results; says where they are
Work = Callable[[Job, Progress], Store]


def perform(job_id: int, work: Work) -> str:
    """Run job ``job_id`` (the worker's task calls this); what became of it, for the queue's
    record."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        return f"job {job_id} no longer exists: nothing to do"
    if not job.active:
        return f"job {job_id} was {job.state}: nothing to do"
    if not claim(job):
        end(job, Job.State.CANCELLED)
        return f"job {job_id} was cancelled before it started: nothing stored"
    try:
        store = work(job, Progress(job))
        stored = finish(job, store)
    except Cancelled:
        end(job, Job.State.CANCELLED)
        return f"job {job_id} was cancelled: nothing stored"
    except Exception as exc:  # the job's page says it failed and why; nothing was stored
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        end(job, Job.State.FAILED, reason(exc))
        return f"job {job_id} failed"
    return f"job {job_id}: done" if stored else f"job {job_id}: stored by another run already"


def claim(job: Job) -> bool:
    """Mark the job running (again, if a worker died running it: from the start), unless it
    has ended or been asked to stop."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job.pk, state__in=Job.ACTIVE, cancel_requested=False).update(
        state=Job.State.RUNNING, started_at=now, done=0, stage="", error=""
    )
    if claimed:
        job.state, job.started_at, job.done = Job.State.RUNNING, now, 0
    return bool(claimed)


def finish(job: Job, store: Store) -> bool:
    """Store the job's results with its move to "done", all or nothing, if it is still running
    and not asked to stop; False if another run finished it first (nothing stored)."""
    with transaction.atomic():
        moved = Job.objects.filter(
            pk=job.pk, state=Job.State.RUNNING, cancel_requested=False
        ).update(state=Job.State.DONE, finished_at=timezone.now(), done=F("total"), stage="")
        if not moved:
            if Job.objects.filter(pk=job.pk, cancel_requested=True).exists():
                raise Cancelled
            return False
        result = store()
        Job.objects.filter(pk=job.pk).update(
            result_url=result.url[:300], result_api_url=result.api_url[:300]
        )
    job.refresh_from_db()
    return True


def end(job: Job, state: str, error: str = "") -> bool:
    """Mark an unfinished job failed or cancelled, and tell its app (one transaction)."""
    with transaction.atomic():
        ended = Job.objects.filter(pk=job.pk, state__in=Job.ACTIVE).update(
            state=state, error=error, finished_at=timezone.now(), stage=""
        )
        hook = kind_of(job.kind).ended
        if ended and hook is not None:
            hook(job, state, error)
    return bool(ended)


def abandoned(task_id: str, why: str) -> None:
    """The queue gave up on a task (its workers kept dying): its job failed."""
    for job in Job.objects.filter(task_id=task_id, state__in=Job.ACTIVE):
        end(job, Job.State.FAILED, why)


def reason(exc: BaseException) -> str:
    """What went wrong, in the words the platform gives a person."""
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or type(exc).__name__
