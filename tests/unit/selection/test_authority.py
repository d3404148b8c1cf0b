"""Who may decide: a commissioner of the budget's organisation with delegated authority."""

from __future__ import annotations

import datetime as dt

from commissioning.selection.rules.authority import Delegation, authority_problem

BUDGET = 7
ON = dt.date(2026, 3, 23)
MILLION = 1_000_000 * 100


def test_a_commissioner_with_authority_up_to_the_value_may_decide():
    found, why = authority_problem(True, [Delegation(BUDGET, 20 * MILLION, dt.date(2026, 1, 1))],
                                   BUDGET, 11 * MILLION, ON)  # fmt: skip
    assert found is not None and why == ""


def test_someone_who_is_not_a_commissioner_of_that_organisation_may_not():
    found, why = authority_problem(False, [Delegation(BUDGET, 20 * MILLION, dt.date(2026, 1, 1))],
                                   BUDGET, MILLION, ON)  # fmt: skip
    assert found is None and "Only a commissioner" in why


def test_authority_over_another_budget_does_not_count():
    found, why = authority_problem(True, [Delegation(8, 20 * MILLION, dt.date(2026, 1, 1))],
                                   BUDGET, MILLION, ON)  # fmt: skip
    assert found is None and "do not hold delegated authority" in why


def test_authority_must_be_in_force_on_the_day():
    lapsed = Delegation(BUDGET, 20 * MILLION, dt.date(2025, 1, 1), dt.date(2026, 3, 22))
    future = Delegation(BUDGET, 20 * MILLION, dt.date(2026, 3, 24))
    assert authority_problem(True, [lapsed, future], BUDGET, MILLION, ON)[0] is None
    assert lapsed.active_on(dt.date(2026, 3, 22)) and not lapsed.active_on(ON)


def test_a_decision_above_the_limit_must_be_referred():
    found, why = authority_problem(True, [Delegation(BUDGET, 5 * MILLION, dt.date(2026, 1, 1))],
                                   BUDGET, 11 * MILLION, ON)  # fmt: skip
    assert found is None
    assert "up to £5,000,000.00" in why and "worth £11,000,000.00" in why


def test_the_highest_sufficient_delegation_is_used():
    small = Delegation(BUDGET, 12 * MILLION, dt.date(2026, 1, 1), id=1)
    large = Delegation(BUDGET, 50 * MILLION, dt.date(2026, 1, 1), id=2)
    assert authority_problem(True, [small, large], BUDGET, 11 * MILLION, ON)[0].id == 2
