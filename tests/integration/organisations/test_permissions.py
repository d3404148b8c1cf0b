"""The full role x action matrix, written out so that it reads as the rule.

Y = allowed, . = refused. Columns follow the ``Action`` enum order.
"""

from __future__ import annotations

import pytest

from commissioning.organisations.permissions import SYSTEM, Action, can
from commissioning.organisations.vocabulary import Role

COLUMNS = [
    Action.VIEW_DIRECTORY,
    Action.EDIT_ORGANISATION,
    Action.MANAGE_MEMBERSHIPS,
    Action.APPROVE_MEMBERSHIPS,
    Action.VIEW_PEOPLE,
    Action.INGEST_REFERENCE_DATA,
    Action.LOAD_SYNTHETIC_ECONOMY,
    Action.VIEW_ACTIVITY,
    Action.VIEW_POPULATION,
    Action.VIEW_AUDIT_LOG,
    Action.VERIFY_AUDIT_CHAIN,
    Action.MANAGE_BUDGETS,
    Action.GRANT_DELEGATED_AUTHORITY,
]
# columns: dir edit memb appr ppl ingst synth act pop audit verify budg deleg
MATRIX = {
    Role.COMMISSIONER:            "Y  .  .  .  Y  .  .  Y  Y  .  .  .  .",
    Role.CONTRACT_MANAGER:        "Y  .  .  .  Y  .  .  Y  Y  .  .  .  .",
    Role.QUALITY_LEAD:            "Y  .  .  .  Y  .  .  Y  Y  .  .  .  .",
    Role.FINANCE_LEAD:            "Y  .  .  .  Y  .  .  Y  Y  .  .  Y  .",
    Role.CLINICAL_ADVISER:        "Y  .  .  .  Y  .  .  Y  Y  .  .  .  .",
    Role.PROVIDER_REPRESENTATIVE: "Y  .  .  .  Y  .  .  Y  .  .  .  .  .",
    Role.BUDGET_HOLDER:           "Y  .  .  .  .  .  .  .  .  .  .  .  .",
    Role.CARE_COORDINATOR:        "Y  .  .  .  Y  .  .  Y  Y  .  .  .  .",
    Role.AUDITOR:                 "Y  .  .  .  Y  .  .  Y  Y  Y  Y  .  .",
    Role.ADMINISTRATOR:           "Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y  Y",
}  # fmt: skip

CASES = [
    (role, action, flag == "Y")
    for role, row in MATRIX.items()
    for action, flag in zip(COLUMNS, row.split(), strict=True)
]


def test_matrix_covers_every_role_and_action():
    assert set(MATRIX) == set(Role)
    assert set(COLUMNS) == set(Action)


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "action", "allowed"), CASES, ids=lambda v: str(v))
def test_role_action_matrix(make_user, role, action, allowed):
    user = make_user(role.value)
    assert can(user, action) is allowed


@pytest.mark.django_db
@pytest.mark.parametrize("action", list(Action))
def test_a_user_without_membership_may_do_nothing(make_user, action):
    assert can(make_user(None), action) is False


@pytest.mark.django_db
def test_people_are_shown_only_to_colleagues_and_administrators(make_user):
    from commissioning.organisations.models import Organisation

    other = Organisation.objects.create(code="RJE", name="Other trust", org_type="nhs_trust")
    commissioner = make_user("commissioner")
    home = commissioner.memberships.get().organisation
    assert can(commissioner, Action.VIEW_PEOPLE, home)
    assert not can(commissioner, Action.VIEW_PEOPLE, other)
    assert can(make_user("administrator"), Action.VIEW_PEOPLE, other)


@pytest.mark.django_db
def test_ended_membership_gives_no_role(make_user):
    import datetime as dt

    user = make_user("administrator")
    user.memberships.update(end_date=dt.date(2020, 1, 1))
    assert not can(user, Action.EDIT_ORGANISATION)


@pytest.mark.django_db
def test_inactive_user_may_do_nothing(make_user):
    user = make_user("administrator", is_active=False)
    assert not can(user, Action.VIEW_DIRECTORY)


def test_the_command_line_system_actor_may_do_everything():
    assert all(can(SYSTEM, action) for action in Action)
