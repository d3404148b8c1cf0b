"""Personal health budgets through their services: a person, assessment, plan versions, the
money on the ledger, spending, statements, reviews, repayment, stopping, reconsideration."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commissioning import clock
from commissioning.audit.models import Revision
from commissioning.ledger.models import Account
from commissioning.ledger.verify import verify_ledger
from commissioning.personal_budgets import services as phb
from commissioning.personal_budgets.models import Access, Person, Plan

from .conftest import ELIGIBLE, plan_input, valid_nhs_number

pytestmark = pytest.mark.django_db


def balance(person):
    return Account.objects.get(pk=person.budget_account_id).balance_pence


def test_agreed_plan_funds_the_budget_on_the_ledger(programme):
    p = programme.person
    assert balance(p) == 1_200_000
    assert phb.current_plan(p).version == 1
    assert verify_ledger().ok


def test_bad_nhs_number_and_missing_fields_are_refused_together(programme):
    with pytest.raises(ValidationError) as exc:
        phb.record_person(
            phb.PersonInput(programme.icb.pk, "9434765918", " ", None, "nonsense"),
            programme.coordinator,
        )
    assert set(exc.value.message_dict) == {"nhs_number", "name", "date_of_birth", "entitlement"}
    assert "not a valid NHS number" in exc.value.message_dict["nhs_number"][0]
    assert Person.objects.count() == 2


def test_duplicate_nhs_number_refused(programme):
    with pytest.raises(ValidationError) as exc:
        phb.record_person(
            phb.PersonInput(
                programme.icb.pk, programme.person.nhs_number, "X", dt.date(1990, 1, 1), "ltc"
            ),
            programme.coordinator,
        )
    assert "already" in exc.value.message_dict["nhs_number"][0]


def test_assessment_indicates_and_the_team_decides(programme):
    p = programme.person
    ratings = {d: 0 for d in ELIGIBLE} | {"mobility": 4, "cognition": 4}
    a = phb.assess(
        p,
        phb.AssessmentInput(
            dt.date(2026, 8, 1), ratings, "not_eligible", "Needs are predictable and well managed"
        ),
        programme.coordinator,
    )
    assert a.likely_eligible and "Severe needs in 2" in a.indication
    assert a.decision == "not_eligible"
    with pytest.raises(ValidationError) as exc:
        phb.assess(
            p,
            phb.AssessmentInput(dt.date(2026, 8, 1), {"continence": 5}, "", ""),
            programme.coordinator,
        )
    errors = exc.value.message_dict
    assert "ratings.continence" in errors and "ratings.breathing" in errors
    assert "decision" in errors and "decision_reasons" in errors


def test_plan_must_cover_the_full_cost_of_its_services(programme):
    with pytest.raises(ValidationError) as exc:
        phb.draft_plan(programme.person, plan_input(amount=1_000_000), programme.coordinator)
    assert "£1,000.00 short" in exc.value.message_dict["amount_pence"][0]


def test_plan_cannot_include_a_prohibited_or_excluded_service(programme):
    services = (phb.ServiceLine("GP appointments", "primary_medical_services", 10_000),)
    with pytest.raises(ValidationError) as exc:
        phb.draft_plan(programme.person, plan_input(services=services), programme.coordinator)
    assert "primary medical services" in exc.value.message_dict["services.0.category"][0]


def test_direct_payment_rules_for_a_child_and_for_the_schedule(programme):
    child = phb.record_person(
        phb.PersonInput(
            programme.icb.pk,
            valid_nhs_number(123456780),
            "Child",
            dt.date(2018, 1, 1),
            "ccc",
            excluded_by_schedule=False,
        ),
        programme.coordinator,
    )
    phb.assess(
        child,
        phb.AssessmentInput(dt.date(2026, 5, 1), ELIGIBLE, "eligible", "MDT"),
        programme.coordinator,
    )
    with pytest.raises(ValidationError) as exc:
        phb.draft_plan(child, plan_input(recipient="patient"), programme.coordinator)
    assert "representative" in exc.value.message_dict["recipient"][0]
    excluded = phb.record_person(
        phb.PersonInput(
            programme.icb.pk,
            valid_nhs_number(222333444),
            "Excluded",
            dt.date(1980, 1, 1),
            "ltc",
            excluded_by_schedule=True,
        ),
        programme.coordinator,
    )
    with pytest.raises(ValidationError) as exc:
        phb.draft_plan(excluded, plan_input(), programme.coordinator)
    assert "Schedule" in exc.value.message_dict["mode"][0]
    notional = phb.draft_plan(excluded, plan_input(mode="notional"), programme.coordinator)
    assert notional.recipient == ""


def test_chc_plan_needs_an_eligible_assessment(programme):
    p = phb.record_person(
        phb.PersonInput(
            programme.icb.pk, valid_nhs_number(555666777), "New", dt.date(1950, 1, 1), "chc"
        ),
        programme.coordinator,
    )
    with pytest.raises(ValidationError) as exc:
        phb.draft_plan(p, plan_input(), programme.coordinator)
    assert "eligible" in exc.value.message_dict["__all__"][0]


def test_new_version_replaces_the_old_and_moves_the_budget(programme):
    p, c = programme.person, programme.coordinator
    v2 = phb.draft_plan(p, plan_input(amount=1_500_000), c)
    assert v2.version == 2 and v2.status == "draft"
    assert balance(p) == 1_200_000  # a draft moves no money
    phb.agree_plan(v2, phb.AgreeInput("person"), c)
    assert balance(p) == 1_500_000
    assert Plan.objects.get(person=p, version=1).status == "superseded"
    with pytest.raises(ValidationError) as exc:
        phb.draft_plan(p, plan_input(amount=1_100_000), c)
    assert "reasons" in exc.value.message_dict["reduction_reasons"][0]
    v3 = phb.draft_plan(p, plan_input(amount=1_100_000, reduction_reasons="Fewer hours needed"), c)
    phb.agree_plan(v3, phb.AgreeInput("person"), c)
    assert balance(p) == 1_100_000
    assert verify_ledger().ok


def test_prohibited_purchase_refused_with_reason_and_nothing_moves(programme):
    p = programme.person
    with pytest.raises(ValidationError) as exc:
        phb.record_payment(
            p, phb.PaymentInput("k1", 2_000, "alcohol", "Off licence", "Wine"), programme.holder
        )
    assert exc.value.message_dict["category"] == [
        "Refused: alcohol cannot be bought with a personal health budget."
    ]
    assert balance(p) == 1_200_000 and p.payments.count() == 0
    # Nothing paid, but the attempt is kept for the coordinator to see.
    refused = p.refused_payments.get()
    assert (refused.category, refused.amount_pence, refused.payee) == (
        "alcohol",
        2_000,
        "Off licence",
    )
    assert refused.reason == "Refused: alcohol cannot be bought with a personal health budget."
    assert refused.attempted_by == programme.holder
    # Incomplete input is not an attempt: nothing is kept.
    with pytest.raises(ValidationError):
        phb.record_payment(p, phb.PaymentInput("k2", None, "alcohol", "", "Wine"), programme.holder)
    assert p.refused_payments.count() == 1


def test_spending_in_plan_and_out_of_plan(programme):
    p = programme.person
    service = phb.current_plan(p).services.get(category="therapy")
    paid = phb.record_payment(
        p,
        phb.PaymentInput(
            "k1", 6_000, "therapy", "Physio Co", "Session", dt.date(2026, 6, 5), service.pk
        ),
        programme.holder,
    )
    assert not paid.flagged
    out = phb.record_payment(
        p,
        phb.PaymentInput("k2", 3_000, "equipment", "Shop", "Reading lamp", dt.date(2026, 6, 9)),
        programme.holder,
    )
    assert out.flagged and "flagged" in out.reason
    again = phb.record_payment(
        p,
        phb.PaymentInput("k2", 3_000, "equipment", "Shop", "Reading lamp", dt.date(2026, 6, 9)),
        programme.holder,
    )
    assert again.payment.pk == out.payment.pk and p.payments.count() == 2
    assert balance(p) == 1_200_000 - 9_000
    phb.clear_flag(out.payment, programme.coordinator)
    with pytest.raises(ValidationError):
        phb.clear_flag(out.payment, programme.coordinator)


def test_overspend_refused_with_what_is_left(programme):
    p = programme.person
    with pytest.raises(ValidationError) as exc:
        phb.record_payment(
            p,
            phb.PaymentInput("big", 1_300_000, "personal_care", "Agency", "Care"),
            programme.holder,
        )
    assert "£12,000.00 is left" in exc.value.message_dict["amount_pence"][0]
    assert p.payments.count() == 0
    assert p.refused_payments.get().reason == "Refused: only £12,000.00 is left in the budget"
    assert verify_ledger().ok


def test_who_may_record_spending(programme):
    p = programme.person
    pay = phb.PaymentInput("x", 100, "therapy", "Physio", "Session")
    for user in (
        programme.representative,
        programme.other_coordinator,
        programme.auditor,
        programme.provider,
        programme.finance,
        programme.other_holder,
    ):
        with pytest.raises(PermissionDenied):
            phb.record_payment(p, pay, user)
    phb.record_payment(p, pay, programme.coordinator)


def test_monthly_statements(programme):
    p = programme.person
    phb.record_payment(
        p,
        phb.PaymentInput("a", 10_000, "therapy", "Physio", "June", dt.date(2026, 6, 20)),
        programme.holder,
    )
    phb.record_payment(
        p,
        phb.PaymentInput("b", 5_000, "therapy", "Physio", "July", dt.date(2026, 7, 2)),
        programme.holder,
    )
    june = phb.statement(p, 2026, 6)
    assert (june.opening_pence, june.money_in_pence, june.money_out_pence) == (0, 1_200_000, 10_000)
    july = phb.statement(p, 2026, 7)
    assert july.opening_pence == june.closing_pence == 1_190_000
    assert july.closing_pence == 1_185_000 and len(july.payments) == 1
    months = phb.statements(p)
    assert months[-1].start == dt.date(2026, 6, 1)
    # Every month from a few queries, figure for figure as each month on its own gives it.
    assert months == [phb.statement(p, m.year, m.month) for m in months]
    with CaptureQueriesContext(connection) as queries:
        phb.statements(p)
    assert len(months) >= 3 and len(queries) <= 5  # the plan's start, the account, 3 reads


def test_reviews_due_and_overdue(programme, monkeypatch):
    from commissioning import clock

    p = programme.person
    assert phb.next_review(p) == dt.date(2026, 9, 1)  # three months after the plan starts
    monkeypatch.setattr(clock, "today", lambda: dt.date(2026, 9, 10))
    rows = {r["person"].pk: r for r in phb.review_list([p])}
    assert rows[p.pk]["status"] == "overdue"
    phb.record_review(
        p, phb.ReviewInput(dt.date(2026, 9, 8), True, "Going well"), programme.coordinator
    )
    assert phb.next_review(p) == dt.date(2027, 9, 8)


def test_repayment_notice_and_reconsideration(programme):
    p = programme.person
    with pytest.raises(ValidationError) as exc:
        phb.issue_repayment_notice(
            p,
            phb.RepaymentInput("used_outside_plan", "", 0, dt.date(2020, 1, 1), "nominee"),
            programme.coordinator,
        )
    assert {"reasons", "amount_pence", "deadline", "repayer"} <= set(exc.value.message_dict)
    deadline = clock.today() + dt.timedelta(days=28)
    n = phb.issue_repayment_notice(
        p,
        phb.RepaymentInput(
            "substantial_unused_balance",
            "£3,000 unspent for 6 months",
            300_000,
            deadline,
            "patient",
        ),
        programme.coordinator,
    )
    assert n.amount_pence == 300_000
    r = phb.request_reconsideration(
        p, phb.ReconsiderationInput("repayment", "I was in hospital"), programme.holder
    )
    with pytest.raises(PermissionDenied):
        phb.decide_reconsideration(r, phb.DecideInput("changed", "x"), programme.holder)
    with pytest.raises(ValidationError):
        phb.decide_reconsideration(r, phb.DecideInput("changed", ""), programme.coordinator)
    phb.decide_reconsideration(
        r, phb.DecideInput("changed", "Hospital stay explains it"), programme.coordinator
    )
    r.refresh_from_db()
    assert r.outcome == "changed" and r.decided_by == programme.coordinator


def test_stopping_refuses_further_payments_until_a_new_plan(programme):
    p, c = programme.person, programme.coordinator
    with pytest.raises(ValidationError):
        phb.stop_direct_payments(p, phb.StopInput("fraud_suspected", ""), c)
    phb.stop_direct_payments(p, phb.StopInput("consent_absent_or_withdrawn", "Withdrew consent"), c)
    p.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        phb.record_payment(p, phb.PaymentInput("s", 100, "therapy", "Physio", "x"), c)
    assert "stopped" in exc.value.message_dict["__all__"][0]
    v2 = phb.draft_plan(p, plan_input(mode="notional"), c)
    phb.agree_plan(v2, phb.AgreeInput("person"), c)
    p.refresh_from_db()
    assert p.status == "active"
    phb.record_payment(p, phb.PaymentInput("s", 100, "therapy", "Physio", "x"), c)


def test_audit_and_access_log_hold_no_personal_data(programme):
    p = programme.person
    phb.open_record(programme.holder, p.pk, "record")
    phb.open_record(programme.other_holder, p.pk, "record")
    texts = [str(r.diff) + r.object_repr for r in Revision.objects.all()]
    texts += [f"{a.username} {a.what} {a.person_id}" for a in Access.objects.all()]
    for secret in (p.name, p.nhs_number, str(p.date_of_birth), "Ada"):
        assert not any(secret in t for t in texts)
    assert Access.objects.filter(person_id=p.pk, allowed=False).count() == 1
    with pytest.raises(PermissionError):
        Access.objects.all().delete()
