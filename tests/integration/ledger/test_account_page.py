"""An account's page: the postings behind its balance with the running balance, CSV, and a
statement issued from the page that closes the month."""

from __future__ import annotations

import datetime as dt

import pytest

from commissioning.ledger import services as ledger
from commissioning.ledger.models import Statement
from commissioning.ledger.rules import Entry, Leg
from commissioning.organisations.models import Membership, Organisation, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def books(client, db):
    icb = Organisation.objects.create(code="XC001", name="NHS Test ICB", org_type="icb")
    finance = User.objects.create(username="finance")
    Membership.objects.create(user=finance, organisation=icb, role="finance_lead")
    for code, kind, owner in (
        ("FUND", "funding", icb.pk),
        ("BUDGET", "budget", icb.pk),
        ("SPEND", "spend", icb.pk),
    ):
        ledger.open_account(ledger.AccountInput(code, code.title(), kind, owner), finance)
    ledger.post(
        Entry("a", "Allocation", (Leg("FUND", -100_000), Leg("BUDGET", 100_000))),
        finance,
        value_date=dt.date(2026, 4, 1),
    )
    ledger.post(
        Entry("s", "April spend", (Leg("BUDGET", -12_345), Leg("SPEND", 12_345))),
        finance,
        value_date=dt.date(2026, 4, 30),
    )
    client.force_login(finance)
    return client


def test_the_postings_behind_a_balance_and_a_statement_from_the_page(books):
    client = books
    page = client.get("/ledger/accounts/BUDGET/").content.decode()
    assert "£876.55" in page and "April spend" in page and "−£123.45" in page
    csv = client.get("/ledger/accounts/BUDGET/postings.csv").content.decode().replace("\r", "")
    assert "2026-04-30,s,April spend,-12345,87655," in csv
    done = client.post("/ledger/accounts/BUDGET/statements/", {"month": "2026-04"}, follow=True)
    assert "Statement issued for April 2026" in done.content.decode()
    s = Statement.objects.get()
    assert (s.opening_pence, s.money_in_pence, s.money_out_pence, s.closing_pence) == (
        0,
        100_000,
        12_345,
        87_655,
    )
    refused = client.post(
        "/ledger/accounts/BUDGET/statements/", {"month": "2099-01"}, follow=True
    ).content.decode()
    assert "once its period has ended" in refused
