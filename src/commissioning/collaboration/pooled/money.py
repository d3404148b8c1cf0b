"""Money into and out of a pooled fund: contributions and spending by scheme."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.db.models import Q

from commissioning import money, numbers
from commissioning.audit.stored import stored
from commissioning.ledger import services as ledger
from commissioning.ledger.models import Account, Posting, Transaction
from commissioning.ledger.rules import Entry, Leg
from commissioning.validation import refuse

from ..models import (
    PooledBudget,
    PoolPartner,
    PoolScheme,
    SchemeCommitment,
)
from .agreement import INTEGRATED_BUDGET
from .commitments import outstanding


def contribute(
    partner: PoolPartner, pence: int, key: str, actor, value_date: dt.date | None = None
) -> ledger.Posted:
    """A partner pays (part of) its contribution into the pool."""
    pool = partner.pool
    entry = Entry(
        key,
        f"Contribution of {partner.organisation.display_name} to {pool.name}",
        (Leg(partner.account.code, -pence), Leg(pool.pool_account.code, pence)),
        "contribution",
    )
    return ledger.post(
        entry,
        actor,
        value_date=value_date,
        metadata={"pool": pool.pk, "partner": partner.organisation.code},
    )


def record_spend(
    scheme: PoolScheme,
    pence: int,
    key: str,
    description: str,
    actor,
    value_date: dt.date | None = None,
    commitment: SchemeCommitment | None = None,
) -> ledger.Posted:
    """Spending on a scheme, paid from the pooled fund; against one of the scheme's
    commitments if one is named (never more than it still has outstanding)."""
    pool = scheme.pool
    if value_date is not None and not pool.start_date <= value_date <= pool.end_date:
        raise refuse(
            "value_date",
            f"Spending from the pool is dated within its agreement, {numbers.day(pool.start_date)}"
            f" to {numbers.day(pool.end_date)}: {numbers.day(value_date)} is outside it",
        )
    entry = Entry(
        key,
        f"{scheme.name}: {description}",
        (Leg(pool.pool_account.code, -pence), Leg(scheme.spend_account.code, pence)),
        "spend",
    )
    metadata = {"pool": pool.pk, "scheme": scheme.pk}
    if commitment is None:
        return ledger.post(entry, actor, value_date=value_date, metadata=metadata)
    with transaction.atomic():
        # The commitment's row lock serialises spending against it (PostgreSQL; SQLite
        # serialises every writer anyway).
        locked = SchemeCommitment.objects.select_for_update().filter(pk=commitment.pk).first()
        if locked is None or locked.scheme_id != scheme.pk:
            raise refuse("commitment", "Choose one of this scheme's commitments")
        if not Transaction.objects.filter(key=key).exists():  # a retry is answered by the ledger
            left = outstanding(locked)
            if locked.released_on is not None:
                raise refuse("commitment", f"Commitment {locked.reference} has been released")
            if isinstance(pence, int) and pence > left:
                raise refuse(
                    "amount",
                    f"Only {money.pounds_and_pence(left)} is outstanding on commitment "
                    f"{locked.reference}",
                )
        return ledger.post(
            entry, actor, value_date=value_date, metadata=metadata | {"commitment": locked.pk}
        )


def scheme_spend(
    scheme: PoolScheme, start: dt.date | None = None, end: dt.date | None = None
) -> int:
    """What a scheme spent, between two dates inclusive (or ever): the spending recorded on
    its spend account, plus the integrated personal budgets charged to it (money moved from the
    pooled fund to people's budgets, less any a later plan returned). Both are on the ledger."""
    return sum(scheme_spend_parts(scheme, start, end))


def scheme_spend_parts(
    scheme: PoolScheme, start: dt.date | None = None, end: dt.date | None = None
) -> tuple[int, int]:
    """``scheme_spend`` in its two parts: (on the spend account, integrated personal budgets)."""
    if start is None:
        direct = scheme.spend_account.balance_pence
    elif end is None:
        raise ValueError("Give both dates of the period, or neither")
    else:
        figures = ledger.statement_figures(scheme.spend_account, start, end)
        direct = figures.money_in_pence - figures.money_out_pence
    return direct, integrated_budgets(scheme, start, end)


def integrated_budgets(
    scheme: PoolScheme, start: dt.date | None = None, end: dt.date | None = None
) -> int:
    """The integrated personal budgets charged to a scheme, between two dates inclusive (or
    ever): each is a movement on the pool's account whose transaction names the scheme."""
    moved = Transaction.objects.filter(
        kind=INTEGRATED_BUDGET, postings__account_id=scheme.pool.pool_account_id
    )
    if start is not None:
        moved = moved.filter(value_date__gte=start, value_date__lte=end)
    key = str(scheme.pk)
    return sum(
        int(metadata.get("schemes", {}).get(key, 0))
        for metadata in moved.values_list("metadata", flat=True)
    )


def accounts_of(pools) -> list[int]:
    """The ids of the accounts of ``pools`` (a list of ids, or ``None`` for every pool): the
    fund's account, its risk pool, every scheme's spending account and every partner's account.
    Which accounts a pool has changes only by a revision, so the list is kept per version of the
    data (``audit.stored``)."""
    chosen = PooledBudget.objects.all() if pools is None else PooledBudget.objects.filter(
        pk__in=list(pools)
    )  # fmt: skip
    ids = chosen.values("pk")

    def compute() -> list[int]:
        return sorted(
            Account.objects.filter(
                Q(pk__in=chosen.values("pool_account_id"))
                | Q(pk__in=chosen.values("risk_pool_account_id"))
                | Q(pk__in=PoolScheme.objects.filter(pool__in=ids).values("spend_account_id"))
                | Q(pk__in=PoolPartner.objects.filter(pool__in=ids).values("account_id"))
            ).values_list("pk", flat=True)
        )

    return stored("pool-accounts", compute, None if pools is None else tuple(sorted(pools)))


def postings_of(pools) -> int:
    """``ledger.postings_made`` for the accounts of ``pools`` (a list of ids, or ``None`` for
    every pool). A kept result that reads their money adds it to its key (postings are not
    revisions)."""
    return ledger.postings_made(accounts_of(pools))


def spend_by_month(
    pool: PooledBudget, months: Sequence[tuple[dt.date, dt.date]]
) -> dict[int, list[int]]:
    """Each scheme's spending (as ``scheme_spend`` counts it) in each of ``months`` (calendar
    months, in order), by scheme id: two reads for the whole pool, not two per scheme and
    month."""
    return spend_by_month_of([(pool, months)])[pool.pk]


def spend_by_month_of(
    wanted: Sequence[tuple[PooledBudget, Sequence[tuple[dt.date, dt.date]]]],
) -> dict[int, dict[int, list[int]]]:
    """``spend_by_month`` of several pools (each with its own months), by pool id: two reads
    for them all. Each pool's schemes are read with ``pool.schemes.all()`` (prefetched by a
    caller that asks for many pools)."""
    index: dict[int, dict[tuple[int, int], int]] = {}
    out: dict[int, dict[int, list[int]]] = {}
    scheme_of: dict[int, tuple[int, int]] = {}  # spend account -> (pool, scheme)
    pool_of: dict[int, int] = {}  # pool account -> pool
    for pool, months in wanted:
        index[pool.pk] = {(a.year, a.month): i for i, (a, _) in enumerate(months)}
        out[pool.pk] = {}
        for s in pool.schemes.all():
            scheme_of[s.spend_account_id] = (pool.pk, s.pk)
            out[pool.pk][s.pk] = [0] * len(months)
        pool_of[pool.pool_account_id] = pool.pk
    first = min(months[0][0] for _, months in wanted)
    last = max(months[-1][1] for _, months in wanted)
    postings = Posting.objects.filter(
        account_id__in=scheme_of,
        transaction__value_date__gte=first,
        transaction__value_date__lte=last,
    ).values_list("account_id", "transaction__value_date", "amount_pence")
    for account_id, day, pence in postings:
        pool_pk, scheme_pk = scheme_of[account_id]
        i = index[pool_pk].get((day.year, day.month))
        if i is not None:  # within this pool's months (others' may reach further)
            out[pool_pk][scheme_pk][i] += pence
    # Money moved into the fund from the partners' integrated budgets, by scheme (a posting
    # to the pool's account names its schemes in its transaction's metadata).
    moved = Posting.objects.filter(
        account_id__in=pool_of,
        transaction__kind=INTEGRATED_BUDGET,
        transaction__value_date__gte=first,
        transaction__value_date__lte=last,
    ).values_list("account_id", "transaction__value_date", "transaction__metadata")
    for account_id, day, metadata in moved:
        pool_pk = pool_of[account_id]
        i = index[pool_pk].get((day.year, day.month))
        if i is None:
            continue
        for scheme_id, pence in (metadata or {}).get("schemes", {}).items():
            if int(scheme_id) in out[pool_pk]:
                out[pool_pk][int(scheme_id)][i] += int(pence)
    return out
