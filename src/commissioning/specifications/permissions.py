"""Who may do what with service specifications: the one place it is decided.

Commissioners write and approve their own organisation's specifications (Recommendation 130:
commissioners, not providers, decide what is provided). Drafts and specifications in
consultation are seen by the commissioner's own staff, by auditors, and by the clinicians
asked to advise on them; approved and retired specifications are seen by every member of
staff, providers included. Tested as a role x action matrix in
``tests/integration/test_cycle_permissions.py``.
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
from commissioning.organisations.vocabulary import STAFF, Role

from .consultation import consultation
from .rules.lifecycle import Status


class Action(StrEnum):
    VIEW_SPECIFICATION = "view_specification"
    WRITE_SPECIFICATION = "write_specification"
    CHANGE_SPECIFICATION_STATUS = "change_specification_status"
    START_NEW_VERSION = "start_new_version"


# People at the commissioner who work on its specifications and may see its drafts.
ORGANISATION_STAFF = frozenset(
    {
        Role.COMMISSIONER,
        Role.CONTRACT_MANAGER,
        Role.QUALITY_LEAD,
        Role.FINANCE_LEAD,
        Role.CLINICAL_ADVISER,
    }
)
COMMISSIONER_ONLY = frozenset({Role.COMMISSIONER})


def asked_to_advise(user, specification) -> bool:
    """Whether the person, as a clinical adviser, has been asked for advice on any version."""
    advising_at = [
        org_id
        for org_id in organisations_of(user)
        if Role.CLINICAL_ADVISER in roles_at(user, org_id)
    ]
    if not advising_at:
        return False
    return consultation().asked_of(user, advising_at, specification.reference).exists()


def _view(user, spec) -> bool:
    if spec.status in (Status.APPROVED, Status.RETIRED):
        return True
    if Role.AUDITOR in roles_of(user):
        return True
    return has_role_at(user, spec.commissioner_id, ORGANISATION_STAFF) or asked_to_advise(
        user, spec
    )


def _commissioner_of(user, obj) -> bool:
    """``obj`` is a specification, or the commissioning organisation writing a new one."""
    organisation_id = getattr(obj, "commissioner_id", None) or obj.pk
    return has_role_at(user, organisation_id, COMMISSIONER_ONLY)


POLICY = Policy(
    allowed={
        Action.VIEW_SPECIFICATION: STAFF,
        Action.WRITE_SPECIFICATION: COMMISSIONER_ONLY,
        Action.CHANGE_SPECIFICATION_STATUS: COMMISSIONER_ONLY,
        Action.START_NEW_VERSION: COMMISSIONER_ONLY,
    },
    rules={
        Action.VIEW_SPECIFICATION: _view,
        Action.WRITE_SPECIFICATION: _commissioner_of,
        Action.CHANGE_SPECIFICATION_STATUS: _commissioner_of,
        Action.START_NEW_VERSION: _commissioner_of,
    },
    labels={
        Action.VIEW_SPECIFICATION: "see this specification",
        Action.WRITE_SPECIFICATION: "write or change this commissioner's specifications",
        Action.CHANGE_SPECIFICATION_STATUS: "change the status of this specification",
        Action.START_NEW_VERSION: "start a new version of this specification",
    },
)
can = POLICY.can
require = POLICY.require
