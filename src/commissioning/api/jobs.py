"""Jobs in the JSON API: a long job's state and progress while the worker runs it, a link to
its result when it is done, and cancelling it. A job is seen (and cancelled) by the person who
started it and by those the owning app's policy allows, exactly as on its page.

A job is started by the operation of the app it belongs to (``POST /market/stress-tests`` with
``sweep``: the answer names its ``job_id``; ``POST /quality/shmi-runs`` answers with the job);
poll ``GET /jobs/{job_id}`` until ``state`` is
``done`` (then follow ``result_api_url`` or ``result_url``), ``failed`` (``error`` says why) or
``cancelled`` (nothing was stored).
"""

import datetime as dt
from typing import Literal

from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Router, Schema

from commissioning.jobs import services
from commissioning.jobs.kinds import kind_of
from commissioning.jobs.models import Job
from commissioning.jobs.permissions import Action, can

from .common import _allow
from .types import Id

router = Router()
TAGS = ["jobs"]


class JobOut(Schema):
    id: int
    kind: str = Field(description="What sort of job: market.sweep, quality.shmi")
    title: str
    state: Literal["queued", "running", "done", "failed", "cancelled"]
    done: int = Field(description="Steps done (scenarios solved, spells read and scored)")
    total: int = Field(description="Steps in all; 0 while not yet known")
    percent: int | None = Field(description="How far it has got; null while not yet known")
    stage: str = Field(description="What it is doing now")
    cancel_requested: bool = Field(description="Asked to stop: it stops at its next step")
    error: str = Field(description="Why it failed")
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    url: str = Field(description="The job's page")
    result_url: str | None = Field(description="The page of its result, once done")
    result_api_url: str | None = Field(description="Its result in this API, once done, if any")


def _job(request, job_id: int) -> Job:
    job = get_object_or_404(Job, pk=job_id)
    _allow(can(request.user, Action.VIEW_JOB, job), "see this job")
    return job


def job_out(request, job: Job) -> dict:
    kind = kind_of(job.kind)
    # The result sits behind its own page's policy: linked for those it lets in.
    shown = job.state == Job.State.DONE and kind.may_view(request.user, job)
    return {
        "id": job.pk, "kind": job.kind, "title": job.title, "state": job.state,
        "done": job.done, "total": job.total, "percent": job.percent, "stage": job.stage,
        "cancel_requested": job.cancel_requested, "error": job.error,
        "created_at": job.created_at, "started_at": job.started_at,
        "finished_at": job.finished_at, "url": reverse("job", args=[job.pk]),
        "result_url": (job.result_url or None) if shown else None,
        "result_api_url": (job.result_api_url or None) if shown else None,
    }  # fmt: skip


@router.get("/jobs/{job_id}", response=JobOut, tags=TAGS)
def get_job(request, job_id: Id):
    """A job's state, progress and, once done, the links to its result."""
    return job_out(request, _job(request, job_id))


@router.post("/jobs/{job_id}/cancel", response=JobOut, tags=TAGS)
def cancel_job(request, job_id: Id):
    """Cancel a job: one waiting for a worker is cancelled at once; a running one is asked to
    stop (``cancel_requested``) and does at its next step, storing nothing. A finished job
    cannot be cancelled (422)."""
    job = _job(request, job_id)
    _allow(can(request.user, Action.CANCEL_JOB, job), "cancel this job")
    return job_out(request, services.cancel_job(job, request.user))
