"""Everything that writes to the ledger. Each function checks permission, applies the rules
in ``rules.py`` and writes all or nothing.

Concurrency (decision 033): a transaction locks the rows of the accounts it touches, in the
order of their ids (so two writers can never wait on each other in a cycle), before it reads
their balances; a second writer on the same budget waits until the first has committed and
then sees its balance. So two concurrent spends can never take a budget below its floor, on
PostgreSQL under its default READ COMMITTED isolation. SQLite has one writer at a time.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q, Sum

from commissioning import clock
from commissioning.audit import chain as audit
from commissioning.validation import Problems, refuse

from . import rules
from .models import Account, Posting, Statement, Transaction
from .permissions import POLICY, Action, keeper_organisations, require
from .rules import AccountKind, Entry, Leg, pence_text

ACCOUNT_FIELDS = ("code", "name", "kind", "owner_id", "floor_pence")


@dataclass(frozen=True)
class AccountInput:
    code: str
    name: str
    kind: str
    owner_id: int | None = None
    floor_pence: int | str | None = "default"  # "default": 0 for budgets, none for the rest


def open_account(cmd: AccountInput, actor) -> Account:
    problems = Problems()
    try:
        kind = AccountKind(cmd.kind)
    except ValueError:
        problems.add("kind", f"Choose one of: {', '.join(k.value for k in AccountKind)}")
        kind = AccountKind.SPEND
    floor = rules.default_floor(kind) if cmd.floor_pence == "default" else cmd.floor_pence
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
        audit.record(
            actor, "create", account, after={f: getattr(account, f) for f in ACCOUNT_FIELDS}
        )
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
    closed_to: dt.date | None


def _post(entry: Entry, actor, date: dt.date, metadata, reverses) -> Posted:
    """The hot path on databases other than PostgreSQL (which runs the same steps in its
    function ``ledger_post``, decision 033). First statement: lock the accounts' rows (in id
    order), read their balances and closed periods, and look up the idempotency key. Then,
    in order: every account exists; money leaves only accounts the actor keeps; the key (the
    same request again returns what was posted); closed periods; floors. Then three
    statements insert the transaction, its postings and the new balances. Plain SQL through
    Django's connection: the ORM would spend more time building these statements than the
    database spends running them."""
    # Only "%s" parameter markers are joined into the SQL text below; every value is bound.
    codes = [leg.account for leg in entry.legs]
    marks = ", ".join(["%s"] * len(codes))
    lock = " FOR UPDATE OF a" if connection.features.has_select_for_update_of else ""
    fp = rules.fingerprint(entry)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.id, a.code, a.name, a.owner_id, a.floor_pence, a.balance_pence, "  # noqa: S608
            "(SELECT MAX(s.period_end) FROM ledger_statement s WHERE s.account_id = a.id), "
            "(SELECT t.id FROM ledger_transaction t WHERE t.key = %s) "
            f"FROM ledger_account a WHERE a.code IN ({marks}) ORDER BY a.id{lock}",
            [entry.key, *codes],
        )
        rows = cursor.fetchall()
        accounts = {}
        for row in rows:
            closed = row[6]
            if isinstance(closed, str):  # SQLite returns the aggregate's date as text
                closed = dt.date.fromisoformat(closed)
            accounts[row[1]] = _Locked(*row[:6], closed)
        for i, leg in enumerate(entry.legs):
            if leg.account not in accounts:
                raise refuse(f"legs.{i}.account", f"There is no account {leg.account}")
            if leg.pence < 0:
                require(actor, Action.POST, accounts[leg.account])
        if rows[0][7] is not None:
            return _already_posted(entry, fp)
        for leg in entry.legs:
            account = accounts[leg.account]
            if account.closed_to is not None and account.closed_to >= date:
                raise _closed(leg.account, account.closed_to)
        balances = {c: a.balance_pence for c, a in accounts.items()}
        floors = {c: a.floor_pence for c, a in accounts.items()}
        broken = rules.breaches(balances, floors, entry.legs)
        if broken:
            code, new, floor = broken[0]
            raise _below_floor(codes.index(code), code, accounts[code].name, new, floor)

        now = clock.now()
        username = getattr(actor, "username", None) or "system"
        ops = connection.ops
        header = [
            entry.key,
            fp,
            entry.kind,
            entry.description.strip(),
            ops.adapt_datefield_value(date),
            ops.adapt_datetimefield_value(now),
            getattr(actor, "pk", None),
            username,
            reverses.pk if reverses else None,
            json.dumps(dict(metadata or {})),
        ]
        moves = [(accounts[leg.account].id, leg.pence) for leg in entry.legs]
        tx_id = _write(cursor, header, moves)
    if tx_id is None:  # a writer on other accounts committed the same key meanwhile
        return _already_posted(entry, fp)
    # The row as inserted (not read back: the writer already knows every field).
    row = Transaction(
        id=tx_id,
        key=entry.key,
        fingerprint=fp,
        kind=entry.kind,
        description=entry.description.strip(),
        value_date=date,
        posted_at=now,
        actor_id=getattr(actor, "pk", None),
        actor_username=username,
        reverses=reverses,
        metadata=dict(metadata or {}),
    )
    return Posted(row, True)


INSERT_TRANSACTION = (
    "INSERT INTO ledger_transaction (key, fingerprint, kind, description, value_date, "
    "posted_at, actor_id, actor_username, reverses_id, metadata) VALUES "
    "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (key) DO NOTHING RETURNING id"
)


def _write(cursor, header: list, moves: list[tuple[int, int]]) -> int | None:
    """Insert the transaction, its postings and the new balances; None if the key was taken."""
    pairs = [v for move in moves for v in move]
    cursor.execute(INSERT_TRANSACTION, header)
    row = cursor.fetchone()
    if row is None:
        return None
    ids = [account for account, _ in moves]
    cursor.execute(
        "INSERT INTO ledger_posting (transaction_id, account_id, amount_pence) VALUES "  # noqa: S608
        + ", ".join(["(%s, %s, %s)"] * len(moves)),
        [v for account, pence in moves for v in (row[0], account, pence)],
    )
    cursor.execute(
        "UPDATE ledger_account SET balance_pence = balance_pence + CASE id "  # noqa: S608
        + " ".join(["WHEN %s THEN %s"] * len(moves))
        + f" END WHERE id IN ({', '.join(['%s'] * len(ids))})",
        pairs + ids,
    )
    return row[0]


def _closed(code: str, closed_to: dt.date) -> ValidationError:
    return refuse(
        "value_date",
        f"The books of {code} are closed to {closed_to:%d %B %Y} (a "
        "statement was issued): date it later",
    )


def _below_floor(i: int, code: str, name: str, new: int, floor: int) -> ValidationError:
    limit = "0" if floor == 0 else pence_text(floor)
    return refuse(
        f"legs.{i}.pence",
        f"Refused: this would take {name} ({code}) to "
        f"{pence_text(new)}, below its limit of {limit}",
    )


def _post_postgresql(entry: Entry, actor, date: dt.date, metadata, reverses) -> Posted:
    """The same path as ``_post`` in one call of the database function ``ledger_post``
    (migration 0003): one round trip, which is its own transaction unless the caller is in
    one (decision 033)."""
    keeps_all, keeps = keeper_organisations(actor)
    fp, now = rules.fingerprint(entry), clock.now()
    username = getattr(actor, "username", None) or "system"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT * FROM ledger_post(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, "
            "%s::text[], %s::bigint[], %s::bigint[], %s)",
            [
                entry.key,
                fp,
                entry.kind,
                entry.description.strip(),
                date,
                now,
                getattr(actor, "pk", None),
                username,
                reverses.pk if reverses else None,
                json.dumps(dict(metadata or {})),
                [leg.account for leg in entry.legs],
                [leg.pence for leg in entry.legs],
                keeps,
                keeps_all,
            ],
        )
        outcome, tx_id, leg, code, name, amount, limit, closed_to = cursor.fetchone()
    if outcome == "posted":
        row = Transaction(
            id=tx_id,
            key=entry.key,
            fingerprint=fp,
            kind=entry.kind,
            description=entry.description.strip(),
            value_date=date,
            posted_at=now,
            actor_id=getattr(actor, "pk", None),
            actor_username=username,
            reverses=reverses,
            metadata=dict(metadata or {}),
        )
        return Posted(row, True)
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
        raise _below_floor(leg, code, name, amount, limit)
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
        audit.record(
            actor,
            "create",
            statement,
            after={
                "account": account.code,
                "period": f"{start} to {end}",
                "closing_pence": f.closing_pence,
            },
        )
    return statement
