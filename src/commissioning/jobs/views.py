"""A job's page: what it is, its state and progress, its result when done, and a button to
cancel it while it waits or runs. The page refreshes its status itself (htmx polling the same
address, which answers the status alone to htmx) while the job is unfinished; the Cancel button
keeps its id, so htmx gives its focus back after each refresh."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from commissioning.ui.http import act, guard

from . import services
from .kinds import kind_of
from .models import Job
from .permissions import Action, can
from .worker import worker_alive


def _job(request, pk) -> Job:
    job = get_object_or_404(Job.objects.select_related("started_by"), pk=pk)
    guard(can(request.user, Action.VIEW_JOB, job))
    return job


def job(request, pk):
    job = _job(request, pk)
    kind = kind_of(job.kind)
    context = {
        "job": job,
        "kind": kind,
        "can_cancel": job.active and can(request.user, Action.CANCEL_JOB, job),
        # The result sits behind its own page's policy: linked for those it lets in.
        "result_url": job.result_url if kind.may_view(request.user, job) else "",
        "worker_alive": worker_alive() if job.state == Job.State.QUEUED else True,
    }
    partial = request.headers.get("HX-Request")
    return render(request, "jobs/_status.html" if partial else "jobs/job.html", context)


@require_POST
def job_cancel(request, pk):
    job = _job(request, pk)
    guard(can(request.user, Action.CANCEL_JOB, job))
    return act(
        request,
        lambda: services.cancel_job(job, request.user),
        lambda j: (
            "The job is cancelled: nothing was stored"
            if j.state == Job.State.CANCELLED
            else "The job is asked to stop: it stops at its next step and stores nothing"
        ),
        reverse("job", args=[job.pk]),
    )
