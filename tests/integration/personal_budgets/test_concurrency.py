"""Concurrent spends against one personal health budget on PostgreSQL (issue 7's proof):
8 processes record 400 payments through the service, asking for about twice what the budget
holds. Afterwards the budget is not below zero, every accepted payment is on the ledger
exactly once with its payment record, the refused ones left nothing behind, and
``ledger verify`` passes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, connections
from django.db.models import Sum

from commissioning.ledger.models import Account, Transaction
from commissioning.ledger.verify import verify_ledger
from commissioning.organisations.models import Membership, Organisation, User
from commissioning.personal_budgets import services as phb
from commissioning.personal_budgets.models import Payment, Person
from tests.forked import child_ready, log_attempts, read_logs, run_together

from .conftest import ELIGIBLE, plan_input, valid_nhs_number

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WRITERS, EACH = 8, 50
BUDGET = 1_200_000


def _writer(person_id: int, username: str, writer: int, out: str, ready, go) -> None:
    child_ready(ready, go)
    user = User.objects.get(username=username)
    person = Person.objects.get(pk=person_id)

    def pay(key, pence):
        phb.record_payment(
            person,
            phb.PaymentInput(
                key, pence, "personal_care", "Agency", "Care hours", dt.date(2026, 7, 1)
            ),
            user,
        )

    log_attempts(out, writer, EACH, (1_000, 11_000), pay, "left in the budget", "paid")
    connections.close_all()


@pytest.fixture
def budget(db):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency guarantees are tested on PostgreSQL")
    icb = Organisation.objects.create(code="XC001", name="NHS Test ICB", org_type="icb")
    coord = User.objects.create_user(username="coord", password="x")
    Membership.objects.create(user=coord, organisation=icb, role="care_coordinator")
    User.objects.create_user(username="holder", password="x")
    person = phb.record_person(
        phb.PersonInput(icb.pk, valid_nhs_number(943476591), "Holder", dt.date(1960, 1, 1), "chc"),
        coord,
    )
    phb.assess(person, phb.AssessmentInput(dt.date(2026, 5, 1), ELIGIBLE, "eligible", "MDT"), coord)
    phb.link_sign_in(person, "holder", "holder", coord)
    plan = phb.draft_plan(person, plan_input(amount=BUDGET), coord)
    phb.agree_plan(plan, phb.AgreeInput("person", dt.date(2026, 6, 1)), coord)
    return person


def test_concurrent_spends_never_exceed_the_budget(budget, tmp_path):
    run_together(
        _writer, [(budget.pk, "holder", w, str(tmp_path / f"w{w}.log")) for w in range(WRITERS)]
    )
    lines = read_logs(tmp_path)
    assert len(lines) == WRITERS * EACH
    paid = {key: pence for status, key, pence in lines if status == "paid"}
    refused = [key for status, key, _ in lines if status == "refused"]
    assert refused, "the writers ask for about twice the budget: some payments must be refused"
    balance = Account.objects.get(pk=budget.budget_account_id).balance_pence
    assert balance >= 0
    assert balance == BUDGET - sum(paid.values())
    payments = Payment.objects.filter(person=budget)
    assert payments.count() == len(paid)
    assert payments.aggregate(s=Sum("amount_pence"))["s"] == sum(paid.values())
    keys = set(Transaction.objects.filter(key__contains="-pay-").values_list("key", flat=True))
    assert keys == {f"{budget.reference}-pay-{k}" for k in paid}
    report = verify_ledger()
    assert report.ok, report.violation
