"""Who may do what with contracts: the one place it is decided.

The co-ordinating commissioner's commissioners and contract managers make the contract from
an award; its commissioners sign for the commissioners (the co-ordinating commissioner acts
for itself and as agent of the associates, DOMAIN.md section 8); the provider's
representatives sign for the provider. Staff of every party, and auditors, can read it.
"""

from __future__ import annotations

from enum import StrEnum

from commissioning.organisations.permissions import (
    Policy,
    has_role_at,
    organisations_of,
    roles_at,
    roles_of,
)
from commissioning.organisations.vocabulary import Role


class Action(StrEnum):
    CREATE_CONTRACT = "create_contract"
    SIGN_CONTRACT = "sign_contract"
    VIEW_CONTRACT = "view_contract"


STAFF = frozenset(Role) - {Role.BUDGET_HOLDER}
MAKERS = frozenset({Role.COMMISSIONER, Role.CONTRACT_MANAGER})


def signing_side(user, contract) -> str | None:
    """``"provider"`` or ``"commissioner"``: the side a person may sign for, if any."""
    if Role.PROVIDER_REPRESENTATIVE in roles_at(user, contract.provider_id):
        return "provider"
    co = next((p for p in contract.parties.all() if p.role == "co_ordinating"), None)
    if co is not None and Role.COMMISSIONER in roles_at(user, co.organisation_id):
        return "commissioner"
    return None


def _may_create(user, decision) -> bool:
    return has_role_at(user, decision.process.specification.commissioner_id, MAKERS)


def _may_view(user, contract) -> bool:
    if Role.AUDITOR in roles_of(user):
        return True
    parties = {p.organisation_id for p in contract.parties.all()} | {contract.provider_id}
    return bool(parties & organisations_of(user))


POLICY = Policy(
    allowed={
        Action.CREATE_CONTRACT: MAKERS,
        Action.SIGN_CONTRACT: frozenset({Role.COMMISSIONER, Role.PROVIDER_REPRESENTATIVE}),
        Action.VIEW_CONTRACT: STAFF,
    },
    rules={
        Action.CREATE_CONTRACT: _may_create,
        Action.SIGN_CONTRACT: lambda user, contract: signing_side(user, contract) is not None,
        Action.VIEW_CONTRACT: _may_view,
    },
    labels={
        Action.CREATE_CONTRACT: "make a contract from this decision",
        Action.SIGN_CONTRACT: "sign this contract",
        Action.VIEW_CONTRACT: "see this contract",
    },
)
can = POLICY.can
require = POLICY.require
