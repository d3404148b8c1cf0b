"""What a task uses while it works: reporting its progress and finding out that it was cancelled.

A task's progress is written to its job a few times a second at most (``EVERY``), whatever
the rate it reports at: a sweep reports each of 140 scenarios, an SHMI run each row group of
millions of spells. The same write asks whether anyone has asked the job to stop (it updates
only a job not asked to stop), so checking costs nothing more; once asked, the next report
raises ``Cancelled``, which the job's runner (``jobs.running``) catches, storing nothing.

A write the database does not answer (busy, or restarting) is skipped and tried again at the
next; the job goes on. Only the thread that made the ``Progress`` writes to the database (the
worker's, which holds its connection). Analytics that report from threads of their own (the
sweep, the SHMI scoring pass) run under ``watch``: their reports are counted in memory, this
thread writes them, and a cancellation reaches them as ``Cancelled`` from their next report.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

from django.db import OperationalError, connection
from django.dispatch import Signal

from .models import Job

EVERY = 0.5  # seconds between writes of a job's progress

logger = logging.getLogger("commissioning.jobs")

T = TypeVar("T")

# Sent by the writing thread after each write of a job's progress, with ``job`` (the job as
# the task holds it, ``done``, ``total`` and ``stage`` as written). An app that keeps figures
# of its own beside the job's (a stress test's scenarios solved) follows them from here.
reported = Signal()


class Cancelled(Exception):
    """Someone asked the job to stop; the runner marks it cancelled and nothing is stored."""


class Progress:
    """A job's progress as its task reports it: ``stage`` names what it is doing (and, if
    known, how many steps it has), ``advance`` counts steps done, ``check`` asks only whether
    to stop. Each may raise ``Cancelled``."""

    def __init__(self, job: Job, every: float | None = None) -> None:
        self.job = job
        self.every = EVERY if every is None else every
        self.done = 0
        self.total = job.total
        self.label = ""
        self._lock = threading.Lock()
        self._owner = threading.get_ident()
        self._cancelled = threading.Event()
        self._written_at = -float("inf")
        self._written: tuple[int, int, str] | None = None

    # --- what the task calls (from any thread) ---------------------------------------------

    def stage(self, label: str, total: int | None = None, done: int | None = None) -> None:
        with self._lock:
            self.label = label[:200]
            if total is not None:
                self.total = total
            if done is not None:
                self.done = done
        self._report(force=True)

    def advance(self, steps: int = 1) -> None:
        with self._lock:
            self.done += steps
        self._report()

    def check(self) -> None:
        self._report()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    # --- writing -----------------------------------------------------------------------------

    def _report(self, force: bool = False) -> None:
        if threading.get_ident() == self._owner:
            self.flush(force)
        if self._cancelled.is_set():
            raise Cancelled

    def flush(self, force: bool = False) -> None:
        """Write the progress if it is time to (always if ``force``), and learn whether the
        job has been asked to stop. Only the thread that made this ``Progress`` calls it."""
        now = time.monotonic()
        if not force and now - self._written_at < self.every:
            return
        with self._lock:
            figures = (self.done, self.total, self.label)
        self._written_at = now
        try:
            still = self._write(figures, force)
        except OperationalError:
            # The database did not answer (busy, or restarting): the job goes on, and the next
            # write tries again on a fresh connection.
            logger.warning("job %s: its progress could not be written", self.job.pk)
            if not connection.in_atomic_block:
                connection.close_if_unusable_or_obsolete()
            return
        if not still:
            self._cancelled.set()

    def _write(self, figures: tuple[int, int, str], force: bool) -> bool:
        """Write the figures (or, unchanged, only ask); whether the job may go on."""
        if figures == self._written and not force:
            return Job.objects.filter(pk=self.job.pk, cancel_requested=False).exists()
        done, total, label = figures
        still = bool(
            Job.objects.filter(pk=self.job.pk, cancel_requested=False).update(
                done=min(done, total) if total else done, total=total, stage=label
            )
        )
        self._written = figures
        if still:
            reported.send(Job, job=self.job, done=done, total=total, stage=label)
        return still

    def watch(self, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``work(*args, **kwargs)`` on a thread of its own, writing its progress from this
        thread every ``every`` seconds until it ends; its result, or what it raised (``Cancelled``
        from its first report after the job was asked to stop)."""
        with ThreadPoolExecutor(1, thread_name_prefix="job") as pool:
            future = pool.submit(work, *args, **kwargs)
            while True:
                try:
                    result = future.result(timeout=self.every or 0.05)
                    break
                except FutureTimeout:
                    self.flush()
        self.flush(force=True)
        if self._cancelled.is_set():
            raise Cancelled
        return result
