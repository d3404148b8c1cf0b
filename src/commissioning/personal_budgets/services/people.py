"""Recording a person and giving them (or their family) a sign-in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction

from commissioning import clock
from commissioning.audit import chain as audit
from commissioning.ledger import services as ledger
from commissioning.ledger.models import Account
from commissioning.ledger.permissions import OnBehalf
from commissioning.organisations.vocabulary import Role
from commissioning.validation import Problems, refuse

from ..models import (
    Entitlement,
    Person,
    Plan,
    SignInNotice,
)
from ..permissions import Action, require
from ..rules import nhs_number


@dataclass(frozen=True)
class PersonInput:
    commissioner_id: int
    nhs_number: str
    name: str
    date_of_birth: dt.date | None
    entitlement: str
    lacks_capacity: bool = False
    excluded_by_schedule: bool = False


def _funding_code(commissioner_id: int) -> str:
    return f"PHB-FUND-{commissioner_id}"


SERVICE = "personal_budgets"


def _acting_for(actor, person: Person, *draws: str) -> OnBehalf:
    """This service acting on the ledger for ``person`` after its own permission check: it
    may draw on the accounts ``draws`` names, each of which ``may_draw`` confirms is one of the
    person's own accounts or a source of their budget."""
    for code in draws:
        if not may_draw(person.pk, Account.objects.get(code=code)):
            raise PermissionDenied(f"The personal budget service may not draw on {code}")
    return OnBehalf(actor, SERVICE, person.pk, draws)


def may_draw(person_id: int, account) -> bool:
    """The accounts the personal budget service may draw on for a person: their budget and
    spend accounts, their commissioner's personal health budget fund, and the pooled fund of
    any pool one of their plans is charged to (an integrated budget)."""
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        return False
    if account.pk in (person.budget_account_id, person.spend_account_id):
        return True
    if account.code == _funding_code(person.commissioner_id):
        return True
    return Plan.objects.filter(person=person, pool__pool_account=account).exists()


def record_person(cmd: PersonInput, actor) -> Person:
    """A new person on the coordinator's caseload, with their budget's accounts opened."""
    require(actor, Action.CREATE_PERSON, cmd.commissioner_id)
    p = Problems()
    number = nhs_number.normalise(cmd.nhs_number or "")
    problem = nhs_number.problem(cmd.nhs_number or "")
    if problem:
        p.add("nhs_number", problem)
    elif Person.objects.filter(nhs_number=number).exists():
        p.add("nhs_number", "A budget is already recorded for this NHS number")
    if not (cmd.name or "").strip():
        p.add("name", "Enter the name the person is known by")
    if cmd.date_of_birth is None:
        p.add("date_of_birth", "Enter the date of birth")
    elif cmd.date_of_birth > clock.today():
        p.add("date_of_birth", "The date of birth must be in the past")
    if cmd.entitlement not in Entitlement.values:
        p.add("entitlement", "Choose the basis of entitlement")
    p.raise_if_any()
    assert cmd.date_of_birth is not None  # refused above when missing
    with transaction.atomic():
        person = Person.objects.create(
            nhs_number=number,
            name=cmd.name.strip(),
            date_of_birth=cmd.date_of_birth,
            entitlement=cmd.entitlement,
            lacks_capacity=cmd.lacks_capacity,
            excluded_by_schedule=cmd.excluded_by_schedule,
            commissioner_id=cmd.commissioner_id,
            coordinator=actor,
        )
        on_behalf = _acting_for(actor, person)
        if not Account.objects.filter(code=_funding_code(cmd.commissioner_id)).exists():
            ledger.open_account(
                ledger.AccountInput(
                    _funding_code(cmd.commissioner_id),
                    "Personal health budgets programme",
                    "funding",
                    cmd.commissioner_id,
                ),
                on_behalf,
            )
        person.budget_account = ledger.open_account(
            ledger.AccountInput(
                person.reference, f"{person.reference} budget", "budget", cmd.commissioner_id, 0
            ),
            on_behalf,
        )
        person.spend_account = ledger.open_account(
            ledger.AccountInput(
                f"{person.reference}-SPEND",
                f"{person.reference} spending",
                "spend",
                cmd.commissioner_id,
            ),
            on_behalf,
        )
        person.save(update_fields=["budget_account", "spend_account"])
        audit.created(actor, person, ("entitlement", "commissioner", "coordinator"))
    return person


LINKS = ("holder", "representative", "nominee")


def link_sign_in(person: Person, link: str, username: str, actor) -> Person:
    """Give the person, their representative or their nominee a sign-in to see the record
    (``username`` of an existing account; empty removes the link)."""
    require(actor, Action.MANAGE_RECORD, person)
    if link not in LINKS:
        raise refuse("link", "Choose the person, their representative or their nominee")
    user = None
    if username.strip():
        user = get_user_model().objects.filter(username=username.strip(), is_active=True).first()
        if user is None:
            raise refuse("username", "There is no active sign-in with this username")
        if user.pk == person.coordinator_id:
            raise refuse("username", "The care coordinator cannot also hold the budget")
        if not is_citizen(user):
            raise refuse(
                "username",
                "This sign-in belongs to someone who works for an organisation: link the "
                "person's own sign-in (one with no role at any organisation)",
            )
    with transaction.atomic():
        with audit.changing(actor, person, (link,)):
            setattr(person, link, user)
            person.save(update_fields=[link])
        # The person is told, on their record, who can now see it (or no longer can).
        SignInNotice.objects.create(
            person=person, at=clock.now(), link=link, username=getattr(user, "username", ""),
            by=actor,
        )  # fmt: skip
    return person


def is_citizen(user) -> bool:
    """A sign-in of one's own: not staff, not a superuser, and no role at any organisation
    but that of a budget holder (whatever its status or dates: a role awaiting approval, or
    ended, still belongs to someone who works there)."""
    if user.is_staff or user.is_superuser:
        return False
    return not user.memberships.exclude(role=Role.BUDGET_HOLDER).exists()
