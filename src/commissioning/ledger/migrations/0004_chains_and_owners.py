"""Every account gets an owner, and the journal its hash chains (decision 039).

Accounts opened without an owner (funding sources) are given the owner of the first account
they paid money into: the organisation the allocation was for. Existing transactions get
their digest, with the authority ``unrecorded`` (they were posted before the ledger recorded
it; ``ledger verify`` counts them), and existing postings their links, account by account in
the order they were posted.
"""

import datetime as dt
import hashlib
import json

import django.db.models.deletion
from django.db import migrations, models

UPDATE_TRIGGERS = {
    "postgresql": (
        ["DROP TRIGGER IF EXISTS ledger_transaction_no_update ON ledger_transaction",
         "DROP TRIGGER IF EXISTS ledger_posting_no_update ON ledger_posting"],
        ["CREATE TRIGGER ledger_transaction_no_update BEFORE UPDATE ON ledger_transaction FOR "
         "EACH ROW EXECUTE FUNCTION ledger_journal_append_only()",
         "CREATE TRIGGER ledger_posting_no_update BEFORE UPDATE ON ledger_posting FOR EACH ROW "
         "EXECUTE FUNCTION ledger_journal_append_only()"],
    ),
    "sqlite": (
        ["DROP TRIGGER IF EXISTS ledger_transaction_no_update",
         "DROP TRIGGER IF EXISTS ledger_posting_no_update"],
        [f"CREATE TRIGGER {t}_no_update BEFORE UPDATE ON {t} BEGIN SELECT RAISE(ABORT, "
         "'the ledger journal is append-only: correct it with a reversing transaction'); END"
         for t in ("ledger_transaction", "ledger_posting")],
    ),
}


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _digest(t) -> str:
    body = _canonical([t.key, t.fingerprint, t.value_date.isoformat(),
                       t.posted_at.astimezone(dt.UTC).isoformat(), t.actor_id, t.actor_username,
                       t.reverses_id, t.metadata, t.authority])
    return hashlib.sha256(body.encode()).hexdigest()


def forwards(apps, schema_editor):
    Account = apps.get_model("ledger", "Account")
    Transaction = apps.get_model("ledger", "Transaction")
    Posting = apps.get_model("ledger", "Posting")
    vendor = schema_editor.connection.vendor
    drop, create = UPDATE_TRIGGERS.get(vendor, ([], []))
    for sql in drop:
        schema_editor.execute(sql)
    for account in Account.objects.filter(owner__isnull=True):
        funded = (
            Posting.objects.filter(
                amount_pence__gt=0,
                transaction__postings__account=account,
                transaction__postings__amount_pence__lt=0,
            )
            .exclude(account=account)
            .order_by("transaction_id", "id")
            .values_list("account__owner_id", flat=True)
        )
        owner = next((o for o in funded if o is not None), None)
        if owner is None:
            if Posting.objects.filter(account=account).exists():
                raise RuntimeError(
                    f"Ledger account {account.code} has no owner and funded no owned account: "
                    "set its owner (ledger_account.owner_id) before migrating"
                )
            account.delete()  # opened and never used
            continue
        account.owner_id = owner
        account.save(update_fields=["owner_id"])
    heads = {}
    for t in Transaction.objects.order_by("id").iterator():
        t.authority = {"basis": "unrecorded"}
        t.digest = _digest(t)
        t.save(update_fields=["authority", "digest"])
        for p in Posting.objects.filter(transaction=t).order_by("id"):
            seq, prev = heads.get(p.account_id, (0, "0" * 64))
            seq += 1
            link = f"{prev}|{t.digest}|{p.account_id}|{p.amount_pence}|{seq}"
            p.seq, p.chain = seq, hashlib.sha256(link.encode()).hexdigest()
            p.save(update_fields=["seq", "chain"])
            heads[p.account_id] = (seq, p.chain)
    for account_id, (seq, chain) in heads.items():
        Account.objects.filter(pk=account_id).update(chain_seq=seq, chain_hash=chain)
    for sql in create:
        schema_editor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0003_ledger_post_function'),
        ('organisations', '0002_budgets_and_delegated_authority'),
    ]

    operations = [
        migrations.AddField(
            model_name='account',
            name='chain_hash',
            field=models.CharField(default='0000000000000000000000000000000000000000000000000000000000000000', editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='account',
            name='chain_seq',
            field=models.BigIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name='posting',
            name='chain',
            field=models.CharField(default='', max_length=64),
        ),
        migrations.AddField(
            model_name='posting',
            name='seq',
            field=models.BigIntegerField(help_text="Position in its account's chain, from 1", null=True),
        ),
        migrations.AddField(
            model_name='transaction',
            name='authority',
            field=models.JSONField(blank=True, default=dict, help_text='On what authority money left its accounts: a finance lead of their owner (keeper), a service acting for a person after its own check (service), or the command line (system)'),
        ),
        migrations.AddField(
            model_name='transaction',
            name='digest',
            field=models.CharField(default='', editable=False, max_length=64),
        ),
        migrations.AddConstraint(
            model_name='posting',
            constraint=models.UniqueConstraint(fields=('account', 'seq'), name='one_posting_per_link'),
        ),
        # After every change of the tables: SQLite rebuilds a table to add a column, which
        # drops its triggers; forwards() puts them back.
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
