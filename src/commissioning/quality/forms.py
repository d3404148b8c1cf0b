"""Forms for raising a concern and managing an escalation case."""

from __future__ import annotations

from django import forms

from commissioning.contracts.models import MEASURES_CHOICES
from commissioning.engine.quality.constants import Chart
from commissioning.ui.forms import NHSForm

from .models import EscalationCase, SoftIntelligence
from .services import RATIO_LINES, is_event_line, parse_day, parse_month

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
    """One figure for a line: a month and the figure; for a proportion or rate line the
    numerator and denominator (the figure follows from them); for a line of cases or days
    between rare events, the day of the event."""

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
    numerator = forms.DecimalField(
        label="Numerator",
        max_digits=14,
        decimal_places=3,
        error_messages={
            "required": "Enter the numerator",
            "invalid": "Enter the numerator as a number",
        },
    )
    denominator = forms.DecimalField(
        label="Denominator",
        max_digits=14,
        decimal_places=3,
        error_messages={
            "required": "Enter the denominator",
            "invalid": "Enter the denominator as a number",
        },
    )

    def __init__(self, *args, item=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.events = item is not None and is_event_line(item)
        if item is not None and item.measures in RATIO_LINES:
            self.fields["value"].required = False
            self.fields[
                "value"
            ].help_text = f"Optional: it is worked out from the two above (per {item.per:,})"
            what = "Patients who met the standard" if item.measures == "proportion" else "Events"
            self.fields["numerator"].help_text = what
            self.fields["denominator"].help_text = (
                "Patients eligible" if item.measures == "proportion" else "Exposure, such as "
                "bed days"
            )  # fmt: skip
            self.order_fields(["month", "numerator", "denominator", "value"])
        else:
            del self.fields["numerator"], self.fields["denominator"]
        if self.events:
            self.fields["month"].label = "Day of the event"
            self.fields["month"].help_text = "For example 2026-10-14"
            self.fields["month"].error_messages["required"] = "Enter the day of the event"
            self.fields["value"].label = (
                "Cases since the last event" if item.measures == "cases_between"
                else "Days since the last event"
            )  # fmt: skip

    def clean_month(self):
        text = self.cleaned_data["month"].strip()
        if self.events:
            day = parse_day(text)
            if day is None:
                raise forms.ValidationError("Enter the day as year, month and day, for example "
                                            "2026-10-14")  # fmt: skip
            return day
        month = parse_month(text)
        if month is None:
            raise forms.ValidationError("Enter the month as year and month, for example 2026-10")
        return month


class ChartChoiceForm(NHSForm):
    measures = forms.ChoiceField(
        label="What the figure is",
        choices=MEASURES_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what the line measures"},
    )
    per = forms.IntegerField(
        label="Shown per",
        help_text="For a proportion or rate: 100 shows a percentage, 1,000 a rate per 1,000",
        min_value=1,
        max_value=1_000_000,
        error_messages={"required": "Enter a number: 1 if the figure is shown as it is",
                        "min_value": "Per is at least 1", "max_value": "Per is at most "
                        "1,000,000", "invalid": "Enter per as a whole number"},
    )  # fmt: skip
    chart = forms.ChoiceField(
        label="Chart",
        help_text="Leave as chosen unless the analysis needs another",
        choices=[("", "The chart for what the line measures"), *((c.value, c.label)
                 for c in Chart)],
        required=False,
    )  # fmt: skip


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


class IntelligenceForm(NHSForm):
    kind = forms.ChoiceField(
        label="What it is",
        choices=SoftIntelligence.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what kind of intelligence it is"},
    )
    weight = forms.ChoiceField(
        label="Is it a concern?",
        choices=SoftIntelligence.Weight.choices,
        widget=forms.RadioSelect,
        initial="concern",
        error_messages={"required": "Say whether it is a concern"},
    )
    occurred_on = forms.DateField(
        label="When it happened", help_text="For example 2026-11-14",
        error_messages={"required": "Enter when it happened",
                        "invalid": "Enter the day as year, month and day, for example 2026-11-14"},
    )  # fmt: skip
    summary = forms.CharField(
        label="In a line",
        max_length=200,
        error_messages={"required": "Say in a line what was learned"},
    )
    detail = forms.CharField(
        label="Detail (optional)", required=False, widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10_000,
        help_text="Do not name patients, staff or whistleblowers: the record is seen by the "
        "commissioning side and auditors",
    )  # fmt: skip
