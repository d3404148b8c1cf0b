"""Forms for the stress test and the continuity-of-services decision."""

from __future__ import annotations

from django import forms

from commissioning.names import tidy_name
from commissioning.ui.forms import NHSForm, Offered


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

    def __init__(self, *args, providers=(), first=(), **kwargs):
        """``first``: the codes of the providers your patients use, offered first (a group
        of their own) before every other NHS trust."""
        super().__init__(*args, **kwargs)
        label = {code: f"{tidy_name(name)} ({code})" for code, name in providers}
        ours = [(c, label[c]) for c in sorted(first, key=lambda c: label.get(c, c)) if c in label]
        offered_first = set(first)
        rest = [(c, text) for c, text in label.items() if c not in offered_first]
        choices: list = (
            [("Providers your patients use", ours), ("Every other NHS trust", rest)]
            if ours
            else rest
        )
        self.fields["fail"].choices = Offered(choices)
        self.fields["fail"].widget.attrs["size"] = 12  # a list to choose from, not one row
        self.fields["cut_provider"].choices = Offered([("", "No capacity cut"), *choices])

    def clean(self):
        data = super().clean()
        # A cut refused above (say 150%) has its message already: one message per field.
        missing = "cut_percent" not in self.errors and not data.get("cut_percent")
        if data.get("cut_provider") and missing:
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
