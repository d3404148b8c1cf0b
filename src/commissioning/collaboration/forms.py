"""The form for recording a primary care decision."""

from __future__ import annotations

from django import forms

from commissioning.web.forms import NHSForm

from .cocommissioning import Function


class DecisionForm(NHSForm):
    function = forms.ChoiceField(
        label="Primary care function", choices=[(f.value, f.label) for f in Function]
    )
    subject = forms.CharField(
        label="What the decision is about",
        max_length=300,
        help_text="For example: the merger of two named practices",
    )
    decision = forms.CharField(label="The decision", widget=forms.Textarea(attrs={"rows": 3}))
    consultation = forms.CharField(
        label="How the commissioner was consulted (greater involvement)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
