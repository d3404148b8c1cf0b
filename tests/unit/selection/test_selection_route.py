"""Choosing the Provider Selection Regime process, read as the rules."""

from __future__ import annotations

import pytest

from commissioning.selection.rules.selection_route import (
    Circumstances,
    ContractChange,
    Route,
    choose_route,
    considerable_change,
)

POUNDS = 100  # pence


def change(current: int, proposed: int, *, authority=True, different=False) -> ContractChange:
    return ContractChange(different, authority, current * POUNDS, proposed * POUNDS)


RENEWAL = Circumstances(
    existing_service=True,
    replacing_expiring_contract=True,
    change=change(2_000_000, 2_100_000),
    existing_provider_satisfying_contract=True,
    existing_provider_likely_to_satisfy_new=True,
)


def test_existing_service_with_only_one_capable_provider_must_use_direct_award_a():
    decision = choose_route(
        Circumstances(existing_service=True, existing_provider_only_capable=True)
    )
    assert decision.route is Route.DIRECT_AWARD_A
    assert decision.mandatory and decision.permitted == (Route.DIRECT_AWARD_A,)
    assert "within 30 days" in decision.notice


def test_direct_award_a_cannot_set_up_a_new_service():
    decision = choose_route(
        Circumstances(existing_service=False, existing_provider_only_capable=True)
    )
    assert decision.route is not Route.DIRECT_AWARD_A
    assert "cannot be used to set up a new service" in decision.reasons[0]


def test_patient_choice_with_unrestricted_providers_must_use_direct_award_b():
    decision = choose_route(
        Circumstances(
            existing_service=False,
            patients_choose_provider=True,
            providers_unrestricted=True,
            all_qualifying_providers_awarded=True,
        )
    )
    assert (decision.route, decision.mandatory) == (Route.DIRECT_AWARD_B, True)
    assert not decision.route.needs_standstill


def test_restricted_patient_choice_is_not_direct_award_b():
    decision = choose_route(
        Circumstances(
            existing_service=True, patients_choose_provider=True, providers_unrestricted=False
        )
    )
    assert decision.route is not Route.DIRECT_AWARD_B


def test_a_satisfactory_renewal_without_considerable_change_may_use_direct_award_c():
    decision = choose_route(RENEWAL)
    assert decision.route is Route.DIRECT_AWARD_C
    assert not decision.mandatory
    assert Route.COMPETITIVE in decision.permitted  # C is permitted, never required
    assert "standstill of 8 working days" in decision.notice


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("replacing_expiring_contract", False, "no expiring contract is being replaced"),
        ("existing_provider_satisfying_contract", False, "not satisfying the current contract"),
        ("existing_provider_likely_to_satisfy_new", False, "not likely to satisfy the new"),
        ("change", change(2_000_000, 3_000_000), "considerable-change threshold is met"),
    ],
)
def test_direct_award_c_needs_every_condition(field, value, reason):
    from dataclasses import replace

    decision = choose_route(replace(RENEWAL, **{field: value}))
    assert decision.route is Route.COMPETITIVE
    assert any(reason in r for r in decision.reasons)


def test_most_suitable_provider_when_it_can_be_identified_without_competition():
    decision = choose_route(
        Circumstances(existing_service=False, can_identify_most_suitable_without_competition=True)
    )
    assert decision.route is Route.MOST_SUITABLE_PROVIDER
    assert decision.permitted == (Route.MOST_SUITABLE_PROVIDER, Route.COMPETITIVE)
    assert decision.route.needs_standstill


def test_otherwise_the_competitive_process():
    decision = choose_route(Circumstances(existing_service=False))
    assert (decision.route, decision.permitted) == (Route.COMPETITIVE, (Route.COMPETITIVE,))


def test_considerable_change_when_materially_different_in_character():
    assert considerable_change(change(1_000_000, 1_000_000, different=True))[0]


@pytest.mark.parametrize(
    ("current", "proposed", "authority", "met"),
    [
        (2_000_000, 2_500_000, True, True),  # +£500,000 and exactly +25%: met
        (2_000_000, 2_499_999, True, False),  # +£499,999: not enough money
        (4_000_000, 4_900_000, True, False),  # +£900,000 but only +22.5%
        (1_000_000, 1_600_000, False, False),  # not the authority's decision
        (0, 600_000, True, True),  # a new value of £600,000 on nothing
        (2_000_000, 1_000_000, True, False),  # a fall in value
    ],
)
def test_considerable_change_by_value_needs_both_500k_and_25_percent(
    current, proposed, authority, met
):
    assert considerable_change(change(current, proposed, authority=authority))[0] is met


def test_negative_values_are_refused():
    with pytest.raises(ValueError, match="negative"):
        ContractChange(False, True, -1, 0)


def test_a_new_service_is_not_refused_direct_award_c_for_a_provider_it_does_not_have():
    decision = choose_route(Circumstances(existing_service=False))
    assert decision.route is Route.COMPETITIVE
    assert decision.reasons == (
        "neither direct award A nor B is required",
        "direct award C is not available: no expiring contract is being replaced",
        "the most suitable provider cannot be identified without a competition",
    )
