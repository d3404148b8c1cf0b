"""Who may do what with specialised commissioning finance: the one place it is decided.
Finance leads at the commissioner (NHS England) set budgets and record each month's spend;
its commissioners and auditors read the month-end position."""

from __future__ import annotations

from enum import StrEnum

from commissioning.organisations.permissions import Policy, has_role_at
from commissioning.organisations.vocabulary import Role


class Action(StrEnum):
    VIEW_FINANCE = "view_specialised_finance"
    MANAGE_FINANCE = "manage_specialised_finance"


READERS = frozenset({Role.FINANCE_LEAD, Role.COMMISSIONER, Role.AUDITOR, Role.ADMINISTRATOR})
KEEPERS = frozenset({Role.FINANCE_LEAD})

POLICY = Policy(
    allowed={Action.VIEW_FINANCE: READERS, Action.MANAGE_FINANCE: KEEPERS},
    rules={
        Action.VIEW_FINANCE: lambda u, org_id: has_role_at(u, org_id, READERS),
        Action.MANAGE_FINANCE: lambda u, org_id: has_role_at(u, org_id, KEEPERS),
    },
    labels={
        Action.VIEW_FINANCE: "see this commissioner's specialised budgets",
        Action.MANAGE_FINANCE: "set budgets or record spend for this commissioner",
    },
)
can = POLICY.can
require = POLICY.require
