"""No query per row on the quality workspace, a contract's quality, the market and the
directory of organisations (issue 19): the same number of queries with more trusts' A&E
figures, more months and lines of a quality schedule, and more organisations
(tests/queries.py). The market's rows come from the synthetic economy's files, not the
database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from commissioning.organisations.models import Organisation
from commissioning.quality import services as q
from commissioning.reference.models import AEAttendance
from tests.integration.test_quality_schedule import MONTHS
from tests.integration.test_quality_workspace import loaded, spells  # noqa: F401 (fixtures)
from tests.queries import assert_no_query_per_row

pytestmark = pytest.mark.django_db


def _trusts(codes):
    def add():
        for code in codes:
            Organisation.objects.create(code=code, name=f"Trust {code}", org_type="nhs_trust")
            AEAttendance.objects.bulk_create(
                AEAttendance(period=dt.date(2022 + m // 12, m % 12 + 1, 1), org_code=code,
                             department_type="1", attendances=5_000, breaches=400 + m,
                             admissions=900)
                for m in range(24)
            )  # fmt: skip

    return add


def test_the_quality_workspace(client, loaded):  # noqa: F811 (the fixture)
    economy, _run = loaded
    client.force_login(economy.quality_lead)
    url = reverse("quality") + "?scope=england"
    assert_no_query_per_row(client, url, _trusts(["XT101", "XT102", "XT103"]))


def test_a_contracts_quality(client, cycle):
    contract = cycle.signed().contract
    # two years of figures: a contract in its third year
    type(contract).objects.filter(pk=contract.pk).update(start_date=dt.date(2024, 4, 1))
    contract.refresh_from_db()
    e = cycle.e
    items = list(contract.quality_schedule.all())
    assert len(items) >= 2

    def record(item, months):
        rows = [q.MeasurementInput(m, Decimal("85") + i % 10) for i, m in enumerate(months)]
        return lambda: q.record_measurements(item, rows, "uploaded", e.provider)

    record(items[0], MONTHS[:12])()
    client.force_login(e.quality_lead)
    url = reverse("quality-contract", args=[contract.pk])
    assert_no_query_per_row(client, url, lambda: [record(i, MONTHS[12:])() for i in items[:1]]
                            + [record(i, MONTHS[:12])() for i in items[1:]])  # fmt: skip


def test_the_directory_of_organisations(client, economy):
    client.force_login(economy.commissioner)
    url = reverse("directory")

    def more():
        for i in range(30):
            Organisation.objects.create(code=f"XQ{i:03d}", name=f"Org {i}", org_type="nhs_trust")

    assert_no_query_per_row(client, url, more)
