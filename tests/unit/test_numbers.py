"""One way to write a figure, a share and a date (commissioning.numbers)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from commissioning.numbers import day, figure, percent, plain_figure


def test_a_decimal_target_is_never_written_in_scientific_notation():
    assert figure(Decimal("7.6E+2")) == "760"
    assert figure(Decimal("760.000")) == "760"
    assert figure(Decimal("71.300")) == "71.3"


def test_figures_have_thousands_separators_and_the_minus_sign():
    assert figure(1019893) == "1,019,893"
    assert figure(360000.0) == "360,000"
    assert figure(-1234.5) == "−1,234.5"
    assert figure(71.3, places=2) == "71.30"
    assert figure(None) == "" and figure("") == ""


def test_a_spreadsheet_cell_has_no_separators_and_a_hyphen_minus():
    assert plain_figure(-1019893.25) == "-1019893.25"
    assert plain_figure(Decimal("760.000")) == "760"


def test_a_share_is_a_percentage():
    assert percent(0.0239) == "2.4%"
    assert percent(1) == "100.0%"  # a column of shares keeps one decimal throughout
    assert percent(0.5, places=0) == "50%"


def test_dates_are_written_as_the_nhs_writes_them():
    assert day(dt.date(2027, 1, 31)) == "31 January 2027"
    assert day(dt.datetime(2026, 12, 3, 9, 30)) == "3 December 2026"


@given(st.decimals(min_value=-(10**12), max_value=10**12, allow_nan=False, places=4))
def test_a_figure_reads_back_as_the_same_number(value):
    assert Decimal(plain_figure(value)) == value
    assert Decimal(figure(value).replace(",", "").replace("−", "-")) == value


def test_what_is_not_a_number_says_so_and_fractions_are_exact():
    assert figure(float("nan")) == "n/a" and figure(float("inf")) == "n/a"
    assert figure(Fraction(1, 3), places=3) == "0.333"
    assert figure(Fraction(3, 2)) == "1.5"
