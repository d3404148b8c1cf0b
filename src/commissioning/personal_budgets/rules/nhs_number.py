"""The NHS number: ten digits, the last a Modulus 11 check digit (NHS Data Model and
Dictionary, "NHS Number"): multiply the first nine digits by 10, 9, ..., 2, sum, take the
remainder on dividing by 11 and subtract it from 11; 11 becomes 0, and 10 means the number is
not valid."""

from __future__ import annotations

import re


def check_digit(first_nine: str) -> int | None:
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def problem(text: str) -> str | None:
    """What is wrong with an NHS number as typed (spaces and dashes allowed), or None."""
    digits = re.sub(r"[\s-]", "", text or "")
    if not digits:
        return "Enter the NHS number"
    if not digits.isdigit() or len(digits) != 10:
        return "An NHS number is 10 digits, like 943 476 5919"
    if check_digit(digits[:9]) != int(digits[9]):
        return "This is not a valid NHS number: check it for a mistyped digit"
    return None


def normalise(text: str) -> str:
    """'943 476 5919' -> '9434765919' (after ``problem`` has found nothing)."""
    return re.sub(r"[\s-]", "", text)


def display(digits: str) -> str:
    """'9434765919' -> '943 476 5919', as the NHS shows it."""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
