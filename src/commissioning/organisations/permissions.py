"""Who may do what with organisations, people and reference data: the one place it is decided.

Each action is a predicate over the actor (and, where it matters, the object). Roles come from
the actor's current memberships; a superuser counts as an administrator. The full
role x action matrix is tested in ``tests/unit/organisations/test_permissions.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied

from commissioning.audit.stored import stored

from .models import Membership
from .vocabulary import STAFF, Role


class Action(StrEnum):
    VIEW_DIRECTORY = "view_directory"
    EDIT_ORGANISATION = "edit_organisation"
    MANAGE_MEMBERSHIPS = "manage_memberships"
    APPROVE_MEMBERSHIPS = "approve_memberships"
    VIEW_PEOPLE = "view_people"
    INGEST_REFERENCE_DATA = "ingest_reference_data"
    LOAD_SYNTHETIC_ECONOMY = "load_synthetic_economy"
    VIEW_ACTIVITY = "view_activity"
    VIEW_POPULATION = "view_population"
    VIEW_AUDIT_LOG = "view_audit_log"
    VERIFY_AUDIT_CHAIN = "verify_audit_chain"
    MANAGE_BUDGETS = "manage_budgets"
    GRANT_DELEGATED_AUTHORITY = "grant_delegated_authority"


_COMMISSIONING_ROLES = frozenset(
    {
        Role.COMMISSIONER,
        Role.CONTRACT_MANAGER,
        Role.QUALITY_LEAD,
        Role.FINANCE_LEAD,
        Role.CLINICAL_ADVISER,
        Role.CARE_COORDINATOR,
        Role.AUDITOR,
        Role.ADMINISTRATOR,
    }
)

# Which roles may take each action at all. Object-level rules are in ``can``.
ALLOWED: dict[Action, frozenset[Role]] = {
    Action.VIEW_DIRECTORY: frozenset(Role),
    Action.EDIT_ORGANISATION: frozenset({Role.ADMINISTRATOR}),
    Action.MANAGE_MEMBERSHIPS: frozenset({Role.ADMINISTRATOR}),
    Action.APPROVE_MEMBERSHIPS: frozenset({Role.ADMINISTRATOR}),
    Action.VIEW_PEOPLE: STAFF,
    Action.INGEST_REFERENCE_DATA: frozenset({Role.ADMINISTRATOR}),
    Action.LOAD_SYNTHETIC_ECONOMY: frozenset({Role.ADMINISTRATOR}),
    Action.VIEW_ACTIVITY: STAFF,
    Action.VIEW_POPULATION: _COMMISSIONING_ROLES,
    Action.VIEW_AUDIT_LOG: frozenset({Role.AUDITOR, Role.ADMINISTRATOR}),
    Action.VERIFY_AUDIT_CHAIN: frozenset({Role.AUDITOR, Role.ADMINISTRATOR}),
    Action.MANAGE_BUDGETS: frozenset({Role.FINANCE_LEAD, Role.ADMINISTRATOR}),
    # The board delegates authority; administrators record it (decision 017).
    Action.GRANT_DELEGATED_AUTHORITY: frozenset({Role.ADMINISTRATOR}),
}


def load_memberships(user) -> None:
    """Read ``user``'s memberships once for the request (every permission check reads them),
    from ``audit.stored`` while the data are unchanged: a membership is made, approved, ended or
    has its dates changed only by a service or the admin, each of which writes a revision, so
    the data's version moves with them. Whether each is in force today is still decided at each
    check (``current_memberships``)."""
    found = stored("memberships", lambda: list(Membership.objects.filter(user_id=user.pk)), user.pk)
    for m in found:
        m.user = user  # as prefetching would: the membership's person is this one
    manager = user.memberships.all()
    manager._result_cache = found
    manager._prefetch_done = True
    if not hasattr(user, "_prefetched_objects_cache"):
        user._prefetched_objects_cache = {}
    user._prefetched_objects_cache["memberships"] = manager


def current_memberships(user, on: dt.date | None = None) -> list:
    """Memberships that are in force on ``on`` (today by default): started, not ended, and
    not awaiting a second administrator's approval. Every permission reads roles from here."""
    today = on or dt.date.today()
    return [
        m
        for m in user.memberships.all()
        if m.status == "active"
        and (m.start_date is None or m.start_date <= today)
        and (m.end_date is None or m.end_date >= today)
    ]


