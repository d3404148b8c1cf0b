"""Issue 16, finding 10: tampering that the hash chains alone could not see. On a copy of the
database the probe deleted the last 10 audit revisions and wound the chain head back, deleted a
whole ledger transaction, and edited scores, a decision's rationale, a contract's value and a
payment directly: ``audit verify`` and ``ledger verify`` passed. Now the chain heads only move
forward (below the ORM), an anchor kept outside the database names a truncation or a rewrite
since it was made, and ``audit verify`` reconciles the records decisions and money rest on with
their latest revisions."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import DatabaseError, connection, transaction
from typer.testing import CliRunner

from commissioning.audit import anchor as anchoring
from commissioning.audit.chain import _hash_of, record, verify_chain
from commissioning.audit.models import Revision
from commissioning.audit.reconcile import reconcile
from commissioning.cli import app
from commissioning.ledger import services as ledger
from commissioning.ledger.models import Account, Transaction
from commissioning.ledger.rules import GENESIS, Entry, Leg
from commissioning.ledger.verify import verify_ledger
from commissioning.organisations.permissions import SYSTEM
from commissioning.selection.models import Decision, Score
from tests.guards import drop_database_guards
from tests.integration.ledger.test_ledger import books  # noqa: F401
from tests.integration.personal_budgets.conftest import programme  # noqa: F401

pytestmark = pytest.mark.django_db
runner = CliRunner()


def _events(n: int) -> None:
    for i in range(n):
        with transaction.atomic():
            record(SYSTEM, "event", object_type="test.thing", object_id=str(i), after={"i": i})


def _truncate_trail(keep: int) -> None:
    last = Revision.objects.get(seq=keep)
    with connection.cursor() as c:
        c.execute("DELETE FROM audit_revision WHERE seq > %s", [keep])
        c.execute("UPDATE audit_chainhead SET last_seq = %s, last_hash = %s WHERE id = 1",
                  [keep, last.hash])  # fmt: skip


def test_the_chain_head_cannot_be_wound_back(db):
    _events(12)
    two = Revision.objects.get(seq=2)
    for seq, digest in ((2, two.hash), (12, "f" * 64), (13, "e" * 64)):
        with (pytest.raises(DatabaseError, match="only moves forward"), transaction.atomic(),
              connection.cursor() as c):  # fmt: skip
            c.execute("UPDATE audit_chainhead SET last_seq = %s, last_hash = %s WHERE id = 1",
                      [seq, digest])  # fmt: skip
    assert verify_chain().ok


@pytest.fixture
def key(tmp_path):
    path = tmp_path / "anchor.pem"
    public = anchoring.make_key(path)
    return anchoring.load_key(path), public


def test_an_anchor_names_a_trail_cut_back_and_its_head_wound_back(key):
    signing, public = key
    _events(20)
    document = anchoring.make_anchor(signing)
    assert anchoring.anchor_problems(document, public) == []
    drop_database_guards()
    _truncate_trail(10)
    assert verify_chain().ok  # the chain alone cannot see it
    today = document["statement"]["made_at"][:10]
    assert anchoring.anchor_problems(document, public) == [
        f"audit trail: revision 20, anchored on {today}, is no longer there (the trail was cut "
        "back)"
    ]


def test_an_anchor_names_a_trail_rewritten_whole(key):
    signing, public = key
    _events(6)
    document = anchoring.make_anchor(signing)
    drop_database_guards()
    prev = Revision.objects.get(seq=3).hash
    with connection.cursor() as c:
        for rev in Revision.objects.filter(seq__gte=4).order_by("seq"):
            rev.object_repr = f"forged {rev.seq}"
            rev.prev_hash = prev
            prev = _hash_of(rev)
            c.execute("UPDATE audit_revision SET object_repr = %s, prev_hash = %s, hash = %s "
                      "WHERE id = %s", [rev.object_repr, rev.prev_hash, prev, rev.pk])  # fmt: skip
        c.execute("UPDATE audit_chainhead SET last_hash = %s WHERE id = 1", [prev])
    assert verify_chain().ok
    assert anchoring.anchor_problems(document, public) == [
        f"audit trail: revision 6 is not the one anchored on "
        f"{document['statement']['made_at'][:10]} (the trail was rewritten)"
    ]


def test_an_anchor_names_ledger_transactions_deleted_and_the_chains_rebuilt(books, key):  # noqa: F811
    signing, public = key
    for i in range(3):
        ledger.post(Entry(f"s-{i}", "Spend", (Leg("CARDIAC", -100), Leg("CARDIAC-SPEND", 100))),
                    books.finance)  # fmt: skip
    document = anchoring.make_anchor(signing)
    drop_database_guards()
    t = Transaction.objects.get(key="s-2")
    with connection.cursor() as c:
        for p in t.postings.all():
            c.execute("UPDATE ledger_account SET balance_pence = balance_pence - %s, "
                      "chain_seq = chain_seq - 1 WHERE id = %s",
                      [p.amount_pence, p.account_id])  # fmt: skip
        c.execute("DELETE FROM ledger_posting WHERE transaction_id = %s", [t.pk])
        c.execute("DELETE FROM ledger_transaction WHERE id = %s", [t.pk])
        for a in Account.objects.filter(code__in=["CARDIAC", "CARDIAC-SPEND"]):
            last = a.postings.order_by("-seq").first()
            c.execute("UPDATE ledger_account SET chain_hash = %s WHERE id = %s",
                      [last.chain if last else GENESIS, a.pk])  # fmt: skip
    assert verify_ledger().ok  # every remaining link holds: only the anchor can tell
    assert anchoring.anchor_problems(document, public) == [
        "ledger account CARDIAC: posting 4 of its chain, anchored, is no longer there "
        "(transactions were deleted)",
        "ledger account CARDIAC-SPEND: posting 3 of its chain, anchored, is no longer there "
        "(transactions were deleted)",
    ]


def test_an_anchor_edited_or_checked_with_another_key_is_refused(key, tmp_path):
    signing, public = key
    _events(2)
    document = anchoring.make_anchor(signing)
    edited = json.loads(json.dumps(document))
    edited["statement"]["heads"]["audit"]["seq"] = 1
    assert anchoring.anchor_problems(edited, public)[0].startswith(
        "the anchor's signature does not match"
    )
    other = anchoring.make_key(tmp_path / "other.pem")
    assert anchoring.anchor_problems(document, other)[0].startswith(
        "the anchor's signature does not match"
    )
    assert anchoring.anchor_problems({"x": 1})[0].startswith("the file is not a readable anchor")


def test_the_command_line_makes_a_key_anchors_and_checks(tmp_path, books):  # noqa: F811
    key_path, anchor_path = tmp_path / "k.pem", tmp_path / "anchor.json"
    made = runner.invoke(app, ["audit", "anchor-key", str(key_path)])
    assert made.exit_code == 0, made.output
    public = made.output.split("auditor: ")[1].split()[0]
    assert (key_path.stat().st_mode & 0o777) == 0o600
    again = runner.invoke(app, ["audit", "anchor-key", str(key_path)])
    assert again.exit_code == 1 and "never overwritten" in again.output
    done = runner.invoke(app, ["audit", "anchor", "--key", str(key_path), "--out",
                               str(anchor_path)])  # fmt: skip
    assert done.exit_code == 0, done.output
    ok = runner.invoke(app, ["audit", "verify", "--anchor", str(anchor_path), "--public-key",
                             public])  # fmt: skip
    assert ok.exit_code == 0, ok.output
    assert "still in place" in ok.output
    drop_database_guards()
    _truncate_trail(1)
    broken = runner.invoke(app, ["audit", "verify", "--anchor", str(anchor_path),
                                 "--public-key", public])  # fmt: skip
    assert broken.exit_code == 2
    assert "is no longer there (the trail was cut back)" in " ".join(broken.output.split())


def _sql(statement: str, params) -> None:
    with connection.cursor() as c:
        c.execute(statement, params)


@pytest.mark.parametrize("what", ["score", "rationale", "contract value", "decision value"])
def test_a_record_edited_behind_the_trails_back_is_named(cycle, what):
    signed = cycle.signed()
    assert reconcile() is None
    decision = Decision.objects.get(process=signed.process)
    score = Score.objects.order_by("pk").first()
    edits = {
        "score": ("UPDATE selection_score SET score = %s WHERE id = %s",
                  [5 if score.score != 5 else 1, score.pk],
                  f"score {score.pk}: its score is"),
        "rationale": ("UPDATE selection_decision SET rationale = %s WHERE id = %s",
                      ["Another reason", decision.pk], f"decision {decision.pk}: its rationale"),
        "contract value": ("UPDATE contracts_contract SET value_pence = value_pence + 100 "
                           "WHERE id = %s", [signed.contract.pk],
                           f"contract {signed.contract.pk}: its value_pence"),
        "decision value": ("UPDATE selection_decision SET value_pence = 1 WHERE id = %s",
                           [decision.pk], f"decision {decision.pk}: its value_pence"),
    }  # fmt: skip
    sql, params, says = edits[what]
    _sql(sql, params)
    found = reconcile()
    assert found is not None and found.startswith(says), found
    assert "(changed outside the services)" in found


def test_a_payment_edited_or_made_outside_the_services_is_named(programme):  # noqa: F811
    assert reconcile() is None
    payment = programme.other.payments.get()
    _sql("UPDATE personal_budgets_payment SET amount_pence = 1 WHERE id = %s", [payment.pk])
    assert reconcile().startswith(f"payment {payment.pk}: its amount_pence is 1")
    _sql("UPDATE personal_budgets_payment SET amount_pence = %s WHERE id = %s",
         [payment.amount_pence, payment.pk])  # fmt: skip
    assert reconcile() is None
    _sql("UPDATE personal_budgets_payment SET paid_on = %s WHERE id = %s",
         [dt.date(2026, 7, 1), payment.pk])  # fmt: skip
    assert "its paid_on is '2026-07-01'" in reconcile()
