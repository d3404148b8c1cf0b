"""Everything that writes to the ledger. Each function checks permission, applies the rules
in ``rules.py`` and writes all or nothing.

Concurrency (decision 033): a transaction locks the rows of the accounts it touches, in the
order of their ids (so two writers can never wait on each other in a cycle), before it reads
their balances; a second writer on the same budget waits until the first has committed and
then sees its balance. So two concurrent spends can never take a budget below its floor, on
PostgreSQL under its default READ COMMITTED isolation. SQLite has one writer at a time.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.db.models.functions import TruncMonth

from commissioning import clock, money
from commissioning.audit import chain as audit
from commissioning.validation import Problems, refuse

from . import rules
from .models import Account, Posting, Statement, Transaction
from .permissions import POLICY, Action, OnBehalf, authority_of, keeper_organisations, require
from .rules import AccountKind, Entry, Leg

ACCOUNT_FIELDS = ("code", "name", "kind", "owner_id", "floor_pence")


@dataclass(frozen=True)
class AccountInput:
    code: str
    name: str
    kind: str
    owner_id: int | None = None
    floor_pence: int | str | None = "default"  # "default": 0 for budgets, none for the rest


def postings_made(account_ids) -> int:
    """A number that grows with every posting to any of the accounts ``account_ids``: the sum of
    their chains' lengths, one query. Postings are not revisions of the audit trail, so a result
    kept with ``audit.stored`` that reads balances or postings adds this to its key (each
    account's chain grows under the account's lock, in the posting's transaction, so no posting
    is missed whatever order transactions commit in). Read on every request of the pages that
    keep such results, so it is one plain statement, not a query the ORM plans each time."""
    ids = [int(i) for i in account_ids]
    if not ids:
        return 0
    marks = ", ".join(["%s"] * len(ids))
    table = connection.ops.quote_name(Account._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COALESCE(SUM(chain_seq), 0) FROM {table} WHERE id IN ({marks})",  # noqa: S608 (the table's name and placeholders)
            ids,
        )
        return int(cursor.fetchone()[0])


def open_account(cmd: AccountInput, actor) -> Account:
    problems = Problems()
    try:
        kind = AccountKind(cmd.kind)
    except ValueError:
        problems.add("kind", f"Choose one of: {', '.join(k.value for k in AccountKind)}")
        kind = AccountKind.SPEND
    floor = rules.default_floor(kind) if cmd.floor_pence == "default" else cmd.floor_pence
    if cmd.owner_id is None:
        raise refuse("owner_id", "Say which organisation is accountable for the account")
    account = Account(
        code=cmd.code.strip(),
        name=cmd.name.strip(),
        kind=kind.value,
        owner_id=cmd.owner_id,
        floor_pence=floor,
        opened_at=clock.now(),
    )
    require(actor, Action.OPEN_ACCOUNT, account)
    problems.check_model(
        account, exclude=["opened_at"], validate_unique=True, rename={"owner": "owner_id"}
    )
    problems.raise_if_any()
    with transaction.atomic():
        account.save()
        audit.created(actor, account, ACCOUNT_FIELDS)
    return account


@dataclass(frozen=True)
class Posted:
    transaction: Transaction
    created: bool  # False: the idempotency key had already posted this transaction


def post(
    entry: Entry,
    actor,
    *,
    value_date: dt.date | None = None,
    metadata: Mapping | None = None,
    reverses: Transaction | None = None,
) -> Posted:
    """Post one balanced transaction, once. Sending the same request again with the same
    idempotency key returns the transaction already posted; a different request with a key
    already used is refused."""
    problems = rules.entry_problems(entry)
    if problems:
        raise ValidationError({k: [v] for k, v in problems.items()})
    date = value_date or clock.today()
    if connection.vendor == "postgresql":
        return _post_postgresql(entry, actor, date, metadata, reverses)
    with transaction.atomic():
        return _post(entry, actor, date, metadata, reverses)


@dataclass
class _Locked:
    id: int
    code: str
    name: str
    owner_id: int | None
    floor_pence: int | None
    balance_pence: int
    chain_seq: int
    chain_hash: str
    closed_to: dt.date | None


def _may_draw(actor, account: _Locked) -> None:
    """Money leaves an account only on the authority the transaction records: a service
    acting for a person draws only on the accounts it named; anyone else must keep the books
    of the account's owner."""
    if isinstance(actor, OnBehalf):
        if account.code not in actor.accounts:
            raise PermissionDenied(f"You do not have permission to {POLICY.labels[Action.POST]}.")
        return
    require(actor, Action.POST, account)


