"""Who may do what in commissioning together: the one place it is decided.

Primary care functions: the body that decides follows from the co-commissioning model
(``cocommissioning.decider``); a person may take the decision for that body if they hold a
deciding role there: a commissioner at the integrated care board (delegated), a commissioner
at the NHS England region (greater involvement, and reserved functions under every model), or
a member of the joint committee who is a commissioner at either (joint). Arrangements are
recorded by NHS England, which approves joint and delegated commissioning.
"""

from __future__ import annotations

from enum import StrEnum

from commissioning.organisations.permissions import Policy, has_role_at
from commissioning.organisations.vocabulary import Role

from .cocommissioning import Body, Function, Model, decider


class Action(StrEnum):
    VIEW_COLLABORATION = "view_collaboration"
    RECORD_ARRANGEMENT = "record_arrangement"
    DECIDE_PRIMARY_CARE = "decide_primary_care"
    FORM_CONSORTIUM = "form_consortium"


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


def _records(user, arrangement) -> bool:
    return has_role_at(user, arrangement.nhs_england_id, DECIDING | {Role.ADMINISTRATOR})


POLICY = Policy(
    allowed={
        Action.VIEW_COLLABORATION: VIEWERS,
        Action.RECORD_ARRANGEMENT: DECIDING | {Role.ADMINISTRATOR},
        Action.DECIDE_PRIMARY_CARE: DECIDING,
        Action.FORM_CONSORTIUM: DECIDING,
    },
    rules={
        Action.RECORD_ARRANGEMENT: _records,
        Action.DECIDE_PRIMARY_CARE: lambda user, obj: may_decide(user, *obj),
        # obj: the co-ordinating commissioner's id
        Action.FORM_CONSORTIUM: lambda user, org_id: has_role_at(user, org_id, DECIDING),
    },
    labels={
        Action.VIEW_COLLABORATION: "see commissioning together",
        Action.RECORD_ARRANGEMENT: "record this co-commissioning arrangement (NHS England does)",
        Action.DECIDE_PRIMARY_CARE: "take this primary care decision",
        Action.FORM_CONSORTIUM: "record a consortium co-ordinated by this commissioner",
    },
)
can = POLICY.can
require = POLICY.require
