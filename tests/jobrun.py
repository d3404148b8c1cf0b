"""Running the queued jobs in the test's own process, with the platform's worker.

The in-memory SQLite test database locks whole tables between connections, and the worker's
heartbeat thread has a connection of its own: now and then a beat meets the worker's claim of a
job (django-tasks-db's BEGIN IMMEDIATE is not retried) and the run fails for a reason no
deployment has (a file database waits for the lock; PostgreSQL locks rows). So the worker runs
here without its heartbeat, which ``tests/integration/jobs/test_queue.py`` (requeueing) and
``test_worker_killed.py`` (a worker killed, on PostgreSQL) test."""

from __future__ import annotations

from commissioning.jobs import worker


def run_queued_jobs() -> None:
    """Run every job in the queue, then return."""
    beating = worker.Worker._beating
    worker.Worker._beating = lambda self: None  # type: ignore[method-assign]
    try:
        worker.run_worker(batch=True, interval=0, signals=False)
    finally:
        worker.Worker._beating = beating  # type: ignore[method-assign]
