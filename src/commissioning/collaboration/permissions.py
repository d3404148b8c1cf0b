"""Who may do what in commissioning together: the one place it is decided.

Primary care functions: the body that decides follows from the co-commissioning model
(``cocommissioning.decider``); a person may take the decision for that body if they hold a
deciding role there: a commissioner at the integrated care board (delegated), a commissioner
at the NHS England region (greater involvement, and reserved functions under every model), or
a member of the joint committee who is a commissioner at either (joint). Arrangements are
recorded by NHS England, which approves joint and delegated commissioning.

A pooled budget is the partners' money: its page, figures, forecast, commitments, action plans
and exports (and its accounts on the ledger) are seen by the staff of the partners the
agreement names, never by every commissioner in the country.
"""

from __future__ import annotations

from enum import StrEnum

from commissioning.organisations.permissions import (
    Policy,
    SystemActor,
    current_memberships,
    has_role_at,
)
from commissioning.organisations.vocabulary import Role

from .rules.cocommissioning import Body, Function, Model, decider


class Action(StrEnum):
    VIEW_COLLABORATION = "view_collaboration"
    RECORD_ARRANGEMENT = "record_arrangement"
    DECIDE_PRIMARY_CARE = "decide_primary_care"
    FORM_CONSORTIUM = "form_consortium"
    VIEW_POOL = "view_pool"


DECIDING = frozenset({Role.COMMISSIONER})
VIEWERS = frozenset({Role.COMMISSIONER, Role.CONTRACT_MANAGER, Role.QUALITY_LEAD,
                     Role.FINANCE_LEAD, Role.CLINICAL_ADVISER, Role.AUDITOR,
                     Role.ADMINISTRATOR})  # fmt: skip


def may_decide(user, arrangement, function: Function) -> bool:
    """Whether ``user`` may take the decision on ``function`` under ``arrangement``."""
    body = decider(Model(arrangement.model), Function(function),
                   [Function(f) for f in arrangement.functions])  # fmt: skip
    if body is Body.COMMISSIONER:
        return has_role_at(user, arrangement.commissioner_id, DECIDING)
    if body is Body.NHS_ENGLAND:
        return has_role_at(user, arrangement.nhs_england_id, DECIDING)
    members = {u.pk for u in arrangement.joint_committee.all()}
    return user.pk in members and (
        has_role_at(user, arrangement.commissioner_id, DECIDING)
        or has_role_at(user, arrangement.nhs_england_id, DECIDING)
    )


def pool_parties(pool) -> set[int]:
    """The organisations a pooled budget's agreement names: the host and every partner."""
    return {pool.host_id, *(p.organisation_id for p in pool.partners.all())}


def _sees_pool(user, pool) -> bool:
    return any(has_role_at(user, org, VIEWERS) for org in pool_parties(pool))


def visible_pools(user, pools):
    """The pooled budgets (a queryset) this user may see: the same answer as
    ``can(user, VIEW_POOL, pool)`` for each, in one query."""

    if isinstance(user, SystemActor):
        return pools
    mine = [m.organisation_id for m in current_memberships(user) if m.role in VIEWERS]
    from django.db.models import Q

    return pools.filter(Q(host_id__in=mine) | Q(partners__organisation_id__in=mine)).distinct()


def _records(user, arrangement) -> bool:
    return has_role_at(user, arrangement.nhs_england_id, DECIDING | {Role.ADMINISTRATOR})


POLICY = Policy(
    allowed={
        Action.VIEW_COLLABORATION: VIEWERS,
        Action.RECORD_ARRANGEMENT: DECIDING | {Role.ADMINISTRATOR},
        Action.DECIDE_PRIMARY_CARE: DECIDING,
        Action.FORM_CONSORTIUM: DECIDING,
        Action.VIEW_POOL: VIEWERS,
    },
    rules={
        Action.RECORD_ARRANGEMENT: _records,
        Action.DECIDE_PRIMARY_CARE: lambda user, obj: may_decide(user, *obj),
        # obj: the co-ordinating commissioner's id
        Action.FORM_CONSORTIUM: lambda user, org_id: has_role_at(user, org_id, DECIDING),
        Action.VIEW_POOL: _sees_pool,
    },
    labels={
        Action.VIEW_COLLABORATION: "see commissioning together",
        Action.RECORD_ARRANGEMENT: "record this co-commissioning arrangement (NHS England does)",
        Action.DECIDE_PRIMARY_CARE: "take this primary care decision",
        Action.FORM_CONSORTIUM: "record a consortium co-ordinated by this commissioner",
        Action.VIEW_POOL: "see this pooled budget (its partners' staff see it)",
    },
)
can = POLICY.can
require = POLICY.require
