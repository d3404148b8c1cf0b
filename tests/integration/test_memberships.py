"""Giving people roles in organisations, and ending them: administrators only, audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from commissioning.audit.models import Revision
from commissioning.organisations.models import Organisation
from commissioning.organisations.permissions import Action, can
from commissioning.organisations.services import add_membership, end_membership
from commissioning.organisations.vocabulary import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def rje(db):
    return Organisation.objects.create(code="RJE", name="TEST TRUST", org_type="nhs_trust")


def test_administrator_gives_a_role_and_it_takes_effect(make_user, rje):
    admin = make_user("administrator")
    person = make_user(None, username="pat")
    membership = add_membership(
        person, rje, Role.QUALITY_LEAD, admin, start_date=dt.date(2024, 1, 1)
    )
    assert can(person, Action.VIEW_ACTIVITY)
    rev = Revision.objects.get(object_type="organisations.membership")
    assert rev.actor_username == admin.username
    assert rev.diff["role"] == [None, "quality_lead"]
    end_membership(membership, dt.date(2024, 6, 30), admin)
    assert not can(person, Action.VIEW_ACTIVITY)
    assert Revision.objects.filter(object_type="organisations.membership").count() == 2


def test_others_may_not_give_roles(make_user, rje):
    person = make_user(None, username="pat")
    with pytest.raises(PermissionDenied):
        add_membership(person, rje, Role.ADMINISTRATOR, make_user("commissioner"))
    assert not person.memberships.exists()


def test_end_before_start_is_refused_naming_the_field(make_user, rje):
    admin = make_user("administrator")
    person = make_user(None, username="pat")
    with pytest.raises(ValidationError) as info:
        add_membership(
            person,
            rje,
            Role.AUDITOR,
            admin,
            start_date=dt.date(2024, 1, 1),
            end_date=dt.date(2023, 1, 1),
        )
    assert "end_date" in info.value.message_dict
    assert not person.memberships.exists()
    membership = add_membership(person, rje, Role.AUDITOR, admin, start_date=dt.date(2024, 1, 1))
    with pytest.raises(ValidationError):
        end_membership(membership, dt.date(2023, 12, 31), admin)
    membership.refresh_from_db()
    assert membership.end_date is None


def test_a_role_must_be_one_of_the_platform_roles(make_user, rje):
    with pytest.raises(ValueError, match="chief"):
        add_membership(make_user(None, username="pat"), rje, "chief", make_user("administrator"))
