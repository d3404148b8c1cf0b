"""Who may do what with the ledger: the one place it is decided.

Finance leads keep the books of their own organisation: they open its accounts, post
transactions that take money out of its accounts, and issue its statements. Money may be
paid *into* another organisation's account (a partner's contribution into the host's pooled
fund) but only that account's owner, or the pooled fund's owner, moves it out. Commissioners
and auditors read; auditors and finance leads run the ledger's verification.
"""

from __future__ import annotations

from enum import StrEnum

from commissioning.organisations.permissions import Policy, SystemActor, has_role_at
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


def _keeps(user, account) -> bool:
    """A finance lead (or administrator) at the account's owner; accounts without an owner
    (funding sources outside the platform) by any finance lead."""
    return account.owner_id is None or has_role_at(user, account.owner_id, KEEPERS)


def keeper_organisations(user) -> tuple[bool, list[int]]:
    """The ``_keeps`` rule as data for the database's ``ledger_post``: (may the actor take
    money out of any account, the organisations whose accounts it may). Refuses at once a
    person who keeps no books anywhere."""
    from commissioning.organisations.permissions import (
        SystemActor,
        current_memberships,
        roles_of,
    )

    if isinstance(user, SystemActor):
        return True, []
    if not roles_of(user) & KEEPERS:
        POLICY.require(user, Action.POST)
    return False, [m.organisation_id for m in current_memberships(user) if m.role in KEEPERS]


POLICY = Policy(
    allowed={
        Action.VIEW_LEDGER: READERS,
        Action.OPEN_ACCOUNT: KEEPERS,
        Action.POST: KEEPERS,
        Action.ISSUE_STATEMENT: KEEPERS,
        Action.VERIFY_LEDGER: frozenset({Role.FINANCE_LEAD, Role.AUDITOR, Role.ADMINISTRATOR}),
    },
    rules={Action.OPEN_ACCOUNT: _keeps, Action.POST: _keeps, Action.ISSUE_STATEMENT: _keeps},
    labels={
        Action.VIEW_LEDGER: "see the ledger",
        Action.OPEN_ACCOUNT: "open an account for this organisation",
        Action.POST: "move money out of this account",
        Action.ISSUE_STATEMENT: "issue this account's statement",
        Action.VERIFY_LEDGER: "verify the ledger",
    },
)
can = POLICY.can
require = POLICY.require


class OnBehalf(SystemActor):
    """A service that has already made its own permission check posts on the ledger for a
    person who keeps no books (a budget holder paying from their personal health budget, a
    care coordinator recording what the NHS paid): the ledger trusts that check, and records
    the real person as the actor. Only services construct it, after ``require``."""

    def __init__(self, user) -> None:
        self.pk = getattr(user, "pk", None)
        self.username = getattr(user, "username", None) or "system"

    def __str__(self) -> str:
        return self.username