@dataclass(frozen=True)
class _Header:
    """A transaction's fields as inserted, and the digest its postings' links carry."""

    key: str
    fingerprint: str
    kind: str
    description: str
    value_date: dt.date
    posted_at: dt.datetime
    actor_id: int | None
    actor_username: str
    reverses_id: int | None
    metadata: dict
    authority: dict

    @property
    def digest(self) -> str:
        return rules.transaction_digest(
            key=self.key,
            fingerprint=self.fingerprint,
            value_date=self.value_date.isoformat(),
            posted_at=self.posted_at.astimezone(dt.UTC).isoformat(),
            actor_id=self.actor_id,
            actor_username=self.actor_username,
            reverses_id=self.reverses_id,
            metadata=self.metadata,
            authority=self.authority,
        )

    def row(self, tx_id: int, reverses) -> Transaction:
        return Transaction(
            id=tx_id, key=self.key, fingerprint=self.fingerprint, kind=self.kind,
            description=self.description, value_date=self.value_date, posted_at=self.posted_at,
            actor_id=self.actor_id, actor_username=self.actor_username, reverses=reverses,
            metadata=self.metadata, authority=self.authority, digest=self.digest,
        )  # fmt: skip


def _header(entry: Entry, actor, date: dt.date, metadata, reverses) -> _Header:
    return _Header(
        key=entry.key,
        fingerprint=rules.fingerprint(entry),
        kind=entry.kind,
        description=entry.description.strip(),
        value_date=date,
        posted_at=clock.now(),
        actor_id=getattr(actor, "pk", None),
        actor_username=getattr(actor, "username", None) or "system",
        reverses_id=reverses.pk if reverses else None,
        metadata=dict(metadata or {}),
        authority=authority_of(actor),
    )


