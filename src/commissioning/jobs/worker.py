"""The worker: django-tasks-db's database worker with a heartbeat and the recovery of jobs whose
worker died.

A worker killed outright (SIGKILL, the out-of-memory killer, a lost machine) never records an
outcome, so its job would stay "running" for ever and no other worker would take it. Every
worker beats (``WorkerBeat.beat_at``) every ``BEAT`` seconds from a thread of its own, while it
waits and while it runs a job; and every beat it puts back in the queue the running jobs of
workers silent for ``STALE`` seconds (a job whose workers died ``MAX_ATTEMPTS`` times is marked
failed instead: it may be what kills them). A job is therefore run again from the start by
another worker: every job must be safe to run twice (each stores its result once, and only if
it has none: ``market.tasks``).

A worker outlives its database going away (a restart, a failover, a network cut): the heartbeat
and the loop that takes jobs each drop their broken connection and carry on, and open a fresh
one when the database answers again. A job whose end could not be recorded because the database
went away while it ran is put back in the queue by its own worker once the database is back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import socket
import threading
import time

from django.db import close_old_connections, connection, transaction
from django.db.utils import InterfaceError, OperationalError
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker as DatabaseWorker
from django_tasks_db.models import DBTaskResult

from .models import WorkerBeat
from .running import abandoned

logger = logging.getLogger("commissioning.jobs")

BEAT = 2.0  # seconds between a worker's heartbeats
# Seconds without a heartbeat after which a worker is taken for dead (COMMISSIONING_WORKER_STALE).
STALE = float(os.environ.get("COMMISSIONING_WORKER_STALE", "15"))
MAX_ATTEMPTS = 3  # workers a job may outlive before it is marked failed
# What a database that went away raises: OperationalError (refused, reset, closed, timed out),
# or InterfaceError for a connection the driver knows is closed.
LOST = (OperationalError, InterfaceError)


def alive_since() -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=STALE)


def worker_alive() -> bool:
    """Whether any worker beat in the last ``STALE`` seconds."""
    return WorkerBeat.objects.filter(beat_at__gte=alive_since()).exists()


def beat(worker_id: str, started_at: dt.datetime) -> None:
    WorkerBeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"host": socket.gethostname()[:255], "pid": os.getpid(),
                  "started_at": started_at, "beat_at": timezone.now()},
    )  # fmt: skip


def requeue_orphans() -> list[str]:
    """Put back in the queue the running jobs of workers that stopped beating; returns their
    ids. A job whose worker never beat at all (it died before its first beat) counts as
    orphaned once it has been running for ``STALE`` seconds."""
    alive = set(
        WorkerBeat.objects.filter(beat_at__gte=alive_since()).values_list("worker_id", flat=True)
    )
    requeued = []
    with transaction.atomic():
        running = DBTaskResult.objects.select_for_update(skip_locked=True).filter(
            status="RUNNING", started_at__lt=alive_since()
        )
        for job in running:
            holder = job.worker_ids[-1] if job.worker_ids else ""
            if holder in alive:
                continue
            if _put_back(job, f"worker {holder} stopped beating"):
                requeued.append(str(job.id))
    return requeued


def _put_back(job: DBTaskResult, why: str) -> bool:
    """Put a running job whose worker is gone back in the queue, or fail it if its workers
    died ``MAX_ATTEMPTS`` times (it may be what kills them). Inside the caller's transaction,
    the job locked."""
    if len(job.worker_ids) >= MAX_ATTEMPTS:
        job.set_failed(RuntimeError(f"its worker died {len(job.worker_ids)} times"))
        abandoned(str(job.id), f"The worker running it stopped {len(job.worker_ids)} "
                               "times; it may be what stops them")  # fmt: skip
        logger.error("job %s failed: its worker died %d times", job.id, len(job.worker_ids))
        return False
    job.status = "READY"
    job.started_at = None
    job.save(update_fields=["status", "started_at"])
    logger.warning("job %s requeued: %s", job.id, why)
    return True


def _drop_connection() -> None:
    """Close this thread's database connection, broken or not: the next query opens a new one."""
    with contextlib.suppress(*LOST):
        connection.close()


class Worker(DatabaseWorker):
    """``db_worker``'s loop, with a heartbeat thread that also recovers orphaned jobs."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("worker_id", get_random_string(32))
        super().__init__(**kwargs)
        self.started_at = timezone.now()
        self._stop = threading.Event()

    def _beating(self) -> None:
        """Beat every ``BEAT`` seconds whatever happens: a heart that stopped while the loop
        ran jobs would have another worker take this one's job while it still runs it."""
        while not self._stop.is_set():
            try:
                beat(self.worker_id, self.started_at)
                requeue_orphans()
                close_old_connections()
            except LOST:  # the database is away: keep trying, report nothing false
                logger.warning("worker %s: the database did not answer", self.worker_id)
                _drop_connection()
            except Exception:
                logger.exception("worker %s: the heartbeat failed", self.worker_id)
                _drop_connection()
            self._stop.wait(BEAT)
        _drop_connection()

    def run(self) -> None:
        heart = threading.Thread(target=self._beating, name="heartbeat", daemon=True)
        heart.start()
        try:
            while True:
                try:
                    super().run()  # returns when stopped (SIGTERM) or, with --batch, when idle
                    return
                except LOST as exc:
                    if not self.running:  # stopping anyway
                        raise
                    said = (str(exc).splitlines() or [type(exc).__name__])[0]
                    logger.warning("worker %s lost the database (%s); waiting for it",
                                   self.worker_id, said)  # fmt: skip
                    self._recover()
        finally:
            self._stop.set()
            with contextlib.suppress(*LOST):
                WorkerBeat.objects.filter(worker_id=self.worker_id).delete()

    def _recover(self) -> None:
        """Wait for the database, then put back in the queue the job this worker was running
        when it went away, if any: its end could not be recorded (the loop runs one job at a
        time, so a job still marked as running by this worker is not running any more)."""
        while self.running:
            _drop_connection()
            time.sleep(max(self.interval, 0.5))
            try:
                with transaction.atomic():
                    mine = DBTaskResult.objects.select_for_update().filter(status="RUNNING")
                    for job in mine:
                        if job.worker_ids and job.worker_ids[-1] == self.worker_id:
                            _put_back(job, "its worker lost the database while running it")
                logger.warning("worker %s: the database is back", self.worker_id)
                return
            except LOST:
                continue


def run_worker(*, interval: float = 1.0, batch: bool = False, max_tasks: int | None = None,
               worker_id: str | None = None, signals: bool = True) -> None:  # fmt: skip
    worker = Worker(
        queue_names=["default"], interval=interval, batch=batch, backend_name="default",
        startup_delay=False, max_tasks=max_tasks, excluded_queue_names=[],
        **({"worker_id": worker_id} if worker_id else {}),
    )  # fmt: skip
    if signals:  # SIGTERM and Ctrl+C finish the job in hand, then stop
        worker.configure_signals()
    worker.run()
