"""Personal health budget rules, as the sources read."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commissioning.personal_budgets.rules import direct_payments as dp
from commissioning.personal_budgets.rules import eligibility, nhs_number, reviews, spending
from commissioning.personal_budgets.rules.eligibility import DOMAINS, Level


def test_nhs_numbers_by_their_check_digit():
    assert nhs_number.problem("943 476 5919") is None  # the NHS's own example
    assert nhs_number.problem("9434765918") == ("This is not a valid NHS number: check it for "
                                                "a mistyped digit")  # fmt: skip
    assert "10 digits" in nhs_number.problem("94347659")
    assert nhs_number.display(nhs_number.normalise("943-476-5919")) == "943 476 5919"


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_every_nine_digits_have_at_most_one_valid_check_digit(first_nine):
    valid = [d for d in "0123456789" if nhs_number.problem(first_nine + d) is None]
    check = nhs_number.check_digit(first_nine)
    assert valid == ([] if check is None else [str(check)])


def no_needs(**changes):
    ratings = dict.fromkeys(DOMAINS, Level.NO_NEEDS)
    ratings.update({k: Level[v] for k, v in changes.items()})
    return ratings


def test_one_priority_or_two_severe_indicate_eligibility():
    assert eligibility.indicate(no_needs(breathing="PRIORITY")).likely_eligible
    assert eligibility.indicate(no_needs(mobility="SEVERE", cognition="SEVERE")).likely_eligible
    one = eligibility.indicate(no_needs(mobility="SEVERE", continence="HIGH"))
    assert not one.likely_eligible and "the team judges" in one.reason


def test_levels_beyond_a_domains_highest_are_refused():
    assert eligibility.problems(no_needs()) == {}
    assert eligibility.problems(no_needs(continence="SEVERE")) == {
        "continence": "The highest level in this domain is High"
    }
    assert "mobility" in eligibility.problems({k: v for k, v in no_needs().items()
                                               if k != "mobility"})  # fmt: skip


@pytest.mark.parametrize("category", sorted(spending.PROHIBITED))
def test_prohibited_purchases_are_refused_with_the_reason_even_in_a_plan(category):
    verdict = spending.judge(category, in_plan=True)
    assert not verdict.allowed and verdict.reason.startswith("Refused: ")


def test_spending_outside_the_plan_is_allowed_but_flagged():
    verdict = spending.judge(spending.Category.EQUIPMENT, in_plan=False)
    assert verdict.allowed and verdict.flag_for_review
    assert spending.judge(spending.Category.THERAPY, in_plan=True) == spending.Verdict(
        True, False, "In the care and support plan."
    )


def test_first_review_within_three_months_then_every_twelve():
    start = dt.date(2026, 11, 30)
    first = reviews.next_review_due(start, None)
    assert first == dt.date(2027, 2, 28)  # three months on, the shorter month's last day
    assert reviews.next_review_due(start, dt.date(2027, 2, 20)) == dt.date(2028, 2, 20)
    assert reviews.status(first, dt.date(2027, 1, 1)) is reviews.ReviewStatus.NOT_DUE
    assert reviews.status(first, dt.date(2027, 2, 1)) is reviews.ReviewStatus.DUE
    assert reviews.status(first, dt.date(2027, 3, 1)) is reviews.ReviewStatus.OVERDUE


def test_a_repayment_notice_states_reasons_amount_deadline_and_who_repays():
    notice = dp.RepaymentNotice(dp.RepaymentGround.SUBSTANTIAL_UNUSED_BALANCE, "", 0,
                                dt.date(2026, 1, 1), "")  # fmt: skip
    assert set(dp.notice_problems(notice, dt.date(2026, 1, 1))) == {
        "reasons",
        "amount_pence",
        "deadline",
        "repayer",
    }
    good = dp.RepaymentNotice(dp.RepaymentGround.SUBSTANTIAL_UNUSED_BALANCE,
                              "£4,000 unused for six months", 400_000, dt.date(2026, 3, 1),
                              "the patient")  # fmt: skip
    assert dp.notice_problems(good, dt.date(2026, 1, 1)) == {}


def test_payments_must_stop_without_consent_and_may_stop_otherwise():
    assert dp.must_stop(dp.StopGround.CONSENT_ABSENT_OR_WITHDRAWN)
    assert not any(dp.must_stop(g) for g in dp.StopGround
                   if g is not dp.StopGround.CONSENT_ABSENT_OR_WITHDRAWN)  # fmt: skip


def test_the_indicative_budget_comes_from_the_allocation_table():
    from commissioning.personal_budgets.rules.budget_setting import (
        AllocationTable,
        PlannedService,
        indicative_budget,
        shortfall,
    )

    table = AllocationTable(pence_per_point=50_000, minimum_pence=100_000,
                            maximum_pence=5_000_000)  # fmt: skip
    assert indicative_budget(table, no_needs()) == 100_000  # the floor
    # Severe mobility (10) + High continence (6) = 16 points x £500.
    assert indicative_budget(table, no_needs(mobility="SEVERE", continence="HIGH")) == 800_000
    all_priority = {d: Level.PRIORITY if m == Level.PRIORITY else m for d, m in DOMAINS.items()}
    assert indicative_budget(table, all_priority) == 5_000_000  # the ceiling
    plan = [PlannedService("Personal assistant", 700_000), PlannedService("Hydrotherapy", 150_000)]
    assert shortfall(800_000, plan) == 50_000 and shortfall(850_000, plan) == 0
