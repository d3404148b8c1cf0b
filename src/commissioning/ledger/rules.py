"""The rules of the ledger: pure functions, no database.

Double-entry bookkeeping in integer pence: a transaction is two or more postings whose
amounts sum to zero, so money is only ever moved between accounts, never made or lost. An
account's balance is the sum of its postings. A budget (or a pooled fund) has a floor, the
lowest balance its policy allows: 0 for a budget that may not be overspent, a negative
figure for an agreed overdraft, none for accounts that only record where money came from or
went to. A transaction that would take any account below its floor is refused whole.

The journal is append-only: a mistake is corrected by a reversing transaction whose postings
are the original's negated, never by editing or deleting (the convention of double-entry
accounting; HM Treasury's Government Financial Reporting Manual applies it to NHS bodies'
accounts).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from commissioning.money import MAX_PENCE, pounds_and_pence

MAX_KEY = 100


class AccountKind(StrEnum):
    BUDGET = "budget"
    POOL = "pool"
    CONTRIBUTION = "contribution"
    COMMITMENT = "commitment"
    SPEND = "spend"
    FUNDING = "funding"
    RESERVE = "reserve"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {
    AccountKind.BUDGET: "Budget",
    AccountKind.POOL: "Pooled fund",
    AccountKind.CONTRIBUTION: "Partner contribution",
    AccountKind.COMMITMENT: "Commitment",
    AccountKind.SPEND: "Spend",
    AccountKind.FUNDING: "Funding source",
    AccountKind.RESERVE: "Risk reserve",
}
# Accounts that hold money to spend: a floor of 0 unless their policy says otherwise.
HOLDING_KINDS = frozenset({AccountKind.BUDGET, AccountKind.POOL, AccountKind.RESERVE})


@dataclass(frozen=True)
class Leg:
    """One posting of a transaction: pence into (+) or out of (-) an account."""

    account: str
    pence: int


@dataclass(frozen=True)
class Entry:
    """A transaction as requested. ``key`` is the idempotency key: the same request sent twice
    (a retry after a timeout, a double click) posts once."""

    key: str
    description: str
    legs: tuple[Leg, ...]
    kind: str = "transfer"


def entry_problems(entry: Entry) -> dict[str, str]:
    """Everything wrong with a requested transaction, by field."""
    problems: dict[str, str] = {}
    if not entry.key or not entry.key.strip():
        problems["key"] = "Give the transaction an idempotency key (a reference unique to it)"
    elif len(entry.key) > MAX_KEY:
        problems["key"] = f"The idempotency key is {len(entry.key)} characters; at most {MAX_KEY}"
    if not entry.description.strip():
        problems["description"] = "Say what the transaction is for"
    if len(entry.legs) < 2:
        problems["legs"] = "A transaction needs at least two postings (money leaves one account"\
                           " and enters another)"  # fmt: skip
        return problems
    for i, leg in enumerate(entry.legs):
        if not isinstance(leg.pence, int) or isinstance(leg.pence, bool):
            problems[f"legs.{i}.pence"] = "An amount is a whole number of pence"
        elif leg.pence == 0:
            problems[f"legs.{i}.pence"] = "An amount cannot be zero"
        elif abs(leg.pence) > MAX_PENCE:
            problems[f"legs.{i}.pence"] = "The amount is too large for the ledger"
        if not leg.account:
            problems[f"legs.{i}.account"] = "Name the account"
    accounts = [leg.account for leg in entry.legs]
    if len(set(accounts)) != len(accounts):
        problems["legs"] = "Each account may appear once in a transaction"
    elif not any(k.endswith(".pence") for k in problems):
        total = sum(leg.pence for leg in entry.legs)
        if total != 0:
            problems["legs"] = (f"The postings do not balance: they sum to "
                                f"{pounds_and_pence(total)} instead of £0.00")  # fmt: skip
    return problems


def fingerprint(entry: Entry) -> str:
    """What the request asked for, so that a retry with the same key is recognised and a
    different request reusing a key is refused."""
    legs = sorted((leg.account, leg.pence) for leg in entry.legs)
    body = json.dumps([entry.kind, entry.description.strip(), legs], separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def breaches(
    balances: Mapping[str, int], floors: Mapping[str, int | None], legs: Iterable[Leg]
) -> list[tuple[str, int, int]]:
    """The accounts a transaction would take below their floor: (account, new balance,
    floor). Money coming in is never refused, even into an account already below its floor."""
    out = []
    for leg in legs:
        floor = floors.get(leg.account)
        new = balances[leg.account] + leg.pence
        if floor is not None and leg.pence < 0 and new < floor:
            out.append((leg.account, new, floor))
    return out


def reversal_legs(legs: Iterable[Leg]) -> tuple[Leg, ...]:
    return tuple(Leg(leg.account, -leg.pence) for leg in legs)


def default_floor(kind: AccountKind) -> int | None:
    return 0 if kind in HOLDING_KINDS else None


# --- The journal's hash chains (decision 039) -------------------------------------------------

GENESIS = "0" * 64


def canonical(value) -> str:
    """JSON with sorted keys and no spaces: the same text from the same data on any database."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def transaction_digest(
    *,
    key: str,
    fingerprint: str,
    value_date: str,
    posted_at: str,
    actor_id: int | None,
    actor_username: str,
    reverses_id: int | None,
    metadata: Mapping,
    authority: Mapping,
) -> str:
    """SHA-256 of everything a transaction says besides its postings (which its fingerprint
    and the postings' own links cover): ``value_date`` as ISO text, ``posted_at`` as UTC ISO
    text with microseconds."""
    body = canonical([key, fingerprint, value_date, posted_at, actor_id, actor_username,
                      reverses_id, metadata, authority])  # fmt: skip
    return hashlib.sha256(body.encode()).hexdigest()


def posting_link(prev: str, digest: str, account_id: int, pence: int, seq: int) -> str:
    """One link of an account's chain. PostgreSQL's ``ledger_post`` computes the same text and
    hash: ``prev|digest|account_id|pence|seq``."""
    return hashlib.sha256(f"{prev}|{digest}|{account_id}|{pence}|{seq}".encode()).hexdigest()
