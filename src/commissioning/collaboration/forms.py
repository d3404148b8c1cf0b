"""The form for recording a primary care decision."""

from __future__ import annotations

from django import forms

from commissioning.web.forms import MoneyField, NHSForm

from .cocommissioning import SHAREABLE, Function, Model


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


def _choices(qs):
    return [(o.pk, f"{o.display_name} ({o.code})") for o in qs]


class ConsortiumForm(NHSForm):
    name = forms.CharField(label="Name of the consortium", max_length=200)
    scope = forms.ChoiceField(
        label="The consortium commissions",
        choices=[("service", "A service"), ("provider", "From a provider")],
        widget=forms.RadioSelect,
    )
    service = forms.CharField(label="Service (if a service)", required=False, max_length=200)
    provider_id = forms.ChoiceField(label="Provider (if a provider)", required=False)
    member_ids = forms.MultipleChoiceField(
        label="Member commissioners", help_text="Hold Ctrl or Cmd to choose several"
    )
    co_ordinating_id = forms.ChoiceField(label="Co-ordinating commissioner")
    decision_rules = forms.CharField(
        label="How the members decide together", widget=forms.Textarea(attrs={"rows": 3})
    )
    agreement_date = forms.DateField(
        label="Date the collaborative commissioning agreement was signed"
    )

    def __init__(self, *args, commissioners=(), providers=(), mine=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member_ids"].choices = _choices(commissioners)
        self.fields["co_ordinating_id"].choices = _choices(mine)
        self.fields["provider_id"].choices = [("", "Choose a provider"), *_choices(providers)]


class ArrangementForm(NHSForm):
    commissioner_id = forms.ChoiceField(label="Integrated care board")
    year_start = forms.IntegerField(
        label="Financial year starting in",
        min_value=2013,
        max_value=2100,
        help_text="2026 for 2026/27",
    )
    model = forms.ChoiceField(
        label="Co-commissioning model",
        widget=forms.RadioSelect,
        choices=[(m.value, m.label) for m in Model],
    )
    functions = forms.MultipleChoiceField(
        label="Functions covered (joint: those the committee decides; delegated: all)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(f.value, f.label) for f in Function if f in SHAREABLE],
    )
    in_special_measures = forms.BooleanField(
        label="The commissioner is in a state akin to special measures", required=False
    )
    joint_committee = forms.MultipleChoiceField(
        label="Joint committee members (joint only)", required=False
    )

    def __init__(self, *args, commissioners=(), people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commissioner_id"].choices = _choices(commissioners)
        self.fields["joint_committee"].choices = [
            (u.pk, u.get_full_name() or u.username) for u in people
        ]
