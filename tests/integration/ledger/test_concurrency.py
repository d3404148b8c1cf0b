"""The ledger under concurrent writers and crashes, on PostgreSQL (issue 6's proofs):

- 16 processes post 2,000 transactions against 8 shared budgets, asking for more than the
  budgets hold: afterwards ``ledger verify`` passes, no budget is below its limit, and every
  accepted transaction is present exactly once;
- the writers are killed with SIGKILL mid-run, restarted, and retry every transaction with the
  same idempotency keys: nothing lost, nothing doubled.
"""

from __future__ import annotations

import os
import signal
import time

import pytest
from django.db import connection
from django.db.models import Sum

from commissioning.ledger import workload
from commissioning.ledger.models import Account, Posting, Transaction
from commissioning.ledger.verify import verify_ledger
from commissioning.organisations.models import Organisation
from tests.forked import finish

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WRITERS, TRANSACTIONS, BUDGETS = 16, 2000, 8
BUDGET_PENCE, MAX_PENCE = 1_000_000, 10_000  # asks for about 10M pence of 8M held


@pytest.fixture
def books(make_user):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency guarantees are tested on PostgreSQL")
    icb = Organisation.objects.create(code="XC001", name="NHS Synthetic Test ICB", org_type="icb")
    finance = make_user("finance_lead", "load-finance", organisation=icb)
    workload.set_up_books(icb, finance, BUDGETS, BUDGET_PENCE)
    return finance


def plans(prefix: str):
    return [workload.plan(w, TRANSACTIONS // WRITERS, BUDGETS, MAX_PENCE, prefix)
            for w in range(WRITERS)]  # fmt: skip


def assert_books_exact(planned, accepted: set[str]):
    """Every accepted key posted exactly once, nothing else, and every balance follows."""
    keys = list(Transaction.objects.filter(key__startswith="run-").values_list("key", flat=True))
    assert len(keys) == len(set(keys)) == len(accepted)
    assert set(keys) == accepted
    expected = {workload.budget_code(i): BUDGET_PENCE for i in range(BUDGETS)}
    for p in (p for items in planned for p in items if p.key in accepted):
        expected[p.source] -= p.pence
        if p.target in expected:
            expected[p.target] += p.pence
    balances = dict(Account.objects.filter(code__in=expected).values_list("code", "balance_pence"))
    assert balances == expected
    assert min(balances.values()) >= 0
    assert Posting.objects.aggregate(total=Sum("amount_pence"))["total"] == 0
    report = verify_ledger()
    assert report.ok, report.violation


def wait_for_killed_sessions_to_end(timeout: float = 60) -> None:
    """A killed writer's server session can still finish a COMMIT it had been sent, after the
    client process is gone: count what was posted only once every other session has ended."""
    deadline = time.monotonic() + timeout
    while True:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
            )
            (others,) = cur.fetchone()
        if others == 0:
            return
        assert time.monotonic() < deadline, f"{others} killed sessions still open"
        time.sleep(0.05)


def test_sixteen_writers_never_overspend_and_post_each_accepted_transaction_once(books, tmp_path):
    planned = plans("run-a")
    procs, go = workload.start_writers(planned, books.username, tmp_path)
    finish(procs, go)
    seen = workload.outcomes(tmp_path)
    assert len(seen) == TRANSACTIONS and all(len(v) == 1 for v in seen.values())
    accepted = {k for k, v in seen.items() if v == ["posted"]}
    refused = {k for k, v in seen.items() if v == ["refused"]}
    assert refused, "the plans ask for more than the budgets hold: some spends must be refused"
    assert len(accepted) + len(refused) == TRANSACTIONS
    assert_books_exact(planned, accepted)


def test_writers_killed_mid_run_and_retried_lose_nothing_and_double_nothing(books, tmp_path):
    planned = plans("run-b")
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    procs, go = workload.start_writers(planned, books.username, first)
    go.set()
    deadline = time.monotonic() + 120
    while Transaction.objects.filter(key__startswith="run-b").count() < 300:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    for proc in procs:
        os.kill(proc.pid, signal.SIGKILL)
    for proc in procs:
        proc.join()
        assert proc.exitcode == -signal.SIGKILL
    wait_for_killed_sessions_to_end()
    told_first = workload.outcomes(first)
    posted_before = Transaction.objects.filter(key__startswith="run-b").count()
    assert 0 < posted_before < TRANSACTIONS, "the writers were killed mid-run"

    # Restart: every writer retries its whole plan with the same idempotency keys.
    procs, go = workload.start_writers(planned, books.username, second)
    finish(procs, go)
    told = workload.outcomes(second)
    assert len(told) == TRANSACTIONS
    # Nothing lost: every transaction the first run was told was posted is found again.
    for key, statuses in told_first.items():
        if statuses == ["posted"]:
            assert told[key] == ["already"], key
    # Those posted but killed before the writer heard back are also found, not posted twice.
    assert sum(v == ["already"] for v in told.values()) == posted_before
    accepted = {k for k, v in told.items() if v[0] in ("posted", "already")}
    assert_books_exact(planned, accepted)
