"""Benchmark: ledger transactions per second (issue 6).

- PostgreSQL, 16 concurrent writers (separate processes, each its own connection) posting to 8
  shared budgets, one in ten a virement between two budgets; some spends are refused when a
  budget runs out. Target: at least 500 transactions per second on this 2-core machine.
- Baseline, measured in the same run on the same database: one writer posting the same kind
  of transactions (the throughput without concurrency), and the ratio.
- SQLite (the embedded default): one writer.

Each backend gets a fresh database (PostgreSQL: ``commissioning_bench_ledger``, dropped and
created; SQLite: a file in a temporary directory), migrated, then ``ledger verify`` is run on
the result. Refused transactions count as answered requests: each is a full transaction
that locked its budget and read its balance.

    .venv/bin/python benchmarks/ledger.py [--transactions 4000] [--writers 16]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH = "postgres://postgres@127.0.0.1:5432/commissioning_bench_ledger"
BUDGETS, BUDGET_PENCE, MAX_PENCE = 8, 2_000_000, 10_000  # asks ~20M of 16M


def run_backend(url: str, transactions: int, writers: list[int]) -> None:
    """In a fresh process (Django's settings are read once): migrate, set up, measure."""
    os.environ["DATABASE_URL"] = url
    # As in production: DEBUG off (with DEBUG on, Django keeps every query's SQL in memory).
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-secret-key-" + "x" * 40)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commissioning.config.settings")
    sys.path.insert(0, str(REPO / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    from commissioning.ledger import workload
    from commissioning.ledger.verify import verify_ledger
    from commissioning.organisations.models import Membership, Organisation, User

    call_command("migrate", verbosity=0)
    icb = Organisation.objects.create(code="XB001", name="NHS Benchmark ICB", org_type="icb")
    user = User.objects.create(username="bench-finance")
    Membership.objects.create(user=user, organisation=icb, role="finance_lead")
    workload.set_up_books(icb, user, BUDGETS, BUDGET_PENCE)
    for n in writers:
        workload.top_up(user, BUDGETS, BUDGET_PENCE, f"top-up-{n}")  # each run starts full
        plans = [workload.plan(w, transactions // n, BUDGETS, MAX_PENCE, f"bench-{n}")
                 for w in range(n)]  # fmt: skip
        with tempfile.TemporaryDirectory() as out:
            procs, go = workload.start_writers(plans, user.username, Path(out))
            started = time.perf_counter()
            go.set()
            for proc in procs:
                proc.join()
            seconds = time.perf_counter() - started
            seen = workload.outcomes(Path(out))
        posted = sum(v == ["posted"] for v in seen.values())
        total = sum(len(p) for p in plans)
        print(f"RESULT {n} {total} {posted} {seconds:.3f}", flush=True)
    report = verify_ledger()
    print(f"VERIFY {report.ok} {report.transactions} {report.violation}", flush=True)


def measure(url: str, transactions: int, writers: list[int]) -> dict[int, tuple]:
    out = subprocess.run([sys.executable, __file__, "--child", url, "--transactions",
                          str(transactions), "--writers", *map(str, writers)],
                         check=True, capture_output=True, text=True)  # fmt: skip
    results = {}
    for line in out.stdout.splitlines():
        if line.startswith("RESULT"):
            _, n, total, posted, seconds = line.split()
            results[int(n)] = (int(total), int(posted), float(seconds))
        elif line.startswith("VERIFY"):
            _, ok, count, *violation = line.split()
            print(f"  ledger verify after the run: {'passed' if ok == 'True' else 'FAILED'} "
                  f"({int(count):,} transactions) {' '.join(violation)}")  # fmt: skip
    return results


def fresh_pg() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS commissioning_bench_ledger WITH (FORCE)")
        conn.execute("CREATE DATABASE commissioning_bench_ledger")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--transactions", type=int, default=4000)
    parser.add_argument("--writers", type=int, nargs="+", default=[16])
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        run_backend(args.child, args.transactions, args.writers)
        return
    many = args.writers[0]
    print(f"Ledger benchmark: {args.transactions:,} transactions per run, {BUDGETS} shared "
          f"budgets, one in ten a virement; {os.cpu_count()} cores")  # fmt: skip
    fresh_pg()
    pg = measure(PG_BENCH, args.transactions, [1, many])
    with tempfile.TemporaryDirectory() as tmp:
        lite = measure(f"sqlite:///{tmp}/ledger.sqlite3", args.transactions, [1])
    rate = {k: v[0] / v[2] for k, v in pg.items()}
    for n, (total, posted, seconds) in sorted(pg.items()):
        label = "baseline, one writer" if n == 1 else f"ours, {n} concurrent writers"
        print(f"PostgreSQL, {label}: {total:,} transactions ({posted:,} posted, "
              f"{total - posted:,} refused) in {seconds:.2f} s = {rate[n]:,.0f} per second")  # fmt: skip
    total, posted, seconds = lite[1]
    print(f"SQLite, one writer: {total:,} transactions ({posted:,} posted) in {seconds:.2f} s = "
          f"{total / seconds:,.0f} per second")  # fmt: skip
    print(f"ratio, {many} writers / one writer on PostgreSQL: {rate[many] / rate[1]:.2f}x")
    met = "met" if rate[many] >= 500 else "NOT met"
    print(f"target: at least 500 per second with {many} writers on PostgreSQL: {met}")


if __name__ == "__main__":
    main()
