"""Which Provider Selection Regime process applies, and why.

Source: the Health Care Services (Provider Selection Regime) Regulations 2023 (SI 2023/1348),
in force 1 January 2024, and NHS England's statutory guidance (docs/domain.md section 9):

- Direct award process A **must** be used where an existing service has an existing provider
  that is the only capable provider. It cannot set up a new service (or a framework).
- Direct award process B **must** be used where patients choose their provider, the number of
  providers is not restricted, and every provider that meets the requirements is awarded a
  contract.
- Direct award process C **may** be used where neither A nor B applies, an expiring contract
  is being replaced, the considerable-change threshold is not met, and the existing provider
  is satisfying the current contract and is likely to satisfy the new one.
- Otherwise the most suitable provider process or the competitive process. Section 9 names
  both but gives no test between them; asking whether the authority can identify the most
  suitable provider without a competition is the platform's deciding question.
- "Considerable change" is met if the new arrangement is materially different in character,
  or if the change is attributable to the authority's decision **and** the lifetime value is
  at least £500,000 higher **and** at least 25% higher (section 9 marks the 25% [P]: its
  source was cut off).
- Direct awards A and B publish an award notice within 30 days of the award; direct award C,
  the most suitable provider process and the competitive process publish a notice of
  intention to award followed by a standstill of 8 working days (``working_days``;
  docs/domain.md section 11).

The function returns its reasoning, so a decision record can quote it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from commissioning import money

# Considerable-change thresholds (docs/domain.md section 9; the 25% is [P] there).
CONSIDERABLE_CHANGE_VALUE_PENCE = 500_000 * 100
CONSIDERABLE_CHANGE_FRACTION = 0.25
AWARD_NOTICE_DAYS = 30


# The facts the regime's choice of process turns on, each as the question a commissioner is
# asked: the one declaration that the service's command, the model, the form and the API follow
# (the command and the model are checked against it by tests/unit/selection).
FACTS: dict[str, str] = {
    "existing_service": "Is this an existing service (not a new one)?",
    "existing_provider_only_capable": "Is the existing provider the only provider capable of "
    "providing it?",
    "patients_choose_provider": "Do patients choose which provider they go to?",
    "providers_unrestricted": "Is the number of providers unrestricted?",
    "all_qualifying_providers_awarded": "Will every provider that meets the requirements be "
    "awarded a contract?",
    "replacing_expiring_contract": "Is an expiring contract being replaced?",
    "materially_different": "Is the new arrangement materially different in character from the "
    "expiring one?",
    "attributable_to_authority": "Is the change in value attributable to your decision?",
    "existing_provider_satisfying_contract": "Is the existing provider satisfying the current "
    "contract?",
    "existing_provider_likely_to_satisfy_new": "Is it likely to satisfy the new contract?",
    "can_identify_most_suitable_without_competition": "Can you identify the most suitable "
    "provider without running a competition?",
}
# The facts about the change of value, which the rule reads as a ``ContractChange``.
CHANGE_FACTS = ("materially_different", "attributable_to_authority")


class Route(StrEnum):
    DIRECT_AWARD_A = "direct_award_a"
    DIRECT_AWARD_B = "direct_award_b"
    DIRECT_AWARD_C = "direct_award_c"
    MOST_SUITABLE_PROVIDER = "most_suitable_provider"
    COMPETITIVE = "competitive"
    # Not one of the regime's processes: an award without one, where regulation 14 applies
    # (``rules.urgent``). The facts never point to it; the authority relies on it.
    URGENT_AWARD = "urgent_award"

    @property
    def label(self) -> str:
        return {
            Route.DIRECT_AWARD_A: "Direct award process A",
            Route.DIRECT_AWARD_B: "Direct award process B",
            Route.DIRECT_AWARD_C: "Direct award process C",
            Route.MOST_SUITABLE_PROVIDER: "Most suitable provider process",
            Route.COMPETITIVE: "Competitive process",
            Route.URGENT_AWARD: "Urgent award (regulation 14)",
        }[self]

    @property
    def needs_standstill(self) -> bool:
        """A notice of intention to award and an 8-working-day standstill (C, MSP, competitive)."""
        return self not in (Route.DIRECT_AWARD_A, Route.DIRECT_AWARD_B, Route.URGENT_AWARD)


@dataclass(frozen=True)
class ContractChange:
    """How the new arrangement differs from the expiring one, in integer pence."""

    materially_different_in_character: bool
    attributable_to_authority: bool
    current_lifetime_value_pence: int
    proposed_lifetime_value_pence: int

    def __post_init__(self) -> None:
        if self.current_lifetime_value_pence < 0 or self.proposed_lifetime_value_pence < 0:
            raise ValueError("lifetime values must not be negative")


def considerable_change(change: ContractChange) -> tuple[bool, str]:
    """Whether the considerable-change threshold is met, and why."""
    if change.materially_different_in_character:
        return True, "the new arrangement is materially different in character"
    increase = change.proposed_lifetime_value_pence - change.current_lifetime_value_pence
    current = change.current_lifetime_value_pence
    big_enough = increase >= CONSIDERABLE_CHANGE_VALUE_PENCE
    share_enough = (
        increase > 0 if current == 0 else increase >= CONSIDERABLE_CHANGE_FRACTION * current
    )
    if change.attributable_to_authority and big_enough and share_enough:
        return True, (
            f"the change is the authority's and raises the lifetime value by "
            f"{money.pounds(increase)}, at least £500,000 and at least 25%"
        )
    if not change.attributable_to_authority:
        return False, "the change is not attributable to the authority's decision"
    return False, (
        f"the lifetime value rises by {money.pounds(max(increase, 0))}, which is not both at "
        "least £500,000 and at least 25%"
    )


@dataclass(frozen=True)
class Circumstances:
    """The facts the authority records before choosing a process."""

    existing_service: bool
    existing_provider_only_capable: bool = False
    patients_choose_provider: bool = False
    providers_unrestricted: bool = False
    all_qualifying_providers_awarded: bool = False
    replacing_expiring_contract: bool = False
    change: ContractChange | None = None
    existing_provider_satisfying_contract: bool = False
    existing_provider_likely_to_satisfy_new: bool = False
    can_identify_most_suitable_without_competition: bool = False


@dataclass(frozen=True)
class RouteDecision:
    route: Route
    mandatory: bool
    permitted: tuple[Route, ...]
    reasons: tuple[str, ...]

    @property
    def notice(self) -> str:
        if self.route.needs_standstill:
            return (
                "Publish a notice of intention to award; a standstill of 8 working days follows, "
                "counted from the day after publication."
            )
        return f"Publish an award notice within {AWARD_NOTICE_DAYS} days of the award."


def choose_route(c: Circumstances) -> RouteDecision:
    """Apply the regime in its order: A and B where they apply (mandatory), then C where it
    may be used, then the most suitable provider or the competitive process."""
    reasons: list[str] = []
    if c.existing_service and c.existing_provider_only_capable:
        reasons.append("an existing service whose existing provider is the only capable provider")
        return RouteDecision(Route.DIRECT_AWARD_A, True, (Route.DIRECT_AWARD_A,), tuple(reasons))
    if not c.existing_service and c.existing_provider_only_capable:
        reasons.append("direct award A cannot be used to set up a new service")

    if (
        c.patients_choose_provider
        and c.providers_unrestricted
        and c.all_qualifying_providers_awarded
    ):
        reasons.append(
            "patients choose their provider, providers are not restricted in number, and every "
            "provider meeting the requirements is awarded a contract"
        )
        return RouteDecision(Route.DIRECT_AWARD_B, True, (Route.DIRECT_AWARD_B,), tuple(reasons))
    reasons.append("neither direct award A nor B is required")

    c_conditions = []
    if not c.replacing_expiring_contract:
        c_conditions.append("no expiring contract is being replaced")
    if c.change is not None:
        met, why = considerable_change(c.change)
        if met:
            c_conditions.append(f"the considerable-change threshold is met: {why}")
        else:
            reasons.append(f"the considerable-change threshold is not met: {why}")
    elif c.replacing_expiring_contract:
        c_conditions.append("the change from the expiring contract has not been assessed")
    # The provider's performance matters only where an expiring contract is being replaced.
    if c.replacing_expiring_contract and not c.existing_provider_satisfying_contract:
        c_conditions.append("the existing provider is not satisfying the current contract")
    elif c.replacing_expiring_contract and not c.existing_provider_likely_to_satisfy_new:
        c_conditions.append("the existing provider is not likely to satisfy the new contract")

    if c.can_identify_most_suitable_without_competition:
        fallback = Route.MOST_SUITABLE_PROVIDER
        fallback_reason = (
            "the authority can identify the most suitable provider without a competition"
        )
    else:
        fallback = Route.COMPETITIVE
        fallback_reason = "the most suitable provider cannot be identified without a competition"

    if not c_conditions:
        reasons.append(
            "an expiring contract is being replaced and the existing provider is satisfying it "
            "and likely to satisfy the new one, so direct award C may be used"
        )
        return RouteDecision(
            Route.DIRECT_AWARD_C,
            False,
            (Route.DIRECT_AWARD_C, Route.MOST_SUITABLE_PROVIDER, Route.COMPETITIVE),
            tuple(reasons),
        )
    reasons.extend(f"direct award C is not available: {why}" for why in c_conditions)
    reasons.append(fallback_reason)
    permitted = (
        (Route.MOST_SUITABLE_PROVIDER, Route.COMPETITIVE)
        if fallback is Route.MOST_SUITABLE_PROVIDER
        else (Route.COMPETITIVE,)
    )
    return RouteDecision(fallback, False, permitted, tuple(reasons))
