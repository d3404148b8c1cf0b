"""The load generator behind the concurrency and crash proofs, run in one process: its plans
are fixed by their seed, ask for more than the budgets hold, and every outcome it writes is
what the ledger did."""

from __future__ import annotations

import pytest

from commissioning.ledger import workload
from commissioning.ledger.models import Account, Transaction
from commissioning.ledger.verify import verify_ledger
from commissioning.organisations.models import Membership, Organisation, User

pytestmark = pytest.mark.django_db


def test_a_writer_records_exactly_what_the_ledger_did(tmp_path):
    icb = Organisation.objects.create(code="XC001", name="NHS Test ICB", org_type="icb")
    user = User.objects.create(username="writer")
    Membership.objects.create(user=user, organisation=icb, role="finance_lead")
    workload.set_up_books(icb, user, budgets=2, pence_each=20_000)
    items = workload.plan(0, 80, budgets=2, max_pence=2_000, prefix="t")
    assert items == workload.plan(0, 80, budgets=2, max_pence=2_000, prefix="t")  # seeded
    workload.write(items, "writer", tmp_path / "writer-0.log")
    workload.write(items, "writer", tmp_path / "writer-0.log")  # a retry of the whole plan
    seen = workload.outcomes(tmp_path)
    posted = {k for k, v in seen.items() if "posted" in v}
    assert all(v[1] == "already" for v in seen.values() if v[0] == "posted")
    assert any(v == ["refused", "refused"] for v in seen.values())  # the budgets ran out
    assert (
        set(Transaction.objects.filter(key__startswith="t-").values_list("key", flat=True))
        == posted
    )
    workload.top_up(user, 2, 20_000, "top")
    assert set(
        Account.objects.filter(code__startswith="LOAD-BUDGET").values_list(
            "balance_pence", flat=True
        )
    ) == {20_000}
    assert verify_ledger().ok
