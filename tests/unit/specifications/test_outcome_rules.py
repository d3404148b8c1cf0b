"""NHS Outcomes Framework rules: domains, dimensions of quality, improving targets."""

from __future__ import annotations

from decimal import Decimal

import pytest

from commissioning.specifications.rules.outcomes import (
    Direction,
    QualityDimension,
    domain_title,
    quality_dimension,
    target_problem,
)


@pytest.mark.parametrize(
    ("domain", "dimension"),
    [
        (1, QualityDimension.EFFECTIVE),
        (2, QualityDimension.EFFECTIVE),
        (3, QualityDimension.EFFECTIVE),
        (4, QualityDimension.EXPERIENCE),
        (5, QualityDimension.SAFE),
    ],
)
def test_domains_1_to_3_are_effectiveness_4_experience_5_safety(domain, dimension):
    assert quality_dimension(domain) is dimension


def test_there_are_five_domains():
    assert domain_title(1) == "Preventing people from dying prematurely"
    assert domain_title(4) == "Ensuring that people have a positive experience of care"
    with pytest.raises(ValueError, match="domains 1 to 5"):
        quality_dimension(6)


def test_where_lower_is_better_the_target_must_be_below_the_baseline():
    assert target_problem(Direction.LOWER_IS_BETTER, Decimal("71.3"), Decimal("65")) is None
    assert "below the baseline (71.3)" in target_problem(
        Direction.LOWER_IS_BETTER, Decimal("71.3"), Decimal("75")
    )


def test_where_higher_is_better_the_target_must_be_above_the_baseline():
    assert target_problem(Direction.HIGHER_IS_BETTER, Decimal("80"), Decimal("85")) is None
    assert "above the baseline" in target_problem(
        Direction.HIGHER_IS_BETTER, Decimal("80"), Decimal("79.9")
    )


@pytest.mark.parametrize("direction", list(Direction))
def test_a_target_equal_to_the_baseline_commits_to_nothing(direction):
    assert target_problem(direction, Decimal("50"), Decimal("50")) is not None
