"""Everything people change about jobs: starting one (for an app's service, in that service's
transaction) and cancelling one. Each checks permission, writes all or nothing and records the
change in the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from commissioning.audit import chain as audit
from commissioning.validation import refuse

from .kinds import kind_of
from .models import Job
from .permissions import Action, require

JOB_FIELDS = ("kind", "title", "state", "total")


def start_job(kind: str, title: str, actor, enqueue: Callable[[Job], Any], total: int = 0,
              busy: str | None = None) -> Job:  # fmt: skip
    """Record a job and put its task in the queue (``enqueue(job)`` returns the queue's result,
    whose id is kept), in one transaction: inside an app's service, the job commits with the
    record it works for, or neither does. The app's service has checked that ``actor`` may.
    With ``busy``, jobs of this kind run one at a time: while one is unfinished another is
    refused with ``busy`` as the reason (the database's constraint decides, so two people at
    the same moment cannot both start one)."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                job = Job.objects.create(
                    kind=kind, title=title[:200], total=total, created_at=timezone.now(),
                    started_by=actor if getattr(actor, "pk", None) else None,
                    exclusive=kind if busy else "",
                )  # fmt: skip
        except IntegrityError:
            raise refuse("job", busy or "") from None
        job.task_id = str(enqueue(job).id)
        job.save(update_fields=["task_id"])
        audit.created(actor, job, JOB_FIELDS)
    return job


FINISHED = {
    Job.State.DONE: "The job has finished: there is nothing to cancel",
    Job.State.FAILED: "The job has failed: there is nothing to cancel",
    Job.State.CANCELLED: "The job has been cancelled already",
}


def cancel_job(job: Job, actor) -> Job:
    """Stop a job: one still waiting for a worker is cancelled at once (the worker will find
    nothing to do); a running one is asked to stop, and does at its next report of progress,
    storing nothing. Asking twice changes nothing more."""
    require(actor, Action.CANCEL_JOB, job)
    with transaction.atomic():
        current = Job.objects.select_for_update().get(pk=job.pk)
        if not current.active:
            raise refuse("job", FINISHED[Job.State(current.state)])
        if current.cancel_requested:
            return current
        before = audit.snapshot(current, ("state", "cancel_requested"))
        if current.state == Job.State.QUEUED:
            current.state, current.finished_at = Job.State.CANCELLED, timezone.now()
        current.cancel_requested = True
        current.save(update_fields=["state", "cancel_requested", "finished_at"])
        hook = kind_of(current.kind).ended
        if current.state == Job.State.CANCELLED and hook is not None:
            hook(current, Job.State.CANCELLED, "")
        audit.record(actor, "update", current, before=before,
                     after=audit.snapshot(current, ("state", "cancel_requested")))  # fmt: skip
    return current
