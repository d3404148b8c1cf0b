"""The form for making a contract from an award."""

from __future__ import annotations

from django import forms

from commissioning import money
from commissioning.selection.rules.modification import Ground
from commissioning.selection.rules.urgent import CONDITIONS as URGENT_CONDITIONS
from commissioning.ui.forms import MoneyField, NHSForm

from .models import Contract


class ContractForm(NHSForm):
    proposal_id = forms.TypedChoiceField(
        label="Awarded proposal", coerce=int, error_messages={"required": "Choose the proposal"}
    )
    form = forms.ChoiceField(
        label="Form of contract",
        choices=Contract.Form.choices,
        widget=forms.RadioSelect,
        initial=Contract.Form.FULL_LENGTH,
        help_text="The shorter form is for lower-value, lower-complexity services.",
    )
    start_date = forms.DateField(
        label="Start date", error_messages={"required": "Enter the start date"}
    )
    end_date = forms.DateField(label="End date", error_messages={"required": "Enter the end date"})
    associate_ids = forms.TypedMultipleChoiceField(
        label="Associate commissioners (optional)",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Other commissioners that buy under this contract. Your organisation is the "
        "co-ordinating commissioner and acts for them as their agent.",
    )

    def __init__(self, *args, proposals=(), associates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proposal_id"].choices = [
            (p.pk, f"{p.provider.display_name}: {money.pounds_and_pence(p.total_price_pence)}")
            for p in proposals
        ]
        if len(proposals) == 1:
            self.fields["proposal_id"].widget = forms.HiddenInput()
            self.fields["proposal_id"].initial = proposals[0].pk
        self.fields["associate_ids"].choices = [
            (o.pk, f"{o.display_name} ({o.code})") for o in associates
        ]


class VariationForm(NHSForm):
    description = forms.CharField(
        label="What the variation changes", widget=forms.Textarea(attrs={"rows": 3})
    )
    value_change_pence = MoneyField(
        label="Change to the contract's value (negative to reduce)", required=False, min_pence=None
    )
    ground = forms.ChoiceField(
        label="Why no new procurement is needed (regulation 13 of the Provider Selection Regime, "
        "or regulation 14 where it is urgent)",
        choices=[(g.value, g.label) for g in Ground],
        initial=Ground.PROVIDED_FOR.value,
        required=False,
        widget=forms.RadioSelect,
    )
    materially_different = forms.BooleanField(
        label="It makes the contract materially different in character", required=False
    )
    attributable_to_authority = forms.BooleanField(
        label="It is the commissioner's decision (a notice is due within 30 days if the value "
        "has changed by £500,000 or more since the contract was entered into)",
        required=False,
    )
    urgent_reasons = forms.CharField(
        label="Urgent (regulation 14): why does it apply?",
        help_text="Only for an urgent modification: what happened and the risk to patients or "
        "the public of waiting. The notice of urgent modification publishes it.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, question in URGENT_CONDITIONS.items():
            self.fields[name] = forms.BooleanField(
                label=f"Urgent (regulation 14): {question[0].lower()}{question[1:]}",
                required=False,
            )
        self.order_fields([n for n in self.fields if n != "urgent_reasons"] + ["urgent_reasons"])


class VariationAnswerForm(NHSForm):
    """The provider's answer to a proposed variation (General Condition 13)."""

    agree = forms.TypedChoiceField(
        label="Does the provider agree to this variation?",
        choices=[("yes", "Yes, we agree to it"), ("no", "No, we decline it")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether the provider agrees to the variation"},
    )
    reasons = forms.CharField(
        label="Reasons for declining (if you decline)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
