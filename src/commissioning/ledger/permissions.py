"""Who may do what with the ledger: the one place it is decided.

Every account has an owner, the organisation accountable for it. Finance leads (and
administrators) keep the books of their own organisation: they open its accounts, post
transactions that draw on its accounts, and issue its statements. Money may be paid *into*
another organisation's account (a partner's contribution into the host's pooled fund), but
only the owner's finance leads draw on it. A service that has made its own permission check
may post for a person who keeps no books (a budget holder paying from their personal health
budget), but only on the accounts that service names for that person (``OnBehalf``).

Reading follows the account, not the role alone: the owner's finance leads, commissioners,
contract managers, auditors and administrators; for a pooled budget's accounts, those of
every partner the agreement names; and for a person's personal health budget accounts, only
those the personal budget policy entitles to the person's record (and every such read is
logged on the person's access log). Apps that hold accounts for something of their own say
so by registering a ``Holder`` (the personal budget and pooled budget apps do, in ``ready``),
so the ledger applies their rules without importing them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from commissioning import clock
from commissioning.audit.stored import stored
from commissioning.organisations.models import User
from commissioning.organisations.permissions import (
    Policy,
    SystemActor,
    current_memberships,
    has_role_at,
    roles_of,
)
from commissioning.organisations.vocabulary import Role


class Action(StrEnum):
    VIEW_LEDGER = "view_ledger"
    OPEN_ACCOUNT = "open_account"
    POST = "post_transaction"
    ISSUE_STATEMENT = "issue_statement"
    VERIFY_LEDGER = "verify_ledger"


KEEPERS = frozenset({Role.FINANCE_LEAD, Role.ADMINISTRATOR})
READERS = frozenset({Role.FINANCE_LEAD, Role.COMMISSIONER, Role.CONTRACT_MANAGER,
                     Role.AUDITOR, Role.ADMINISTRATOR})  # fmt: skip
# Care coordinators read the accounts of their own caseload's budgets (the holder's rule).
MAY_READ_SOME = READERS | {Role.CARE_COORDINATOR}


@dataclass(frozen=True)
class Holder:
    """An app that holds ledger accounts for something of its own.

    - ``holder_of(account)``: the app's object the account belongs to, or None;
    - ``may_read(user, obj, account)``: the app's rule for reading it (it replaces the
      owner's rule for those accounts);
    - ``record_read(user, obj, allowed, channel)``: called on every read, allowed or not;
    - ``may_draw(ref, account)``: whether a service of the app, acting for its object with
      id ``ref``, may draw on the account (``ledger verify`` asks it again of every such
      transaction).
    """

    name: str
    holder_of: Callable[[Any], Any]
    may_read: Callable[[Any, Any, Any], bool]
    record_read: Callable[[Any, Any, bool, str], None] | None = None
    may_draw: Callable[[int, Any], bool] | None = None


HOLDERS: dict[str, Holder] = {}


def register(holder: Holder) -> None:
    HOLDERS[holder.name] = holder


def holder_of(account) -> tuple[Holder, Any] | tuple[None, None]:
    """The app's object the account belongs to: looked up once per version of the data
    (``audit.stored``; a page listing accounts asks for each)."""
    name, obj = stored("ledger-holder", lambda: _holder_of(account), account.pk)
    return (HOLDERS[name], obj) if name is not None else (None, None)


def _holder_of(account) -> tuple[str | None, Any]:
    for holder in HOLDERS.values():
        obj = holder.holder_of(account)
        if obj is not None:
            return holder.name, obj
    return None, None


def _may_read(user, account) -> bool:
    holder, obj = holder_of(account)
    if holder is not None:
        if not isinstance(user, User):  # a service acting for someone: decided each time
            return bool(holder.may_read(user, obj, account))
        # The holder's rule reads who its parties are: decided once per version of the data
        # and day (memberships have dates) for this person and account.
        return stored(
            "ledger-may-read",
            lambda: bool(holder.may_read(user, obj, account)),
            account.pk,
            user.pk,
            clock.today(),
        )
    return has_role_at(user, account.owner_id, READERS)


def _keeps(user, account) -> bool:
    """A finance lead (or administrator) at the account's owner."""
    return has_role_at(user, account.owner_id, KEEPERS)


def keeper_organisations(user) -> tuple[bool, list[int]]:
    """The ``_keeps`` rule as data for the database's ``ledger_post``: (may the actor draw on
    any account, the organisations whose accounts it may draw on). A service acting for a
    person draws on no organisation's accounts but the ones it names (``OnBehalf.accounts``).
    Refuses at once a person who keeps no books anywhere."""
    if isinstance(user, OnBehalf):
        return False, []
    if isinstance(user, SystemActor):
        return True, []
    if not roles_of(user) & KEEPERS:
        POLICY.require(user, Action.POST)
    return False, [m.organisation_id for m in current_memberships(user) if m.role in KEEPERS]


POLICY = Policy(
    allowed={
        Action.VIEW_LEDGER: MAY_READ_SOME,
        Action.OPEN_ACCOUNT: KEEPERS,
        Action.POST: KEEPERS,
        Action.ISSUE_STATEMENT: KEEPERS,
        Action.VERIFY_LEDGER: frozenset({Role.FINANCE_LEAD, Role.AUDITOR, Role.ADMINISTRATOR}),
    },
    rules={
        Action.VIEW_LEDGER: _may_read,
        Action.OPEN_ACCOUNT: _keeps,
        Action.POST: _keeps,
        Action.ISSUE_STATEMENT: _keeps,
    },
    labels={
        Action.VIEW_LEDGER: "see this account",
        Action.OPEN_ACCOUNT: "open an account for this organisation",
        Action.POST: "move money out of this account",
        Action.ISSUE_STATEMENT: "issue this account's statement",
        Action.VERIFY_LEDGER: "verify the ledger",
    },
)
can = POLICY.can
require = POLICY.require


@dataclass
class OnBehalf(SystemActor):
    """A service that has already made its own permission check posts on the ledger for a
    person who keeps no books (a budget holder paying from their personal health budget, a
    care coordinator agreeing a plan): the ledger lets it draw only on ``accounts``, the ones
    the service names for its object (``service`` and ``ref``, which the transaction records
    as its authority and ``ledger verify`` checks again with the service's ``Holder``), and
    records the real person as the actor. Only services construct it, after ``require``."""

    user: Any
    service: str
    ref: int
    accounts: Iterable[str] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        self.pk = getattr(self.user, "pk", None)
        self.username = getattr(self.user, "username", None) or "system"
        self.accounts = frozenset(self.accounts)

    def __str__(self) -> str:
        return self.username


def authority_of(actor) -> dict:
    """What a transaction records as the authority it was posted on."""
    if isinstance(actor, OnBehalf):
        return {"basis": "service", "service": actor.service, "ref": actor.ref}
    if isinstance(actor, SystemActor):
        return {"basis": "system"}
    return {"basis": "keeper"}
