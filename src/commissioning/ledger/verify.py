"""``commissioning ledger verify``: every invariant of the ledger, checked by the database.

1. every transaction has at least two postings and they sum to zero;
2. every account's balance equals the sum of its postings;
3. no account is below its floor (no negative available budget unless its policy allows it);
4. every reversal is exactly the opposite of the transaction it reverses;
5. every issued statement still reconciles to the postings;
6. every account's postings form an unbroken hash chain ending at the account's head, and
   each transaction still has the digest its postings' links carry (an edited amount, date,
   description or actor, or a deleted transaction, breaks it);
7. money left every account on an authority that held when it was posted: a finance lead
   (or administrator) of the account's owner on that day, a service acting for a person on an
   account its app confirms it may draw on, or the command line.

The checks are aggregate queries or one pass over the journal in order (nothing is loaded
whole), and the first violation found is named.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import Coalesce

from commissioning import money
from commissioning.organisations.models import Membership

from .models import Account, Posting, Statement, Transaction
from .permissions import HOLDERS, KEEPERS
from .rules import GENESIS, posting_link, transaction_digest
from .services import statement_figures


@dataclass(frozen=True)
class LedgerReport:
    ok: bool
    transactions: int
    postings: int
    accounts: int
    statements: int
    violation: str = ""
    unrecorded_authority: int = 0  # posted before the ledger recorded its authority


def verify_ledger() -> LedgerReport:
    counts = (Transaction.objects.count(), Posting.objects.count(), Account.objects.count(),
              Statement.objects.count())  # fmt: skip
    violation = _first_violation() or chain_violation() or authority_violation()
    unrecorded = Transaction.objects.filter(authority__basis="unrecorded").count()
    return LedgerReport(violation is None, *counts, violation=violation or "",
                        unrecorded_authority=unrecorded)  # fmt: skip


def chain_violation() -> str | None:
    """One pass over the postings in each account's order (streamed, with their transactions):
    every transaction still has the digest its postings carry, every link follows the one
    before it, and each account's chain ends at its head."""

    fields = ("account_id", "account__code", "seq", "amount_pence", "chain", "transaction__key",
              "transaction__fingerprint", "transaction__value_date", "transaction__posted_at",
              "transaction__actor_id", "transaction__actor_username", "transaction__reverses_id",
              "transaction__metadata", "transaction__authority", "transaction__digest")  # fmt: skip
    heads: dict[int, tuple[int, str]] = {}
    rows = Posting.objects.order_by("account_id", "seq").values_list(*fields)
    for row in rows.iterator(chunk_size=5000):
        (account_id, code, seq, pence, chain, key, fp, value_date, posted_at, actor_id,
         username, reverses_id, metadata, authority, stored) = row  # fmt: skip
        digest = transaction_digest(
            key=key, fingerprint=fp, value_date=value_date.isoformat(),
            posted_at=posted_at.astimezone(dt.UTC).isoformat(), actor_id=actor_id,
            actor_username=username, reverses_id=reverses_id, metadata=metadata,
            authority=authority,
        )  # fmt: skip
        if digest != stored:
            return (f"transaction {key} was changed after it was posted (its contents no longer "
                    "match its digest)")  # fmt: skip
        last_seq, prev = heads.get(account_id, (0, GENESIS))
        if seq != last_seq + 1:
            return (f"account {code}: posting {last_seq + 1} of its chain is missing (a "
                    "transaction was deleted)")  # fmt: skip
        if posting_link(prev, digest, account_id, pence, seq) != chain:
            return (f"account {code}: posting {seq} of its chain was changed (amount, account "
                    "or transaction)")  # fmt: skip
        heads[account_id] = (seq, chain)
    for account_id, code, chain_seq, chain_hash in Account.objects.order_by("code").values_list(
        "id", "code", "chain_seq", "chain_hash"
    ):
        seq, chain = heads.get(account_id, (0, GENESIS))
        if (seq, chain) != (chain_seq, chain_hash):
            return (f"account {code}: its chain ends at posting {seq} but its head records "
                    f"posting {chain_seq} (postings were removed or added outside the "
                    "ledger)")  # fmt: skip
    return None


