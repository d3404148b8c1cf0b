"""The specifications a person may see, newest first (the same rule as
``permissions.Action.VIEW_SPECIFICATION``, written as one query)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from commissioning.organisations.permissions import current_memberships, roles_of
from commissioning.organisations.vocabulary import Role

from ..consultation import consultation
from ..models import ServiceSpecification
from ..permissions import ORGANISATION_STAFF, STAFF


def specifications_visible_to(user) -> QuerySet[ServiceSpecification]:
    roles = roles_of(user)
    qs = ServiceSpecification.objects.select_related("commissioner")
    if not roles & STAFF:
        return qs.none()
    if Role.AUDITOR in roles:
        return qs
    memberships = current_memberships(user)
    staff_at = [m.organisation_id for m in memberships if Role(m.role) in ORGANISATION_STAFF]
    advising_at = [m.organisation_id for m in memberships if m.role == Role.CLINICAL_ADVISER]
    asked = consultation().asked_of(user, advising_at)
    return qs.filter(
        Q(status__in=["approved", "retired"])
        | Q(commissioner_id__in=staff_at)
        | Q(reference__in=asked)
    )
