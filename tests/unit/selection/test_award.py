"""Award decisions, standstill, representations, and when the contract may be made."""

from __future__ import annotations

import datetime as dt

import pytest

from commissioning.selection.rules.award import (
    Outcome,
    RepresentationFacts,
    award_problems,
    needs_evaluation,
    representation_window_open,
    standstill_state,
)
from commissioning.selection.rules.selection_route import Route

RATIONALE = "The highest-scoring proposal, and the network's advice supports it."
RJE, RWE = 1, 2
DECIDED = dt.date(2026, 3, 23)  # a Monday
LAST_DAY = dt.date(2026, 4, 2)  # 8 working days later


def test_the_key_criteria_apply_to_c_most_suitable_provider_and_competitive():
    assert {r for r in Route if needs_evaluation(r)} == {
        Route.DIRECT_AWARD_C,
        Route.MOST_SUITABLE_PROVIDER,
        Route.COMPETITIVE,
    }


def test_an_award_needs_a_proposal_and_a_rationale():
    problems = award_problems(Route.COMPETITIVE, Outcome.AWARD, [], None, "ok")
    assert set(problems) == {"awarded", "rationale"}


def test_a_competitive_award_goes_to_one_provider():
    assert award_problems(Route.COMPETITIVE, Outcome.AWARD, [RJE], None, RATIONALE) == {}
    assert "choose one" in award_problems(Route.COMPETITIVE, Outcome.AWARD, [RJE, RWE], None,
                                          RATIONALE)["awarded"]  # fmt: skip


def test_direct_award_b_awards_every_qualifying_provider():
    assert award_problems(Route.DIRECT_AWARD_B, Outcome.AWARD, [RJE, RWE], None, RATIONALE) == {}


@pytest.mark.parametrize("route", [Route.DIRECT_AWARD_A, Route.DIRECT_AWARD_C])
def test_direct_awards_a_and_c_go_to_the_existing_provider_only(route):
    assert award_problems(route, Outcome.AWARD, [RJE], RJE, RATIONALE) == {}
    assert "existing provider only" in award_problems(route, Outcome.AWARD, [RWE], RJE,
                                                      RATIONALE)["awarded"]  # fmt: skip


@pytest.mark.parametrize("outcome", [Outcome.NOT_AWARD, Outcome.CHANGE_SPECIFICATION])
def test_not_awarding_or_changing_the_specification_chooses_no_proposal(outcome):
    assert award_problems(Route.COMPETITIVE, outcome, [], None, RATIONALE) == {}
    assert "awarded" in award_problems(Route.COMPETITIVE, outcome, [RJE], None, RATIONALE)


def state(today, notice=DECIDED, reps=(), route=Route.COMPETITIVE, withdrawn=False,
          outcome=Outcome.AWARD):  # fmt: skip
    return standstill_state(route, outcome, withdrawn, DECIDED, notice, list(reps), today)


def test_no_contract_before_the_notice_of_intention_is_published():
    s = state(DECIDED, notice=None)
    assert not s.contract_may_be_made and "Publish the notice" in s.explanation


def test_standstill_is_8_working_days_from_the_day_after_the_notice():
    assert state(DECIDED).last_day == LAST_DAY
    assert not state(LAST_DAY).contract_may_be_made
    assert state(LAST_DAY + dt.timedelta(days=1)).contract_may_be_made


def test_standstill_skips_bank_holidays():
    # Notice on Thursday 2 April 2026: Good Friday and Easter Monday are not working days.
    s = state(dt.date(2026, 4, 2), notice=dt.date(2026, 4, 2))
    # 7, 8, 9, 10, 13, 14, 15, 16 April
    assert s.last_day == dt.date(2026, 4, 16)


def test_an_open_representation_keeps_standstill_open():
    s = state(dt.date(2026, 6, 1), reps=[RepresentationFacts(open=True)])
    assert s.held_open and not s.contract_may_be_made


def test_after_a_representation_is_answered_5_more_working_days_pass():
    answered = RepresentationFacts(open=False, responded_on=dt.date(2026, 4, 1), upheld=True)
    s = state(dt.date(2026, 4, 7), reps=[answered])
    # 5 working days after Wednesday 1 April, skipping Good Friday and Easter Monday
    assert s.last_day == dt.date(2026, 4, 10) and not s.contract_may_be_made
    assert state(dt.date(2026, 4, 13), reps=[answered]).contract_may_be_made


@pytest.mark.parametrize("route", [Route.DIRECT_AWARD_A, Route.DIRECT_AWARD_B])
def test_direct_awards_a_and_b_need_no_standstill_and_publish_within_30_days(route):
    s = state(DECIDED, notice=None, route=route)
    assert s.contract_may_be_made and not s.needs_standstill
    assert s.award_notice_due == dt.date(2026, 4, 22)


def test_no_contract_follows_a_withdrawn_decision_or_a_decision_not_to_award():
    assert not state(dt.date(2026, 6, 1), withdrawn=True).contract_may_be_made
    assert not state(dt.date(2026, 6, 1), outcome=Outcome.NOT_AWARD).contract_may_be_made


def test_representations_are_made_during_standstill_only():
    assert representation_window_open(state(DECIDED), DECIDED)
    assert representation_window_open(state(LAST_DAY), LAST_DAY)
    after = LAST_DAY + dt.timedelta(days=1)
    assert not representation_window_open(state(after), after)
    assert not representation_window_open(state(DECIDED, notice=None), DECIDED)
