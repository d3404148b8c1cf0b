"""Numbers and dates as people read them, and as spreadsheets read them: the one place a
figure, a share or a date is written, so that a page, its CSV, its PDF and its chart say the
same (money is ``commissioning.money``).

- ``figure(Decimal("760.000"))`` → ``760``; ``figure(1019893)`` → ``1,019,893``;
  ``figure(71.3, places=1)`` → ``71.3``: exact for a ``Decimal`` (never ``7.6E+2``), trailing
  zeros dropped unless ``places`` fixes them, thousands separated, the minus sign U+2212.
- ``plain_figure`` is the same for a CSV cell: no separators, an ASCII hyphen-minus.
- ``percent(0.0239)`` → ``2.4%``: a share (a fraction of one) as a percentage.
- ``day(date)`` → ``3 December 2026``, the NHS style for dates.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

MINUS = "−"
NOT_AVAILABLE = "n/a"  # a ratio with nothing expected, say: never "NaN" or "inf" on a page


def _exact(value, places: int | None) -> Decimal:
    if isinstance(value, Fraction):
        number = Decimal(value.numerator) / Decimal(value.denominator)
    else:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        return number
    if places is not None:
        return number.quantize(Decimal(1).scaleb(-places))
    if number == number.to_integral_value():
        return number.quantize(Decimal(1))
    return number.normalize()


def _text(value, places: int | None, grouped: bool, minus: str) -> str:
    if value is None or value == "":
        return ""
    number = _exact(value, places)
    if not number.is_finite():
        return NOT_AVAILABLE
    text = f"{abs(number):,f}" if grouped else f"{abs(number):f}"
    return f"{minus}{text}" if number < 0 else text


def figure(value, places: int | None = None) -> str:
    """A figure for people: exact, thousands separated, trailing zeros dropped (or ``places``
    decimals kept); empty for none."""
    return _text(value, places, grouped=True, minus=MINUS)


def plain_figure(value, places: int | None = None) -> str:
    """A figure for a spreadsheet cell: as ``figure`` without separators, minus as ``-``."""
    return _text(value, places, grouped=False, minus="-")


def percent(share, places: int = 1) -> str:
    """A share (0.0239) as a percentage (``2.4%``)."""
    if share is None or share == "":
        return ""
    return f"{figure(Decimal(str(share)) * 100, places)}%"


# How people in England write a date: 2027-01-31, 31/01/2027, 31/1/27, 31 January 2027, 31 Jan 2027
DAY_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d %B %Y", "%d %b %Y", "%d-%m-%Y")


def read_day(text: str) -> dt.date | None:
    """A date as people type it (``DAY_FORMATS``), or ``None`` if it is not one."""
    cleaned = " ".join(text.replace(",", " ").split())
    for pattern in DAY_FORMATS:
        try:
            return dt.datetime.strptime(cleaned, pattern).date()
        except ValueError:
            continue
    return None


def day(value: dt.date | dt.datetime | None) -> str:
    """A date as the NHS writes it: ``3 December 2026``."""
    if value is None:
        return ""
    return f"{value.day} {value:%B %Y}"


def month(value: dt.date | dt.datetime | None, short: bool = False) -> str:
    """A month as the NHS writes it: ``December 2026`` (``Dec 2026`` when ``short``)."""
    if value is None:
        return ""
    return f"{value:%b %Y}" if short else f"{value:%B %Y}"
