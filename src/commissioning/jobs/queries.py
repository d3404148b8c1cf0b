"""Reads of jobs for the pages: the jobs a person has running (the home page's block, in one
query)."""

from __future__ import annotations

from .models import Job

SHOWN = 5  # the running jobs the home page lists


def running_for(user, limit: int = SHOWN) -> list[Job]:
    """The jobs ``user`` started that are waiting for a worker or running, newest first."""
    if not getattr(user, "pk", None):
        return []
    return list(
        Job.objects.filter(started_by=user.pk, state__in=Job.ACTIVE).order_by("-created_at", "-pk")[
            :limit
        ]
    )
