"""What a quality figure can be, from what its line measures (quality.plausibility)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from commissioning.quality.plausibility import (
    ANY,
    COUNT,
    EQ5D,
    PERCENTAGE,
    RATE,
    SCORE_OUT_OF_100,
    bounds_for,
    figure_problem,
)


@pytest.mark.parametrize(
    ("unit", "threshold", "bounds"),
    [
        ("percentage surviving", "", PERCENTAGE),
        ("employment rate (percentage)", "", PERCENTAGE),
        ("score out of 100", "", SCORE_OUT_OF_100),
        ("number of incidents reported", "", COUNT),
        ("deaths per 100,000 population (directly standardised)", "", RATE),
        ("average EQ-5D score", "", EQ5D),
        ("average health gain (EQ-5D index)", "", ANY),  # a gain can be negative or above 1
        ("", "At least 95% each month", PERCENTAGE),
        ("", "Within 18 weeks", ANY),
    ],
)
def test_the_kind_of_measure_comes_from_the_unit_or_the_threshold(unit, threshold, bounds):
    assert bounds_for(unit, threshold) == bounds


def test_a_percentage_of_150_or_below_0_is_refused_naming_the_limit():
    assert figure_problem(Decimal(150), PERCENTAGE) == (
        "A percentage is from 0 to 100: 150 is outside that"
    )
    assert "−5" in figure_problem(Decimal(-5), PERCENTAGE)
    assert figure_problem(Decimal("99.9"), PERCENTAGE) is None


def test_a_count_is_whole_and_not_negative_and_a_rate_not_negative():
    assert figure_problem(Decimal("2.5"), COUNT) == "A count is a whole number: 2.5 is not"
    assert figure_problem(Decimal(-1), COUNT) == "A count cannot be below 0"
    assert figure_problem(Decimal("-0.1"), RATE) == "A rate cannot be below 0"
    assert figure_problem(Decimal(12), COUNT) is None
    assert figure_problem(Decimal(-3), ANY) is None
