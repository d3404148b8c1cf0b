"""Urgent award or modification: regulation 14 of the Health Care Services (Provider Selection
Regime) Regulations 2023 (SI 2023/1348).

A relevant authority may award a contract without following a provider selection process, or
modify a contract beyond what regulation 13 permits, only where all of these hold:

- the award or modification must be made urgently;
- the reason for the urgency was not foreseeable by the authority;
- it is not attributable to the authority (poor planning, such as not leaving time to run a
  process, is not a reason);
- delaying the award or modification to apply the regime in full would be likely to pose a
  risk to patient or public safety.

After it, the authority publishes a notice: Schedule 13 for an urgent award, Schedule 14 for an
urgent modification (regulation 14(5)), each giving the reasons why regulation 14 applied.

What the platform could and could not read (docs/decisions.md 056): the four conditions are
as NHS England's statutory guidance and the Welsh Government's guidance on the same regulation
state them; Schedule 14's items were read from its text. The text of regulation 14 itself and
of Schedule 13 could not be read here, so two figures are the platform's, marked so and kept
in this module, to check against the regulation:

- ``NOTICE_DAYS``: the notice within 30 days, as every other award and modification notice of
  the regime (Schedules 2, 4, 7, 11 and 12);
- ``MAX_TERM_MONTHS``: an urgent award is a stopgap until the regime can be applied in full;
  the platform holds its term to 12 months (the longest of the urgent awards published on Find
  a Tender that were read).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

NOTICE_DAYS = 30  # the platform's reading (module docstring)
MAX_TERM_MONTHS = 12  # the platform's rule (module docstring)
MIN_REASONS_CHARS = 30

# The conditions, each as the question a commissioner is asked: one declaration that the
# models, the forms, the API and the rule follow.
CONDITIONS: dict[str, str] = {
    "urgent_must_be_made_urgently": "Must it be done urgently?",
    "urgent_not_foreseeable": "Was the reason for the urgency not foreseeable by you?",
    "urgent_not_attributable": "Is the reason for the urgency not attributable to you (not, "
    "for example, to leaving too little time to run a process)?",
    "urgent_delay_risks_safety": "Would delaying it to apply the regime in full be likely to "
    "pose a risk to patient or public safety?",
}

_WHY_NOT = {
    "urgent_must_be_made_urgently": "Regulation 14 applies only where the award or modification "
    "must be made urgently",
    "urgent_not_foreseeable": "Regulation 14 does not apply where the reason for the urgency was "
    "foreseeable by the authority",
    "urgent_not_attributable": "Regulation 14 does not apply where the urgency is attributable to "
    "the authority, such as not leaving time to run a process",
    "urgent_delay_risks_safety": "Regulation 14 applies only where delay would be likely to pose "
    "a risk to patient or public safety",
}


@dataclass(frozen=True)
class Urgency:
    """What the authority records to rely on regulation 14."""

    urgent_must_be_made_urgently: bool = False
    urgent_not_foreseeable: bool = False
    urgent_not_attributable: bool = False
    urgent_delay_risks_safety: bool = False
    urgent_reasons: str = ""  # why regulation 14 applies: the notice publishes it

    @property
    def applies(self) -> bool:
        return not problems(self)


def problems(u: Urgency) -> dict[str, str]:
    """Why regulation 14 cannot be relied on, by field (empty: it can)."""
    found = {name: why for name, why in _WHY_NOT.items() if not getattr(u, name)}
    if len(u.urgent_reasons.strip()) < MIN_REASONS_CHARS:
        found["urgent_reasons"] = (
            "Say why regulation 14 applies, in a sentence or more: the notice publishes it"
        )
    return found


def term_problem(term_months: int) -> str | None:
    """Why an urgently awarded contract of ``term_months`` is too long (``None``: it is not)."""
    if term_months > MAX_TERM_MONTHS:
        return (
            f"An urgent award is a stopgap until the regime can be applied in full: its term "
            f"may be at most {MAX_TERM_MONTHS} months, not {term_months}"
        )
    return None


def notice_due_by(made_on: dt.date) -> dt.date:
    """The last day to submit the notice of an urgent award or modification."""
    return made_on + dt.timedelta(days=NOTICE_DAYS)
