"""Many writers posting to shared budgets at once: the load behind the ledger's concurrency
and crash proofs (tests/integration/ledger) and its benchmark (benchmarks/ledger.py).

Each writer is a separate process (forked after Django is set up, so it starts at once) with
its own database connection. Its plan is fixed by a seed: spends from a budget, and one in ten
a virement between two budgets (which locks both, exercising the lock order). Amounts are
drawn so that the plans together ask for more than the budgets hold: some spends must be
refused. Each writer appends one line per transaction to its own file as soon as the
database has answered (``posted KEY``, ``already KEY`` or ``refused KEY``), so a writer killed
mid-run leaves an exact record of what it was told.
"""

from __future__ import annotations

import multiprocessing as mp
import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from commissioning.organisations.models import User

from . import services
from .models import Account
from .rules import Entry, Leg

FUNDING = "LOAD-FUNDING"


@dataclass(frozen=True)
class Planned:
    key: str
    source: str
    target: str
    pence: int


def budget_code(i: int) -> str:
    return f"LOAD-BUDGET-{i:02d}"


def spend_code(i: int) -> str:
    return f"LOAD-SPEND-{i:02d}"


def set_up_books(owner, actor, budgets: int, pence_each: int) -> None:
    """A funding source, ``budgets`` budgets (floor 0) each allocated ``pence_each``, and a
    spend account per budget."""

    services.open_account(services.AccountInput(FUNDING, "Allocation", "funding", owner.pk), actor)
    for i in range(budgets):
        services.open_account(
            services.AccountInput(budget_code(i), f"Budget {i}", "budget", owner.pk), actor
        )
        services.open_account(
            services.AccountInput(spend_code(i), f"Spend {i}", "spend", owner.pk), actor
        )
        legs = (Leg(FUNDING, -pence_each), Leg(budget_code(i), pence_each))
        services.post(Entry(f"load-allocation-{i}", f"Allocation to budget {i}", legs), actor)


def top_up(actor, budgets: int, pence_each: int, key: str) -> None:
    """Bring every budget back to ``pence_each`` (a new allocation for the shortfall)."""

    for i in range(budgets):
        short = pence_each - Account.objects.get(code=budget_code(i)).balance_pence
        if short > 0:
            legs = (Leg(FUNDING, -short), Leg(budget_code(i), short))
            services.post(Entry(f"{key}-{i}", f"Allocation to budget {i}", legs), actor)


def plan(writer: int, count: int, budgets: int, max_pence: int, prefix: str) -> list[Planned]:
    rng = random.Random(f"{prefix}-{writer}")
    out = []
    for k in range(count):
        a = rng.randrange(budgets)
        pence = rng.randint(1, max_pence)
        if budgets > 1 and rng.random() < 0.1:
            b = (a + 1 + rng.randrange(budgets - 1)) % budgets
            out.append(Planned(f"{prefix}-w{writer}-{k}", budget_code(a), budget_code(b), pence))
        else:
            out.append(Planned(f"{prefix}-w{writer}-{k}", budget_code(a), spend_code(a), pence))
    return out


def write(items: Iterable[Planned], username: str, out: Path, post=None) -> None:
    """Post each planned transaction once (with ``services.post``, or the ``post`` given: the
    benchmark's baseline), appending its outcome to ``out``."""
    from django.core.exceptions import ValidationError

    # A writer acts for one person throughout: their memberships are read once.
    actor = User.objects.prefetch_related("memberships").get(username=username)
    with open(out, "a", buffering=1) as log:
        for p in items:
            entry = Entry(p.key, "Load test", (Leg(p.source, -p.pence), Leg(p.target, p.pence)),
                          "spend" if p.target.startswith("LOAD-SPEND") else "virement")  # fmt: skip
            try:
                posted = (post or services.post)(entry, actor)
            except ValidationError:
                log.write(f"refused {p.key}\n")
                continue
            log.write(f"{'posted' if posted.created else 'already'} {p.key}\n")


def child_ready(ready, go) -> None:
    """In a forked process: drop the connections inherited from the parent (they must not be
    shared), say it is ready, and wait until every process may start."""
    from django.db import connections

    for c in connections.all():
        c.close()
    ready.release()
    go.wait()


def start_together(target, args_per_process):
    """Fork one process per tuple of arguments, calling ``target(*args, ready, go)``; return
    once every one has called ``child_ready``. They start when the returned event ``go`` is set.
    Returns the processes and ``go``."""
    from django.db import connections

    for c in connections.all():
        c.close()
    ctx = mp.get_context("fork")
    ready, go = ctx.Semaphore(0), ctx.Event()
    procs = [
        ctx.Process(target=target, args=(*args, ready, go), daemon=True)
        for args in args_per_process
    ]
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.acquire()
    return procs, go


def _child(items, username, out, post, ready, go) -> None:
    from django.db import connections

    child_ready(ready, go)
    write(items, username, out, post)
    connections.close_all()


def start_writers(plans: list[list[Planned]], username: str, out_dir: Path, post=None):
    """Fork one process per plan; they start posting together when ``go`` is set. Returns the
    processes and the event to set."""
    return start_together(
        _child,
        [(items, username, out_dir / f"writer-{w}.log", post) for w, items in enumerate(plans)],
    )


def outcomes(out_dir: Path) -> dict[str, list[str]]:
    """Every key's outcomes across every writer's file, in order."""
    seen: dict[str, list[str]] = {}
    for path in sorted(out_dir.glob("writer-*.log")):
        for line in path.read_text().splitlines():
            status, key = line.split(" ", 1)
            seen.setdefault(key, []).append(status)
    return seen
