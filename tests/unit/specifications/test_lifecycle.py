"""A specification's life: draft, consultation, approved, retired; new versions."""

from __future__ import annotations

import pytest

from commissioning.specifications.rules.lifecycle import (
    Readiness,
    Status,
    is_editable,
    may_start_new_version,
    transition_problems,
)
from commissioning.specifications.rules.outcomes import QualityDimension

READY = Readiness(outcomes=1, quality_dimensions=frozenset(QualityDimension), advice_requests=1)


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        (Status.DRAFT, Status.CONSULTATION, True),
        (Status.DRAFT, Status.APPROVED, False),  # consult clinicians first
        (Status.DRAFT, Status.RETIRED, True),
        (Status.CONSULTATION, Status.DRAFT, True),
        (Status.CONSULTATION, Status.APPROVED, True),
        (Status.CONSULTATION, Status.RETIRED, True),
        (Status.APPROVED, Status.DRAFT, False),  # changed only by a new version
        (Status.APPROVED, Status.CONSULTATION, False),
        (Status.APPROVED, Status.RETIRED, True),
        (Status.RETIRED, Status.DRAFT, False),  # retired is final
        (Status.RETIRED, Status.APPROVED, False),
    ],
)
def test_transitions(current, target, allowed):
    assert (transition_problems(current, target, READY) == []) is allowed


def test_only_drafts_and_specifications_in_consultation_can_be_edited():
    assert is_editable(Status.DRAFT) and is_editable(Status.CONSULTATION)
    assert not is_editable(Status.APPROVED) and not is_editable(Status.RETIRED)


def test_an_approved_specification_is_changed_only_by_a_new_version():
    assert may_start_new_version(Status.APPROVED)
    assert not any(may_start_new_version(s) for s in (Status.DRAFT, Status.CONSULTATION,
                                                       Status.RETIRED))  # fmt: skip


def test_approval_needs_an_outcome_every_dimension_of_quality_and_clinical_advice():
    bare = Readiness(outcomes=0, quality_dimensions=frozenset({QualityDimension.SAFE}),
                     advice_requests=0)  # fmt: skip
    problems = transition_problems(Status.CONSULTATION, Status.APPROVED, bare)
    assert len(problems) == 3
    assert "at least one outcome" in problems[0]
    assert "clinically effective, positive experience" in problems[1]
    assert "clinical advice" in problems[2]