def authority_violation() -> str | None:
    """Money left each account on an authority that held when it was posted."""
    from django.db.models import Exists, OuterRef
    from django.db.models.functions import TruncDate
    from django.utils import timezone

    debits = Posting.objects.filter(amount_pence__lt=0).select_related("transaction", "account")
    # Authority is judged on the day the person acted (when it was posted), not the value
    # date, which may lie in the past.
    keeper = Membership.objects.filter(
        user_id=OuterRef("transaction__actor_id"),
        organisation_id=OuterRef("account__owner_id"),
        role__in=[r.value for r in KEEPERS],
        status="active",
    ).filter(
        Q(start_date__isnull=True) | Q(start_date__lte=OuterRef("posted_on")),
        Q(end_date__isnull=True) | Q(end_date__gte=OuterRef("posted_on")),
    )
    unauthorised = (
        debits.filter(transaction__authority__basis="keeper")
        .annotate(posted_on=TruncDate("transaction__posted_at"))
        .annotate(kept=Exists(keeper))
        .filter(kept=False)
        .order_by("transaction_id")
        .first()
    )
    if unauthorised:
        t = unauthorised.transaction
        day = timezone.localdate(t.posted_at)
        return (f"transaction {t.key} drew on {unauthorised.account.code} but {t.actor_username} "
                f"was not a finance lead of its owner on {day}")  # fmt: skip
    for p in debits.filter(transaction__authority__basis="service").order_by("transaction_id"):
        t = p.transaction
        holder = HOLDERS.get(t.authority.get("service"))
        if holder is None or holder.may_draw is None:
            return f"transaction {t.key} names a service the ledger does not know"
        if not holder.may_draw(t.authority.get("ref"), p.account):
            return (f"transaction {t.key} drew on {p.account.code}, which its service may not "
                    "draw on for what it acted for")  # fmt: skip
    strange = (
        Transaction.objects.exclude(
            authority__basis__in=["keeper", "service", "system", "unrecorded"]
        )
        .order_by("id")
        .first()
    )
    if strange:
        return f"transaction {strange.key} records no authority the ledger knows"
    system = (
        Transaction.objects.filter(authority__basis="system")
        .exclude(actor_id__isnull=True)
        .order_by("id")
        .first()
    )
    if system:
        return (f"transaction {system.key} claims the command line's authority but was posted "
                f"by {system.actor_username}")  # fmt: skip
    return None


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
                f"{money.pounds_and_pence(total)}")  # fmt: skip
    drift = (
        Account.objects.annotate(posted=Coalesce(Sum("postings__amount_pence"), Value(0)))
        .exclude(balance_pence=F("posted"))
        .order_by("code")
        .values_list("code", "balance_pence", "posted")
        .first()
    )
    if drift:
        code, balance, posted = drift
        return (f"account {code}: its balance {money.pounds_and_pence(balance)} is not the "
                f"sum of its postings {money.pounds_and_pence(posted)}")  # fmt: skip
    below = (
        Account.objects.filter(floor_pence__isnull=False, balance_pence__lt=F("floor_pence"))
        .order_by("code")
        .values_list("code", "balance_pence", "floor_pence")
        .first()
    )
    if below:
        code, balance, floor = below
        return (f"account {code} is at {money.pounds_and_pence(balance)}, below its floor of "
                f"{money.pounds_and_pence(floor)}")  # fmt: skip
    for reversal in Transaction.objects.filter(reverses__isnull=False).order_by("id").iterator():
        mine = Counter(reversal.postings.values_list("account_id", "amount_pence"))
        original = Posting.objects.filter(transaction_id=reversal.reverses_id)
        theirs = Counter((a, -p) for a, p in original.values_list("account_id", "amount_pence"))
        if mine != theirs:
            return f"transaction {reversal.key} is not the exact reversal of the one it reverses"

    for statement in Statement.objects.select_related("account").order_by("id").iterator():
        f = statement_figures(statement.account, statement.period_start, statement.period_end)
        issued = (statement.opening_pence, statement.money_in_pence, statement.money_out_pence,
                  statement.closing_pence)  # fmt: skip
        if issued != (f.opening_pence, f.money_in_pence, f.money_out_pence, f.closing_pence):
            return (f"the statement of {statement.account.code} for {statement.period_start} to "
                    f"{statement.period_end} no longer reconciles to the postings (closing "
                    f"{money.pounds_and_pence(statement.closing_pence)} issued, "
                    f"{money.pounds_and_pence(f.closing_pence)} now)")  # fmt: skip
    return None
