"""Who may do what with contracts: the one place it is decided.

The co-ordinating commissioner's commissioners and contract managers make the contract from
an award; its commissioners sign for the commissioners (the co-ordinating commissioner acts
for itself and as agent of the associates, docs/domain.md section 8); the provider's
representatives sign for the provider, and agree or decline a variation for it (General
Condition 13: a variation is agreed by both parties). Staff of every party, and auditors, can
read it.
"""

from __future__ import annotations

from enum import StrEnum

from commissioning.organisations.permissions import (
    Policy,
    SystemActor,
    has_role_at,
    organisations_of,
    roles_at,
    roles_of,
)
from commissioning.organisations.vocabulary import STAFF, Role


class Action(StrEnum):
    CREATE_CONTRACT = "create_contract"
    SIGN_CONTRACT = "sign_contract"
    VIEW_CONTRACT = "view_contract"
    PROPOSE_VARIATION = "propose_variation"
    APPROVE_VARIATION = "approve_variation"
    ANSWER_VARIATION = "answer_variation"
    SIGN_VARIATION = "sign_variation"


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


def visible_contracts(user, contracts):
    """The contracts (a queryset) this user may see: the same answer as
    ``can(user, VIEW_CONTRACT, contract)`` for each, in one query. Pages and API lists of
    contracts, and every page built on a contract's data (its quality schedule and figures),
    use this or ``can``."""
    from django.db.models import Q

    if isinstance(user, SystemActor):
        return contracts
    roles = roles_of(user)
    if not roles & POLICY.allowed[Action.VIEW_CONTRACT]:
        return contracts.none()
    if Role.AUDITOR in roles:
        return contracts
    mine = organisations_of(user)
    return contracts.filter(
        Q(provider_id__in=mine) | Q(parties__organisation_id__in=mine)
    ).distinct()


def associate_represented(user, contract) -> int | None:
    """The associate commissioner a person approves for (a commissioner there), if any."""
    for p in contract.parties.all():
        if p.role == "associate" and Role.COMMISSIONER in roles_at(user, p.organisation_id):
            return p.organisation_id
    return None


def _commissioner_party(user, contract) -> bool:
    return any(has_role_at(user, p.organisation_id, MAKERS) for p in contract.parties.all())


def _co_ordinating(user, contract) -> bool:
    co = next((p for p in contract.parties.all() if p.role == "co_ordinating"), None)
    return co is not None and Role.COMMISSIONER in roles_at(user, co.organisation_id)


POLICY = Policy(
    allowed={
        Action.CREATE_CONTRACT: MAKERS,
        Action.SIGN_CONTRACT: frozenset({Role.COMMISSIONER, Role.PROVIDER_REPRESENTATIVE}),
        Action.VIEW_CONTRACT: STAFF,
        Action.PROPOSE_VARIATION: MAKERS,
        Action.APPROVE_VARIATION: frozenset({Role.COMMISSIONER}),
        Action.ANSWER_VARIATION: frozenset({Role.PROVIDER_REPRESENTATIVE}),
        Action.SIGN_VARIATION: frozenset({Role.COMMISSIONER}),
    },
    rules={
        Action.CREATE_CONTRACT: _may_create,
        Action.SIGN_CONTRACT: lambda user, contract: signing_side(user, contract) is not None,
        Action.VIEW_CONTRACT: _may_view,
        Action.PROPOSE_VARIATION: _commissioner_party,
        Action.APPROVE_VARIATION: lambda u, c: associate_represented(u, c) is not None,
        Action.ANSWER_VARIATION: lambda u, c: signing_side(u, c) == "provider",
        Action.SIGN_VARIATION: _co_ordinating,
    },
    labels={
        Action.CREATE_CONTRACT: "make a contract from this decision",
        Action.SIGN_CONTRACT: "sign this contract",
        Action.VIEW_CONTRACT: "see this contract",
        Action.PROPOSE_VARIATION: "propose a variation to this contract",
        Action.APPROVE_VARIATION: "approve this variation for an associate commissioner",
        Action.ANSWER_VARIATION: "agree or decline this variation for the provider",
        Action.SIGN_VARIATION: "sign this variation for the commissioners",
    },
)
can = POLICY.can
require = POLICY.require
