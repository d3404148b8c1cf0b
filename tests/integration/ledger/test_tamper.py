"""Issue 16, finding 10 (the ledger): tampering with the journal below the application is
named by ``ledger verify``: an edited amount or description, a whole transaction deleted and
the balances put right, the last transaction deleted. An account's chain head cannot be wound
back without dropping a trigger (and the anchor, tested with the audit trail, catches that)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from commissioning.ledger import services as ledger
from commissioning.ledger.models import Account, Posting, Transaction
from commissioning.ledger.rules import Entry, Leg
from commissioning.ledger.verify import verify_ledger
from tests.guards import drop_database_guards
from tests.integration.ledger.test_ledger import books  # noqa: F401

pytestmark = pytest.mark.django_db


def _spends(books):  # noqa: F811
    for i, pence in enumerate((1_000, 2_000, 3_000), start=1):
        legs = (Leg("CARDIAC", -pence), Leg("CARDIAC-SPEND", pence))
        ledger.post(Entry(f"s-{i}", f"Spend {i}", legs), books.finance)
    assert verify_ledger().ok


def test_an_edited_amount_is_named(books):  # noqa: F811
    _spends(books)
    drop_database_guards(("ledger_posting", "ledger_account"))
    with connection.cursor() as c:
        p = Posting.objects.get(transaction__key="s-2", account__code="CARDIAC")
        q = Posting.objects.get(transaction__key="s-2", account__code="CARDIAC-SPEND")
        c.execute("UPDATE ledger_posting SET amount_pence = -20 WHERE id = %s", [p.pk])
        c.execute("UPDATE ledger_posting SET amount_pence = 20 WHERE id = %s", [q.pk])
        c.execute("UPDATE ledger_account SET balance_pence = balance_pence + 1980 "
                  "WHERE code = 'CARDIAC'")  # fmt: skip
        c.execute("UPDATE ledger_account SET balance_pence = balance_pence - 1980 "
                  "WHERE code = 'CARDIAC-SPEND'")  # fmt: skip
    assert (
        verify_ledger().violation == "account CARDIAC: posting 3 of its chain was changed "
        "(amount, account or transaction)"
    )


def test_an_edited_description_is_named(books):  # noqa: F811
    _spends(books)
    drop_database_guards(("ledger_transaction",))
    with connection.cursor() as c:
        c.execute("UPDATE ledger_transaction SET description = 'Consultancy' WHERE key = 's-1'")
    # The fingerprint covers the description; the digest covers the fingerprint.
    with connection.cursor() as c:
        c.execute("UPDATE ledger_transaction SET fingerprint = 'x' WHERE key = 's-1'")
    assert verify_ledger().violation == (
        "transaction s-1 was changed after it was posted (its contents no longer match its digest)"
    )


@pytest.mark.parametrize(("key", "says"), [
    ("s-2", "account CARDIAC: posting 3 of its chain is missing (a transaction was deleted)"),
    ("s-3", "account CARDIAC: its chain ends at posting 3 but its head records posting 4 "
            "(postings were removed or added outside the ledger)"),
])  # fmt: skip
def test_a_deleted_transaction_with_the_balances_put_right_is_named(books, key, says):  # noqa: F811
    _spends(books)
    drop_database_guards(("ledger_posting", "ledger_transaction"))
    t = Transaction.objects.get(key=key)
    with connection.cursor() as c:
        for p in t.postings.all():
            c.execute("UPDATE ledger_account SET balance_pence = balance_pence - %s WHERE id = %s",
                      [p.amount_pence, p.account_id])  # fmt: skip
        c.execute("DELETE FROM ledger_posting WHERE transaction_id = %s", [t.pk])
        c.execute("DELETE FROM ledger_transaction WHERE id = %s", [t.pk])
    report = verify_ledger()
    assert report.violation == says


def test_a_chain_head_cannot_be_wound_back(books):  # noqa: F811
    _spends(books)
    head = Account.objects.get(code="CARDIAC")
    rewinds = (("chain_seq", head.chain_seq - 1), ("chain_hash", "f" * 64))
    for column, value in rewinds:
        sql = f"UPDATE ledger_account SET {column} = %s WHERE id = %s"  # noqa: S608
        with (pytest.raises(DatabaseError, match="chain head only moves forward"),
              transaction.atomic(), connection.cursor() as c):  # fmt: skip
            c.execute(sql, [value, head.pk])
