"""Services for organisations and people: permission check, validation, write and audit in
one transaction each. Views, the API and the CLI only translate their input into these calls."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from commissioning.audit import chain as audit

from .models import Budget, DelegatedAuthority, Membership, Organisation, User
from .permissions import SENSITIVE_ROLES, Action, SystemActor, require, roles_at
from .vocabulary import COMMISSIONER_TYPES, OrganisationType, Role

ORGANISATION_FIELDS = (
    "code",
    "name",
    "org_type",
    "open_date",
    "close_date",
    "address",
    "postcode",
    "easting",
    "northing",
    "nhs_region_code",
    "ha_code",
    "parent_id",
    "is_synthetic",
)


@dataclass(frozen=True)
class OrganisationData:
    code: str
    name: str
    org_type: OrganisationType
    open_date: dt.date | None = None
    close_date: dt.date | None = None
    address: str = ""
    postcode: str = ""
    easting: int | None = None
    northing: int | None = None
    nhs_region_code: str = ""
    ha_code: str = ""
    parent_code: str | None = None
    is_synthetic: bool = False
    # Fields the source does not carry, so an update must leave them as they are.
    keep: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class UpsertResult:
    organisation: Organisation
    created: bool
    changed: bool


def _apply(org: Organisation, data: OrganisationData, parents: dict[str, Organisation]) -> None:
    values: dict[str, Any] = {
        "name": data.name,
        "org_type": data.org_type.value,
        "open_date": data.open_date,
        "close_date": data.close_date,
        "address": data.address,
        "postcode": data.postcode,
        "easting": data.easting,
        "northing": data.northing,
        "nhs_region_code": data.nhs_region_code,
        "ha_code": data.ha_code,
        "is_synthetic": data.is_synthetic,
    }
    for name, value in values.items():
        if name not in data.keep:
            setattr(org, name, value)
    if "parent_code" not in data.keep:
        if data.parent_code:
            parent = (
                parents.get(data.parent_code)
                or Organisation.objects.filter(code=data.parent_code).first()
            )
            if parent is None:
                raise ValidationError(
                    {"parent": f"No organisation has ODS code {data.parent_code}"}
                )
            org.parent = parent
        else:
            org.parent = None


def upsert_organisation_unchecked(
    data: OrganisationData, actor, parents: dict[str, Organisation] | None = None
) -> UpsertResult:
    """Create or update one organisation by ODS code and audit it; no permission check.

    Only for services that have already checked the actor's permission (ingest, loaders).
    Must be called inside their transaction. Saving identical values changes nothing and
    records nothing.
    """
    existing = Organisation.objects.filter(code=data.code).first()
    org = existing or Organisation(code=data.code)
    before = audit.snapshot(existing, ORGANISATION_FIELDS) if existing else None
    _apply(org, data, parents or {})
    org.full_clean(validate_unique=existing is None)
    after = audit.snapshot(org, ORGANISATION_FIELDS)
    if existing and before == after:
        return UpsertResult(org, created=False, changed=False)
    org.save()
    audit.record(actor, "update" if existing else "create", org, before=before, after=after)
    return UpsertResult(org, created=existing is None, changed=True)


def save_organisation(data: OrganisationData, actor) -> UpsertResult:
    """Create or update an organisation (administrators only)."""
    require(actor, Action.EDIT_ORGANISATION)
    with transaction.atomic():
        return upsert_organisation_unchecked(data, actor)


MEMBERSHIP_FIELDS = ("user_id", "organisation_id", "role", "start_date", "end_date", "status",
                     "requested_by_id", "approved_by_id")  # fmt: skip


def add_membership(
    user: User,
    organisation: Organisation,
    role: Role,
    actor,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
) -> Membership:
    """Give a person a role in an organisation (administrators only). A role that reads
    personal data or moves money (``SENSITIVE_ROLES``) given by an administrator waits for a
    second administrator's approval and gives nothing until then; the command line (the
    operator on the server) gives it at once."""
    require(actor, Action.MANAGE_MEMBERSHIPS)
    role = Role(role)
    by_person = not isinstance(actor, SystemActor)
    with transaction.atomic():
        membership = Membership(
            user=user,
            organisation=organisation,
            role=role.value,
            start_date=start_date,
            end_date=end_date,
            status=Membership.Status.AWAITING_APPROVAL
            if by_person and role in SENSITIVE_ROLES
            else Membership.Status.ACTIVE,
            requested_by=actor if by_person else None,
        )
        membership.full_clean()
        if end_date and start_date and end_date < start_date:
            raise ValidationError({"end_date": "The end date must not be before the start date."})
        membership.save()
        after = audit.snapshot(membership, MEMBERSHIP_FIELDS)
        audit.record(actor, "create", membership, after=after)
        return membership


def approval_problem(membership: Membership, actor) -> str | None:
    """Why ``actor`` may not approve the membership, or None."""
    if membership.status != Membership.Status.AWAITING_APPROVAL:
        return "This role is not awaiting approval"
    if getattr(actor, "pk", None) in (membership.requested_by_id, membership.user_id):
        return ("A second administrator must approve it: not the one who gave the role, and not "
                "the person it is for")  # fmt: skip
    return None


def approve_membership(membership: Membership, actor) -> Membership:
    """A second administrator approves a role that reads personal data or moves money; it is
    in force from now (an administrator's role also lets its holder into the admin)."""
    require(actor, Action.APPROVE_MEMBERSHIPS)
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        problem = approval_problem(membership, actor)
        if problem:
            raise ValidationError({"status": problem})
        with audit.changing(actor, membership, ("status", "approved_by_id")):
            membership.status = Membership.Status.ACTIVE
            membership.approved_by = actor
            membership.approved_at = timezone.now()
            membership.save(update_fields=["status", "approved_by", "approved_at"])
        if membership.role == Role.ADMINISTRATOR and not membership.user.is_staff:
            user = membership.user
            with audit.changing(actor, user, ("is_staff",)):
                user.is_staff = True
                user.save(update_fields=["is_staff"])
        return membership


def end_membership(membership: Membership, end_date: dt.date, actor) -> Membership:
    require(actor, Action.MANAGE_MEMBERSHIPS)
    with transaction.atomic():
        if membership.start_date and end_date < membership.start_date:
            raise ValidationError({"end_date": "The end date must not be before the start date."})
        with audit.changing(actor, membership, ("end_date",)):
            membership.end_date = end_date
            membership.save(update_fields=["end_date"])
        return membership


BUDGET_FIELDS = ("organisation_id", "code", "name", "financial_year", "amount_pence")
DELEGATION_FIELDS = ("user_id", "budget_id", "limit_pence", "start_date", "end_date", "reference")


def save_budget(budget: Budget, actor) -> Budget:
    """Create or change a budget (finance leads and administrators)."""
    require(actor, Action.MANAGE_BUDGETS)
    with transaction.atomic(), audit.saving(actor, budget, BUDGET_FIELDS):
        budget.full_clean()
        if budget.organisation.org_type not in COMMISSIONER_TYPES:
            raise ValidationError(
                {"organisation": "Budgets belong to commissioning organisations."}
            )
        budget.save()
    return budget


def delegation_problems(delegation: DelegatedAuthority, actor) -> dict[str, str]:
    """Why this delegation cannot be recorded by ``actor``, by field (empty if it can)."""
    if delegation.user_id is None or delegation.budget_id is None:
        return {}
    if delegation.user_id == getattr(actor, "pk", None):
        return {"user": "Nobody records delegated authority for themselves."}
    if Role.COMMISSIONER not in roles_at(delegation.user, delegation.budget.organisation_id):
        return {
            "user": f"{delegation.user} is not a commissioner at "
            f"{delegation.budget.organisation.display_name}, which holds this budget."
        }
    return {}


def save_delegated_authority(delegation: DelegatedAuthority, actor) -> DelegatedAuthority:
    """Record authority the board delegated to a commissioner on a budget (administrators).

    Authority goes only to someone who holds the commissioner role at the budget's
    organisation, and nobody records authority for themselves. To end it, set an end date:
    the decisions taken under it keep pointing at it.
    """
    require(actor, Action.GRANT_DELEGATED_AUTHORITY)
    with transaction.atomic(), audit.saving(actor, delegation, DELEGATION_FIELDS):
        delegation.full_clean()
        if problems := delegation_problems(delegation, actor):
            raise ValidationError(problems)
        delegation.save()
    return delegation
