"""Primary care co-commissioning, as NHS England's November 2014 guidance reads."""

from __future__ import annotations

import pytest

from commissioning.collaboration.rules.cocommissioning import (
    SHAREABLE,
    Body,
    Function,
    Model,
    arrangement_problems,
    consulted,
    decider,
)


@pytest.mark.parametrize("model", list(Model))
def test_individual_gp_performance_management_stays_with_nhs_england(model):
    assert decider(model, Function.GP_PERFORMANCE_MANAGEMENT) is Body.NHS_ENGLAND
    assert "stays with NHS England" in arrangement_problems(
        model, [*SHAREABLE, Function.GP_PERFORMANCE_MANAGEMENT], False)["functions"]  # fmt: skip


@pytest.mark.parametrize("function", sorted(SHAREABLE))
def test_each_model_gives_the_function_to_its_body(function):
    assert decider(Model.DELEGATED, function) is Body.COMMISSIONER
    assert decider(Model.JOINT, function) is Body.JOINT_COMMITTEE
    assert decider(Model.GREATER_INVOLVEMENT, function) is Body.NHS_ENGLAND
    assert consulted(Model.GREATER_INVOLVEMENT, function) is Body.COMMISSIONER
    assert consulted(Model.DELEGATED, function) is None


def test_a_joint_committee_decides_only_what_its_arrangement_covers():
    covered = [Function.PRACTICE_MERGERS]
    assert decider(Model.JOINT, Function.PRACTICE_MERGERS, covered) is Body.JOINT_COMMITTEE
    assert decider(Model.JOINT, Function.NEW_PRACTICES, covered) is Body.NHS_ENGLAND


def test_delegation_cannot_cherry_pick_functions():
    assert arrangement_problems(Model.DELEGATED, SHAREABLE, False) == {}
    some = SHAREABLE - {Function.DISCRETIONARY_PAYMENTS}
    problem = arrangement_problems(Model.DELEGATED, some, False)["functions"]
    assert "no cherry-picking" in problem and "Discretionary payments" in problem
    assert arrangement_problems(Model.JOINT, some, False) == {}


def test_delegation_is_not_supported_in_special_measures():
    assert "special measures" in arrangement_problems(Model.DELEGATED, SHAREABLE, True)["model"]
    assert arrangement_problems(Model.JOINT, SHAREABLE, True) == {}