def roles_of(user, on: dt.date | None = None) -> frozenset[Role]:
    """The roles a user holds today through memberships that have started and not ended."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    roles = {Role(m.role) for m in current_memberships(user, on)}
    if user.is_superuser:
        roles.add(Role.ADMINISTRATOR)
    return frozenset(roles)


def organisations_of(user) -> set[int]:
    return {m.organisation_id for m in current_memberships(user)}


def roles_at(user, organisation_id: int | None, on: dt.date | None = None) -> frozenset[Role]:
    """The roles a user holds today at one organisation (none for the system or strangers)."""
    if (
        organisation_id is None
        or user is None
        or not getattr(user, "is_authenticated", False)
        or not user.is_active
        or isinstance(user, SystemActor)
    ):
        return frozenset()
    return frozenset(
        Role(m.role) for m in current_memberships(user, on) if m.organisation_id == organisation_id
    )


class SystemActor:
    """The platform acting on an operator's command (the CLI's ingest and demo set-up).

    Only the command-line entry points use it; no web request can act as the system.
    """

    pk = None
    username = "system"
    is_authenticated = True
    is_active = True
    is_superuser = False

    def __str__(self) -> str:
        return "system"


SYSTEM = SystemActor()


# ``Policy.can(user, action)`` asks about the roles alone; an explicit object, even None, is
# judged by the action's rule.
ROLE_ONLY = object()


@dataclass(frozen=True)
class Policy:
    """Who may do what in one app: roles allowed per action, and object-level rules.

    ``allowed`` says which roles may take an action at all (held at any organisation); a rule
    in ``rules`` then decides for a particular object (usually: a role held *at the
    organisation concerned*). The command line's system actor may do everything.
    """

    allowed: Mapping[Any, frozenset[Role]]
    rules: Mapping[Any, Callable[[Any, Any], bool]] = field(default_factory=dict)
    labels: Mapping[Any, str] = field(default_factory=dict)

    def can(self, user, action, obj=ROLE_ONLY) -> bool:
        """Whether ``user`` may take ``action``: on ``obj`` if one is given (its rule decides),
        or at all (the roles alone) if none is. An object that is missing (``None``, say a
        proposal's selection when it was made to none) is refused, never taken as the role
        question: a rule cannot be skipped by an attribute being empty. An action open to
        ``ANY_PERSON`` needs no role (a budget holder's family may hold none): a signed-in,
        active person, and then the rule decides."""
        if isinstance(user, SystemActor):
            return True
        allowed = self.allowed[action]
        if allowed is ANY_PERSON:
            if not is_live(user):
                return False
        elif not roles_of(user) & allowed:
            return False
        rule = self.rules.get(action)
        if obj is ROLE_ONLY or rule is None:
            return True
        return obj is not None and bool(rule(user, obj))

    def require(self, user, action, obj=ROLE_ONLY) -> None:
        if not self.can(user, action, obj):
            what = self.labels.get(action) or str(action.value).replace("_", " ")
            raise PermissionDenied(f"You do not have permission to {what}.")


def is_live(user) -> bool:
    """Signed in, and an account still in use."""
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


class _AnyPerson(frozenset):
    """The roles of an action anyone signed in may take, if the action's rule allows."""


ANY_PERSON: frozenset[Role] = _AnyPerson()

POLICY = Policy(
    allowed=ALLOWED,
    rules={
        # Who works where is shown to colleagues in the same organisation and to admins only.
        Action.VIEW_PEOPLE: lambda user, org: (
            Role.ADMINISTRATOR in roles_of(user) or org.pk in organisations_of(user)
        ),
    },
)
can = POLICY.can
require = POLICY.require


# Roles that read personal data or move public money. Each needs a second administrator's
# approval to be given (``services.approve_membership``) and two-step sign-in to be used.
SENSITIVE_ROLES = frozenset(
    {Role.FINANCE_LEAD, Role.CARE_COORDINATOR, Role.AUDITOR, Role.ADMINISTRATOR}
)
# Apps add who else must use two-step sign-in (personal budgets: the people linked to a
# person's record), so this module imports none of them.
TWO_FACTOR_HOOKS: list[Callable[[Any], bool]] = []


def needs_two_factor(user) -> bool:
    """Whether ``user`` must use two-step sign-in: staff and superusers, anyone holding a role
    that reads personal data or moves money (budget holders included), and whoever an app
    says (``TWO_FACTOR_HOOKS``). Decided once a request (the answer is kept on the user)."""
    if (
        user is None
        or not getattr(user, "is_authenticated", False)
        or isinstance(user, SystemActor)
    ):
        return False
    cached = getattr(user, "_needs_two_factor", None)
    if cached is None:
        cached = bool(
            user.is_superuser
            or user.is_staff
            or roles_of(user) & (SENSITIVE_ROLES | {Role.BUDGET_HOLDER})
            # Kept until the data change (a person's record linked to them): audit.stored.
            or stored("two-factor-hooks", lambda: any(h(user) for h in TWO_FACTOR_HOOKS), user.pk)
        )
        user._needs_two_factor = cached
    return cached


def has_role_at(user, organisation_id: int | None, roles: frozenset[Role] | set[Role]) -> bool:
    return bool(roles_at(user, organisation_id) & frozenset(roles))
