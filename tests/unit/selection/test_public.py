"""What the public register may say (rules.public): personal data redacted from free text, and
what the commissioner marks commercially confidential withheld with its reason (issue 20;
docs/decisions.md 057)."""

from __future__ import annotations

import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from commissioning.selection.rules.notices import SCHEDULES, Interest, notice_items
from commissioning.selection.rules.public import (
    PERSONAL,
    WITHHELD,
    nhs_number_valid,
    redact,
    withholding_problems,
)
from tests.unit.selection.test_notices import FACTS

NAMES = ("Jane Smith",)


def test_nhs_numbers_by_their_check_digit():
    assert nhs_number_valid("9434765919")
    assert not nhs_number_valid("9434765918")
    assert not nhs_number_valid("943476591")


def test_what_is_redacted():
    text = (
        "Jane Smith (jane.smith@nhs.net, 07700 900123, NHS number 943 476 5919) declared that "
        "her husband works for the provider; JANE SMITH then stood aside. Call 0114 496 0000."
    )
    out = redact(text, NAMES)
    for personal in ("Jane", "SMITH", "jane.smith@nhs.net", "07700", "943 476 5919", "0114"):
        assert personal not in out
    assert out.count(PERSONAL) == 6
    assert "declared that her husband works for the provider" in out


def test_what_is_not_redacted():
    text = (
        "£22,800,000 over 36 months from 1 May 2026 (2026-05-01), CPV 85111000-0, ODS RJE and "
        "XC001-2026-0001; 1234567890 is not a valid NHS number; Smith alone is not a name given."
    )
    assert redact(text, NAMES) == text


@given(st.integers(min_value=0, max_value=10**14))
def test_money_is_never_taken_for_a_number_to_redact(pence):
    text = f"A value of £{pence // 100:,}.{pence % 100:02d} over the term."
    assert redact(text, NAMES) == text


@given(st.from_regex(r"[0-9]{10}", fullmatch=True))
def test_no_valid_nhs_number_survives(digits):
    out = redact(f"Patient {digits} was moved.", ())
    assert (digits in out) is not nhs_number_valid(digits) or digits.startswith("0")


def test_withholding_needs_a_known_field_and_a_reason():
    assert withholding_problems((), "") == {}
    assert "withheld_reason" in withholding_problems(("value",), "Secret.")
    why = "Prices are under negotiation elsewhere."
    assert withholding_problems(("value", "reasons"), why) == {}
    assert "withheld" in withholding_problems(("provider",), "Prices are under negotiation.")


def test_every_schedules_items_are_redacted_and_the_value_withheld():
    facts = dataclasses.replace(
        FACTS, personal_names=NAMES, value_withheld="Prices are under negotiation elsewhere.",
        interests=(Interest("University Hospitals", "Jane Smith's brother is a consultant there",
                            "Excluded from the decision"),),
        modification="Asked for by jane.smith@nhs.net", value_change_pence=100_00,
        urgent_reasons="Jane Smith could not be reached.",
    )  # fmt: skip
    valued = set()
    for schedule in SCHEDULES.values():
        items = notice_items(schedule, facts)
        text = " ".join(i.text for i in items)
        assert "Jane" not in text and "jane.smith" not in text, schedule.number
        assert "£22,800,000" not in text, schedule.number
        for item in items:
            if item.heading.lower().endswith("lifetime value of the contract"):
                assert item.text.startswith(WITHHELD), (schedule.number, item.heading)
                valued.add(schedule.number)
    assert valued == {2, 3, 4, 6, 7, 10, 11, 13}
