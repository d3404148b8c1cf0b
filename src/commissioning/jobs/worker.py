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
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading

from django.db import close_old_connections, connection, transaction
from django.db.utils import DatabaseError
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
            if len(job.worker_ids) >= MAX_ATTEMPTS:
                job.set_failed(RuntimeError(f"its worker died {len(job.worker_ids)} times"))
                abandoned(str(job.id), f"The worker running it stopped {len(job.worker_ids)} "
                                       "times; it may be what stops them")  # fmt: skip
                logger.error("job %s failed: its worker died %d times", job.id,
                             len(job.worker_ids))  # fmt: skip
                continue
            job.status = "READY"
            job.started_at = None
            job.save(update_fields=["status", "started_at"])
            requeued.append(str(job.id))
            logger.warning("job %s requeued: worker %s stopped beating", job.id, holder)
    return requeued


class Worker(DatabaseWorker):
    """``db_worker``'s loop, with a heartbeat thread that also recovers orphaned jobs."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("worker_id", get_random_string(32))
        super().__init__(**kwargs)
        self.started_at = timezone.now()
        self._stop = threading.Event()

    def _beating(self) -> None:
        while not self._stop.is_set():
            try:
                beat(self.worker_id, self.started_at)
                requeue_orphans()
            except DatabaseError:  # the database is away: keep trying, report nothing false
                logger.warning("worker %s: the database did not answer", self.worker_id)
            finally:
                close_old_connections()
            self._stop.wait(BEAT)
        connection.close()

    def run(self) -> None:
        heart = threading.Thread(target=self._beating, name="heartbeat", daemon=True)
        heart.start()
        try:
            super().run()
        finally:
            self._stop.set()
            WorkerBeat.objects.filter(worker_id=self.worker_id).delete()


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
