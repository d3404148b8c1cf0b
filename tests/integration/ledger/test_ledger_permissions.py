"""Who may do what with the ledger: every role x action, through the services themselves
(on PostgreSQL the posting rule runs inside the database function, so this matrix checks it
there too). Every account has an owner: nobody but its owner's finance leads draws on it, an
allocation included (issue 16, finding 2: a council finance lead took £1,000,000 out of an
ICB's allocation), and reading is scoped to the owner (finding 1)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.exceptions import PermissionDenied

from commissioning.ledger import services as ledger
from commissioning.ledger.models import Account
from commissioning.ledger.permissions import Action, can
from commissioning.ledger.rules import Entry, Leg
from commissioning.organisations.models import Membership, Organisation, User
from commissioning.organisations.permissions import SYSTEM
from tests.permissions import ROLES, permitted

pytestmark = pytest.mark.django_db

# fmt: off
#                      comm cm   ql   fl   ca   prov bh   cc   aud  adm
MATRIX = {
    "open_account":    ".    .    .    Y    .    .    .    .    .    Y",
    "post_out_own":    ".    .    .    Y    .    .    .    .    .    Y",
    "post_out_other":  ".    .    .    .    .    .    .    .    .    .",
    "draw_other_fund": ".    .    .    .    .    .    .    .    .    .",
    "post_into_other": ".    .    .    Y    .    .    .    .    .    Y",
    "issue_statement": ".    .    .    Y    .    .    .    .    .    Y",
    "verify":          ".    .    .    Y    .    .    .    .    Y    Y",
    "view_own":        "Y    Y    .    Y    .    .    .    .    Y    Y",
    "view_other":      ".    .    .    .    .    .    .    .    .    .",
}
# fmt: on


@pytest.fixture
def books(db):
    mine = Organisation.objects.create(code="XC001", name="NHS Test ICB", org_type="icb")
    other = Organisation.objects.create(code="XC002", name="NHS Other ICB", org_type="icb")
    for code, owner, kind in (
        ("FUND", mine, "funding"),
        ("OTHER-FUND", other, "funding"),
        ("MINE", mine, "budget"),
        ("MINE-SPEND", mine, "spend"),
        ("OTHER", other, "budget"),
    ):
        ledger.open_account(
            ledger.AccountInput(code, code.title(), kind, owner.pk if owner else None), SYSTEM
        )
    for code in ("MINE", "OTHER"):
        ledger.post(
            Entry(f"alloc-{code}", "Allocation", (Leg("FUND", -1000), Leg(code, 1000))), SYSTEM
        )
    people = {}
    for role in ROLES:
        user = User.objects.create(username=role.value, is_superuser=False)
        Membership.objects.create(user=user, organisation=mine, role=role.value)
        people[role] = User.objects.prefetch_related("memberships").get(pk=user.pk)
    return mine, people


def attempt(action: str, user, mine) -> bool:
    calls = {
        "open_account": lambda: ledger.open_account(
            ledger.AccountInput("NEW", "New", "budget", mine.pk), user),
        "post_out_own": lambda: ledger.post(
            Entry("k1", "Spend", (Leg("MINE", -1), Leg("MINE-SPEND", 1))), user),
        "post_out_other": lambda: ledger.post(
            Entry("k2", "Take", (Leg("OTHER", -1), Leg("MINE", 1))), user),
        "post_into_other": lambda: ledger.post(
            Entry("k3", "Give", (Leg("MINE", -1), Leg("OTHER", 1))), user),
        "issue_statement": lambda: ledger.issue_statement(
            Account.objects.get(code="MINE"), dt.date(2020, 4, 1), dt.date(2020, 4, 30), user),
        "verify": lambda: can(user, Action.VERIFY_LEDGER) or (_ for _ in ()).throw(
            PermissionDenied()),
        "draw_other_fund": lambda: ledger.post(
            Entry("k4", "Take", (Leg("OTHER-FUND", -1), Leg("MINE", 1))), user),
        "view_own": lambda: can(user, Action.VIEW_LEDGER, Account.objects.get(code="MINE"))
            or (_ for _ in ()).throw(PermissionDenied()),
        "view_other": lambda: can(user, Action.VIEW_LEDGER, Account.objects.get(code="OTHER"))
            or (_ for _ in ()).throw(PermissionDenied()),
    }  # fmt: skip
    return permitted(calls[action])


def test_role_by_action(books):
    mine, people = books
    for action, role in itertools.product(MATRIX, ROLES):
        expected = MATRIX[action].split()[ROLES.index(role)] == "Y"
        assert attempt(action, people[role], mine) is expected, (action, role)
    assert Account.objects.filter(code="NEW").count() == 0  # every attempt was rolled back
