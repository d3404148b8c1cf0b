"""The annual summary a relevant authority must publish: regulation 25 of the Health Care
Services (Provider Selection Regime) Regulations 2023 (SI 2023/1348), item by item.

Regulation 25(1): publish online, free of charge, an annual summary of the authority's
contracting activity for relevant health care services. Regulation 25(2) lists what it must
include, and this module counts each from the platform's record (pure: plain facts in):

(a) contracts awarded in the year where direct award process A, B or C was followed (one figure
    in the regulation; the summary also shows it by process, as authorities publish it);
(b) contracts awarded where the most suitable provider process was followed;
(c) contracts awarded where the competitive process was followed;
(d) framework agreements concluded;
(e) contracts awarded based on a framework agreement;
(f) contracts awarded and modifications made in reliance on regulation 14 (urgent award or
    modification);
(g) new providers to whom a contract was awarded;
(h) providers who held a contract in the previous year but hold no contract in the year;
(i) written representations made under regulation 12(3) and received during standstill periods
    that ended in the year, with a summary of their nature and impact.

The regulations do not define the year; the platform's is the NHS financial year (1 April to 31
March), named by the year it starts in (docs/decisions.md 053). A contract is awarded when it is
entered into (signed by both sides). "New provider" is read as a provider awarded a contract in
the year that held no contract with the authority before the year; "held a contract" as a
contract in force on any day of that year. An urgent award counts in (f) and not in (a) to (c):
it follows no process. The platform does not record framework agreements, so (d) and (e) are
counted from what it records (none) and say so.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

DIRECT = ("direct_award_a", "direct_award_b", "direct_award_c")


@dataclass(frozen=True)
class Year:
    starts: int  # 2026 is 1 April 2026 to 31 March 2027

    @property
    def first(self) -> dt.date:
        return dt.date(self.starts, 4, 1)

    @property
    def last(self) -> dt.date:
        return dt.date(self.starts + 1, 3, 31)

    @property
    def name(self) -> str:
        return f"{self.starts}/{str(self.starts + 1)[-2:]}"

    def holds(self, day: dt.date) -> bool:
        return self.first <= day <= self.last

    def previous(self) -> Year:
        return Year(self.starts - 1)


@dataclass(frozen=True)
class Awarded:
    """A contract of the authority's: the route it was awarded under, when it was entered into,
    to whom, and the dates it runs between."""

    reference: str
    route: str
    entered_into: dt.date
    provider: str  # ODS code
    start: dt.date
    end: dt.date
    urgent: bool = False  # awarded in reliance on regulation 14
    framework: bool = False  # awarded based on a framework agreement


@dataclass(frozen=True)
class Modified:
    """A modification of one of the authority's contracts, and whether it relied on
    regulation 14."""

    reference: str
    made_on: dt.date
    urgent: bool = False


@dataclass(frozen=True)
class Representation:
    """A written representation received during a standstill, with when that standstill ended,
    what it was about and what came of it."""

    standstill_ended: dt.date | None  # None: the standstill has not ended
    grounds: str  # their nature as published: what the representation was against
    outcome: str  # e.g. "the decision stands", "the decision was withdrawn", "under review"


@dataclass(frozen=True)
class Summary:
    year: Year
    direct: int  # (a)
    direct_by_process: dict[str, int]
    most_suitable: int  # (b)
    competitive: int  # (c)
    frameworks_concluded: int  # (d)
    framework_awards: int  # (e)
    urgent: int  # (f): awards and modifications
    new_providers: tuple[str, ...]  # (g)
    providers_gone: tuple[str, ...]  # (h)
    representations: int  # (i)
    representation_outcomes: dict[str, int] = field(default_factory=dict)
    representation_grounds: tuple[str, ...] = ()

    def items(self) -> list[tuple[str, str, str]]:
        """The regulation's items in its order: (letter, what it asks, the answer)."""
        by = ", ".join(f"{n} under {p}" for p, n in self.direct_by_process.items() if n)
        outcomes = "; ".join(f"{n} {o}" for o, n in sorted(self.representation_outcomes.items()))
        return [
            ("a", "Contracts awarded where direct award process A, B or C was followed",
             f"{self.direct}" + (f" ({by})" if by else "")),
            ("b", "Contracts awarded where the most suitable provider process was followed",
             f"{self.most_suitable}"),
            ("c", "Contracts awarded where the competitive process was followed",
             f"{self.competitive}"),
            ("d", "Framework agreements concluded", f"{self.frameworks_concluded}"),
            ("e", "Contracts awarded based on a framework agreement", f"{self.framework_awards}"),
            ("f", "Contracts awarded and modifications made in reliance on regulation 14 "
             "(urgent award or modification)", f"{self.urgent}"),
            ("g", "New providers to whom a contract was awarded", f"{len(self.new_providers)}"),
            ("h", "Providers who held a contract in the previous year but hold no contract in "
             "the year", f"{len(self.providers_gone)}"),
            ("i", "Written representations received during standstill periods that ended in the "
             "year, their nature and impact",
             f"{self.representations}" + (f": {outcomes}" if outcomes else "")),
        ]  # fmt: skip


PROCESS_NAMES = {"direct_award_a": "process A", "direct_award_b": "process B",
                 "direct_award_c": "process C"}  # fmt: skip


def _held(contract: Awarded, year: Year) -> bool:
    return contract.start <= year.last and contract.end >= year.first


def summarise(
    year: Year,
    contracts: Sequence[Awarded],
    modifications: Iterable[Modified] = (),
    representations: Iterable[Representation] = (),
    frameworks_concluded: int = 0,
) -> Summary:
    """Regulation 25(2)'s items for ``year`` from every contract of the authority (all years:
    who held what before decides (g) and (h)), its modifications and the representations made
    during its standstills."""
    awarded = [c for c in contracts if year.holds(c.entered_into)]
    routes = Counter(c.route for c in awarded)
    held_before = {c.provider for c in contracts if c.entered_into < year.first}
    new = sorted({c.provider for c in awarded} - held_before)
    previous = year.previous()
    held_then = {c.provider for c in contracts if _held(c, previous) and c.entered_into
                 <= previous.last}  # fmt: skip
    held_now = {c.provider for c in contracts if _held(c, year) and c.entered_into <= year.last}
    gone = sorted(held_then - held_now)
    counted = [r for r in representations
               if r.standstill_ended is not None and year.holds(r.standstill_ended)]  # fmt: skip
    urgent = sum(1 for c in awarded if c.urgent) + sum(
        1 for m in modifications if m.urgent and year.holds(m.made_on)
    )
    return Summary(
        year=year,
        direct=sum(routes[r] for r in DIRECT),
        direct_by_process={PROCESS_NAMES[r]: routes[r] for r in DIRECT},
        most_suitable=routes["most_suitable_provider"],
        competitive=routes["competitive"],
        frameworks_concluded=frameworks_concluded,
        framework_awards=sum(1 for c in awarded if c.framework),
        urgent=urgent,
        new_providers=tuple(new),
        providers_gone=tuple(gone),
        representations=len(counted),
        representation_outcomes=dict(Counter(r.outcome for r in counted)),
        representation_grounds=tuple(r.grounds for r in counted),
    )
