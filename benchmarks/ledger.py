"""Benchmark: ledger transactions per second (issue 6).

- PostgreSQL, 16 concurrent writers (separate processes, each its own connection) posting to 8
  shared budgets, one in ten a virement between two budgets; some spends are refused when a
  budget runs out. Target: at least 500 transactions per second on this 2-core machine.
- Baselines, measured in the same run on the same database: the same rules written the
  straightforward way with Django's ORM (``naive_post`` below: lock the accounts with
  ``select_for_update``, look up the key, check the floors, create the transaction and its
  postings, save each balance) with the same 16 writers; and ours with one writer (the
  throughput without concurrency). The ratio is ours against the ORM baseline.
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


def naive_post(entry, actor):
    """The baseline: the same checks and writes through the ORM, one query at a time (the
    authority, the digest and each posting's link in its account's chain included, so that
    ``ledger verify`` passes on what it posted too)."""
    import datetime as dt

    from django.core.exceptions import ValidationError
    from django.db import transaction

    from commissioning import clock
    from commissioning.ledger import rules
    from commissioning.ledger.models import Account, Posting, Transaction
    from commissioning.ledger.permissions import Action, authority_of, require
    from commissioning.ledger.services import Posted

    fp = rules.fingerprint(entry)
    with transaction.atomic():
        codes = [leg.account for leg in entry.legs]
        accounts = {a.code: a for a in Account.objects.select_for_update()
                    .filter(code__in=codes).order_by("id")}  # fmt: skip
        for leg in entry.legs:
            if leg.pence < 0:
                require(actor, Action.POST, accounts[leg.account])
        existing = Transaction.objects.filter(key=entry.key).first()
        if existing is not None:
            return Posted(existing, False)
        for leg in entry.legs:
            a = accounts[leg.account]
            low = a.floor_pence is not None and a.balance_pence + leg.pence < a.floor_pence
            if leg.pence < 0 and low:
                raise ValidationError("below its limit")
        value_date, posted_at, authority = clock.today(), clock.now(), authority_of(actor)
        digest = rules.transaction_digest(
            key=entry.key, fingerprint=fp, value_date=value_date.isoformat(),
            posted_at=posted_at.astimezone(dt.UTC).isoformat(), actor_id=actor.pk,
            actor_username=actor.username, reverses_id=None, metadata={}, authority=authority,
        )  # fmt: skip
        tx = Transaction.objects.create(key=entry.key, fingerprint=fp, kind=entry.kind,
                                        description=entry.description, value_date=value_date,
                                        posted_at=posted_at, actor_id=actor.pk,
                                        actor_username=actor.username, metadata={},
                                        authority=authority, digest=digest)  # fmt: skip
        for leg in entry.legs:
            a = accounts[leg.account]
            a.chain_seq += 1
            a.chain_hash = rules.posting_link(a.chain_hash, digest, a.id, leg.pence, a.chain_seq)
            Posting.objects.create(transaction=tx, account=a, amount_pence=leg.pence,
                                   seq=a.chain_seq, chain=a.chain_hash)  # fmt: skip
            a.balance_pence += leg.pence
            a.save(update_fields=["balance_pence", "chain_seq", "chain_hash"])
    return Posted(tx, True)


def run_backend(url: str, transactions: int, writers: list[str]) -> None:
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
    user = User.objects.prefetch_related("memberships").get(pk=user.pk)
    for run in writers:  # "16" (ours) or "orm:16" (the baseline)
        how, n = run.split(":") if ":" in run else ("ours", run)
        n = int(n)
        workload.top_up(user, BUDGETS, BUDGET_PENCE, f"top-up-{run}")  # each run starts full
        plans = [workload.plan(w, transactions // n, BUDGETS, MAX_PENCE, f"bench-{run}")
                 for w in range(n)]  # fmt: skip
        post = naive_post if how == "orm" else None
        with tempfile.TemporaryDirectory() as out:
            procs, go = workload.start_writers(plans, user.username, Path(out), post)
            started = time.perf_counter()
            go.set()
            for proc in procs:
                proc.join()
            seconds = time.perf_counter() - started
            seen = workload.outcomes(Path(out))
        posted = sum(v == ["posted"] for v in seen.values())
        total = sum(len(p) for p in plans)
        print(f"RESULT {run} {total} {posted} {seconds:.3f}", flush=True)
    report = verify_ledger()
    print(f"VERIFY {report.ok} {report.transactions} {report.violation}", flush=True)


def measure(url: str, transactions: int, writers: list[str]) -> dict[str, tuple]:
    out = subprocess.run([sys.executable, __file__, "--child", url, "--transactions",
                          str(transactions), "--runs", *writers],
                         check=True, capture_output=True, text=True)  # fmt: skip
    results = {}
    for line in out.stdout.splitlines():
        if line.startswith("RESULT"):
            _, run, total, posted, seconds = line.split()
            results[run] = (int(total), int(posted), float(seconds))
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
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--runs", nargs="+", default=[])
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        run_backend(args.child, args.transactions, args.runs)
        return
    many = args.writers
    print(f"Ledger benchmark: {args.transactions:,} transactions per run, {BUDGETS} shared "
          f"budgets, one in ten a virement; {os.cpu_count()} cores")  # fmt: skip
    fresh_pg()
    runs = [f"orm:{many}", str(many), "1"]
    pg = measure(PG_BENCH, args.transactions, runs)
    with tempfile.TemporaryDirectory() as tmp:
        lite = measure(f"sqlite:///{tmp}/ledger.sqlite3", args.transactions, ["orm:1", "1"])
    labels = {f"orm:{many}": f"baseline, the ORM way, {many} concurrent writers",
              str(many): f"ours, {many} concurrent writers", "1": "ours, one writer",
              "orm:1": "baseline, the ORM way, one writer"}  # fmt: skip
    rate = {}
    for name, results in (("PostgreSQL", pg), ("SQLite", lite)):
        for run, (total, posted, seconds) in results.items():
            rate[name, run] = total / seconds
            print(f"{name}, {labels[run]}: {total:,} transactions ({posted:,} posted, "
                  f"{total - posted:,} refused) in {seconds:.2f} s = "
                  f"{rate[name, run]:,.0f} per second")  # fmt: skip
    ours, base = rate["PostgreSQL", str(many)], rate["PostgreSQL", f"orm:{many}"]
    print(f"ratio on PostgreSQL, ours / the ORM way, {many} writers: {ours / base:.2f}x; "
          f"SQLite, one writer: {rate['SQLite', '1'] / rate['SQLite', 'orm:1']:.2f}x")  # fmt: skip
    met = "met" if ours >= 500 else "NOT met"
    print(f"target: at least 500 per second with {many} writers on PostgreSQL: {met} "
          f"({ours:,.0f} per second)")  # fmt: skip


if __name__ == "__main__":
    main()
