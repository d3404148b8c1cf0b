"""Statistical disclosure control (OpenSAFELY's thresholds: 7 or fewer not shown, others
rounded to the nearest 5)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commissioning.engine import disclosure


@pytest.mark.parametrize(
    ("n", "shown"),
    [(0, None), (1, None), (7, None), (8, 10), (10, 10), (12, 10), (13, 15), (22, 20), (23, 25),
     (1_234, 1_235), (1_232, 1_230)],
)  # fmt: skip
def test_counts_of_seven_or_fewer_are_not_shown_and_others_are_rounded_to_five(n, shown):
    assert disclosure.count(n) == shown


def test_a_true_zero_cannot_be_told_from_a_small_count():
    assert disclosure.count(0) == disclosure.count(3) is None


@given(st.integers(min_value=8, max_value=10**12))
def test_a_count_shown_is_a_multiple_of_five_within_two_of_the_truth(n):
    shown = disclosure.count(n)
    assert shown % disclosure.ROUNDING_MULTIPLE == 0
    assert abs(shown - n) <= 2
    assert shown == disclosure.ROUNDING_MULTIPLE * round(n / disclosure.ROUNDING_MULTIPLE)


def test_money_is_shown_only_when_more_than_seven_people_are_behind_it():
    assert disclosure.total(1_200_000, 7) is None
    assert disclosure.total(0, 0) is None
    assert disclosure.total(1_200_000, 8) == 1_200_000


@pytest.mark.parametrize("bad", [-1, 1.5, True, "3"])
def test_a_count_must_be_a_whole_number(bad):
    with pytest.raises(ValueError, match="whole number"):
        disclosure.count(bad)
    with pytest.raises(ValueError, match="whole number"):
        disclosure.total(100, bad)


def test_shown_figures_say_whether_they_are_suppressed():
    assert disclosure.shown_count(5).suppressed
    assert disclosure.shown_count(9) == disclosure.Shown(10, rounded=True)
    assert not disclosure.shown_total(500, 9).suppressed
