"""Who may see a job and cancel it: the one place it is decided.

The person who started a job may always see it and cancel it. Anyone else asks the app that
owns the job (``jobs.kinds``): a sweep of every provider's failure is seen by whoever may see
the market workspace and cancelled by whoever may run stress tests; an SHMI run is seen by
whoever may see the quality workspace and cancelled by whoever may load mortality results.
A job's page shows only what the job is and how far it has got; its result stays behind its own
page and that page's policy.
"""

from __future__ import annotations

from enum import StrEnum

from commissioning.organisations.permissions import ANY_PERSON, Policy

from .kinds import kind_of


class Action(StrEnum):
    VIEW_JOB = "view_job"
    CANCEL_JOB = "cancel_job"


def _started(user, job) -> bool:
    return job.started_by_id is not None and job.started_by_id == user.pk


POLICY = Policy(
    allowed={Action.VIEW_JOB: ANY_PERSON, Action.CANCEL_JOB: ANY_PERSON},
    rules={
        Action.VIEW_JOB: lambda user, job: (
            _started(user, job) or kind_of(job.kind).may_view(user, job)
        ),
        Action.CANCEL_JOB: lambda user, job: (
            _started(user, job) or kind_of(job.kind).may_cancel(user, job)
        ),
    },
    labels={Action.VIEW_JOB: "see this job", Action.CANCEL_JOB: "cancel this job"},
)
can = POLICY.can
require = POLICY.require
