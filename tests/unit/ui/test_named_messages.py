"""Every generic form message names its field and its limit (issue 18: "This field is
required." on an action plan decision, "Ensure this value is greater than or equal to 0." on a
capacity, a UK date refused)."""

from __future__ import annotations

import datetime as dt

from django import forms

from commissioning.ui.forms import NHSForm


class Example(NHSForm):
    decision = forms.ChoiceField(label="Decision", choices=[("agree", "Agree")])
    capacity = forms.IntegerField(label="Capacity", min_value=0)
    due = forms.DateField(label="Date it is due")
    note = forms.CharField(label="Note", max_length=5)
    reason = forms.CharField(label="Reason", error_messages={"required": "Say why"})


def test_generic_messages_name_the_field_and_the_limit():
    form = Example({"capacity": "-1", "due": "soon", "note": "too long"})
    assert not form.is_valid()
    assert form.errors["decision"] == ["Choose decision"]
    assert form.errors["capacity"] == ["Capacity must be 0 or more"]
    assert form.errors["due"] == ["Enter date it is due as a date, for example 31/01/2027"]
    assert form.errors["note"] == ["Note must be 5 characters or fewer"]
    assert form.errors["reason"] == ["Say why"]  # a form's own words are kept


def test_a_date_is_read_as_people_in_england_write_it():
    for typed in ("31/01/2027", "2027-01-31", "31 January 2027", "31 Jan 2027"):
        form = Example({"decision": "agree", "capacity": "1", "due": typed, "note": "x",
                        "reason": "r"})  # fmt: skip
        assert form.is_valid(), (typed, form.errors)
        assert form.cleaned_data["due"] == dt.date(2027, 1, 31)
