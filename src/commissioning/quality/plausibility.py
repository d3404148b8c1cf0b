"""What a figure for a quality schedule line can be, from what the line measures: a percentage
lies between 0 and 100, a count is a whole number of at least 0, a rate cannot be negative, an
EQ-5D index lies between −0.594 (the worst state of the UK value set) and 1. Pure rules: the
service refuses a figure outside them, naming the field and the limit, before anything is
saved (a "% within 60 minutes" of 150 was once accepted, and plotted).

The kind of measure comes from the indicator's unit as the NHS Outcomes Framework states it
(``percentage surviving``, ``deaths per 100,000 population``, ``number of incidents``), or, for
a quality requirement with no indicator, from its threshold (``at least 95% each month``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from commissioning.numbers import figure


@dataclass(frozen=True)
class Bounds:
    what: str  # how the refusal names the measure: "a percentage"
    low: Decimal | None = None
    high: Decimal | None = None
    whole: bool = False


PERCENTAGE = Bounds("a percentage", Decimal(0), Decimal(100))
SCORE_OUT_OF_100 = Bounds("a score out of 100", Decimal(0), Decimal(100))
COUNT = Bounds("a count", Decimal(0), whole=True)
RATE = Bounds("a rate", Decimal(0))
EQ5D = Bounds("an EQ-5D index", Decimal("-0.594"), Decimal(1))
YEARS = Bounds("a number of years", Decimal(0))
ANY = Bounds("a figure")


def bounds_for(unit: str = "", threshold: str = "") -> Bounds:
    """What a line measures, from its indicator's unit or (with none) its threshold."""
    text = unit.lower()
    if not text:
        return PERCENTAGE if "%" in threshold else ANY
    if "eq-5d" in text and "gain" not in text:
        return EQ5D
    if "out of 100" in text:
        return SCORE_OUT_OF_100
    if "percentage" in text or "%" in text or text.endswith("rate (percentage)"):
        return PERCENTAGE
    if text.startswith("number of"):
        return COUNT
    if " per " in text:
        return RATE
    if text == "years":
        return YEARS
    return ANY


def figure_problem(value: Decimal, bounds: Bounds) -> str | None:
    """Why ``value`` cannot be a figure of this kind, naming the limit; ``None`` if it can."""
    if bounds.low is not None and bounds.high is not None:
        if not bounds.low <= value <= bounds.high:
            return (
                f"{bounds.what.capitalize()} is from {figure(bounds.low)} to "
                f"{figure(bounds.high)}: {figure(value)} is outside that"
            )
    elif bounds.low is not None and value < bounds.low:
        return f"{bounds.what.capitalize()} cannot be below {figure(bounds.low)}"
    if bounds.whole and value != value.to_integral_value():
        return f"{bounds.what.capitalize()} is a whole number: {figure(value)} is not"
    return None
