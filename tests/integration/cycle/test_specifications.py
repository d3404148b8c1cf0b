"""Service specifications: field-level problems, all-or-nothing writes, versions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from commissioning.audit.models import Revision
from commissioning.specifications import services as specs
from commissioning.specifications.models import (
    QualityRequirement,
    ServiceSpecification,
    SpecificationOutcome,
)
from tests.cycle import DAY0, at, indicator, spec_input

pytestmark = pytest.mark.django_db


def counts():
    return (
        ServiceSpecification.objects.count(),
        SpecificationOutcome.objects.count(),
        QualityRequirement.objects.count(),
        Revision.objects.count(),
    )


def test_a_specification_is_written_whole(economy):
    with at(DAY0):
        spec = specs.create_specification(spec_input(), economy.icb, economy.commissioner)
    assert spec.reference == f"SPEC-{spec.pk:05d}" and spec.version == 1
    assert spec.status == "draft" and spec.created_by == economy.commissioner
    assert spec.outcomes.count() == 1 and spec.quality_requirements.count() == 3


def test_one_bad_outcome_leaves_nothing_behind_and_names_the_field(economy):
    before = counts()
    bad = spec_input(
        outcomes=(
            spec_input().outcomes[0],
            specs.OutcomeInput(
                indicator_id=indicator("4.3").pk,  # higher is better
                baseline=Decimal("77"),
                target=Decimal("70"),
                target_date=dt.date(2028, 3, 31),
            ),
        )
    )
    with at(DAY0), pytest.raises(ValidationError) as caught:
        specs.create_specification(bad, economy.icb, economy.commissioner)
    assert caught.value.message_dict == {
        "outcomes.1.target": [
            "For this indicator higher is better, so the target must be above the baseline (77)"
        ]
    }
    assert counts() == before


def test_every_problem_is_reported_at_once(economy):
    bad = spec_input(
        title="",
        financial_envelope_pence=0,
        term_months=0,
        quality_requirements=(specs.QualityRequirementInput("kind", "", "", ""),),
    )
    with at(DAY0), pytest.raises(ValidationError) as caught:
        specs.create_specification(bad, economy.icb, economy.commissioner)
    fields = set(caught.value.message_dict)
    assert {"title", "financial_envelope_pence", "term_months",
            "quality_requirements.0.dimension", "quality_requirements.0.requirement",
            "quality_requirements.0.threshold"} <= fields  # fmt: skip


def test_the_same_indicator_twice_and_a_past_target_date_are_refused(economy):
    first = spec_input().outcomes[0]
    twice = spec_input(outcomes=(first, first))
    with at(DAY0), pytest.raises(ValidationError) as caught:
        specs.create_specification(twice, economy.icb, economy.commissioner)
    assert "already outcome 1" in caught.value.message_dict["outcomes.1.indicator_id"][0]
    with at(dt.date(2030, 1, 1)), pytest.raises(ValidationError) as caught:
        specs.create_specification(spec_input(), economy.icb, economy.commissioner)
    assert caught.value.message_dict["outcomes.0.target_date"] == [
        "The target date must be in the future"
    ]


def test_only_commissioning_organisations_write_specifications(economy):
    from commissioning.organisations.models import Membership

    Membership.objects.create(user=economy.commissioner, organisation=economy.rje,
                              role="commissioner")  # fmt: skip
    with at(DAY0), pytest.raises(ValidationError, match="commissioning organisation"):
        specs.create_specification(spec_input(), economy.rje, economy.commissioner)


def test_approval_needs_consultation_advice_and_every_dimension(cycle):
    cycle.drafted()
    with at(DAY0), pytest.raises(ValidationError, match="cannot become approved"):
        specs.change_status(cycle.spec, "approved", cycle.e.commissioner)
    with at(DAY0):
        specs.change_status(cycle.spec, "consultation", cycle.e.commissioner)
    cycle.spec.quality_requirements.filter(dimension="safe").delete()
    with at(DAY0), pytest.raises(ValidationError) as caught:
        specs.change_status(cycle.spec, "approved", cycle.e.commissioner)
    message = caught.value.message_dict["status"][0]
    assert "under: safe" in message and "Ask for clinical advice" in message


def test_an_approved_specification_cannot_be_edited(cycle):
    cycle.approved()
    with at(DAY0), pytest.raises(ValidationError, match="Start a new version"):
        specs.update_specification(cycle.spec, spec_input(title="Changed"), cycle.e.commissioner)
    with pytest.raises(ValidationError, match="Start a new version"):
        specs.add_quality_requirement(
            cycle.spec,
            specs.QualityRequirementInput("safe", "New", "100%", "Audit"),
            cycle.e.commissioner,
        )
    cycle.spec.refresh_from_db()
    assert cycle.spec.title == "Hyper-acute stroke unit"


def test_a_new_version_copies_everything_and_retires_the_old_on_approval(cycle):
    cycle.approved()
    old = cycle.spec
    with at(DAY0 + dt.timedelta(days=5)):
        new = specs.start_new_version(old, cycle.e.commissioner)
    assert (new.reference, new.version, new.status) == (old.reference, 2, "draft")
    assert new.supersedes == old and new.outcomes.count() == 1
    assert new.quality_requirements.count() == 3
    with pytest.raises(ValidationError, match="already has a version being written"):
        specs.start_new_version(old, cycle.e.commissioner)
    with at(DAY0 + dt.timedelta(days=5)):
        specs.update_specification(new, spec_input(term_months=48), cycle.e.commissioner)
        specs.change_status(new, "consultation", cycle.e.commissioner)
        new = specs.change_status(new, "approved", cycle.e.commissioner)
    old.refresh_from_db()
    assert old.status == "retired" and old.retired_reason == "Superseded by version 2"
    assert new.status == "approved" and new.term_months == 48


def test_retiring_needs_a_reason(cycle):
    cycle.drafted()
    with pytest.raises(ValidationError, match="Say why"):
        specs.change_status(cycle.spec, "retired", cycle.e.commissioner)
    specs.change_status(cycle.spec, "retired", cycle.e.commissioner, reason="No longer needed")
    with pytest.raises(ValidationError, match="cannot become"):
        specs.change_status(cycle.spec, "draft", cycle.e.commissioner)


def test_outcomes_can_be_added_and_removed_while_drafting(cycle):
    cycle.drafted()
    with at(DAY0):
        added = specs.add_outcome(
            cycle.spec,
            specs.OutcomeInput(
                indicator("3b").pk, Decimal("14.2"), Decimal("12.5"), dt.date(2028, 3, 31)
            ),
            cycle.e.commissioner,
        )
        with pytest.raises(ValidationError, match="already has an outcome"):
            specs.add_outcome(
                cycle.spec,
                specs.OutcomeInput(
                    indicator("3b").pk, Decimal("14"), Decimal("12"), dt.date(2028, 3, 31)
                ),
                cycle.e.commissioner,
            )
    specs.remove_outcome(added, cycle.e.commissioner)
    assert cycle.spec.outcomes.count() == 1
    assert Revision.objects.filter(object_type="specifications.specificationoutcome",
                                   action="delete").count() == 1  # fmt: skip
