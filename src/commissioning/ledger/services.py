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
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum

from commissioning import clock
from commissioning.audit import chain as audit
from commissioning.validation import Problems, refuse

from . import rules
from .models import Account, Posting, Statement, Transaction
from .permissions import Action, require
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
    account = Account(code=cmd.code.strip(), name=cmd.name.strip(), kind=kind.value,
                      owner_id=cmd.owner_id, floor_pence=floor, opened_at=clock.now())  # fmt: skip
    require(actor, Action.OPEN_ACCOUNT, account)
    problems.check_model(account, exclude=["opened_at"], validate_unique=True,
                         rename={"owner": "owner_id"})  # fmt: skip
    problems.raise_if_any()
    with transaction.atomic():
        account.save()
        audit.record(actor, "create", account,
                     after={f: getattr(account, f) for f in ACCOUNT_FIELDS})  # fmt: skip
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
    try:
        return _post(entry, actor, value_date, metadata, reverses)
    except IntegrityError:
        # Another writer committed the same key between our check and our insert (possible
        # only when the two requests touch different accounts): now it is there to find.
        return _post(entry, actor, value_date, metadata, reverses)


def _post(entry, actor, value_date, metadata, reverses) -> Posted:
    fp = rules.fingerprint(entry)
    codes = [leg.account for leg in entry.legs]
    with transaction.atomic():
        locked = Account.objects.select_for_update().filter(code__in=codes).order_by("id")
        accounts = {a.code: a for a in locked}
        existing = Transaction.objects.filter(key=entry.key).first()
        if existing is not None:
            if existing.fingerprint != fp:
                raise refuse("key", f"The idempotency key {entry.key} was already used for a "
                                    "different transaction")  # fmt: skip
            return Posted(existing, False)
        for i, leg in enumerate(entry.legs):
            if leg.account not in accounts:
                raise refuse(f"legs.{i}.account", f"There is no account {leg.account}")
            if leg.pence < 0:
                require(actor, Action.POST, accounts[leg.account])
        date = value_date or clock.today()
        closed = (
            Statement.objects.filter(account__in=accounts.values(), period_end__gte=date)
            .values_list("account__code", "period_end")
            .first()
        )
        if closed:
            raise refuse(
                "value_date",
                f"The books of {closed[0]} are closed to {closed[1]:%d %B %Y} (a statement "
                "was issued): date it later",
            )
        balances = {c: a.balance_pence for c, a in accounts.items()}
        floors = {c: a.floor_pence for c, a in accounts.items()}
        broken = rules.breaches(balances, floors, entry.legs)
        if broken:
            code, new, floor = broken[0]
            i = codes.index(code)
            limit = "0" if floor == 0 else pence_text(floor)
            raise refuse(f"legs.{i}.pence", f"Refused: this would take {accounts[code].name} "
                         f"({code}) to {pence_text(new)}, below its limit of {limit}")  # fmt: skip
        tx = Transaction.objects.create(
            key=entry.key, fingerprint=fp, kind=entry.kind, description=entry.description.strip(),
            value_date=date, posted_at=clock.now(), actor_id=getattr(actor, "pk", None),
            actor_username=getattr(actor, "username", None) or "system",
            reverses=reverses, metadata=dict(metadata or {}),
        )  # fmt: skip
        Posting.objects.bulk_create(
            [
                Posting(transaction=tx, account=accounts[leg.account], amount_pence=leg.pence)
                for leg in entry.legs
            ]
        )
        for leg in entry.legs:
            accounts[leg.account].balance_pence += leg.pence
        Account.objects.bulk_update(list(accounts.values()), ["balance_pence"])
    return Posted(tx, True)


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
    return post(Entry(key, f"Reversal of {original.key}: {reason.strip()}", legs, "reversal"),
                actor, reverses=original, metadata={"reverses": original.key})  # fmt: skip


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
        money_in=Sum("amount_pence", filter=Q(transaction__value_date__gte=start,
                                              transaction__value_date__lte=end,
                                              amount_pence__gt=0)),
        money_out=Sum("amount_pence", filter=Q(transaction__value_date__gte=start,
                                               transaction__value_date__lte=end,
                                               amount_pence__lt=0)),
    )  # fmt: skip
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
            account=account, period_start=start, period_end=end, opening_pence=f.opening_pence,
            money_in_pence=f.money_in_pence, money_out_pence=f.money_out_pence,
            closing_pence=f.closing_pence, issued_at=clock.now(),
            issued_by=getattr(actor, "username", None) or "system",
        )  # fmt: skip
        audit.record(actor, "create", statement, after={
            "account": account.code, "period": f"{start} to {end}",
            "closing_pence": f.closing_pence})  # fmt: skip
    return statement
