"""Money: integer pence, read and written exactly, in one place (commissioning.money)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commissioning import money

AMOUNTS = st.integers(min_value=-money.MAX_PENCE, max_value=money.MAX_PENCE)


def test_for_people():
    assert money.pounds(123456789) == "£1,234,567.89"
    assert money.pounds(123456700) == "£1,234,567"
    assert money.pounds_and_pence(123456700) == "£1,234,567.00"
    assert money.pounds(-1250) == "−£12.50"
    assert money.pounds(None) == ""


def test_for_spreadsheets_and_fields():
    assert money.plain(-123456) == "-1234.56"
    assert money.plain(5) == "0.05"
    assert money.grouped(123456789) == "1,234,567.89"


def test_parsed_exactly():
    assert money.parse("£1,234.5") == 123450
    assert money.parse(" 1 250 000 ") == 125_000_000
    assert money.parse("−12.50") == -1250
    assert money.parse("0.1") + money.parse("0.2") == money.parse("0.3")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("ten", money.MoneyError.NOT_AN_AMOUNT),
        ("NaN", money.MoneyError.NOT_AN_AMOUNT),
        ("1.234", money.MoneyError.FRACTION_OF_A_PENNY),
        ("1000000000001", money.MoneyError.TOO_LARGE),
    ],
)
def test_refused_with_the_reason(text, reason):
    with pytest.raises(money.MoneyError) as refused:
        money.parse(text)
    assert refused.value.reason == reason


@given(AMOUNTS)
def test_every_written_form_reads_back_to_the_same_pence(pence):
    assert money.parse(money.pounds(pence)) == pence
    assert money.parse(money.pounds_and_pence(pence)) == pence
    assert money.parse(money.plain(pence)) == pence
    assert money.parse(money.grouped(pence)) == pence
