"""Processes that start writing at the same moment, for the PostgreSQL concurrency proofs.

Each process is forked after Django is set up (so it starts at once) and must close the
connections it inherited before touching the database. ``run_together`` forks one process per
argument tuple, waits until every one is ready, lets them all go at once and waits for them to
finish; ``ready`` and ``go`` are passed to the target after its own arguments."""

from __future__ import annotations

import multiprocessing as mp

from django.db import connections


def run_together(target, args_per_process, timeout: float = 300) -> None:
    for c in connections.all():
        c.close()  # the parent's connection must not be shared with the children
    ctx = mp.get_context("fork")
    ready, go = ctx.Semaphore(0), ctx.Event()
    procs = [
        ctx.Process(target=target, args=(*args, ready, go), daemon=True)
        for args in args_per_process
    ]
    for p in procs:
        p.start()
    for _ in procs:
        ready.acquire()
    go.set()
    for p in procs:
        p.join(timeout=timeout)
        assert p.exitcode == 0, f"a writer failed (exit code {p.exitcode})"


def start_child(ready, go) -> None:
    """In the child: drop the inherited connections, say ready, wait for the others."""
    for c in connections.all():
        c.close()
    ready.release()
    go.wait()
