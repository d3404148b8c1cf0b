"""Issue 18: a 150% capacity cut got a second, wrong message ("Enter how much of the capacity is
cut") beside the right one. Every form of the platform (``NHSForm``) shows one message per
field: the first found."""

from __future__ import annotations

from django import forms

from commissioning.ui.forms import NHSForm


class Cut(NHSForm):
    provider = forms.CharField(required=False)
    percent = forms.IntegerField(required=False, max_value=100)

    def clean(self):
        data = super().clean()
        if data.get("provider") and not data.get("percent"):
            self.add_error("percent", "Enter how much of the capacity is cut")
        return data


def test_a_refused_value_is_not_also_told_it_is_missing():
    form = Cut({"provider": "RJE", "percent": "150"})
    assert not form.is_valid()
    assert form.errors["percent"] == ["Percent must be 100 or less"]  # named, with its limit


def test_the_forms_own_check_still_speaks_when_the_field_passed():
    form = Cut({"provider": "RJE", "percent": ""})
    assert not form.is_valid()
    assert form.errors["percent"] == ["Enter how much of the capacity is cut"]


def test_a_service_reporting_two_problems_on_one_field_shows_the_first():
    from django.core.exceptions import ValidationError

    form = Cut({"provider": "", "percent": "5"})
    assert form.is_valid()
    form.add_service_errors(ValidationError({"percent": ["First problem", "Second problem"]}))
    assert form.errors["percent"] == ["First problem"]
