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

from django.db.models import Q
from django.urls import reverse

from commissioning.organisations.permissions import (
    ANY_PERSON,
    Policy,
    SystemActor,
    current_memberships,
    has_role_at,
    is_live,
    roles_of,
)
from commissioning.organisations.vocabulary import Role
from commissioning.ui.navigation import Link

from .models import Person
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


def relationship(user, person) -> str | None:
    """How the user stands to the person: holder, representative, nominee, coordinator,
    auditor, or None."""
    if not is_live(user) or person is None or isinstance(user, SystemActor):
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


def _may_record_spend(user, person) -> bool:
    """The coordinator, or whoever receives the direct payment under the agreed plan."""
    rel = relationship(user, person)
    if rel == "coordinator":
        return True
    plan = person.plans.filter(status="agreed").first()
    if plan is None or plan.mode != Mode.DIRECT_PAYMENT or not plan.recipient:
        return False
    recipient = {
        Recipient.PATIENT: "holder",
        Recipient.REPRESENTATIVE: "representative",
        Recipient.NOMINEE: "nominee",
    }.get(Recipient(plan.recipient))
    return rel == recipient


# A person's record is read by those who stand in a relationship to them (``relationship``),
# whatever roles they hold: a holder's family may hold none. ``obj`` is a Person, or an
# organisation id for CREATE_PERSON and VIEW_PROGRAMME.
POLICY = Policy(
    allowed={
        Action.VIEW_RECORD: ANY_PERSON,
        Action.MANAGE_RECORD: frozenset({Role.CARE_COORDINATOR}),
        Action.RECORD_SPEND: ANY_PERSON,
        Action.REQUEST_RECONSIDERATION: ANY_PERSON,
        Action.CREATE_PERSON: frozenset({Role.CARE_COORDINATOR}),
        Action.VIEW_PROGRAMME: PROGRAMME_READERS,
    },
    rules={
        Action.VIEW_RECORD: lambda user, person: relationship(user, person) is not None,
        Action.MANAGE_RECORD: lambda user, person: relationship(user, person) == "coordinator",
        Action.RECORD_SPEND: _may_record_spend,
        Action.REQUEST_RECONSIDERATION: lambda user, person: (
            relationship(user, person) in _OWN | {"coordinator"}
        ),
        Action.CREATE_PERSON: lambda user, org_id: has_role_at(
            user, org_id, {Role.CARE_COORDINATOR}
        ),
        Action.VIEW_PROGRAMME: lambda user, org_id: has_role_at(user, org_id, PROGRAMME_READERS),
    },
    labels=LABELS,
)
can = POLICY.can
require = POLICY.require


def menu_label(user) -> str | None:
    """The menu's link to personal budgets: "My budget" for a holder, representative or
    nominee; "PHBs" for a care coordinator (who keeps the caseload); nothing for the rest."""
    if Person.objects.filter(Q(holder=user) | Q(representative=user) | Q(nominee=user)).exists():
        return "My budget"
    if Role.CARE_COORDINATOR in roles_of(user):
        return "PHBs"
    return None


def programme_links(user) -> list[Link]:
    """The commissioners whose personal health budget programme (totals and the IPC cohort)
    this person may see, as links."""
    orgs = {m.organisation for m in current_memberships(user)}
    return [
        Link(o.display_name, reverse("phb-programme", args=[o.code]))
        for o in sorted(orgs, key=lambda o: o.name)
        if can(user, Action.VIEW_PROGRAMME, o.pk)
    ]
