"""Scoring against the Provider Selection Regime's five key criteria with published weights."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commissioning.selection.rules.evaluation import (
    MAX_SCORE,
    Criterion,
    agreed,
    diverges,
    rank,
    score_problem,
    weight_problems,
    weighted_total,
)

WEIGHTS = {
    Criterion.QUALITY_INNOVATION: 40,
    Criterion.VALUE: 20,
    Criterion.INTEGRATION: 15,
    Criterion.ACCESS: 15,
    Criterion.SOCIAL_VALUE: 10,
}


def test_there_are_five_key_criteria():
    assert [c.label for c in Criterion] == [
        "Quality (safety, effectiveness, experience) and innovation",
        "Value",
        "Integration, collaboration and service sustainability",
        "Improving access, reducing health inequalities and facilitating choice",
        "Social value",
    ]


def test_weights_must_add_up_to_100():
    assert weight_problems(WEIGHTS) == {}
    assert weight_problems({**WEIGHTS, Criterion.VALUE: 25}) == {
        "": "The weights must add up to 100 (they add up to 105)"
    }


def test_every_key_criterion_must_be_taken_into_account():
    problems = weight_problems({**WEIGHTS, Criterion.SOCIAL_VALUE: 0, Criterion.VALUE: 30})
    assert set(problems) == {Criterion.SOCIAL_VALUE}
    assert set(weight_problems({})) == set(Criterion)


def test_scores_run_from_0_to_5():
    assert score_problem(0) is None and score_problem(MAX_SCORE) is None
    assert score_problem(6) and score_problem(-1)


def test_the_weighted_total_is_a_percentage():
    assert weighted_total(dict.fromkeys(Criterion, 5), WEIGHTS) == 100
    assert weighted_total(dict.fromkeys(Criterion, 0), WEIGHTS) == 0
    mixed = {**dict.fromkeys(Criterion, 3), Criterion.QUALITY_INNOVATION: 5}
    # 40*5/5 + 60*3/5 = 40 + 36
    assert weighted_total(mixed, WEIGHTS) == 76


def test_the_total_is_exact_not_rounded():
    weights = {c: w for c, w in zip(Criterion, (33, 33, 17, 9, 8), strict=True)}
    assert weighted_total({**dict.fromkeys(Criterion, 0), Criterion.QUALITY_INNOVATION: 1},
                          weights) == Fraction(33, 5)  # fmt: skip


def test_a_missing_score_is_refused():
    with pytest.raises(ValueError, match="no score for Value"):
        weighted_total({c: 3 for c in Criterion if c is not Criterion.VALUE}, WEIGHTS)


def test_equal_totals_share_a_rank():
    ranked = rank({"a": Fraction(70), "b": Fraction(80), "c": Fraction(70), "d": Fraction(60)})
    assert [(r.key, r.rank) for r in ranked] == [("b", 1), ("a", 2), ("c", 2), ("d", 4)]


def test_scores_two_or_more_points_apart_are_discussed_at_moderation():
    assert diverges([2, 4]) and diverges([1, 3, 3])
    assert not diverges([3, 4]) and not diverges([5])


@given(
    scores=st.fixed_dictionaries({c: st.integers(0, MAX_SCORE) for c in Criterion}),
    raised=st.sampled_from(list(Criterion)),
)
def test_raising_one_score_never_lowers_the_total(scores, raised):
    better = {**scores, raised: min(MAX_SCORE, scores[raised] + 1)}
    assert weighted_total(better, WEIGHTS) >= weighted_total(scores, WEIGHTS)
    assert 0 <= weighted_total(scores, WEIGHTS) <= 100


def test_moderation_starts_from_a_score_only_when_every_evaluator_gave_it():
    assert agreed([3, 3, 3]) == 3 and agreed([0, 0]) == 0 and agreed([4]) == 4
    assert agreed([3, 4]) is None and agreed([]) is None
