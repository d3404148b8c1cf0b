"""The notices the Provider Selection Regime requires, item by item as its schedules list them.

Source: the Health Care Services (Provider Selection Regime) Regulations 2023 (SI 2023/1348),
as amended by SI 2025/163 (notices go to the central digital platform from 24 February 2025;
before, the UK e-notification service). Each schedule lists what a notice contains; the
regulation that requires it says when (docs/decisions.md 053):

- Schedule 2: the award notice after direct award process A or B (regulations 7(2), 8(2)),
  within 30 days of the award. No standstill.
- Schedule 3: the notice of intention to award under direct award process C (regulation
  9(4)); the standstill begins the day after it is published (regulation 12(2)).
- Schedule 4: the notice after an award under direct award process C (regulation 9(11)),
  within 30 days of the award.
- Schedule 6: the notice of intention to award under the most suitable provider process
  (regulation 10(8)); Schedule 7: the notice after the award (regulation 10(15)), within 30
  days.
- Schedule 10: the notice of intention to award under the competitive process (regulation
  11(10)); Schedule 11: the notice after the award (regulation 11(17)), within 30 days.
- Schedule 12: the notice of a modification (regulation 13(4)), within 30 days.
- Schedule 13: the notice of an urgent award; Schedule 14: the notice of an urgent
  modification (regulation 14(5)); within 30 days (``rules.urgent``). Schedule 14's items are
  its text's; Schedule 13's text could not be read here, so its items are the award notice's
  (as Schedule 4) with Schedule 14's statement and reasons (docs/decisions.md 056).

The notice is written from ``NoticeFacts`` (what the decision and the contract say) into the
schedule's numbered items, so the public register shows exactly what the regulation lists,
in its order, and a test can check every item of every schedule. What the platform adds,
beyond the schedules: decision-makers are described by their authority (the organisation,
the budget, the delegated limit and where it was delegated), not by name; declared interests
are counted and described by what was declared and how it was managed, not by who declared
them (the public register carries no personal data); every item is redacted of what people
wrote that is personal, and the value may be withheld as commercially confidential with the
reason in its place (``rules.public``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from commissioning import money

from .public import redact, withheld_text
from .selection_route import AWARD_NOTICE_DAYS, Route
from .urgent import NOTICE_DAYS as URGENT_NOTICE_DAYS


class Stage(StrEnum):
    """Which notice: of intention to award (before the standstill) or of the award."""

    INTENTION = "intention"
    AWARD = "award"
    MODIFICATION = "modification"
    WITHDRAWAL = "withdrawal"


@dataclass(frozen=True)
class Schedule:
    number: int
    title: str
    regulation: str  # the regulation that requires the notice
    items: tuple[str, ...]  # the schedule's items, in its order, as headings
    deadline_days: int | None = None  # within so many days of the award (None: no deadline)
    starts_standstill: bool = False


_WHO = "Name and address of the provider"
_SERVICES = "The health care services and the most relevant CPV code"
_MAKERS = "The decision-makers"
_CONFLICTS = "Declared conflicts or potential conflicts of interest"
_MANAGED = "How the conflicts or potential conflicts were managed"
_TITLE = "Contract title and reference"
_WHY_URGENT = "The reasons why regulation 14 applied"

SCHEDULES: dict[int, Schedule] = {
    2: Schedule(
        2, "Notice of award following direct award process A or B", "regulations 7(2) and 8(2)",
        ("Statement of the process followed", _TITLE, _WHO, _SERVICES,
         "Lifetime value of the contract", "Dates of the services", _MAKERS, _CONFLICTS,
         _MANAGED),
        deadline_days=AWARD_NOTICE_DAYS,
    ),
    3: Schedule(
        3, "Notice of intention to award to the existing provider under direct award process C",
        "regulation 9(4)",
        ("Statement of intention", _TITLE, _WHO, _SERVICES,
         "Approximate lifetime value of the contract", _MAKERS,
         "Reasons for selecting the provider, with reference to the key criteria", _CONFLICTS,
         _MANAGED),
        starts_standstill=True,
    ),
    4: Schedule(
        4, "Notice following an award under direct award process C", "regulation 9(11)",
        ("Statement of the award", _TITLE, _WHO, _SERVICES, "Lifetime value of the contract",
         "Dates of the services", _MAKERS, _CONFLICTS, _MANAGED),
        deadline_days=AWARD_NOTICE_DAYS,
    ),
    6: Schedule(
        6, "Notice of intention to award under the most suitable provider process",
        "regulation 10(8)",
        ("Statement of intention", _TITLE, _WHO, _SERVICES,
         "Approximate lifetime value of the contract", _MAKERS,
         "Reasons for selecting the provider, with reference to the key criteria", _CONFLICTS,
         _MANAGED),
        starts_standstill=True,
    ),
    7: Schedule(
        7, "Notice following an award under the most suitable provider process",
        "regulation 10(15)",
        ("Statement of the award", _TITLE, _WHO, _SERVICES, "Lifetime value of the contract",
         "Dates of the services", _MAKERS, _CONFLICTS, _MANAGED),
        deadline_days=AWARD_NOTICE_DAYS,
    ),
    10: Schedule(
        10, "Notice of intention to award under the competitive process", "regulation 11(10)",
        ("Statement of intention", _TITLE, _WHO, _SERVICES,
         "Framework agreement: its duration and the authorities that may use it",
         "Approximate lifetime value of the contract", _MAKERS,
         "Reasons for selecting the provider, with reference to the key criteria", _CONFLICTS,
         _MANAGED, "Whether a framework agreement was used"),
        starts_standstill=True,
    ),
    11: Schedule(
        11, "Notice following a competition under the competitive process", "regulation 11(17)",
        ("Statement of the award", _TITLE, _WHO, _SERVICES, "Lifetime value of the contract",
         "Framework agreement: its duration, the authorities that may use it, its value",
         "Dates of the services", _MAKERS, _CONFLICTS, _MANAGED),
        deadline_days=AWARD_NOTICE_DAYS,
    ),
    13: Schedule(
        13, "Notice of urgent award", "regulation 14(5)",
        ("Statement that the award was urgent", _TITLE, _WHO, _SERVICES,
         "Lifetime value of the contract", "Dates of the services", _MAKERS, _CONFLICTS,
         _MANAGED, _WHY_URGENT),
        deadline_days=URGENT_NOTICE_DAYS,
    ),
    14: Schedule(
        14, "Notice of urgent modification", "regulation 14(5)(c)",
        ("Statement that the modification was urgent", _TITLE, _SERVICES,
         "Effective date of the modification",
         "Nature of the modification, including any change in value or length", _MAKERS,
         _CONFLICTS, _MANAGED, _WHY_URGENT),
        deadline_days=URGENT_NOTICE_DAYS,
    ),
    12: Schedule(
        12, "Notice of contract modification", "regulation 13(4)",
        (_TITLE, _SERVICES, "Effective date of the modification",
         "Brief description of the modification", "Change in the lifetime value",
         "Change in the term", _MAKERS, _CONFLICTS, _MANAGED),
        deadline_days=AWARD_NOTICE_DAYS,
    ),
}  # fmt: skip

# Not a schedule of the regulations: when a decision whose notice was published is withdrawn, the
# platform says so in a notice of its own, so the register and the OCDS record (an award
# cancelled) say what happened (docs/decisions.md 057). Number 0: no schedule.
WITHDRAWAL = Schedule(
    0, "Notice that the decision to award was withdrawn",
    "none (the platform's notice; no schedule requires it)",
    ("Statement that the decision was withdrawn", _TITLE, _WHO, _SERVICES,
     "Why the decision was withdrawn"),
)  # fmt: skip

# Which schedule each route's notices follow, at each stage. Direct awards A and B have no
# notice of intention (no standstill): their one notice is the award notice of Schedule 2.
_BY_ROUTE: dict[tuple[Route, Stage], int] = {
    (Route.DIRECT_AWARD_A, Stage.AWARD): 2,
    (Route.DIRECT_AWARD_B, Stage.AWARD): 2,
    (Route.DIRECT_AWARD_C, Stage.INTENTION): 3,
    (Route.DIRECT_AWARD_C, Stage.AWARD): 4,
    (Route.MOST_SUITABLE_PROVIDER, Stage.INTENTION): 6,
    (Route.MOST_SUITABLE_PROVIDER, Stage.AWARD): 7,
    (Route.COMPETITIVE, Stage.INTENTION): 10,
    (Route.COMPETITIVE, Stage.AWARD): 11,
    (Route.URGENT_AWARD, Stage.AWARD): 13,
    **{(route, Stage.MODIFICATION): 12 for route in Route},
}

_STATEMENT = {
    2: "The {authority} awarded this contract following {route}.",
    3: "The {authority} intends to award a contract to the existing provider following {route}.",
    4: "The {authority} awarded this contract to the existing provider following {route}.",
    6: "The {authority} intends to award a contract to the chosen provider following {route}.",
    7: "The {authority} awarded this contract following {route}.",
    10: "The {authority} intends to award a contract to the chosen provider following {route}.",
    11: "The {authority} awarded this contract following a competition under {route}.",
    12: "",
    13: "In the view of the {authority} the award of this contract was urgent: it was awarded "
    "without a provider selection process, in reliance on regulation 14.",
    14: "In the view of the {authority} this modification was urgent: it was made in reliance "
    "on regulation 14.",
    0: "The {authority} withdrew its decision to award this contract, which its earlier notice "
    "announced, before a contract was entered into.",
}


def schedule_for(route: Route, stage: Stage, urgent: bool = False) -> Schedule | None:
    """The schedule a route's notice at ``stage`` follows; ``None`` where the regime has no
    such notice (no notice of intention under direct award A or B, nor for an urgent award).
    An ``urgent`` modification's notice is Schedule 14's."""
    if stage is Stage.MODIFICATION and urgent:
        return SCHEDULES[14]
    if stage is Stage.WITHDRAWAL:
        return WITHDRAWAL
    number = _BY_ROUTE.get((route, stage))
    return SCHEDULES[number] if number is not None else None


def first_notice(route: Route) -> Schedule:
    """The notice the decision to award is followed by: of intention where a standstill
    follows, else the award notice."""
    stage = Stage.INTENTION if route.needs_standstill else Stage.AWARD
    schedule = schedule_for(route, stage)
    assert schedule is not None  # every route has one
    return schedule


@dataclass(frozen=True)
class Interest:
    """A declared interest, without who declared it: what it concerned and how it was
    managed."""

    concerning: str  # the provider it concerns, or "" for an interest in none in particular
    description: str
    management: str  # as managed (a label), or "Not yet managed"


@dataclass(frozen=True)
class NoticeFacts:
    authority: str  # the relevant authority's name
    route: Route
    title: str
    reference: str
    provider: str  # the provider's name
    provider_address: str
    services: str  # what the services are
    cpv_code: str  # e.g. "85111000-0"
    cpv_label: str  # e.g. "Hospital services"
    value_pence: int
    decision_makers: str
    reasons: str = ""  # with reference to the key criteria (notices of intention)
    term_months: int = 0  # the specification's term, while the contract's dates are not fixed
    start: dt.date | None = None  # the services' dates (award notices)
    end: dt.date | None = None
    declarations: int = 0  # how many declarations were made (of an interest or of none)
    interests: tuple[Interest, ...] = field(default_factory=tuple)
    # A modification (Schedule 12): when it took effect, what it is, and the value's change.
    modified_on: dt.date | None = None
    modification: str = ""
    value_change_pence: int = 0
    urgent_reasons: str = ""  # why regulation 14 applied (Schedules 13 and 14)
    # What the public may not read (rules.public): the reason the value is withheld as
    # commercially confidential (empty: it is published), and the names of the people who
    # took part, redacted from every item.
    value_withheld: str = ""
    personal_names: tuple[str, ...] = ()
    withdrawn_reason: str = ""  # a withdrawn decision: why
    # Under direct award B, the other providers awarded: (name, address) each.
    other_providers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class NoticeItem:
    number: int  # the item's number in the schedule
    heading: str
    text: str


def _dates(facts: NoticeFacts) -> str:
    if facts.start is None or facts.end is None:
        return (
            f"For {facts.term_months} months from the contract's start, which is not yet fixed."
            if facts.term_months
            else "Not yet fixed: the contract has not been entered into."
        )
    return f"From {_day(facts.start)} to {_day(facts.end)}."


def _day(d: dt.date) -> str:
    return f"{d.day} {d:%B %Y}"


def _interests(facts: NoticeFacts) -> tuple[str, str]:
    if not facts.interests:
        declared = (
            f"None: {facts.declarations} declaration{'s' if facts.declarations != 1 else ''} "
            "of interests, each declaring none."
            if facts.declarations
            else "None declared."
        )
        return declared, "Nothing to manage."
    declared = "; ".join(
        f"an interest{f' concerning {i.concerning}' if i.concerning else ''}: {i.description}"
        for i in facts.interests
    )
    managed = "; ".join(
        f"the interest{f' concerning {i.concerning}' if i.concerning else ''}: {i.management}"
        for i in facts.interests
    )
    n = len(facts.interests)
    return f"{n} declared: {declared}.", f"{managed}."


def notice_items(schedule: Schedule, facts: NoticeFacts) -> list[NoticeItem]:
    """The notice's items, one for each item of ``schedule``, in its order."""
    declared, managed = _interests(facts)
    value = money.pounds(facts.value_pence)
    withheld = withheld_text(facts.value_withheld) if facts.value_withheld else ""
    change = (
        f"{'An increase' if facts.value_change_pence >= 0 else 'A reduction'} of "
        f"{money.pounds(abs(facts.value_change_pence))} in the lifetime value"
        + (f"; the value itself is {withheld[0].lower()}{withheld[1:]}" if withheld
           else f", to {value}.")
    )  # fmt: skip
    statement = _STATEMENT[schedule.number].format(
        authority=facts.authority, route=facts.route.label.lower()
    )
    text_for = {
        "Statement of the process followed": statement,
        "Statement of intention": statement,
        "Statement of the award": statement,
        "Statement that the award was urgent": statement,
        "Statement that the modification was urgent": statement,
        "Statement that the decision was withdrawn": statement,
        "Why the decision was withdrawn": facts.withdrawn_reason or "Not recorded.",
        _WHY_URGENT: facts.urgent_reasons or "Not recorded.",
        "Nature of the modification, including any change in value or length": (
            f"{(facts.modification or 'Not recorded.').rstrip('.')}. {change} The contract's "
            "dates are unchanged."
        ),
        _TITLE: f"{facts.title} ({facts.reference})",
        _WHO: "; ".join(
            f"{name}, {address or 'address not recorded'}"
            for name, address in ((facts.provider, facts.provider_address), *facts.other_providers)
        ),
        _SERVICES: f"{facts.services} CPV {facts.cpv_code}: {facts.cpv_label}.",
        "Lifetime value of the contract": withheld or f"{value} over the contract's term.",
        "Approximate lifetime value of the contract": withheld
        or f"About {value} over the contract's term.",
        "Dates of the services": _dates(facts),
        _MAKERS: facts.decision_makers,
        "Reasons for selecting the provider, with reference to the key criteria": facts.reasons,
        _CONFLICTS: declared,
        _MANAGED: managed,
        "Framework agreement: its duration and the authorities that may use it": (
            "Not applicable: the notice is of a contract, not a framework agreement."
        ),
        "Framework agreement: its duration, the authorities that may use it, its value": (
            "Not applicable: the notice is of a contract, not a framework agreement."
        ),
        "Whether a framework agreement was used": "No framework agreement was used.",
        "Effective date of the modification": _day(facts.modified_on) + "."
        if facts.modified_on
        else "Not recorded.",
        "Brief description of the modification": facts.modification or "Not recorded.",
        "Change in the lifetime value": change,
        "Change in the term": "None: the contract's dates are unchanged.",
    }
    return [NoticeItem(n, heading, redact(text_for[heading], facts.personal_names))
            for n, heading in enumerate(schedule.items, start=1)]  # fmt: skip


def due_by(schedule: Schedule, awarded_on: dt.date) -> dt.date | None:
    """The last day to submit the notice for publication (``None``: no deadline)."""
    if schedule.deadline_days is None:
        return None
    return awarded_on + dt.timedelta(days=schedule.deadline_days)
