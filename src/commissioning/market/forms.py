"""Forms for the stress test and the continuity-of-services decision."""

from __future__ import annotations

from django import forms

from commissioning.web.forms import NHSForm


class StressForm(NHSForm):
    fail = forms.MultipleChoiceField(
        label="Providers that fail",
        required=False,
        help_text="Choose one or more (hold Ctrl or Cmd to choose several)",
    )
    sweep = forms.BooleanField(
        label="Instead, run every single-provider failure (takes longer; the page shows progress)",
        required=False,
    )

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fail"].choices = [(code, f"{name.title()} ({code})")
                                       for code, name in providers]  # fmt: skip


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
