"""The month-end page: figures from the ledger, the alert, the SPC chart, CSV, and a month
recorded from the page."""

from __future__ import annotations

import datetime as dt

import pytest

from commissioning.organisations.models import Membership, Organisation, User
from commissioning.specialised import services
from commissioning.specialised.models import MonthlyActual

pytestmark = pytest.mark.django_db


@pytest.fixture
def books(client, db):
    org = Organisation.objects.create(code="Y56", name="NHS England London", org_type="nhse_region")
    finance = User.objects.create(username="finance")
    Membership.objects.create(user=finance, organisation=org, role="finance_lead")
    line = services.set_budget(services.BudgetInput(org.pk, "RENAL", 2025, 1_200_000_00), finance)
    for i, pounds in enumerate([100_000] * 6 + [130_000, 160_000, 190_000]):
        services.record_month(line, dt.date(2025, 4 + i, 1), pounds * 100, 50, finance)
    client.force_login(finance)
    return client, line


def test_the_month_end_page_and_its_exports(books):
    client, line = books
    page = client.get("/specialised/").content.decode()
    assert "Renal dialysis" in page and "£1,200,000" in page
    assert "Special cause of concern in monthly spend; forecast overspend" in page
    # Spend to date £1,080,000 against a plan of £900,000; forecast £1,080,000 + 3 x £160,000.
    assert "−£180,000" in page and "£1,560,000" in page and "−£360,000" in page
    csv = client.get("/specialised/month-end.csv?commissioner=Y56").content.decode()
    assert "Renal dialysis,120000000,90000000,108000000,-18000000,156000000,-36000000,9" in csv
    svg = client.get(f"/specialised/lines/{line.pk}/spend.svg")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"


def test_a_month_recorded_from_the_page(books):
    client, line = books
    done = client.post(f"/specialised/lines/{line.pk}/",
                       {"month": "2026-01-01", "spend_pence": "150,000.50", "activity": "48"},
                       follow=True)  # fmt: skip
    assert "The month is recorded." in done.content.decode()
    assert MonthlyActual.objects.get(month=dt.date(2026, 1, 1)).spend_pence == 15_000_050
    bad = client.post(
        f"/specialised/lines/{line.pk}/",
        {"month": "2026-06-01", "spend_pence": "1", "activity": "1"},
    )
    assert "outside" in bad.content.decode()


def test_people_without_a_role_at_the_commissioner_cannot_see_it(books, client):
    _, line = books
    other = Organisation.objects.create(code="XC001", name="NHS Test ICB", org_type="icb")
    stranger = User.objects.create(username="stranger")
    Membership.objects.create(user=stranger, organisation=other, role="finance_lead")
    client.force_login(stranger)
    assert client.get(f"/specialised/lines/{line.pk}/").status_code == 403
    assert client.get("/specialised/?commissioner=Y56").status_code == 403
