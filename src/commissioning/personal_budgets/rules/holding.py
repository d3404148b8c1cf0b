"""The three ways to hold a personal health budget (docs/domain.md section 6) and who may receive a
direct payment under the NHS (Direct Payments) Regulations 2013 (SI 2013/1617):

- a **notional** budget: no money changes hands; the NHS arranges the care in the plan;
- a **third-party** budget: held by an organisation legally independent of both the person
  and the NHS;
- a **direct payment**: money paid to the patient, or to a representative (regs 4 and 5: for a
  child, under 16, or an adult who lacks capacity to consent), or to a nominee the patient
  chooses (reg 6 deals with nominees; that only a patient who could receive it themselves can
  nominate is the platform's reading, docs/decisions.md 036), who must show what it was spent
  on. People in the Schedule (for example under a drug rehabilitation or alcohol treatment
  requirement, or released on licence with such conditions) may not receive direct payments.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

CHILD_UNDER = 16  # a child is a person under 16 (docs/domain.md section 6, [V DP-Regs])


class Mode(StrEnum):
    NOTIONAL = "notional"
    THIRD_PARTY = "third_party"
    DIRECT_PAYMENT = "direct_payment"

    @property
    def label(self) -> str:
        return MODE_LABELS[self]


MODE_LABELS = {
    Mode.NOTIONAL: "Notional budget (the NHS arranges the care)",
    Mode.THIRD_PARTY: "Third-party budget (an independent organisation holds the money)",
    Mode.DIRECT_PAYMENT: "Direct payment (money paid to the person, a representative or a nominee)",
}


class Recipient(StrEnum):
    PATIENT = "patient"
    REPRESENTATIVE = "representative"
    NOMINEE = "nominee"


@dataclass(frozen=True)
class Holding:
    mode: Mode
    age: int
    lacks_capacity: bool = False
    excluded_by_schedule: bool = False
    recipient: Recipient | None = None
    has_representative: bool = False
    has_nominee: bool = False
    third_party_name: str = ""
    third_party_independent: bool = False


def problems(h: Holding) -> dict[str, str]:
    """Every reason this way of holding the budget is not allowed, by field."""
    out: dict[str, str] = {}
    needs_representative = h.age < CHILD_UNDER or h.lacks_capacity
    if h.mode is Mode.THIRD_PARTY:
        if not h.third_party_name.strip():
            out["third_party_name"] = "Name the organisation that will hold the budget"
        if not h.third_party_independent:
            out["third_party_independent"] = (
                "A third party must be legally independent of both the person and the NHS"
            )
    if h.mode is not Mode.DIRECT_PAYMENT:
        if h.recipient is not None:
            out["recipient"] = "Only a direct payment is paid to someone"
        return out
    if h.excluded_by_schedule:
        out["mode"] = (
            "This person may not receive direct payments (the Schedule to the NHS (Direct "
            "Payments) Regulations 2013): choose a notional or third-party budget"
        )
    if h.recipient is None:
        out["recipient"] = "Say who receives the direct payment"
    elif h.recipient is Recipient.PATIENT and needs_representative:
        out["recipient"] = (
            "A child under 16 or an adult who lacks capacity receives a direct payment through "
            "a representative (regulations 4 and 5)"
        )
    elif h.recipient is Recipient.REPRESENTATIVE and not h.has_representative:
        out["recipient"] = "Record the representative first"
    elif h.recipient is Recipient.NOMINEE:
        if needs_representative:
            out["recipient"] = (
                "Only a patient who could receive the payment themselves can nominate someone; "
                "a representative acts here"
            )
        elif not h.has_nominee:
            out["recipient"] = "Record the nominee first"
    return out


def holder_may_spend(mode: Mode) -> bool:
    """Who records the spending: with a direct payment the recipient does (and must show what
    it was spent on); otherwise the NHS or the third party pays, recorded by the coordinator."""
    return mode is Mode.DIRECT_PAYMENT
