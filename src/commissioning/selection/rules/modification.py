"""Modifying a contract during its term without a new procurement: regulation 13 of the Health
Care Services (Provider Selection Regime) Regulations 2023 (SI 2023/1348).

Regulation 13(1): a contract may be modified without a new procurement only where

- (a) the modification is clearly and unambiguously provided for in the contract;
- (b) it is solely a change in the identity of the provider by succession (takeover, merger,
  acquisition or insolvency) and the authority is satisfied the provider meets the basic
  selection criteria;
- (c) it responds to external factors beyond the control of the authority and the provider
  (such as changes in patient volumes or prices under a formula in the contract) and does not
  make the contract materially different in character; or
- (d) it is attributable to a decision of the authority, does not make the contract materially
  different in character (13(2)(a)), and the cumulative change in the lifetime value since the
  contract was entered into is under £500,000 or under 25% of its lifetime value when entered
  into (13(2)(b)): it fails only if the cumulative change is both £500,000 or more and 25% or
  more.

Regulation 13(3): a contract awarded under direct award process A or B may also be modified
where the modification does not make it materially different in character (no value limit).

Regulation 13(4)-(5): a notice (Schedule 12) is submitted within 30 days of the modification
where it was made under 13(1) or 13(3), is attributable to a decision of the authority, and the
cumulative change in the lifetime value since the contract was entered into is £500,000 or more.
"Cumulative change" is read as the size of the net change (increases and decreases net off);
the regulations do not say (docs/decisions.md 055).

Regulation 14: where it applies (``rules.urgent``), a contract may be modified urgently beyond
what regulation 13 permits, without a value limit; every urgent modification is followed by a
notice (Schedule 14, regulation 14(5)(c)) whatever its value.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from commissioning import money

from .selection_route import AWARD_NOTICE_DAYS
from .urgent import Urgency
from .urgent import problems as urgency_problems

THRESHOLD_PENCE = 500_000 * 100
THRESHOLD_SHARE = 0.25
NOTICE_DAYS = AWARD_NOTICE_DAYS  # the same 30 days


class Ground(StrEnum):
    PROVIDED_FOR = "provided_for"
    SUCCESSION = "succession"
    EXTERNAL_FACTORS = "external_factors"
    AUTHORITY_DECISION = "authority_decision"
    URGENT = "urgent"

    @property
    def label(self) -> str:
        return {
            Ground.PROVIDED_FOR: "Clearly and unambiguously provided for in the contract "
            "(regulation 13(1)(a))",
            Ground.SUCCESSION: "Solely a change of provider by succession, the provider meeting "
            "the basic selection criteria (regulation 13(1)(b))",
            Ground.EXTERNAL_FACTORS: "A response to external factors beyond the control of both "
            "parties, such as patient volumes (regulation 13(1)(c))",
            Ground.AUTHORITY_DECISION: "Attributable to a decision of the commissioner "
            "(regulation 13(1)(d))",
            Ground.URGENT: "Urgent: made in reliance on regulation 14",
        }[self]


@dataclass(frozen=True)
class Modification:
    ground: Ground
    original_value_pence: int  # the contract's lifetime value when it was entered into
    cumulative_change_pence: int  # every change since, this one included (net)
    materially_different: bool = False
    attributable_to_authority: bool = False
    awarded_under_a_or_b: bool = False
    meets_basic_selection_criteria: bool = True  # for a succession
    urgency: Urgency | None = None  # for an urgent modification (regulation 14)


def _over_threshold(m: Modification) -> bool:
    size = abs(m.cumulative_change_pence)
    share = size / m.original_value_pence if m.original_value_pence > 0 else float("inf")
    return size >= THRESHOLD_PENCE and share >= THRESHOLD_SHARE


def problem(m: Modification) -> str | None:
    """Why the contract cannot be modified this way without a new procurement (``None``: it
    can)."""
    if m.ground is Ground.URGENT:
        found = urgency_problems(m.urgency or Urgency())
        return next(iter(found.values()), None)
    if m.awarded_under_a_or_b and not m.materially_different:
        return None  # regulation 13(3)
    if m.ground is Ground.PROVIDED_FOR:
        return None
    if m.ground is Ground.SUCCESSION:
        if m.meets_basic_selection_criteria:
            return None
        return "A new provider by succession must meet the basic selection criteria"
    if m.materially_different:
        return (
            "A modification that makes the contract materially different in character needs a "
            "new procurement (regulation 13(1)(c) and (2)(a))"
        )
    if m.ground is Ground.EXTERNAL_FACTORS:
        return None
    if _over_threshold(m):  # ground (d): the commissioner's decision
        return (
            f"The value would have changed by {money.pounds(abs(m.cumulative_change_pence))} "
            "since the contract was entered into: £500,000 or more and 25% or more of its "
            "original value needs a new procurement (regulation 13(2)(b))"
        )
    return None


def notice_due(m: Modification) -> bool:
    """Whether a notice of the modification must be submitted within 30 days: Schedule 12
    (regulation 13(4)) where it is permitted, the commissioner's decision, and a cumulative
    change of £500,000 or more; Schedule 14 for every urgent modification."""
    if m.ground is Ground.URGENT:
        return problem(m) is None  # Schedule 14, whatever the value (regulation 14(5)(c))
    return (
        problem(m) is None
        and (m.attributable_to_authority or m.ground is Ground.AUTHORITY_DECISION)
        and abs(m.cumulative_change_pence) >= THRESHOLD_PENCE
    )