def _post(entry: Entry, actor, date: dt.date, metadata, reverses) -> Posted:
    """The hot path on databases other than PostgreSQL (which runs the same steps in its
    function ``ledger_post``, decisions 033 and 039). First statement: lock the accounts' rows
    (in id order), read their balances, chain heads and closed periods, and look up the
    idempotency key. Then, in order: every account exists; money leaves only accounts the
    actor may draw on; the key (the same request again returns what was posted); closed
    periods; floors. Then three statements insert the transaction, its postings (each linked
    into its account's chain) and the new balances and chain heads. Plain SQL through Django's
    connection: the ORM would spend more time building these statements than the database
    spends running them."""
    # Only "%s" parameter markers are joined into the SQL text below; every value is bound.
    codes = [leg.account for leg in entry.legs]
    marks = ", ".join(["%s"] * len(codes))
    lock = " FOR UPDATE OF a" if connection.features.has_select_for_update_of else ""
    head = _header(entry, actor, date, metadata, reverses)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.id, a.code, a.name, a.owner_id, a.floor_pence, a.balance_pence, "  # noqa: S608
            "a.chain_seq, a.chain_hash, "
            "(SELECT MAX(s.period_end) FROM ledger_statement s WHERE s.account_id = a.id), "
            "(SELECT t.id FROM ledger_transaction t WHERE t.key = %s) "
            f"FROM ledger_account a WHERE a.code IN ({marks}) ORDER BY a.id{lock}",
            [entry.key, *codes],
        )
        rows = cursor.fetchall()
        accounts = {}
        for row in rows:
            closed = row[8]
            if isinstance(closed, str):  # SQLite returns the aggregate's date as text
                closed = dt.date.fromisoformat(closed)
            accounts[row[1]] = _Locked(
                id=row[0],
                code=row[1],
                name=row[2],
                owner_id=row[3],
                floor_pence=row[4],
                balance_pence=row[5],
                chain_seq=row[6],
                chain_hash=row[7],
                closed_to=closed,
            )
        for i, leg in enumerate(entry.legs):
            if leg.account not in accounts:
                raise refuse(f"legs.{i}.account", f"There is no account {leg.account}")
            if leg.pence < 0:
                _may_draw(actor, accounts[leg.account])
        if rows[0][9] is not None:
            return _already_posted(entry, head.fingerprint)
        for leg in entry.legs:
            account = accounts[leg.account]
            if account.closed_to is not None and account.closed_to >= date:
                raise _closed(leg.account, account.closed_to)
        balances = {c: a.balance_pence for c, a in accounts.items()}
        floors = {c: a.floor_pence for c, a in accounts.items()}
        broken = rules.breaches(balances, floors, entry.legs)
        if broken:
            code, new, floor = broken[0]
            i = next(
                i
                for i, leg in enumerate(entry.legs)
                if leg.account == code and balances[code] + leg.pence == new
            )
            raise _below_floor(entry, i, code, accounts[code].name, new, floor)

        ops = connection.ops
        values = [
            head.key, head.fingerprint, head.kind, head.description,
            ops.adapt_datefield_value(head.value_date),
            ops.adapt_datetimefield_value(head.posted_at), head.actor_id, head.actor_username,
            head.reverses_id, json.dumps(head.metadata), json.dumps(head.authority), head.digest,
        ]  # fmt: skip
        digest = head.digest
        links = []
        for leg in entry.legs:
            a = accounts[leg.account]
            a.chain_seq += 1
            a.chain_hash = rules.posting_link(a.chain_hash, digest, a.id, leg.pence, a.chain_seq)
            links.append((a.id, leg.pence, a.chain_seq, a.chain_hash))
        tx_id = _write(cursor, values, links, accounts.values())
    if tx_id is None:  # a writer on other accounts committed the same key meanwhile
        return _already_posted(entry, head.fingerprint)
    # The row as inserted (not read back: the writer already knows every field).
    return Posted(head.row(tx_id, reverses), True)


INSERT_TRANSACTION = (
    "INSERT INTO ledger_transaction (key, fingerprint, kind, description, value_date, "
    "posted_at, actor_id, actor_username, reverses_id, metadata, authority, digest) VALUES "
    "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (key) DO NOTHING RETURNING id"
)


def _write(cursor, header: list, links: list[tuple[int, int, int, str]], accounts) -> int | None:
    """Insert the transaction, its postings and the new balances and chain heads; None if the
    key was taken."""
    cursor.execute(INSERT_TRANSACTION, header)
    row = cursor.fetchone()
    if row is None:
        return None
    cursor.execute(
        "INSERT INTO ledger_posting (transaction_id, account_id, amount_pence, seq, chain) "
        "VALUES " + ", ".join(["(%s, %s, %s, %s, %s)"] * len(links)),
        [v for account, pence, seq, chain in links for v in (row[0], account, pence, seq, chain)],
    )
    moved: dict[int, int] = {}
    for account, pence, _, _ in links:
        moved[account] = moved.get(account, 0) + pence
    touched = [a for a in accounts if a.id in moved]
    cursor.execute(
        "UPDATE ledger_account SET balance_pence = balance_pence + CASE id "  # noqa: S608
        + " ".join(["WHEN %s THEN %s"] * len(touched))
        + " END, chain_seq = CASE id "
        + " ".join(["WHEN %s THEN %s"] * len(touched))
        + " END, chain_hash = CASE id "
        + " ".join(["WHEN %s THEN %s"] * len(touched))
        + f" END WHERE id IN ({', '.join(['%s'] * len(touched))})",
        [v for a in touched for v in (a.id, moved[a.id])]
        + [v for a in touched for v in (a.id, a.chain_seq)]
        + [v for a in touched for v in (a.id, a.chain_hash)]
        + [a.id for a in touched],
    )
    return row[0]


def _closed(code: str, closed_to: dt.date) -> ValidationError:
    return refuse(
        "value_date",
        f"The books of {code} are closed to {closed_to:%d %B %Y} (a "
        "statement was issued): date it later",
    )


