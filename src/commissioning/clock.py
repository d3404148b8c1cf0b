"""The business date and time that services record.

Services take the date from here, never from the request, so a web page or API call cannot
backdate anything. Code that enters a past event (the demo's completed commissioning cycle)
wraps it in ``recorded_as(moment)``: the business fields then carry the date it happened,
while the audit trail, which reads the real clock, records truthfully when it was entered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone

_recorded_as: ContextVar[dt.datetime | None] = ContextVar("recorded_as", default=None)


def now() -> dt.datetime:
    """Now, to the whole second (as the audit trail records it)."""
    moment = _recorded_as.get()
    return (moment or timezone.now()).replace(microsecond=0)


def today() -> dt.date:
    """Today in England (Europe/London)."""
    return timezone.localdate(now())


@contextmanager
def recorded_as(moment: dt.datetime) -> Iterator[None]:
    """Record what happens inside the block as having happened at ``moment``."""
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    token = _recorded_as.set(moment)
    try:
        yield
    finally:
        _recorded_as.reset(token)
