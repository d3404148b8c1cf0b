"""Money repaid against a repayment notice (regulation 15): recorded by the coordinator, back
on the ledger to where the budget came from, never more than the notice still asks, once per
form; an unused balance comes off the budget, money spent wrongly recovers spending."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from commissioning import clock
from commissioning.audit.models import Revision
from commissioning.ledger.models import Account
from commissioning.ledger.verify import verify_ledger
from commissioning.personal_budgets import services as phb
from commissioning.personal_budgets.models import Repayment

pytestmark = pytest.mark.django_db


def _balance(code_or_pk) -> int:
    if isinstance(code_or_pk, int):
        return Account.objects.get(pk=code_or_pk).balance_pence
    return Account.objects.get(code=code_or_pk).balance_pence


def _notice(person, coordinator, ground, pence):
    return phb.issue_repayment_notice(
        person,
        phb.RepaymentInput(
            ground, "Stated reasons", pence, clock.today() + dt.timedelta(days=28), "patient"
        ),
        coordinator,
    )


def test_an_unused_balance_repaid_goes_back_to_the_programme_and_off_the_budget(programme):
    p, coord = programme.person, programme.coordinator
    fund = f"PHB-FUND-{p.commissioner_id}"
    budget_before, fund_before = _balance(p.budget_account_id), _balance(fund)
    notice = _notice(p, coord, "substantial_unused_balance", 300_000)
    today = clock.today()

    refusals = [
        (phb.RepaidInput(0, today, "k"), "amount_pence", "Enter the amount repaid"),
        (phb.RepaidInput(1, today + dt.timedelta(days=1), "k"), "received_on", "future"),
        (phb.RepaidInput(1, today - dt.timedelta(days=1), "k"), "received_on", "was issued on"),
        (phb.RepaidInput(300_001, today, "k"), "amount_pence", "Only £3,000.00 is still"),
        (phb.RepaidInput(1, today, " "), "key", "reference"),
    ]
    for cmd, field, words in refusals:
        with pytest.raises(ValidationError) as exc:
            phb.record_repayment(notice, cmd, coord)
        assert words in exc.value.message_dict[field][0]
    with pytest.raises(PermissionDenied):  # the holder repays; the coordinator records it
        phb.record_repayment(notice, phb.RepaidInput(1, today, "k"), programme.holder)
    assert Repayment.objects.count() == 0
    assert (_balance(p.budget_account_id), _balance(fund)) == (budget_before, fund_before)

    first = phb.record_repayment(notice, phb.RepaidInput(100_000, today, "r1"), coord)
    again = phb.record_repayment(notice, phb.RepaidInput(100_000, today, "r1"), coord)
    assert first.created and not again.created
    assert again.repayment.pk == first.repayment.pk
    assert notice.outstanding_pence == 200_000
    assert _balance(p.budget_account_id) == budget_before - 100_000
    assert _balance(fund) == fund_before + 100_000
    phb.record_repayment(notice, phb.RepaidInput(200_000, today, "r2"), coord)
    with pytest.raises(ValidationError, match="repaid in full"):
        phb.record_repayment(notice, phb.RepaidInput(1, today, "r3"), coord)
    assert notice.outstanding_pence == 0
    assert _balance(fund) == fund_before + 300_000
    assert Revision.objects.filter(object_type="personal_budgets.repayment").count() == 2
    assert verify_ledger().ok


def test_money_used_outside_the_plan_recovers_spending_up_to_what_was_spent(programme):
    other, coord = programme.other, programme.other_coordinator
    budget_before = _balance(other.budget_account_id)
    assert _balance(other.spend_account_id) == 10_000
    notice = _notice(other, coord, "used_outside_plan", 50_000)
    with pytest.raises(ValidationError) as exc:
        phb.record_repayment(notice, phb.RepaidInput(50_000, clock.today(), "x"), coord)
    assert "Only £100.00 has been spent" in exc.value.message_dict["amount_pence"][0]
    phb.record_repayment(notice, phb.RepaidInput(10_000, clock.today(), "x"), coord)
    assert _balance(other.spend_account_id) == 0
    assert _balance(other.budget_account_id) == budget_before  # what is left is untouched
    assert verify_ledger().ok


def test_the_coordinator_records_a_repayment_on_the_page(client, programme):
    p, coord = programme.person, programme.coordinator
    notice = _notice(p, coord, "change_in_plan_or_circumstances", 50_000)
    client.force_login(coord)
    record = client.get(f"/budgets/people/{p.pk}/").content.decode()
    url = f"/budgets/people/{p.pk}/repayment/{notice.pk}/repaid/"
    assert url in record
    form = client.get(url).content.decode()
    assert "£500.00 still to be repaid of £500.00" in form
    key = re.search(r'name="key" value="([0-9a-f]+)"', form).group(1)
    data = {"key": key, "amount_pence": "5,000", "received_on": clock.today().isoformat()}
    refused = client.post(url, data).content.decode()
    assert "Only £500.00 is still to be repaid on this notice" in refused
    assert Repayment.objects.count() == 0
    done = client.post(url, data | {"amount_pence": "500"}, follow=True).content.decode()
    assert "Repayment recorded." in done and "Repaid in full" in done
    assert url not in done  # nothing left to record
    client.force_login(programme.holder)
    own = client.get(f"/budgets/people/{p.pk}/").content.decode()
    assert "Repaid in full" in own and url not in own
    today = clock.today()
    month = client.get(f"/budgets/people/{p.pk}/statements/{today:%Y-%m}/").content.decode()
    assert "Repaid from the budget" in month
    csv = client.get(f"/budgets/people/{p.pk}/statements/{today:%Y-%m}.csv").content.decode()
    assert "Repayment,500.00" in csv
    assert client.get(url).status_code == 403