class BelowFloor(ValidationError):
    """Refused: the transaction would take an account below its floor (its limit). A caller
    that must say something of its own tells it apart by its type, never by its message."""

    def __init__(self, field: str, message: str, account: str, new_pence: int, floor_pence: int):
        super().__init__({field: [message]})
        self.account = account
        self.new_pence = new_pence
        self.floor_pence = floor_pence


def below_floor_message(name: str, needed_pence: int, available_pence: int) -> str:
    """The one wording of an overspend refusal, for people: the account by its name (never
    its code), what the transaction needs and what is available, both in pounds and never
    negative (an overdraft limit is part of what is available, not a "limit of −£500")."""
    available = money.pounds_and_pence(max(available_pence, 0))
    return (
        f"Refused: this needs {money.pounds_and_pence(needed_pence)} from {name}, "
        f"which has {available} available"
    )


def _below_floor(entry: Entry, i: int, code: str, name: str, new: int, floor: int) -> BelowFloor:
    """Leg ``i`` would take account ``code`` to ``new``, below its ``floor``. Both ways of
    posting (``_post`` and ``ledger_post``) refuse here, so every caller says the same."""
    needed = -entry.legs[i].pence
    available = new + needed - floor  # the balance before, above the floor
    return BelowFloor(
        f"legs.{i}.pence", below_floor_message(name, needed, available), code, new, floor
    )


def _post_postgresql(entry: Entry, actor, date: dt.date, metadata, reverses) -> Posted:
    """The same path as ``_post`` in one call of the database function ``ledger_post``
    (migrations 0003 and 0005): one round trip, which is its own transaction unless the caller
    is in one (decisions 033 and 039)."""
    keeps_all, keeps = keeper_organisations(actor)
    grants = sorted(actor.accounts) if isinstance(actor, OnBehalf) else []
    head = _header(entry, actor, date, metadata, reverses)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM ledger_post(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, "
            "%s::text[], %s::bigint[], %s::bigint[], %s, %s::text[], %s::jsonb, %s)",
            [
                head.key,
                head.fingerprint,
                head.kind,
                head.description,
                head.value_date,
                head.posted_at,
                head.actor_id,
                head.actor_username,
                head.reverses_id,
                json.dumps(head.metadata),
                [leg.account for leg in entry.legs],
                [leg.pence for leg in entry.legs],
                keeps,
                keeps_all,
                grants,
                json.dumps(head.authority),
                head.digest,
            ],
        )
        outcome, tx_id, leg, code, name, amount, limit, closed_to = cursor.fetchone()
    if outcome == "posted":
        return Posted(head.row(tx_id, reverses), True)
    if outcome == "already":
        return Posted(Transaction.objects.get(pk=tx_id), False)
    if outcome == "key_reused":
        raise _key_reused(entry.key)
    if outcome == "no_account":
        raise refuse(f"legs.{leg}.account", f"There is no account {code}")
    if outcome == "forbidden":
        raise PermissionDenied(f"You do not have permission to {POLICY.labels[Action.POST]}.")
    if outcome == "closed":
        raise _closed(code, closed_to)
    if outcome == "below_floor":
        raise _below_floor(entry, leg, code, name, amount, limit)
    raise RuntimeError(f"ledger_post answered {outcome!r}")


def _key_reused(key: str) -> ValidationError:
    return refuse("key", f"The idempotency key {key} was already used for a different transaction")


def _already_posted(entry: Entry, fp: str) -> Posted:
    existing = Transaction.objects.get(key=entry.key)
    if existing.fingerprint != fp:
        raise _key_reused(entry.key)
    return Posted(existing, False)


def reverse(original: Transaction, key: str, reason: str, actor) -> Posted:
    """Correct a transaction by posting its exact opposite (the journal is never edited)."""
    if not reason.strip():
        raise refuse("reason", "Say why the transaction is reversed")
    if original.reverses_id is not None:
        raise refuse("transaction", "This transaction is itself a reversal; post a new one")
    if Transaction.objects.filter(reverses=original).exclude(key=key).exists():
        raise refuse("transaction", f"{original.key} has already been reversed")
    legs = rules.reversal_legs(
        Leg(code, pence)
        for code, pence in original.postings.values_list("account__code", "amount_pence")
    )
    return post(
        Entry(key, f"Reversal of {original.key}: {reason.strip()}", legs, "reversal"),
        actor,
        reverses=original,
        metadata={"reverses": original.key},
    )


