"""What a personal health budget may not buy (docs/domain.md section 6): goods that are prohibited
(alcohol, tobacco, gambling, debt repayment, anything unlawful) and NHS services that are
excluded from personal health budgets (emergency or unplanned care, GP and other primary
medical services, dental and optical treatment, planned surgical procedures) [V ENHerts,
IrwinMitchell, DH-consult]; whether the regulations or only guidance impose these limits is
[U]. Spending on something that is allowed but not in the person's care and support plan is
not refused: it is flagged for the coordinator to review. Use outside the plan is a ground for
repayment (reg 15, section 6); treating it as one only if it continues is the platform's
policy (docs/decisions.md 036)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Category(StrEnum):
    ALCOHOL = "alcohol"
    TOBACCO = "tobacco"
    GAMBLING = "gambling"
    DEBT_REPAYMENT = "debt_repayment"
    UNLAWFUL = "unlawful"
    EMERGENCY_CARE = "emergency_care"
    PRIMARY_MEDICAL_SERVICES = "primary_medical_services"
    DENTAL_OPTICAL = "dental_optical"
    PLANNED_SURGERY = "planned_surgery"
    PERSONAL_CARE = "personal_care"
    THERAPY = "therapy"
    EQUIPMENT = "equipment"
    RESPITE = "respite"
    TRANSPORT = "transport"
    OTHER = "other"


PROHIBITED = {
    Category.ALCOHOL: "alcohol cannot be bought with a personal health budget",
    Category.TOBACCO: "tobacco cannot be bought with a personal health budget",
    Category.GAMBLING: "a personal health budget cannot be used for gambling",
    Category.DEBT_REPAYMENT: "a personal health budget cannot repay debts",
    Category.UNLAWFUL: "a personal health budget cannot pay for anything unlawful",
    Category.EMERGENCY_CARE: "emergency and unplanned care is provided by the NHS, not bought "
    "with a personal health budget",
    Category.PRIMARY_MEDICAL_SERVICES: "GP and other primary medical services are provided by "
    "the NHS, not bought with a personal health budget",
    Category.DENTAL_OPTICAL: "dental and optical treatment cannot be bought with a personal "
    "health budget",
    Category.PLANNED_SURGERY: "planned surgical procedures cannot be bought with a personal "
    "health budget",
}


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    flag_for_review: bool
    reason: str


def judge(category: Category, in_plan: bool) -> Verdict:
    if category in PROHIBITED:
        return Verdict(False, False, f"Refused: {PROHIBITED[category]}.")
    if not in_plan:
        return Verdict(
            True,
            True,
            "Allowed, but not in the care and support plan: flagged for "
            "the care coordinator to review.",
        )
    return Verdict(True, False, "In the care and support plan.")
