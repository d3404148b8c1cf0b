"""The form for recording a primary care decision."""

from __future__ import annotations

from django import forms

from commissioning.web.forms import MoneyField, NHSForm

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


class SpendForm(NHSForm):
    scheme = forms.ChoiceField(label="Scheme")
    amount = MoneyField(label="Amount")
    value_date = forms.DateField(label="Date of the spending")
    description = forms.CharField(label="What it paid for", max_length=200)
    key = forms.CharField(widget=forms.HiddenInput)  # one per form shown: a resubmission posts once

    def __init__(self, *args, schemes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheme"].choices = [(s.pk, s.name) for s in schemes]


class ContributionForm(NHSForm):
    amount = MoneyField(label="Amount paid into the pool")
    value_date = forms.DateField(label="Date paid")
    key = forms.CharField(widget=forms.HiddenInput)
