"""Whether the existing provider is satisfying its contract: the evidence behind direct award C.

Source: the Health Care Services (Provider Selection Regime) Regulations 2023 (SI 2023/1348).
Direct award process C is open only where "the relevant authority is of the view that the
existing provider is satisfying the existing contract and will likely satisfy the proposed
contract to a sufficient standard" (regulation 6(5)(d); regulation 9(2), step 1, says "the
original contract" and asks the authority to take the key criteria into account). The
regulations leave the view to the authority; the Independent Patient Choice and Procurement
Panel has asked that it be documented and robust. The platform holds that contract's record, so
the view starts from it instead of a tick box (issue 20; docs/decisions.md 054):

- against: a line of the quality schedule whose figures consistently fail its target (the SPC
  assurance of Making Data Count: the process limits on the wrong side of the target); a
  contract performance notice not closed; a remedial action plan with a milestone past due and
  not met; a case escalated beyond the contract.
- caution (said, not decisive): a line whose latest month missed its target; a concern raised
  and still open; spending more than a tenth above the contract's value for the time elapsed.

The provider is taken to be satisfying the contract where nothing counts against it. Choosing
direct award C where something does needs a written justification, kept in the decision record
and quoted in the notice of intention (Schedule 3, item 7): the authority's view prevails, and
is seen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from commissioning import money

# How far spending may run ahead of the contract's value for the time elapsed before it is said.
OVERSPEND_SHARE = 0.10
MIN_JUSTIFICATION_CHARS = 50


class Weight(StrEnum):
    AGAINST = "against"
    CAUTION = "caution"


class Assurance(StrEnum):
    """A line's SPC assurance against its target (Making Data Count's icons)."""

    CONSISTENTLY_PASSES = "consistently_passes"
    INCONSISTENT = "inconsistent"
    CONSISTENTLY_FAILS = "consistently_fails"
    NO_DATA = "no_data"


@dataclass(frozen=True)
class Line:
    title: str
    assurance: Assurance
    latest_missed: bool = False  # the latest month missed the target


@dataclass(frozen=True)
class ContractRecord:
    """What the platform holds about the existing contract, as plain facts."""

    reference: str
    lines: tuple[Line, ...] = ()
    open_concerns: tuple[str, ...] = ()  # cases raised and open, with no notice yet
    notices_open: tuple[str, ...] = ()  # cases with a contract performance notice, not closed
    milestones_overdue: tuple[str, ...] = ()  # remedial plans' milestones past due and unmet
    escalated: tuple[str, ...] = ()  # cases escalated beyond the contract
    value_pence: int = 0
    spent_pence: int | None = None  # None: the platform holds no spending for it
    elapsed_share: float = 0.0  # how much of the contract's term has passed, 0 to 1


@dataclass(frozen=True)
class Finding:
    weight: Weight
    text: str


@dataclass(frozen=True)
class View:
    """The evidence, and what it says: satisfying where nothing counts against."""

    reference: str | None
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def satisfying(self) -> bool:
        return self.reference is not None and not self.against

    @property
    def against(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.weight is Weight.AGAINST)

    @property
    def cautions(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.weight is Weight.CAUTION)


def _names(items: tuple[str, ...]) -> str:
    return ", ".join(items)


def assess(record: ContractRecord | None) -> View:
    """What the record of the existing contract says about whether its provider is satisfying
    it (``None``: the platform holds no contract with the existing provider, so it cannot
    say)."""
    if record is None:
        none = (
            "The platform holds no contract with the existing provider: its performance cannot "
            "be shown."
        )
        return View(None, (Finding(Weight.AGAINST, none),))
    found: list[Finding] = []
    failing = tuple(line.title for line in record.lines
                    if line.assurance is Assurance.CONSISTENTLY_FAILS)  # fmt: skip
    if failing:
        found.append(Finding(Weight.AGAINST, f"Quality schedule lines consistently failing their "
                             f"targets: {_names(failing)}."))  # fmt: skip
    if record.notices_open:
        found.append(Finding(Weight.AGAINST, "Contract performance notices not closed: "
                             f"{_names(record.notices_open)}."))  # fmt: skip
    if record.milestones_overdue:
        found.append(Finding(Weight.AGAINST, "Remedial action plan milestones past due and not "
                             f"met: {_names(record.milestones_overdue)}."))  # fmt: skip
    if record.escalated:
        found.append(Finding(Weight.AGAINST, "Cases escalated beyond the contract: "
                             f"{_names(record.escalated)}."))  # fmt: skip
    missed = tuple(
        line.title
        for line in record.lines
        if line.latest_missed and line.assurance is not Assurance.CONSISTENTLY_FAILS
    )
    if missed:
        found.append(Finding(Weight.CAUTION, f"Lines whose latest month missed the target: "
                             f"{_names(missed)}."))  # fmt: skip
    if record.open_concerns:
        found.append(Finding(Weight.CAUTION, "Concerns raised and still open: "
                             f"{_names(record.open_concerns)}."))  # fmt: skip
    if record.spent_pence is not None and record.value_pence > 0:
        expected = record.value_pence * min(max(record.elapsed_share, 0.0), 1.0)
        if record.spent_pence > expected * (1 + OVERSPEND_SHARE) and record.spent_pence > 0:
            found.append(Finding(Weight.CAUTION, f"Spending of {money.pounds(record.spent_pence)} "
                                 f"is more than a tenth above the {money.pounds(round(expected))} "
                                 "the contract's value gives for the time elapsed."))  # fmt: skip
    return View(record.reference, tuple(found))


def justification_problem(view: View, justification: str) -> str | None:
    """Why choosing direct award C cannot go ahead as it stands (``None`` if it can): against
    the evidence, the authority says why in writing."""
    if view.satisfying:
        return None
    if len(justification.strip()) >= MIN_JUSTIFICATION_CHARS:
        return None
    return (
        "The contract's record counts against the existing provider satisfying it: explain in "
        f"at least {MIN_JUSTIFICATION_CHARS} characters why direct award C is still right "
        "(the decision record and the notice of intention quote it)"
    )
