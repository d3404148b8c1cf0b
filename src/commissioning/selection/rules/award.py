"""Award decisions, the standstill that follows them, and when the contract may be made.

Sources: the Provider Selection Regime (SI 2023/1348) and NHS England's statutory guidance
(docs/domain.md sections 9 and 11):

- Direct award A must go to the existing provider, the only capable provider; direct award C
  goes to the existing provider whose contract is expiring; under direct award B every
  provider that meets the requirements is awarded a contract (section 9). That the most
  suitable provider and the competitive processes award to one provider is the platform's
  rule.
- Under direct award C, the most suitable provider process and the competitive process a
  notice of intention to award is published and a standstill of 8 working days follows
  (section 11, ``working_days``). A representation made during standstill keeps it open while
  the authority reviews its decision; if the authority goes ahead, a further 5 working days
  pass, after which the provider may ask the Independent Patient Choice and Procurement Panel
  for advice (section 11). Not entering into the contract during those 5 days is the
  platform's reading. Applying the key criteria (``evaluation``) before deciding under these
  three processes is the platform's rule.
- Under direct awards A and B an award notice is published within 30 days (section 11); with
  no standstill for them, the platform lets the contract be entered into at once.
- The decision may depart from the evaluation ranking, but the record must say so, with the
  rationale: regulation 24's record sets out the reasons for the decision (section 11), and
  marking a departure from the moderated ranking is the platform's rule (docs/decisions.md
  024).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from .selection_route import AWARD_NOTICE_DAYS, Route
from .working_days import standstill, standstill_after_representations

MIN_RATIONALE_CHARS = 30


class Outcome(StrEnum):
    AWARD = "award"
    NOT_AWARD = "not_award"
    CHANGE_SPECIFICATION = "change_specification"

    @property
    def label(self) -> str:
        return {
            Outcome.AWARD: "Award a contract",
            Outcome.NOT_AWARD: "Do not award",
            Outcome.CHANGE_SPECIFICATION: "Change the specification",
        }[self]


def needs_evaluation(route: Route) -> bool:
    """The key criteria are applied under direct award C, most suitable provider, competitive
    (not under A or B, nor in an urgent award, which follows no process)."""
    return route not in (Route.DIRECT_AWARD_A, Route.DIRECT_AWARD_B, Route.URGENT_AWARD)


def award_problems(
    route: Route,
    outcome: Outcome,
    awarded_provider_ids: Sequence[int],
    incumbent_id: int | None,
    rationale: str,
) -> dict[str, str]:
    """Problems with a proposed decision, by field."""
    problems: dict[str, str] = {}
    if len(rationale.strip()) < MIN_RATIONALE_CHARS:
        problems["rationale"] = (
            "Explain the decision in a sentence or more: the decision record quotes it"
        )
    if outcome is not Outcome.AWARD:
        if awarded_provider_ids:
            problems["awarded"] = (
                f"Choose no proposal when the decision is to {outcome.label.lower()}"
            )
        return problems
    if not awarded_provider_ids:
        problems["awarded"] = "Choose the proposal to award"
    elif route is not Route.DIRECT_AWARD_B and len(awarded_provider_ids) > 1:
        problems["awarded"] = (
            "Only direct award process B awards more than one provider; choose one proposal"
        )
    elif route in (Route.DIRECT_AWARD_A, Route.DIRECT_AWARD_C) and (
        incumbent_id is None or set(awarded_provider_ids) != {incumbent_id}
    ):
        problems["awarded"] = f"{route.label} awards the contract to the existing provider only"
    return problems


@dataclass(frozen=True)
class RepresentationFacts:
    open: bool
    responded_on: dt.date | None = None
    upheld: bool = False


@dataclass(frozen=True)
class StandstillState:
    needs_standstill: bool
    notice_published_on: dt.date | None
    last_day: dt.date | None
    held_open: bool
    contract_may_be_made: bool
    explanation: str
    award_notice_due: dt.date | None = None


def standstill_state(
    route: Route,
    outcome: Outcome,
    withdrawn: bool,
    decided_on: dt.date,
    notice_published_on: dt.date | None,
    representations: Sequence[RepresentationFacts],
    today: dt.date,
) -> StandstillState:
    """Where an award stands: whether its standstill is running, held open or over, and so
    whether the contract may be made today."""
    if withdrawn:
        return StandstillState(False, None, None, False, False, "The decision was withdrawn.")
    if outcome is not Outcome.AWARD:
        return StandstillState(
            False, None, None, False, False, "No contract follows this decision."
        )
    if not route.needs_standstill:
        due = decided_on + dt.timedelta(days=AWARD_NOTICE_DAYS)
        return StandstillState(
            False,
            notice_published_on,
            None,
            False,
            True,
            f"{route.label} needs no standstill: the contract may be made now, and the award "
            f"notice must be published by {due:%-d %B %Y}.",
            award_notice_due=due,
        )
    if notice_published_on is None:
        return StandstillState(
            True,
            None,
            None,
            False,
            False,
            "Publish the notice of intention to award; a standstill of 8 working days follows.",
        )
    last = standstill(notice_published_on).last_day
    for rep in representations:
        if rep.upheld and rep.responded_on is not None:
            last = max(last, standstill_after_representations(rep.responded_on).last_day)
    if any(r.open for r in representations):
        return StandstillState(
            True,
            notice_published_on,
            last,
            True,
            False,
            "A representation has been made: the standstill stays open until you have reviewed "
            "the decision and responded.",
        )
    if today <= last:
        return StandstillState(
            True,
            notice_published_on,
            last,
            False,
            False,
            f"Standstill runs to the end of {last:%A %-d %B %Y}; the contract may be made from "
            f"{last + dt.timedelta(days=1):%A %-d %B %Y}.",
        )
    return StandstillState(
        True,
        notice_published_on,
        last,
        False,
        True,
        f"Standstill ended on {last:%A %-d %B %Y} with no open representation: the contract "
        "may be made.",
    )


def representation_window_open(state: StandstillState, today: dt.date) -> bool:
    """Representations are made during standstill, after the notice and up to its last day."""
    return (
        state.needs_standstill
        and state.notice_published_on is not None
        and state.last_day is not None
        and state.notice_published_on <= today <= state.last_day
    )
