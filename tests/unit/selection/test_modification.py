"""Regulation 13 of SI 2023/1348 as it reads: when a contract may be modified without a new
procurement, and when a notice (Schedule 12) is due, tested at the edges of every threshold
(£500,000 and 25% of the original value, cumulative, both needed to fail ground (d))."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commissioning.selection.rules.modification import (
    THRESHOLD_PENCE,
    Ground,
    Modification,
    notice_due,
    problem,
)

POUND = 100
ORIGINAL = 1_000_000 * POUND  # £1m: 25% is £250,000, below the £500,000 threshold
BIG = 4_000_000 * POUND  # £4m: 25% is £1m, above it


def _d(original, change, **kw):
    return Modification(Ground.AUTHORITY_DECISION, original, change, **kw)


@pytest.mark.parametrize(
    ("original", "change", "permitted"),
    [
        (ORIGINAL, 499_999 * POUND, True),  # under £500,000
        (ORIGINAL, 500_000 * POUND, False),  # £500,000 and 50%: both met
        (BIG, 999_999 * POUND, True),  # £999,999 is under 25% of £4m
        (BIG, 1_000_000 * POUND, False),  # exactly £500,000+ and exactly 25%
        (BIG, -1_000_000 * POUND, False),  # a reduction counts by its size
        (10_000_000 * POUND, 2_000_000 * POUND, True),  # 20%
    ],
)
def test_ground_d_fails_only_at_500000_and_25_percent_together(original, change, permitted):
    assert (problem(_d(original, change)) is None) is permitted


@given(original=st.integers(1, 10**12), change=st.integers(-(10**12), 10**12))
def test_ground_d_against_the_regulations_words(original, change):
    size = abs(change)
    fails = size >= THRESHOLD_PENCE and size >= 0.25 * original
    assert (problem(_d(original, change)) is not None) is fails
    # A notice is due where it is permitted and the cumulative change is £500,000 or more.
    assert notice_due(_d(original, change)) is (not fails and size >= THRESHOLD_PENCE)


def test_materially_different_needs_a_new_procurement_except_as_provided_for():
    for ground in (Ground.EXTERNAL_FACTORS, Ground.AUTHORITY_DECISION):
        assert problem(Modification(ground, ORIGINAL, 0, materially_different=True))
    assert (
        problem(Modification(Ground.PROVIDED_FOR, ORIGINAL, 0, materially_different=True)) is None
    )


def test_external_factors_have_no_value_limit_and_need_no_notice():
    m = Modification(Ground.EXTERNAL_FACTORS, ORIGINAL, 5_000_000 * POUND)
    assert problem(m) is None and not notice_due(m)


def test_succession_needs_the_basic_selection_criteria():
    assert problem(Modification(Ground.SUCCESSION, ORIGINAL, 0)) is None
    assert problem(Modification(Ground.SUCCESSION, ORIGINAL, 0,
                                meets_basic_selection_criteria=False))  # fmt: skip


def test_contracts_awarded_under_a_or_b_have_no_value_limit_13_3():
    m = _d(ORIGINAL, 5_000_000 * POUND, awarded_under_a_or_b=True)
    assert problem(m) is None and notice_due(m)
    assert problem(_d(ORIGINAL, 0, awarded_under_a_or_b=True, materially_different=True))
