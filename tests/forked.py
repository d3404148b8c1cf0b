"""Processes that start writing at the same moment, for the PostgreSQL concurrency proofs:
the ledger workload's ``start_together`` (each target calls ``child_ready`` first), then wait
for every process to finish."""

from __future__ import annotations

from commissioning.ledger.workload import child_ready, start_together

__all__ = ["child_ready", "run_together"]


def run_together(target, args_per_process, timeout: float = 300) -> None:
    procs, go = start_together(target, args_per_process)
    go.set()
    for p in procs:
        p.join(timeout=timeout)
        assert p.exitcode == 0, f"a writer failed (exit code {p.exitcode})"
