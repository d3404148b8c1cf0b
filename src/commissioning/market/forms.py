"""Forms for the stress test and the continuity-of-services decision."""

from __future__ import annotations

from django import forms

from commissioning.names import tidy_name
from commissioning.ui.forms import NHSForm


class StressForm(NHSForm):
    fail = forms.MultipleChoiceField(
        label="Providers that fail",
        required=False,
        help_text="Choose one or more (hold Ctrl or Cmd to choose several)",
    )
    cut_provider = forms.ChoiceField(
        label="Provider whose capacity is cut (optional)", required=False
    )
    cut_percent = forms.IntegerField(
        label="Capacity cut, per cent",
        required=False,
        min_value=1,
        max_value=100,
        help_text="For example 30 for a ward closure that takes out 30% of the beds",
        error_messages={"min_value": "Enter a cut between 1 and 100 per cent",
                        "max_value": "Enter a cut between 1 and 100 per cent",
                        "invalid": "Enter the cut as a whole number of per cent"},
    )  # fmt: skip
    sweep = forms.BooleanField(
        label="Instead, run every single-provider failure (takes longer; the page shows progress)",
        required=False,
    )

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(code, f"{tidy_name(name)} ({code})") for code, name in providers]
        self.fields["fail"].choices = choices
        self.fields["cut_provider"].choices = [("", "No capacity cut"), *choices]

    def clean(self):
        data = super().clean()
        if data.get("cut_provider") and not data.get("cut_percent"):
            self.add_error("cut_percent", "Enter how much of the capacity is cut")
        return data

    def cuts(self) -> dict[str, float]:
        code, percent = self.cleaned_data.get("cut_provider"), self.cleaned_data.get("cut_percent")
        return {code: percent / 100} if code and percent else {}


YES_NO = [("yes", "Yes: designate it a Commissioner Requested Service"),
          ("no", "No: do not designate it")]  # fmt: skip


class DecisionForm(NHSForm):
    dependents_unviable = forms.BooleanField(
        label="Removing this service would make other related services unviable (test 3)",
        required=False,
    )
    dependent_services = forms.CharField(
        label="Which services depend on it",
        widget=forms.Textarea,
        required=False,
        help_text="For example: the stroke unit depends on the emergency department's CT",
    )
    designated = forms.ChoiceField(
        label="Your decision",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Decide whether the service is a Commissioner Requested Service"
        },
    )
    rationale = forms.CharField(
        label="Reasons",
        widget=forms.Textarea,
        required=False,
        help_text="Needed when your decision differs from what the three tests indicate",
    )
