"""``commissioning ledger verify``: every invariant of the ledger, checked by the database.

1. every transaction has at least two postings and they sum to zero;
2. every account's balance equals the sum of its postings;
3. no account is below its floor (no negative available budget unless its policy allows it);
4. every reversal is exactly the opposite of the transaction it reverses;
5. every issued statement still reconciles to the postings.

The checks are aggregate queries (the database sums the postings; nothing is loaded whole),
and the first violation found is named.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import Coalesce

from .models import Account, Posting, Statement, Transaction
from .rules import pence_text


@dataclass(frozen=True)
class LedgerReport:
    ok: bool
    transactions: int
    postings: int
    accounts: int
    statements: int
    violation: str = ""


def verify_ledger() -> LedgerReport:
    counts = (Transaction.objects.count(), Posting.objects.count(), Account.objects.count(),
              Statement.objects.count())  # fmt: skip
    violation = _first_violation()
    return LedgerReport(violation is None, *counts, violation=violation or "")


def _first_violation() -> str | None:
    unbalanced = (
        Transaction.objects.annotate(
            total=Coalesce(Sum("postings__amount_pence"), Value(0)), n=Count("postings")
        )
        .filter(~Q(total=0) | Q(n__lt=2))
        .order_by("id")
        .values_list("key", "total", "n")
        .first()
    )
    if unbalanced:
        key, total, n = unbalanced
        return (f"transaction {key} does not balance: its {n} posting(s) sum to "
                f"{pence_text(total)}")  # fmt: skip
    drift = (
        Account.objects.annotate(posted=Coalesce(Sum("postings__amount_pence"), Value(0)))
        .exclude(balance_pence=F("posted"))
        .order_by("code")
        .values_list("code", "balance_pence", "posted")
        .first()
    )
    if drift:
        code, balance, posted = drift
        return (f"account {code}: its balance {pence_text(balance)} is not the sum of its "
                f"postings {pence_text(posted)}")  # fmt: skip
    below = (
        Account.objects.filter(floor_pence__isnull=False, balance_pence__lt=F("floor_pence"))
        .order_by("code")
        .values_list("code", "balance_pence", "floor_pence")
        .first()
    )
    if below:
        code, balance, floor = below
        return f"account {code} is at {pence_text(balance)}, below its floor of {pence_text(floor)}"
    for reversal in Transaction.objects.filter(reverses__isnull=False).order_by("id").iterator():
        mine = Counter(reversal.postings.values_list("account_id", "amount_pence"))
        original = Posting.objects.filter(transaction_id=reversal.reverses_id)
        theirs = Counter((a, -p) for a, p in original.values_list("account_id", "amount_pence"))
        if mine != theirs:
            return f"transaction {reversal.key} is not the exact reversal of the one it reverses"
    from .services import statement_figures

    for statement in Statement.objects.select_related("account").order_by("id").iterator():
        f = statement_figures(statement.account, statement.period_start, statement.period_end)
        issued = (statement.opening_pence, statement.money_in_pence, statement.money_out_pence,
                  statement.closing_pence)  # fmt: skip
        if issued != (f.opening_pence, f.money_in_pence, f.money_out_pence, f.closing_pence):
            return (f"the statement of {statement.account.code} for {statement.period_start} to "
                    f"{statement.period_end} no longer reconciles to the postings (closing "
                    f"{pence_text(statement.closing_pence)} issued, "
                    f"{pence_text(f.closing_pence)} now)")  # fmt: skip
    return None
