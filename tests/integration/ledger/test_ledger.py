"""The ledger's services on the database: balanced, once-only, all-or-nothing postings;
reversals; statements that close their period; and verification that names what is wrong."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from typer.testing import CliRunner

from commissioning.audit.models import Revision
from commissioning.cli import app
from commissioning.ledger import services as ledger
from commissioning.ledger.models import Account, Posting, Transaction
from commissioning.ledger.rules import Entry, Leg
from commissioning.ledger.verify import verify_ledger
from commissioning.organisations.models import Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def books(make_user):
    icb = Organisation.objects.create(code="XC001", name="NHS Synthetic Test ICB",
                                      org_type="icb", is_synthetic=True)  # fmt: skip
    finance = make_user("finance_lead", organisation=icb)
    open_ = lambda code, kind, owner=icb, **kw: ledger.open_account(  # noqa: E731
        ledger.AccountInput(code, code.title(), kind, owner.pk if owner else None, **kw), finance
    )
    allocation = open_("ALLOCATION", "funding")
    budget = open_("CARDIAC", "budget")
    spend = open_("CARDIAC-SPEND", "spend")
    ledger.post(Entry("alloc-1", "Allocation for cardiac services",
                      (Leg("ALLOCATION", -100_000), Leg("CARDIAC", 100_000))), finance)  # fmt: skip
    return type("Books", (), {"icb": icb, "finance": finance, "budget": budget, "spend": spend,
                              "allocation": allocation})  # fmt: skip


def spend(key, pence, description="Cardiac activity, month 1"):
    return Entry(key, description, (Leg("CARDIAC", -pence), Leg("CARDIAC-SPEND", pence)))


def balance(code):
    return Account.objects.get(code=code).balance_pence


def test_a_spend_moves_money_and_both_balances_follow(books):
    posted = ledger.post(spend("s-1", 30_000), books.finance)
    assert posted.created
    assert (balance("CARDIAC"), balance("CARDIAC-SPEND")) == (70_000, 30_000)
    assert sorted(posted.transaction.postings.values_list("amount_pence", flat=True)) == [
        -30_000, 30_000]  # fmt: skip
    assert verify_ledger().ok


def test_a_retried_request_posts_once(books):
    first = ledger.post(spend("s-1", 30_000), books.finance)
    again = ledger.post(spend("s-1", 30_000), books.finance)
    assert not again.created and again.transaction.pk == first.transaction.pk
    assert Transaction.objects.filter(key="s-1").count() == 1
    assert balance("CARDIAC") == 70_000


def test_a_different_request_reusing_a_key_is_refused(books):
    ledger.post(spend("s-1", 30_000), books.finance)
    with pytest.raises(ValidationError) as refused:
        ledger.post(spend("s-1", 31_000), books.finance)
    assert "already used for a different transaction" in refused.value.message_dict["key"][0]


def test_an_overspend_is_refused_whole_naming_the_budget(books):
    before = (Transaction.objects.count(), Posting.objects.count())
    with pytest.raises(ValidationError) as refused:
        ledger.post(spend("s-2", 100_001), books.finance)
    message = refused.value.message_dict["legs.0.pence"][0]
    assert message == "Refused: this needs £1,000.01 from Cardiac, which has £1,000.00 available"
    assert (Transaction.objects.count(), Posting.objects.count()) == before
    assert balance("CARDIAC") == 100_000
    ledger.post(spend("s-3", 100_000), books.finance)  # exactly to zero is allowed
    assert balance("CARDIAC") == 0


def test_a_budget_whose_policy_allows_an_overdraft_may_go_to_it(books):
    ledger.open_account(ledger.AccountInput("RISK", "Risk share", "budget", books.icb.pk,
                                            floor_pence=-5_000), books.finance)  # fmt: skip
    legs = (Leg("RISK", -5_000), Leg("CARDIAC-SPEND", 5_000))
    ledger.post(Entry("r-1", "Overspend within the agreed risk share", legs), books.finance)
    assert balance("RISK") == -5_000
    with pytest.raises(ValidationError) as refused:
        ledger.post(Entry("r-2", "Beyond it", (Leg("RISK", -1), Leg("CARDIAC-SPEND", 1))),
                    books.finance)  # fmt: skip
    # Issue 18: "below its limit of −£50.00" quoted the floor, negative, and the account's code.
    assert refused.value.message_dict == {
        "legs.0.pence": ["Refused: this needs £0.01 from Risk share, which has £0.00 available"]
    }
    assert verify_ledger().ok


def test_an_overdraft_is_counted_in_what_is_available(books):
    ledger.open_account(ledger.AccountInput("RISK", "Risk share", "budget", books.icb.pk,
                                            floor_pence=-5_000), books.finance)  # fmt: skip
    legs = (Leg("CARDIAC-SPEND", 3_000), Leg("RISK", -3_000))
    ledger.post(Entry("r-1", "Within the overdraft", legs), books.finance)
    with pytest.raises(ValidationError) as refused:
        legs = (Leg("CARDIAC-SPEND", 2_500), Leg("RISK", -2_500))
        ledger.post(Entry("r-2", "Beyond it", legs), books.finance)
    assert refused.value.message_dict == {
        "legs.1.pence": ["Refused: this needs £25.00 from Risk share, which has £20.00 available"]
    }


def test_unknown_accounts_and_unbalanced_entries_name_the_field(books):
    with pytest.raises(ValidationError) as refused:
        ledger.post(Entry("x", "x", (Leg("CARDIAC", -1), Leg("NOPE", 1))), books.finance)
    assert refused.value.message_dict == {"legs.1.account": ["There is no account NOPE"]}
    with pytest.raises(ValidationError) as refused:
        ledger.post(Entry("x", "x", (Leg("CARDIAC", -1), Leg("CARDIAC-SPEND", 2))), books.finance)
    assert "do not balance" in refused.value.message_dict["legs"][0]


def test_only_the_owners_finance_lead_moves_money_out_of_an_account(books, make_user):
    other = Organisation.objects.create(code="XC002", name="NHS Other ICB", org_type="icb")
    outsider = make_user("finance_lead", "outsider", organisation=other)
    commissioner = make_user("commissioner", organisation=books.icb)
    for actor in (outsider, commissioner):
        with pytest.raises(PermissionDenied):
            ledger.post(spend("p-1", 1), actor)
    # Paying *into* another organisation's account is allowed (a partner's contribution).
    ledger.open_account(ledger.AccountInput("OTHER-POT", "Other pot", "budget", other.pk,
                                            floor_pence=None), outsider)  # fmt: skip
    ledger.post(Entry("in-1", "Contribution", (Leg("OTHER-POT", -10), Leg("CARDIAC", 10))),
                outsider)  # fmt: skip
    with pytest.raises(PermissionDenied):
        ledger.open_account(ledger.AccountInput("MINE", "Mine", "budget", books.icb.pk), outsider)


def test_a_reversal_is_the_exact_opposite_and_happens_once(books):
    original = ledger.post(spend("s-1", 30_000), books.finance).transaction
    ledger.reverse(original, "rev-s-1", "Coded to the wrong service line", books.finance)
    assert balance("CARDIAC") == 100_000
    again = ledger.reverse(original, "rev-s-1", "Coded to the wrong service line", books.finance)
    assert not again.created
    with pytest.raises(ValidationError, match="already been reversed"):
        ledger.reverse(original, "rev-s-1-b", "Again", books.finance)
    assert verify_ledger().ok


def test_the_journal_cannot_be_edited_in_the_database(books):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Posting.objects.filter(amount_pence=100_000).update(amount_pence=1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Transaction.objects.update(description="forged")


def test_a_statement_reconciles_and_closes_its_period(books):
    ledger.post(spend("m1", 20_000), books.finance, value_date=dt.date(2026, 4, 15))
    ledger.post(spend("m2", 10_000), books.finance, value_date=dt.date(2026, 5, 15))
    budget = Account.objects.get(code="CARDIAC")
    statement = ledger.issue_statement(budget, dt.date(2026, 5, 1), dt.date(2026, 5, 31),
                                       books.finance)  # fmt: skip
    # The allocation is dated today (after May): May opens at minus April's spend.
    figures = ledger.statement_figures(budget, dt.date(2026, 5, 1), dt.date(2026, 5, 31))
    assert (statement.opening_pence, statement.money_out_pence) == (-20_000, 10_000)
    assert statement.closing_pence == figures.closing_pence == -30_000
    assert Revision.objects.filter(object_type="ledger.statement").count() == 1
    with pytest.raises(ValidationError, match="closed"):
        ledger.post(spend("late", 5), books.finance, value_date=dt.date(2026, 5, 20))
    assert verify_ledger().ok


def test_verify_names_a_balance_that_drifted_from_its_postings(books):
    Account.objects.filter(code="CARDIAC").update(balance_pence=99_999)
    report = verify_ledger()
    assert not report.ok
    assert report.violation == ("account CARDIAC: its balance £999.99 is not the sum of its "
                                "postings £1,000.00")  # fmt: skip
    result = CliRunner().invoke(app, ["ledger", "verify"])
    assert result.exit_code == 2
    assert "account CARDIAC" in result.output


def test_verify_names_an_unbalanced_transaction(books):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL refuses the DELETE itself (tested above)")
    Posting.objects.filter(amount_pence=-100_000).delete()  # SQLite guards UPDATE only
    assert verify_ledger().violation.startswith("transaction alloc-1 does not balance")


def test_verify_names_a_budget_below_its_floor(books):
    Account.objects.filter(code="CARDIAC").update(floor_pence=200_000)
    assert "CARDIAC is at £1,000.00, below its floor of £2,000.00" in verify_ledger().violation


def test_verify_on_a_consistent_ledger_exits_zero(books):
    result = CliRunner().invoke(app, ["ledger", "verify"])
    assert result.exit_code == 0, result.output
    assert "The ledger is consistent" in result.output
