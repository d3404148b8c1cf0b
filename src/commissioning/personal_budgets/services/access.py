"""The access log of people's records, whose records a person may open, and which of a person's
ledger accounts this app may draw on."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from commissioning.audit.stored import stored_row
from commissioning.organisations.permissions import current_memberships
from commissioning.organisations.vocabulary import Role

from ..models import (
    Access,
    Person,
)
from ..permissions import Action, can

REFUSED = (
    "You cannot see this record. Only the person, the people they have chosen and their care "
    "team can."
)


def log_access(user, person_ids, what: str, channel: str, allowed: bool) -> None:
    """Every access to people's records, allowed or refused, by ids only (one insert for a
    list of records)."""
    Access.objects.bulk_create(
        Access(
            user_id=getattr(user, "pk", None),
            username=getattr(user, "username", "") or "anonymous",
            person_id=pk,
            what=what[:40],
            channel=channel,
            allowed=allowed,
        )
        for pk in person_ids
    )


def open_record(user, person_id: int, what: str, channel: str = "web", action=Action.VIEW_RECORD):
    """The person whose record ``user`` asks for, if entitled; the attempt is logged either
    way. ``None`` when refused, whether or not the record exists (nothing leaks)."""
    # With the people every page of the record names, kept while the data are unchanged
    # (audit.stored; its account is read afresh: a balance moves with postings, not revisions);
    # the access is logged every time.
    person = stored_row(
        "person",
        Person.objects.select_related(
            "commissioner", "coordinator", "holder", "representative", "nominee"
        ),
        person_id,
    )
    allowed = person is not None and can(user, action, person)
    log_access(user, [person_id], what, channel, allowed)
    return person if allowed else None


def require_record(user, person_id: int, what: str, channel: str, action=Action.VIEW_RECORD):
    """``open_record`` for the pages and the API: the same refusal whether or not the record
    exists."""
    person = open_record(user, person_id, what, channel, action)
    if person is None:
        raise PermissionDenied(REFUSED)
    return person


def records_of(user):
    """The people whose records the user may see: their own (as holder, representative or
    nominee), their caseload, or (auditors) their commissioner's."""
    if not getattr(user, "is_authenticated", False):
        return Person.objects.none()
    coordinating = [
        m.organisation_id for m in current_memberships(user) if m.role == Role.CARE_COORDINATOR
    ]
    auditing = [m.organisation_id for m in current_memberships(user) if m.role == Role.AUDITOR]
    q = Q(holder=user) | Q(representative=user) | Q(nominee=user)
    q |= Q(coordinator=user, commissioner_id__in=coordinating)
    q |= Q(commissioner_id__in=auditing)
    return Person.objects.filter(q).select_related("commissioner")
