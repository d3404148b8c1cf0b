"""Who may do what in commissioning together and specialised finance: every role x action,
through the services, for people at the organisation concerned and elsewhere."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.exceptions import PermissionDenied

from commissioning.collaboration import services as together
from commissioning.collaboration.permissions import Action, can
from commissioning.organisations.models import Membership, Organisation, User
from commissioning.organisations.vocabulary import Role
from commissioning.specialised import services as specialised
from commissioning.specialised.permissions import Action as FinanceAction
from commissioning.specialised.permissions import can as can_finance
from tests.permissions import ROLES, permitted

pytestmark = pytest.mark.django_db

# fmt: off
#                          comm cm   ql   fl   ca   prov bh   cc   aud  adm
AT_HOME = {
    "view_together":       "Y    Y    Y    Y    Y    .    .    .    Y    Y",
    "form_consortium":     "Y    .    .    .    .    .    .    .    .    .",
    "record_arrangement":  "Y    .    .    .    .    .    .    .    .    Y",
    "view_finance":        "Y    .    .    Y    .    .    .    .    Y    Y",
    "record_month":        ".    .    .    Y    .    .    .    .    .    .",
}
# fmt: on


@pytest.fixture
def world(db):
    nhse = Organisation.objects.create(code="Y56", name="NHS England London",
                                       org_type="nhse_region")  # fmt: skip
    icb = Organisation.objects.create(code="XC001", name="NHS Test ICB", org_type="icb")
    icb2 = Organisation.objects.create(code="XC002", name="NHS Other ICB", org_type="icb")
    finance = User.objects.create(username="setup-finance")
    Membership.objects.create(user=finance, organisation=nhse, role="finance_lead")
    line = specialised.set_budget(specialised.BudgetInput(nhse.pk, "BURNS", 2026, 1200),
                                  finance)  # fmt: skip
    return nhse, icb, icb2, line


def person(role: Role, org, tag: str):
    user = User.objects.create(username=f"{tag}-{role.value}")
    Membership.objects.create(user=user, organisation=org, role=role.value)
    return user


def attempt(action, user, world) -> bool:
    nhse, icb, icb2, line = world
    calls = {
        "view_together": lambda: can(user, Action.VIEW_COLLABORATION) or _refuse(),
        # Both actions below concern NHS England (the co-ordinator / the recorder).
        "form_consortium": lambda: together.form_consortium(together.ConsortiumInput(
            "C", "service", nhse.pk, [nhse.pk, icb.pk], "Unanimity", dt.date(2026, 4, 1),
            service="Burns"), user),
        "record_arrangement": lambda: together.record_arrangement(together.ArrangementInput(
            icb2.pk, nhse.pk, 2026, "greater_involvement"), user),
        "view_finance": lambda: can_finance(user, FinanceAction.VIEW_FINANCE, nhse.pk)
        or _refuse(),
        "record_month": lambda: specialised.record_month(line, dt.date(2026, 4, 1), 1, 1, user),
    }  # fmt: skip
    return permitted(calls[action])


def _refuse():
    raise PermissionDenied


@pytest.mark.parametrize("place", ["at NHS England", "at another commissioner"])
def test_role_by_action(world, place):
    nhse, icb, _, _ = world
    org = nhse if place == "at NHS England" else icb
    for action, role in itertools.product(AT_HOME, ROLES):
        user = person(role, org, f"{action}-{place[:5]}")
        allowed = AT_HOME[action].split()[ROLES.index(role)] == "Y"
        if place != "at NHS England" and action != "view_together":
            allowed = False  # only people at the organisation concerned act for it
        assert attempt(action, user, world) is allowed, (action, role, place)
