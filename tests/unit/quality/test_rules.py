"""How a quality schedule line is charted: its direction of improvement and its target, read
from the indicator or the requirement's words (quality.rules.measure_target)."""

from __future__ import annotations

import pytest

from commissioning.quality.rules import measure_target


@pytest.mark.parametrize(
    ("kind", "target", "direction", "threshold", "expected"),
    [
        ("outcome", 65.0, "lower", "", ("decrease", 65.0)),
        ("outcome", 65.0, "higher", "", ("increase", 65.0)),
        ("outcome", None, "higher", "", ("increase", None)),
        ("quality_requirement", None, None, "at least 90% each month", ("increase", 90.0)),
        ("quality_requirement", None, None, "No more than 5 per quarter", ("decrease", 5.0)),
        ("quality_requirement", None, None, "fewer than 2.5 a month", ("decrease", 2.5)),
        ("quality_requirement", None, None, "in place from month 3", ("neutral", None)),
        ("quality_requirement", None, None, "", ("neutral", None)),
    ],
)
def test_the_target_and_direction_of_a_schedule_line(kind, target, direction, threshold,
                                                      expected):  # fmt: skip
    rule = measure_target(kind, target, direction, threshold)
    assert (rule.improvement, rule.target) == expected
    assert rule.basis
