"""Processes that start writing at the same moment, for the PostgreSQL concurrency proofs:
the ledger workload's ``start_together`` (each target calls ``child_ready`` first), then wait
for every process to finish. A writer can log what it was asked for and what came of it with
``log_attempts``; ``read_logs`` gathers every writer's log."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from django.core.exceptions import ValidationError

from commissioning.ledger.workload import child_ready, start_together

__all__ = ["child_ready", "finish", "log_attempts", "read_logs", "run_together"]


def run_together(target, args_per_process, timeout: float = 300) -> None:
    procs, go = start_together(target, args_per_process)
    finish(procs, go, timeout)


def finish(procs, go, timeout: float = 300) -> None:
    """Let the processes of ``start_together`` go, and wait for each to finish cleanly."""
    go.set()
    for p in procs:
        p.join(timeout=timeout)
        assert p.exitcode == 0, f"a writer failed (exit code {p.exitcode})"


def log_attempts(
    out: str,
    writer: int,
    count: int,
    pence: tuple[int, int],
    call: Callable[[str, int], object],
    refusal: str,
    accepted: str,
) -> None:
    """Make ``count`` attempts ``call(key, amount)``, keys ``w<writer>-<k>``, amounts drawn
    from ``pence`` (inclusive) by a generator seeded with ``writer``. Each is logged to ``out``
    as ``<accepted> key amount``, or ``refused key amount`` when it was refused with a
    ValidationError saying ``refusal`` (any other refusal fails the writer)."""
    rng = random.Random(writer)
    with open(out, "a", buffering=1) as log:
        for k in range(count):
            key, amount = f"w{writer}-{k}", rng.randint(*pence)
            try:
                call(key, amount)
            except ValidationError as exc:
                assert refusal in " ".join(exc.messages)
                log.write(f"refused {key} {amount}\n")
                continue
            log.write(f"{accepted} {key} {amount}\n")


def read_logs(folder: Path) -> list[tuple[str, str, int]]:
    """Every line of the writers' logs (``w*.log`` in ``folder``): (status, key, amount)."""
    return [
        (status, key, int(amount))
        for f in folder.glob("w*.log")
        for status, key, amount in (ln.split() for ln in f.read_text().splitlines())
    ]
