"""Risk-adjusted CUSUM and VLAD (Steiner et al. 2000): the specification, on every engine."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commissioning.engine.quality.cusum import (
    cusum_numpy,
    cusum_reference,
    false_alarm_probability,
    threshold_for,
    weight,
)


@pytest.fixture(params=[cusum_reference, cusum_numpy], ids=["reference", "numpy"])
def cusum(request):
    return request.param


def test_the_weight_of_a_death_and_of_a_survival():
    # p = 0.2, R_A = 2: ln 2 + ln(1 / 1.2) for a death, ln(1 / 1.2) for a survival.
    assert weight(1, 0.2) == pytest.approx(math.log(2) - math.log(1.2))
    assert weight(0, 0.2) == pytest.approx(-math.log(1.2))
    with pytest.raises(ValueError, match="between 0 and 1"):
        weight(1, 1.0)


def test_the_upper_cusum_accumulates_signals_and_restarts(cusum):
    death, survival = math.log(2) - math.log(1.5), -math.log(1.5)  # p = 0.5
    result = cusum([1, 1, 0, 1, 1, 0], [0.5] * 6, threshold=0.5)
    x1 = death
    x2 = x1 + death  # 0.575: signals, restarts
    assert result.values[:2] == pytest.approx([x1, x2])
    assert result.signals == [False, True, False, False, True, False]
    assert result.values[2] == 0.0  # max(0, 0 + survival)
    assert result.values[3] == pytest.approx(death)
    assert survival < 0


def test_vlad_is_expected_minus_observed_deaths(cusum):
    result = cusum([0, 1, 0, 0], [0.1, 0.3, 0.2, 0.4], threshold=5)
    assert result.vlad == pytest.approx([0.1, -0.6, -0.4, 0.0])


def test_the_lower_cusum_detects_improvement(cusum):
    result = cusum([0] * 20, [0.4] * 20, threshold=2, odds_ratio=0.5)
    assert any(result.signals) and all(v <= 0 for v in result.values)


def test_a_higher_threshold_gives_fewer_false_alarms():
    risks = [0.05] * 500
    assert false_alarm_probability(risks, 2.0, simulations=400) > false_alarm_probability(
        risks, 4.0, simulations=400
    )


def test_the_threshold_is_the_smallest_for_the_stated_false_alarm_rate():
    risks = [0.03, 0.1, 0.2] * 100
    h, rate = threshold_for(risks, 0.05, simulations=500)
    assert rate <= 0.05
    assert false_alarm_probability(risks, h - 0.01, simulations=500) > 0.05
    with pytest.raises(ValueError, match="probability"):
        threshold_for(risks, 1.5)


@settings(max_examples=200, deadline=None)
@given(
    data=st.lists(st.tuples(st.integers(0, 1), st.floats(0.01, 0.99)), min_size=1, max_size=60),
    threshold=st.floats(0.2, 5),
    odds_ratio=st.sampled_from([2.0, 1.5, 0.5]),
)
def test_the_engines_agree(data, threshold, odds_ratio):
    outcomes = [y for y, _ in data]
    risks = [p for _, p in data]
    a = cusum_reference(outcomes, risks, threshold, odds_ratio)
    b = cusum_numpy(outcomes, risks, threshold, odds_ratio)
    assert a.signals == b.signals
    assert a.weights == pytest.approx(b.weights, rel=1e-12, abs=1e-12)
    assert a.values == pytest.approx(b.values, rel=1e-9, abs=1e-12)
    assert a.vlad == pytest.approx(b.vlad, rel=1e-9, abs=1e-12)
