"""Who may see and do what with a person's personal health budget: the one place it is
decided (decision 036). Entitlement follows the person, not the role alone:

- the budget holder, their representative and their nominee see only their own record; the
  recipient of a direct payment records its spending; any of them may ask for
  reconsideration;
- a care coordinator sees and manages their own caseload (people whose coordinator they are,
  at the commissioner where they hold the role), and records new people there;
- an auditor at the responsible commissioner reads its records, never changes them;
- nobody else: not other coordinators, providers, finance leads or administrators. Finance
  leads and commissioners see the programme's totals, which hold no personal data.
"""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import PermissionDenied

from commissioning.organisations.permissions import SystemActor, has_role_at
from commissioning.organisations.vocabulary import Role

from .rules.holding import Mode, Recipient


class Action(StrEnum):
    VIEW_RECORD = "view_record"
    MANAGE_RECORD = "manage_record"
    RECORD_SPEND = "record_spend"
    REQUEST_RECONSIDERATION = "request_reconsideration"
    CREATE_PERSON = "create_person"
    VIEW_PROGRAMME = "view_programme"


LABELS = {
    Action.VIEW_RECORD: "see this person's record",
    Action.MANAGE_RECORD: "change this person's record",
    Action.RECORD_SPEND: "record spending from this budget",
    Action.REQUEST_RECONSIDERATION: "ask for reconsideration for this person",
    Action.CREATE_PERSON: "record people for this commissioner",
    Action.VIEW_PROGRAMME: "see this commissioner's personal health budget programme",
}

PROGRAMME_READERS = frozenset(
    {Role.COMMISSIONER, Role.FINANCE_LEAD, Role.AUDITOR, Role.CARE_COORDINATOR}
)


def _live(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def relationship(user, person) -> str | None:
    """How the user stands to the person: holder, representative, nominee, coordinator,
    auditor, or None."""
    if not _live(user) or person is None or isinstance(user, SystemActor):
        return None
    uid = user.pk
    if person.holder_id == uid:
        return "holder"
    if person.representative_id == uid:
        return "representative"
    if person.nominee_id == uid:
        return "nominee"
    if person.coordinator_id == uid and has_role_at(
        user, person.commissioner_id, {Role.CARE_COORDINATOR}
    ):
        return "coordinator"
    if has_role_at(user, person.commissioner_id, {Role.AUDITOR}):
        return "auditor"
    return None


_OWN = {"holder", "representative", "nominee"}


def can(user, action: Action, obj) -> bool:
    """``obj`` is a Person, or an organisation id for CREATE_PERSON and VIEW_PROGRAMME."""
    if isinstance(user, SystemActor):
        return True
    if action is Action.CREATE_PERSON:
        return _live(user) and has_role_at(user, obj, {Role.CARE_COORDINATOR})
    if action is Action.VIEW_PROGRAMME:
        return _live(user) and has_role_at(user, obj, PROGRAMME_READERS)
    rel = relationship(user, obj)
    if action is Action.VIEW_RECORD:
        return rel is not None
    if action is Action.MANAGE_RECORD:
        return rel == "coordinator"
    if action is Action.REQUEST_RECONSIDERATION:
        return rel in _OWN or rel == "coordinator"
    if action is Action.RECORD_SPEND:
        if rel == "coordinator":
            return True
        plan = obj.plans.filter(status="agreed").first()
        if plan is None or plan.mode != Mode.DIRECT_PAYMENT:
            return False
        recipient = (
            {
                Recipient.PATIENT: "holder",
                Recipient.REPRESENTATIVE: "representative",
                Recipient.NOMINEE: "nominee",
            }.get(Recipient(plan.recipient))
            if plan.recipient
            else None
        )
        return rel == recipient
    raise ValueError(action)


def require(user, action: Action, obj) -> None:
    if not can(user, action, obj):
        raise PermissionDenied(f"You do not have permission to {LABELS[action]}.")
