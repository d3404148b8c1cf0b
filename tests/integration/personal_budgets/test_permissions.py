"""Who may do what with a person's personal health budget: every kind of actor x every
action, checked through ``can`` and through the services (decision 036)."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from commissioning.organisations.models import Membership, User
from commissioning.personal_budgets import services as phb
from commissioning.personal_budgets.permissions import Action, can
from tests.permissions import permitted

pytestmark = pytest.mark.django_db

# fmt: off
#                          view manage spend ask  create programme
MATRIX = {
    "holder":              "Y    .      Y     Y    .      .",
    "representative":      "Y    .      .     Y    .      .",
    "coordinator":         "Y    Y      Y     Y    Y      Y",
    "other_coordinator":   ".    .      .     .    Y      Y",
    "auditor":             "Y    .      .     .    .      Y",
    "finance":             ".    .      .     .    .      Y",
    "commissioner":        ".    .      .     .    .      Y",
    "provider":            ".    .      .     .    .      .",
    "administrator":       ".    .      .     .    .      .",
    "other_holder":        ".    .      .     .    .      .",
    "stranger":            ".    .      .     .    .      .",
}
# fmt: on
ACTIONS = [
    Action.VIEW_RECORD,
    Action.MANAGE_RECORD,
    Action.RECORD_SPEND,
    Action.REQUEST_RECONSIDERATION,
    Action.CREATE_PERSON,
    Action.VIEW_PROGRAMME,
]


@pytest.fixture
def actors(programme):
    def extra(username, role):
        user = User.objects.create_user(username=username, password="x")
        Membership.objects.create(user=user, organisation=programme.icb, role=role)
        return user

    return {
        "holder": programme.holder,
        "representative": programme.representative,
        "coordinator": programme.coordinator,
        "other_coordinator": programme.other_coordinator,
        "auditor": programme.auditor,
        "finance": programme.finance,
        "commissioner": extra("commissioner", "commissioner"),
        "provider": programme.provider,
        "administrator": extra("admin", "administrator"),
        "other_holder": programme.other_holder,
        "stranger": programme.stranger,
    }


def _view(user, person):
    if phb.open_record(user, person.pk, "test") is None:
        raise PermissionDenied


def _attempt(action, person, user, icb):
    """Try the action through its service, undoing whatever it did."""
    calls = {
        Action.VIEW_RECORD: lambda: _view(user, person),
        Action.MANAGE_RECORD: lambda: phb.record_review(
            person, phb.ReviewInput(dt.date(2026, 8, 1), True, "ok"), user
        ),
        Action.RECORD_SPEND: lambda: phb.record_payment(
            person, phb.PaymentInput("m", 100, "therapy", "P", "x"), user
        ),
        Action.REQUEST_RECONSIDERATION: lambda: phb.request_reconsideration(
            person, phb.ReconsiderationInput("reduction", "why"), user
        ),
        Action.CREATE_PERSON: lambda: phb.record_person(
            phb.PersonInput(icb.pk, "9434765919", "N", dt.date(1990, 1, 1), "ltc"), user
        ),
        Action.VIEW_PROGRAMME: lambda: phb.programme(icb, user),
    }

    def call():
        with contextlib.suppress(ValidationError):  # allowed in, then refused on the merits
            calls[action]()

    return permitted(call)


@pytest.mark.parametrize("who", list(MATRIX))
def test_matrix(programme, actors, who):
    user = actors[who]
    expected = dict(zip(ACTIONS, (c == "Y" for c in MATRIX[who].split()), strict=True))
    for action in ACTIONS:
        obj = (
            programme.icb.pk
            if action in (Action.CREATE_PERSON, Action.VIEW_PROGRAMME)
            else programme.person
        )
        assert can(user, action, obj) is expected[action], (who, action)
        assert _attempt(action, programme.person, user, programme.icb) is expected[action], (
            who,
            action,
        )


def test_a_coordinator_without_the_role_any_longer_loses_the_caseload(programme):
    m = programme.coordinator.memberships.get()
    m.end_date = dt.date(2020, 1, 1)
    m.save()
    assert not can(programme.coordinator, Action.VIEW_RECORD, programme.person)
