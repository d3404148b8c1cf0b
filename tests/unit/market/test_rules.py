"""The continuity-of-services tests and the priority score, as the rules read (docs/domain.md
sections 2 and 3)."""

from __future__ import annotations

import pytest

from commissioning.market import rules


def test_the_crs_test_and_the_priority_score():
    assert not rules.is_crs(False, False, False)
    for combo in [(True, False, False), (False, True, False), (False, False, True)]:
        assert rules.is_crs(*combo)
    assert rules.no_alternative(50, 1000) and not rules.no_alternative(49, 1000)
    assert rules.increases_inequalities(0.30, 0.20) and not rules.increases_inequalities(0.24, 0.2)
    assert rules.decision_problem(True, False, "") is not None
    assert rules.decision_problem(True, False, "A second site opens in May") is None
    assert rules.decision_problem(False, None, "") is not None
    full = rules.priority_score(rules.PriorityInputs(10_000, 1.0, 500, 0.6), 500)
    assert full["score"] == pytest.approx(100)
    none = rules.priority_score(rules.PriorityInputs(0, 0, 0, 0), 500)
    assert none["score"] == 0
