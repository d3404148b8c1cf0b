"""The form a finance lead uses to record a month's spend and activity."""

from __future__ import annotations

from django import forms

from commissioning.ui.forms import MoneyField, NHSForm


class MonthForm(NHSForm):
    month = forms.DateField(label="Month", help_text="Any day in the month, e.g. 2026-10-01")
    spend_pence = MoneyField(label="Spend in the month", min_pence=0)
    activity = forms.IntegerField(
        label="Activity in the month",
        min_value=0,
        help_text="Spells, bed days or sessions, as the line counts it",
    )
