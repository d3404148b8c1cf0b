"""Forms for raising a concern and managing an escalation case."""

from __future__ import annotations

from django import forms

from commissioning.ui.forms import NHSForm

from .models import EscalationCase
from .services import parse_month

SOURCES = [(v, label) for v, label in EscalationCase.Source.choices if v != "alert"]


class ConcernForm(NHSForm):
    provider_id = forms.TypedChoiceField(
        label="Provider", coerce=int, error_messages={"required": "Choose the provider"}
    )
    contract_id = forms.TypedChoiceField(
        label="Contract (optional)", coerce=int, required=False, empty_value=None
    )
    source = forms.ChoiceField(
        label="Where the concern came from",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose where the concern came from"},
    )
    summary = forms.CharField(
        label="Summary",
        max_length=200,
        error_messages={"required": "Enter a short summary of the concern"},
    )
    description = forms.CharField(
        label="What is the concern, and what is it based on?",
        widget=forms.Textarea,
        error_messages={"required": "Describe the concern and what it is based on"},
    )

    def __init__(self, *args, providers=(), contracts=(), alert=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider_id"].choices = [("", "Choose a provider")] + [
            (p.pk, p.display_name) for p in providers
        ]
        self.fields["contract_id"].choices = [("", "Not about one contract")] + [
            (c.pk, f"{c.reference}: {c.specification.title} ({c.provider.display_name})")
            for c in contracts
        ]
        self.fields["source"].choices = (
            [("alert", "Statistical alert")] if alert is not None else SOURCES
        )


class NoticeForm(NHSForm):
    matters = forms.CharField(
        label="The performance this notice is about",
        widget=forms.Textarea,
        error_messages={"required": "Set out the performance the notice is about"},
    )
    meeting_by = forms.DateField(
        label="Contract management meeting to be held by",
        help_text="For example, 2026-12-15",
        error_messages={"required": "Enter the date", "invalid": "Enter a real date"},
    )


class PlanForm(NHSForm):
    summary = forms.CharField(
        label="What the provider will do",
        widget=forms.Textarea,
        error_messages={"required": "Describe what the provider will do"},
    )
    milestones = forms.CharField(
        label="Milestones",
        widget=forms.Textarea,
        help_text="One a line: the date it is due, a comma, then what will be done. "
        "For example: 2027-01-31, Mortality review of every death in the stroke unit",
        error_messages={"required": "Add at least one milestone with a due date"},
    )


class CompleteForm(NHSForm):
    completed_on = forms.DateField(
        label="Date met", error_messages={"required": "Enter the date", "invalid": "Enter a date"}
    )


class ProgressForm(NHSForm):
    progress = forms.CharField(
        label="Progress towards the milestone",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What has been done, what is left, and whether the milestone will be met "
        "by its due date.",
        error_messages={"required": "Describe the progress made towards the milestone"},
    )


class CloseForm(NHSForm):
    outcome = forms.CharField(
        label="Why the case can be closed",
        widget=forms.Textarea,
        error_messages={"required": "Say why the case can be closed"},
    )


class EscalateForm(NHSForm):
    escalated_to = forms.CharField(
        label="Escalated to",
        help_text="For example: the regional quality group, NHS England, the Care Quality "
        "Commission",
        error_messages={"required": "Say who the case is escalated to"},
    )
    outcome = forms.CharField(
        label="Why it is escalated",
        widget=forms.Textarea,
        error_messages={"required": "Say why the case is escalated"},
    )


class MeasurementForm(NHSForm):
    month = forms.CharField(
        label="Month",
        help_text="The month the figure is for, for example 2026-10",
        max_length=10,
        error_messages={"required": "Enter the month the figure is for"},
    )
    value = forms.DecimalField(
        label="Figure",
        max_digits=14,
        decimal_places=3,
        error_messages={"required": "Enter the figure", "invalid": "Enter the figure as a number"},
    )

    def clean_month(self):

        text = self.cleaned_data["month"].strip()
        month = parse_month(text)
        if month is None:
            raise forms.ValidationError("Enter the month as year and month, for example 2026-10")
        return month


class UploadMeasurementsForm(NHSForm):
    file = forms.FileField(
        label="A CSV file of monthly figures",
        help_text="Two columns headed month and value, one row a month, for example "
        "2026-04,91.5. A month already recorded is corrected.",
        error_messages={"required": "Choose a CSV file"},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 200_000:
            raise forms.ValidationError("The file must be smaller than 200 KB")
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError("The file must be a CSV file saved as UTF-8") from exc
