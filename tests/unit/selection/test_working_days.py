"""Standstill under the Provider Selection Regime: 8 working days from the day after the notice,
excluding weekends and the bank holidays of England and Wales."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from commissioning.selection.rules.working_days import (
    add_working_days,
    is_working_day,
    standstill,
    standstill_after_representations,
    working_days_between,
)

D = dt.date


def test_weekends_are_not_working_days():
    assert not is_working_day(D(2024, 6, 8))  # Saturday
    assert not is_working_day(D(2024, 6, 9))  # Sunday
    assert is_working_day(D(2024, 6, 10))  # Monday


def test_bank_holidays_of_england_and_wales_are_not_working_days():
    assert not is_working_day(D(2024, 12, 25))  # Christmas Day
    assert not is_working_day(D(2024, 3, 29))  # Good Friday
    assert not is_working_day(D(2024, 5, 27))  # Spring bank holiday
    assert not is_working_day(D(2026, 12, 28))  # Boxing Day substitute (26th is a Saturday)


def test_one_off_bank_holidays_count():
    assert not is_working_day(D(2022, 9, 19))  # State Funeral of Queen Elizabeth II
    assert not is_working_day(D(2023, 5, 8))  # Coronation of King Charles III
    assert not is_working_day(D(2022, 6, 3))  # Platinum Jubilee


def test_scottish_only_holidays_are_working_days():
    assert is_working_day(D(2024, 1, 2))  # 2 January is a holiday in Scotland only
    assert is_working_day(D(2024, 8, 5))  # Scottish summer bank holiday


def test_a_plain_standstill_is_eight_weekdays_from_the_day_after_the_notice():
    # Notice published Monday 3 June 2024: counting starts Tuesday 4 June.
    s = standstill(D(2024, 6, 3))
    assert s.last_day == D(2024, 6, 13)  # Thursday of the following week
    assert s.contract_may_be_entered_from == D(2024, 6, 14)
    assert not s.is_over(D(2024, 6, 13)) and s.is_over(D(2024, 6, 14))


def test_a_notice_published_on_a_friday_starts_counting_on_monday():
    assert standstill(D(2024, 6, 7)).last_day == D(2024, 6, 19)


def test_standstill_over_easter_skips_good_friday_and_easter_monday():
    # Notice Wednesday 27 March 2024; 29 March and 1 April are bank holidays.
    assert standstill(D(2024, 3, 27)).last_day == D(2024, 4, 10)


def test_standstill_over_christmas_skips_christmas_boxing_day_and_new_year():
    # Notice Friday 20 December 2024: working days 23, 24, 27, 30, 31 Dec, 2, 3, 6 Jan.
    assert standstill(D(2024, 12, 20)).last_day == D(2025, 1, 6)


def test_after_representations_five_more_working_days():
    s = standstill_after_representations(D(2024, 6, 14))  # Friday
    assert s.last_day == D(2024, 6, 21)


@settings(max_examples=200, derandomize=True)
@given(st.dates(D(2020, 1, 1), D(2030, 12, 31)), st.integers(0, 40))
def test_adding_n_working_days_lands_on_a_working_day_n_working_days_later(start, n):
    end = add_working_days(start, n)
    assert working_days_between(start, end) == n
    if n:
        assert is_working_day(end)
