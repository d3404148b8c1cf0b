"""The limits every form shares (issue 16, finding 4): a date outside the range the platform
records and an amount beyond any budget are refused by field with the limit named, instead of
reaching date arithmetic or a 64-bit column and failing there."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django import forms

from commissioning.ui.forms import MoneyField, NHSForm
from commissioning.validation import stored_decimal


class _Form(NHSForm):
    on = forms.DateField()
    amount = MoneyField()


@pytest.mark.parametrize(
    ("on", "amount", "errors"),
    [
        ("0001-01-01", "10", {"on": ["Enter a date on or after 1 January 1900"]}),
        ("9999-12-31", "10", {"on": ["Enter a date on or before 31 December 2199"]}),
        ("2026-01-01", "1e30", {"amount": ["Enter an amount up to £1,000,000,000,000"]}),
        ("2026-01-01", "NaN", {"amount": ["Enter an amount in pounds, like 1,250,000 or "
                                          "1,250,000.50"]}),
        ("2026-01-01", "-Infinity", {"amount": ["Enter an amount in pounds, like 1,250,000 or "
                                                "1,250,000.50"]}),
        ("2026-01-01", "£1,000,000,000,000", {}),
    ],
)  # fmt: skip
def test_dates_and_money_stay_within_what_the_platform_records(on, amount, errors):
    form = _Form({"on": on, "amount": amount})
    assert form.is_valid() is not errors
    assert dict(form.errors) == errors


def test_a_decimal_is_checked_as_it_will_be_stored():
    from commissioning.quality.models import QualityMeasurement

    field = QualityMeasurement._meta.get_field("value")
    assert stored_decimal(Decimal("1.0005"), field) == Decimal("1.001")
    assert stored_decimal(Decimal("-99999999999.9994"), field) == Decimal("-99999999999.999")
    for too_big in ("99999999999.9995", "1e11", "Infinity"):
        with pytest.raises(ValueError, match="at most 11 digits before the decimal point"):
            stored_decimal(Decimal(too_big), field)
