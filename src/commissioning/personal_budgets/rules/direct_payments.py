"""Repayment and stopping of direct payments: the NHS (Direct Payments) Regulations 2013
(SI 2013/1617), regulations 15 and 17 (docs/domain.md section 6)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class RepaymentGround(StrEnum):
    """Regulation 15: what the health body has regard to in requiring repayment."""

    CHANGE_IN_PLAN_OR_CIRCUMSTANCES = "change_in_plan_or_circumstances"
    SUBSTANTIAL_UNUSED_BALANCE = "substantial_unused_balance"
    USED_OUTSIDE_PLAN = "used_outside_plan"
    THEFT_FRAUD_OR_OFFENCE = "theft_fraud_or_offence"
    DEATH_OF_PATIENT = "death_of_patient"


@dataclass(frozen=True)
class RepaymentNotice:
    ground: RepaymentGround
    reasons: str
    amount_pence: int
    deadline: dt.date
    repayer: str  # who must repay: the patient, the representative or the nominee


SPENT_GROUNDS = frozenset(
    {RepaymentGround.USED_OUTSIDE_PLAN, RepaymentGround.THEFT_FRAUD_OR_OFFENCE}
)


def recovers_spending(ground: RepaymentGround) -> bool:
    """Money repaid for being used outside the plan, or taken by theft, fraud or another
    offence, was spent: repaying it recovers spending. On the other grounds of regulation 15
    (a change in the plan or circumstances, a substantial unused balance, the person's death)
    it is money not yet spent: it comes off the budget's unspent balance. Either way it goes
    back to where the budget came from."""
    return ground in SPENT_GROUNDS


def notice_problems(notice: RepaymentNotice, issued: dt.date) -> dict[str, str]:
    """Regulation 15: written notice stating the reasons, the amount, the deadline and who
    must repay."""
    out = {}
    if not notice.reasons.strip():
        out["reasons"] = "State the reasons for requiring repayment"
    if notice.amount_pence <= 0:
        out["amount_pence"] = "State the amount to repay"
    if notice.deadline <= issued:
        out["deadline"] = "Give a deadline after the notice is issued"
    if not notice.repayer.strip():
        out["repayer"] = "Say who must repay"
    return out


class StopGround(StrEnum):
    """Regulation 17."""

    CONSENT_ABSENT_OR_WITHDRAWN = "consent_absent_or_withdrawn"  # must stop
    NO_LONGER_A_PATIENT = "no_longer_a_patient"
    REPRESENTATIVE_OR_NOMINEE_UNSUITABLE = "representative_or_nominee_unsuitable"
    USED_OUTSIDE_PLAN = "used_outside_plan"
    FRAUD_SUSPECTED = "fraud_suspected"
    NEEDS_NOT_MET = "needs_not_met"


MUST_STOP = frozenset({StopGround.CONSENT_ABSENT_OR_WITHDRAWN})


def must_stop(ground: StopGround) -> bool:
    """The health body must stop when consent is absent or withdrawn; it may stop on the other
    grounds (a decision it takes and records with its reasons)."""
    return ground in MUST_STOP
