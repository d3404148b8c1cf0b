"""The ledger's tables: accounts, the append-only journal of transactions and their
postings, and issued statements.

``Account.balance_pence`` is kept alongside the postings so that a writer checks a budget's
limit by locking one row instead of summing its history; ``commissioning ledger verify``
proves that every balance still equals the sum of its postings.

Every account has an owner: the organisation accountable for it, whose finance leads alone
may draw on it. Each account's postings form a hash chain (``Posting.seq`` and
``Posting.chain``; the account keeps the head), extended under the account's row lock that
every writer already takes, so tampering with the journal (an edited amount, a deleted
transaction) breaks a chain ``ledger verify`` names, and an anchor kept outside the database
detects a chain rewritten whole (decision 039).
"""

from __future__ import annotations

from django.db import models

from commissioning import money

from .rules import KIND_LABELS


class Account(models.Model):
    code = models.CharField(max_length=60, unique=True, help_text="e.g. SPEC-CARDIAC-2026")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=[(k.value, v) for k, v in KIND_LABELS.items()])
    owner = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="ledger_accounts",
        help_text="The organisation accountable for it: only its finance leads draw on it",
    )  # fmt: skip
    floor_pence = models.BigIntegerField(
        null=True, blank=True,
        help_text="The lowest balance the policy allows (0: may not be overspent); empty for no"
        " limit",
    )  # fmt: skip
    balance_pence = models.BigIntegerField(default=0, editable=False)
    opened_at = models.DateTimeField()
    chain_seq = models.BigIntegerField(default=0, editable=False)
    chain_hash = models.CharField(max_length=64, default="0" * 64, editable=False)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def balance_text(self) -> str:
        return money.pounds_and_pence(self.balance_pence)


class Transaction(models.Model):
    key = models.CharField("idempotency key", max_length=100, unique=True)
    fingerprint = models.CharField(max_length=64)
    kind = models.CharField(max_length=30, default="transfer")
    description = models.CharField(max_length=300)
    value_date = models.DateField(help_text="The date the money moves in the accounts")
    posted_at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_username = models.CharField(max_length=150)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    metadata = models.JSONField(default=dict, blank=True)
    authority = models.JSONField(
        default=dict,
        blank=True,
        help_text="On what authority money left its accounts: a finance lead of their owner "
        "(keeper), a service acting for a person after its own check (service), or the command "
        "line (system)",
    )
    digest = models.CharField(max_length=64, default="", editable=False)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["value_date"])]

    def __str__(self) -> str:
        return f"{self.key}: {self.description}"


class Posting(models.Model):
    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="postings")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings")
    amount_pence = models.BigIntegerField()
    seq = models.BigIntegerField(null=True, help_text="Position in its account's chain, from 1")
    chain = models.CharField(max_length=64, default="")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount_pence=0), name="posting_not_zero"),
            models.UniqueConstraint(fields=["account", "seq"], name="one_posting_per_link"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}: {money.pounds_and_pence(self.amount_pence)}"


class Statement(models.Model):
    """An account's statement for a period, as issued: verify checks it still reconciles to
    the postings, and the period is closed to new postings once it is issued."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="statements")
    period_start = models.DateField()
    period_end = models.DateField()
    opening_pence = models.BigIntegerField()
    money_in_pence = models.BigIntegerField()
    money_out_pence = models.BigIntegerField()
    closing_pence = models.BigIntegerField()
    issued_at = models.DateTimeField()
    issued_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["account", "period_start"]
        constraints = [
            models.UniqueConstraint(fields=["account", "period_start"], name="one_statement"),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="statement_period_forwards",
            ),
        ]

    def __str__(self) -> str:
        return f"Statement of {self.account_id} for {self.period_start} to {self.period_end}"
