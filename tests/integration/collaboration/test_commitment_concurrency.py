"""Concurrent spending against one commitment on PostgreSQL: 8 processes record 320 spends
through the service, asking for about twice what the commitment has outstanding. The row
lock on the commitment means that what is spent against it never exceeds it: afterwards what
is outstanding is the commitment less exactly the accepted spends, and never below zero."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, connections

from commissioning import clock
from commissioning.collaboration import pooled
from commissioning.collaboration.models import PoolScheme, SchemeCommitment
from commissioning.ledger.models import Transaction
from commissioning.ledger.verify import verify_ledger
from commissioning.organisations.models import User
from tests.forked import child_ready, log_attempts, read_logs, run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WRITERS, EACH, COMMITTED = 8, 40, 1_000_000


def _writer(scheme_id: int, commitment_id: int, username: str, writer: int, out: str, ready, go):
    child_ready(ready, go)
    user = User.objects.get(username=username)
    scheme = PoolScheme.objects.select_related("pool__pool_account", "spend_account").get(
        pk=scheme_id
    )
    commitment = SchemeCommitment.objects.get(pk=commitment_id)

    def spend(key, pence):
        pooled.record_spend(scheme, pence, key, "Stairlift", user, dt.date(2025, 7, 1), commitment)

    log_attempts(
        out, writer, EACH, (2_000, 10_000), spend, "is outstanding on commitment HA-1", "spent"
    )
    connections.close_all()


def test_concurrent_spends_never_exceed_a_commitment(bcf, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency guarantees are tested on PostgreSQL")
    host = bcf.people["XL001"]
    _, council = bcf.pool.partners.all()
    _, adaptations = bcf.pool.schemes.all()
    pooled.contribute(council, 4_000_000, "c-la", host, dt.date(2025, 4, 1))
    with clock.recorded_as(dt.datetime(2025, 7, 1, 9)):
        ha1 = pooled.commit(
            pooled.CommitmentInput(
                adaptations.pk, "HA-1", "Stairlifts Ltd", "Stairlifts", COMMITTED,
                dt.date(2025, 7, 1), "k-ha1",
            ),
            host,
        )  # fmt: skip
    run_together(
        _writer,
        [
            (adaptations.pk, ha1.pk, host.username, w, str(tmp_path / f"w{w}.log"))
            for w in range(WRITERS)
        ],
    )
    lines = read_logs(tmp_path)
    assert len(lines) == WRITERS * EACH
    spent = {key: pence for status, key, pence in lines if status == "spent"}
    assert any(status == "refused" for status, _, _ in lines), "they ask for twice as much"
    assert pooled.spent_against(ha1) == sum(spent.values()) <= COMMITTED
    assert pooled.outstanding(ha1) == COMMITTED - sum(spent.values()) >= 0
    assert COMMITTED - sum(spent.values()) < 10_000  # refused only once too little was left
    keys = set(Transaction.objects.filter(key__startswith="w").values_list("key", flat=True))
    assert keys == set(spent)
    report = verify_ledger()
    assert report.ok, report.violation