@dataclass(frozen=True)
class StatementFigures:
    account: Account
    period_start: dt.date
    period_end: dt.date
    opening_pence: int
    money_in_pence: int
    money_out_pence: int

    @property
    def closing_pence(self) -> int:
        return self.opening_pence + self.money_in_pence - self.money_out_pence


def statement_figures(account: Account, start: dt.date, end: dt.date) -> StatementFigures:
    """Opening balance, money in, money out, from the postings by value date."""
    rows = Posting.objects.filter(account=account)
    figures = rows.aggregate(
        opening=Sum("amount_pence", filter=Q(transaction__value_date__lt=start)),
        money_in=Sum(
            "amount_pence",
            filter=Q(
                transaction__value_date__gte=start,
                transaction__value_date__lte=end,
                amount_pence__gt=0,
            ),
        ),
        money_out=Sum(
            "amount_pence",
            filter=Q(
                transaction__value_date__gte=start,
                transaction__value_date__lte=end,
                amount_pence__lt=0,
            ),
        ),
    )
    opening, money_in = int(figures["opening"] or 0), int(figures["money_in"] or 0)
    return StatementFigures(account, start, end, opening, money_in, -int(figures["money_out"] or 0))


def monthly_figures(account: Account, first: dt.date, last: dt.date) -> list[StatementFigures]:
    """``statement_figures`` for every calendar month from ``first``'s to ``last``'s, oldest
    first, from two queries whatever the number of months: the balance before the first, and
    money in and out by month of value date."""
    start = first.replace(day=1)
    end = last.replace(day=calendar.monthrange(last.year, last.month)[1])
    rows = Posting.objects.filter(account=account)
    opening = rows.filter(transaction__value_date__lt=start).aggregate(o=Sum("amount_pence"))["o"]
    by_month = {
        r["month"]: (int(r["money_in"] or 0), -int(r["money_out"] or 0))
        for r in rows.filter(transaction__value_date__gte=start, transaction__value_date__lte=end)
        .annotate(month=TruncMonth("transaction__value_date"))
        .values("month")
        .annotate(
            money_in=Sum("amount_pence", filter=Q(amount_pence__gt=0)),
            money_out=Sum("amount_pence", filter=Q(amount_pence__lt=0)),
        )
    }
    figures, balance = [], int(opening or 0)
    month = start
    while month <= end:
        month_end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
        money_in, money_out = by_month.get(month, (0, 0))
        figures.append(StatementFigures(account, month, month_end, balance, money_in, money_out))
        balance += money_in - money_out
        month = month_end + dt.timedelta(days=1)
    return figures


def issue_statement(account: Account, start: dt.date, end: dt.date, actor) -> Statement:
    """Issue (and so close) an account's statement for a period that has ended."""
    require(actor, Action.ISSUE_STATEMENT, account)
    if end < start:
        raise refuse("period_end", "The period ends before it starts")
    if end >= clock.today():
        raise refuse("period_end", "A statement is issued once its period has ended")
    with transaction.atomic():
        Account.objects.select_for_update().get(pk=account.pk)  # no posting slips in meanwhile
        if Statement.objects.filter(account=account, period_end__gte=start).exists():
            raise refuse("period_start", "A statement already covers part of this period")
        f = statement_figures(account, start, end)
        statement = Statement.objects.create(
            account=account,
            period_start=start,
            period_end=end,
            opening_pence=f.opening_pence,
            money_in_pence=f.money_in_pence,
            money_out_pence=f.money_out_pence,
            closing_pence=f.closing_pence,
            issued_at=clock.now(),
            issued_by=getattr(actor, "username", None) or "system",
        )
        audit.created(
            actor,
            statement,
            ("closing_pence",),
            account=account.code,
            period=f"{start} to {end}",
        )
    return statement
