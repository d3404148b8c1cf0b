"""Money. Every amount is a whole number of pence (an ``int``), stored, added and compared
exactly; this is the one place amounts are read from what people type and written for people,
for spreadsheets and for charts. No floating point, except to draw a chart.

- ``pounds(123456)`` → ``£1,234.56``; whole pounds keep no pence (``£1,234``);
  ``pounds_and_pence`` always shows them (``£1,234.00``); negative amounts take the minus
  sign (U+2212), as the NHS style does.
- ``plain(-123456)`` → ``-1234.56``: for CSV cells, which a spreadsheet reads as a number
  (an ASCII hyphen-minus, no £, no thousands separators, always two decimals).
- ``parse("£1,234.5")`` → ``123450``, exactly, or ``MoneyError`` saying what was wrong.
- ``for_chart(123456)`` → ``1234.56`` as a float, for an axis only.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

# £1 trillion: far above any NHS budget (NHS England's is about £190 billion), and a hundred
# times inside a signed 64-bit column, so that sums of many amounts cannot overflow either.
MAX_PENCE = 100_000_000_000_000
MINUS = "−"


class MoneyError(ValueError):
    """An amount that cannot be read. ``reason`` is one of ``NOT_AN_AMOUNT``,
    ``FRACTION_OF_A_PENNY`` and ``TOO_LARGE``, for a form to say in its own words."""

    NOT_AN_AMOUNT = "not_an_amount"
    FRACTION_OF_A_PENNY = "fraction_of_a_penny"
    TOO_LARGE = "too_large"

    def __init__(self, text: str, reason: str, message: str):
        super().__init__(message)
        self.text = text
        self.reason = reason


def _parts(pence: int) -> tuple[bool, int, int]:
    pence = int(pence)
    whole, part = divmod(abs(pence), 100)
    return pence < 0, whole, part


def pounds(pence: int | None, *, always_pence: bool = False) -> str:
    """An amount for people: ``£1,234,567.89``, ``£1,234,567``, ``−£12.50``; empty for none."""
    if pence is None or pence == "":
        return ""
    negative, whole, part = _parts(pence)
    sign = MINUS if negative else ""
    if part == 0 and not always_pence:
        return f"{sign}£{whole:,}"
    return f"{sign}£{whole:,}.{part:02d}"


def pounds_and_pence(pence: int | None) -> str:
    """An amount for people with its pence always shown (``£1,234.00``): statements, ledger
    messages and anything read beside amounts that have pence."""
    return pounds(pence, always_pence=True)


def grouped(pence: int) -> str:
    """An amount in a field whose £ is printed beside it: ``1,234,567.89``."""
    negative, whole, part = _parts(pence)
    return f"{'-' if negative else ''}{whole:,}.{part:02d}"


def plain(pence: int | None) -> str:
    """An amount for a spreadsheet cell: ``1234567.89`` (``-12.50`` when negative)."""
    if pence is None:
        return ""
    negative, whole, part = _parts(pence)
    return f"{'-' if negative else ''}{whole}.{part:02d}"


def for_chart(pence: int) -> float:
    """Pounds as a float, to place a point on a chart's axis (never to add or compare)."""
    return int(pence) / 100


def parse(text: str, *, max_pence: int = MAX_PENCE) -> int:
    """Pence from pounds as people write them ('1,250,000', '£1250000.50', '-12.5')."""
    cleaned = "".join(str(text).split()).replace(",", "").replace("£", "").replace(MINUS, "-")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise MoneyError(text, MoneyError.NOT_AN_AMOUNT, f"{text!r} is not an amount in pounds")
    if abs(value) * 100 > max_pence:
        raise MoneyError(text, MoneyError.TOO_LARGE, f"{text!r} is more than {pounds(max_pence)}")
    pence = value * 100
    if pence != pence.to_integral_value():
        raise MoneyError(text, MoneyError.FRACTION_OF_A_PENNY, f"{text!r} has fractions of a penny")
    return int(pence)
