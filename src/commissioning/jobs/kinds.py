"""The sorts of job, each registered by the app that owns it (in its ``AppConfig.ready``), so
that this app need not know the apps above it: who besides the person who started a job may
see it and cancel it (the owning app's own policy), and what the app's record of the work must
say when the job ends without storing anything (a stress test marked cancelled, say)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


def _nobody(user: Any, job: Any) -> bool:
    return False


@dataclass(frozen=True)
class Kind:
    """``may_view`` and ``may_cancel`` are the owning app's rules (asked of anyone but the
    person who started the job, who may always do both; ``may_view`` is also the rule of the
    page that shows the job's result); ``ended(job, state, error)`` runs in the transaction
    that marks the job failed or cancelled."""

    name: str
    label: str
    result_label: str = "See the result"
    steps: str = "steps"  # what it counts, as in "48 of 140 scenarios solved"
    may_view: Callable[[Any, Any], bool] = _nobody
    may_cancel: Callable[[Any, Any], bool] = _nobody
    ended: Callable[[Any, str, str], None] | None = None


_KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> None:
    """Add (or, registered again under the same name, replace) a sort of job."""
    _KINDS[kind.name] = kind


def kind_of(name: str) -> Kind:
    """The registered sort of job; an unknown one (its app removed) is seen by its starter
    only."""
    return _KINDS.get(name) or Kind(name, "Job")
