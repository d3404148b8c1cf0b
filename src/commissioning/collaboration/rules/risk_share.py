"""Risk share of a pooled budget (Section 75 / Better Care Fund) at year end, as data.

Risk share is set locally by the partners' agreement, not by national rule (docs/domain.md
section 5; the patterns observed in published agreements: each partner bears its own risks
unless stated otherwise; fixed or variable shares; overspend handled in order — cover from
other schemes' underspends, then a risk pool, then cutting uncommitted scheme spending, then
resources from outside the pool; underspends stay in the pool; a surplus apportioned pro
rata to contributions; a 50/50 risk reserve). A ``Policy`` records the agreement's choices;
``settle`` applies it to the year's figures and returns who bears what, exactly, in pence.

Pure functions, integer pence; pro-rata shares use the largest-remainder method so that the
shares always add up to the amount being shared.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class Step(StrEnum):
    OTHER_UNDERSPENDS = "other_underspends"
    RISK_POOL = "risk_pool"
    UNCOMMITTED_SCHEMES = "uncommitted_schemes"
    OUTSIDE_POOL = "outside_pool"

    @property
    def label(self) -> str:
        return STEP_LABELS[self]


STEP_LABELS = {
    Step.OTHER_UNDERSPENDS: "Covered from other schemes' underspends",
    Step.RISK_POOL: "Covered from the risk pool",
    Step.UNCOMMITTED_SCHEMES: "Covered by cutting uncommitted scheme spending",
    Step.OUTSIDE_POOL: "Met by partners from outside the pool",
}


class Bearer(StrEnum):
    OWN = "own"  # the partner leading the overspending scheme bears it
    PRO_RATA = "pro_rata"  # in proportion to contributions
    FIXED = "fixed"  # fixed shares agreed (e.g. 50/50)


class Underspend(StrEnum):
    RETAIN = "retain"  # stays in the pool for next year
    RETURN_PRO_RATA = "return_pro_rata"  # returned to partners in proportion to contributions


@dataclass(frozen=True)
class Policy:
    steps: tuple[Step, ...] = (Step.OTHER_UNDERSPENDS, Step.RISK_POOL,
                               Step.UNCOMMITTED_SCHEMES, Step.OUTSIDE_POOL)  # fmt: skip
    risk_pool_pence: int = 0
    overspend_bearer: Bearer = Bearer.OWN
    fixed_shares: Mapping[str, int] = field(default_factory=dict)  # partner -> weight
    underspend: Underspend = Underspend.RETAIN


@dataclass(frozen=True)
class Scheme:
    name: str
    lead: str  # the partner whose scheme it is
    budget_pence: int
    spend_pence: int
    uncommitted_pence: int = 0  # budget not yet committed (can be cut to cover overspends)


@dataclass(frozen=True)
class Settlement:
    total_overspend: int
    total_underspend: int
    covered: dict[Step, int]  # how much of the overspend each step covered
    partners_pay: dict[str, int]  # extra from outside the pool, by partner
    returned: dict[str, int]  # underspend returned to partners
    retained: int  # underspend left in the pool


def policy_problems(policy: Policy, partners: Sequence[str]) -> dict[str, str]:
    problems: dict[str, str] = {}
    if len(set(policy.steps)) != len(policy.steps):
        problems["steps"] = "Each step appears once"
    if not policy.steps or policy.steps[-1] is not Step.OUTSIDE_POOL:
        problems["steps"] = ("The last step must be resources from outside the pool, so that "
                             "every overspend is met")  # fmt: skip
    if policy.risk_pool_pence < 0:
        problems["risk_pool_pence"] = "The risk pool cannot be negative"
    if policy.overspend_bearer is Bearer.FIXED:
        if set(policy.fixed_shares) != set(partners):
            problems["fixed_shares"] = "Give a fixed share for every partner, and only partners"
        elif any(w < 0 for w in policy.fixed_shares.values()) or not sum(
            policy.fixed_shares.values()
        ):
            problems["fixed_shares"] = "Shares are positive and do not all equal zero"
    return problems


def pro_rata(amount: int, weights: Mapping[str, int]) -> dict[str, int]:
    """Split ``amount`` pence by ``weights`` exactly: floor shares, then the pence left over
    to the largest remainders (ties in the order given)."""
    total = sum(weights.values())
    if amount == 0 or total == 0:
        return dict.fromkeys(weights, 0)
    floors = {k: amount * w // total for k, w in weights.items()}
    left = amount - sum(floors.values())
    order = sorted(weights, key=lambda k: -(amount * weights[k] % total))
    for k in order[:left]:
        floors[k] += 1
    return floors


def settle(policy: Policy, contributions: Mapping[str, int], schemes: Sequence[Scheme]):
    """Apply the risk-share policy to the year's schemes. ``contributions``: each partner's
    contribution to the pool, in pence (the pro-rata weights)."""
    over = {s.name: max(0, s.spend_pence - s.budget_pence) for s in schemes}
    under_total = sum(max(0, s.budget_pence - s.spend_pence) for s in schemes)
    total_over = sum(over.values())
    remaining, spare_under = total_over, under_total
    covered = dict.fromkeys(policy.steps, 0)
    partners_pay = dict.fromkeys(contributions, 0)
    for step in policy.steps:
        if remaining == 0:
            break
        if step is Step.OTHER_UNDERSPENDS:
            take = min(remaining, spare_under)
            spare_under -= take
        elif step is Step.RISK_POOL:
            take = min(remaining, policy.risk_pool_pence)
        elif step is Step.UNCOMMITTED_SCHEMES:
            take = min(remaining, sum(s.uncommitted_pence for s in schemes))
        else:
            take = remaining
            partners_pay = _bear(policy, contributions, schemes, over, take)
        covered[step] = take
        remaining -= take
    if policy.underspend is Underspend.RETURN_PRO_RATA:
        returned, retained = pro_rata(spare_under, contributions), 0
    else:
        returned, retained = dict.fromkeys(contributions, 0), spare_under
    return Settlement(total_over, under_total, covered, partners_pay, returned, retained)


def _bear(policy, contributions, schemes, over, amount) -> dict[str, int]:
    if policy.overspend_bearer is Bearer.PRO_RATA:
        return pro_rata(amount, contributions)
    if policy.overspend_bearer is Bearer.FIXED:
        return pro_rata(amount, policy.fixed_shares)
    # Own risk: what is left falls on each overspending scheme's lead, in proportion to the
    # overspends (the earlier steps reduced every overspend alike).
    by_lead: dict[str, int] = {}
    for s in schemes:
        by_lead[s.lead] = by_lead.get(s.lead, 0) + over[s.name]
    shares = pro_rata(amount, by_lead)
    return {p: shares.get(p, 0) for p in contributions} | {
        p: v for p, v in shares.items() if p not in contributions
    }
