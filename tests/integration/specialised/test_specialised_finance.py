"""Specialised commissioning at month end: budgets and monthly spend on the ledger,
corrections by reversal, forecast outturn and SPC alerts, and who may do what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from commissioning.ledger.models import Account, Transaction
from commissioning.ledger.verify import verify_ledger
from commissioning.organisations.models import Membership, Organisation, User
from commissioning.specialised import services
from commissioning.specialised.models import MonthlyActual

pytestmark = pytest.mark.django_db


@pytest.fixture
def nhse(db):
    org = Organisation.objects.create(code="Y56", name="NHS England London", org_type="nhse_region")
    people = {}
    for role in ("finance_lead", "commissioner", "quality_lead"):
        user = User.objects.create(username=role)
        Membership.objects.create(user=user, organisation=org, role=role)
        people[role] = user
    line = services.set_budget(services.BudgetInput(org.pk, "ACC", 2025, 12_000_000_00),
                               people["finance_lead"])  # fmt: skip
    return org, people, line


def record(line, user, spends):
    for i, pounds in enumerate(spends):
        month = dt.date(2025 + (3 + i) // 12, (3 + i) % 12 + 1, 1)
        services.record_month(line, month, pounds * 100, 100 + i, user)


def test_a_month_moves_money_from_the_budget_and_a_correction_reverses_it(nhse):
    _, people, line = nhse
    record(line, people["finance_lead"], [1_000_000])
    assert Account.objects.get(pk=line.budget_account_id).balance_pence == 11_000_000_00
    services.record_month(line, dt.date(2025, 4, 15), 950_000_00, 98, people["finance_lead"])
    actual = MonthlyActual.objects.get()
    assert (actual.spend_pence, actual.activity, actual.version) == (950_000_00, 98, 2)
    assert Account.objects.get(pk=line.spend_account_id).balance_pence == 950_000_00
    assert Transaction.objects.filter(kind="reversal").count() == 1
    again = services.record_month(line, dt.date(2025, 4, 1), 950_000_00, 98,
                                  people["finance_lead"])  # fmt: skip
    assert again.version == 2  # the same figure again changes nothing
    assert verify_ledger().ok


def test_the_month_end_position_forecasts_and_alerts(nhse):
    _, people, line = nhse
    # £1m a month for six months, then spending climbs.
    record(line, people["finance_lead"], [1_000_000] * 6 + [1_150_000, 1_300_000, 1_450_000])
    p = services.position(line)
    assert p.figures.actual_to_date == 9_900_000_00
    assert p.figures.plan_to_date == 9_000_000_00
    assert p.figures.forecast == 9_900_000_00 + 1_300_000_00 * 3
    assert p.figures.forecast_variance == -1_800_000_00
    assert p.variation_icon == "concern_high"
    assert "special cause of concern" in p.alert and "forecast overspend" in p.alert
    steady = services.position(line, up_to=dt.date(2025, 9, 1))
    assert steady.figures.forecast == 12_000_000_00 and steady.alert == ""


def test_months_outside_the_year_and_negative_figures_are_refused(nhse):
    _, people, line = nhse
    with pytest.raises(ValidationError, match="outside"):
        services.record_month(line, dt.date(2026, 4, 1), 1, 1, people["finance_lead"])
    with pytest.raises(ValidationError) as refused:
        services.record_month(line, dt.date(2025, 5, 1), -1, 1, people["finance_lead"])
    assert "spend_pence" in refused.value.message_dict


def test_only_the_commissioners_finance_lead_sets_budgets_and_records_spend(nhse):
    org, people, line = nhse
    for role in ("commissioner", "quality_lead"):
        with pytest.raises(PermissionDenied):
            services.record_month(line, dt.date(2026, 4, 1), 1, 1, people[role])
        with pytest.raises(PermissionDenied):
            services.set_budget(services.BudgetInput(org.pk, "RENAL", 2025, 1), people[role])
    other = Organisation.objects.create(
        code="Y61", name="NHS England South", org_type="nhse_region"
    )
    outsider = User.objects.create(username="outsider")
    Membership.objects.create(user=outsider, organisation=other, role="finance_lead")
    with pytest.raises(PermissionDenied):
        services.record_month(line, dt.date(2026, 4, 1), 1, 1, outsider)


def test_a_month_that_has_not_begun_is_refused(nhse):
    org, people, _ = nhse
    line = services.set_budget(services.BudgetInput(org.pk, "BURNS", 2090, 1_200),
                               people["finance_lead"])  # fmt: skip
    with pytest.raises(ValidationError, match="has not begun"):
        services.record_month(line, dt.date(2091, 2, 1), 100, 1, people["finance_lead"])
