"""Conflicts of interest: declare first, and an interest is managed before taking part."""

from __future__ import annotations

from commissioning.selection.rules.conflicts import (
    Declaration,
    Management,
    excluded,
    may_take_part,
)

RJE, RWE = 1, 2


def test_nobody_takes_part_without_declaring():
    allowed, why = may_take_part([], RJE)
    assert not allowed and "Declare your interests" in why


def test_a_declaration_of_no_interests_is_enough():
    assert may_take_part([Declaration(has_interest=False)], RJE) == (True, "")


def test_an_interest_must_be_managed_before_taking_part():
    allowed, why = may_take_part([Declaration(True, RJE)], RWE)
    assert not allowed and "not yet been managed" in why


def test_exclusion_from_a_provider_covers_only_that_provider():
    declared = [Declaration(True, RJE, Management.EXCLUDE_PROVIDER)]
    assert not may_take_part(declared, RJE)[0]
    assert may_take_part(declared, RWE)[0]


def test_someone_excluded_from_a_bidder_cannot_decide_between_bidders():
    declared = [Declaration(True, RJE, Management.EXCLUDE_PROVIDER)]
    allowed, why = may_take_part(declared, None)
    assert not allowed and "cannot take part in the decision" in why


def test_exclusion_from_the_process_covers_everything():
    declared = [Declaration(True, None, Management.EXCLUDE_PROCESS)]
    assert not may_take_part(declared, RJE)[0] and not may_take_part(declared, None)[0]


def test_a_managed_interest_that_permits_taking_part_permits_it():
    declared = [Declaration(False), Declaration(True, RJE, Management.PROCEED)]
    assert may_take_part(declared, RJE) == (True, "")


def test_only_a_managed_exclusion_releases_an_evaluator_from_scoring():
    assert not excluded([], RJE)  # not yet declared: still expected to score
    assert not excluded([Declaration(True, RJE)], RJE)  # not yet managed: still expected
    assert excluded([Declaration(True, RJE, Management.EXCLUDE_PROVIDER)], RJE)
    assert not excluded([Declaration(True, RJE, Management.EXCLUDE_PROVIDER)], RWE)
    assert excluded([Declaration(True, None, Management.EXCLUDE_PROCESS)], RWE)
    assert not excluded([Declaration(True, RJE, Management.PROCEED)], RJE)
