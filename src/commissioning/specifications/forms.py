"""Forms for writing specifications. They parse what people type; the services apply the rules."""

from __future__ import annotations

from django import forms

from commissioning.ui.forms import MoneyField, NHSForm

from . import cpv
from .models import OutcomeIndicator
from .rules.outcomes import DOMAINS, Direction, QualityDimension


def required(message: str) -> dict:
    return {"required": message}


class SpecificationForm(NHSForm):
    commissioner = forms.ModelChoiceField(
        queryset=None,
        label="Commissioner",
        help_text="The organisation that commissions the service and holds its budget.",
        error_messages=required("Choose the commissioner"),
    )
    title = forms.CharField(
        label="Service",
        max_length=200,
        help_text="A short name people will recognise, for example Hyper-acute stroke unit.",
        error_messages=required("Enter the name of the service"),
    )
    service_description = forms.CharField(
        label="Description of the service",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What the service does. Commission for outcomes: say what must be achieved, "
        "and leave the detail of how to the provider.",
        error_messages=required("Describe the service"),
    )
    population = forms.CharField(
        label="Population covered",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Who the service is for, for example adults with a suspected stroke.",
        error_messages=required("Say who the service is for"),
    )
    area = forms.CharField(
        label="Area covered",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages=required("Say which area the service covers"),
    )
    population_size = forms.IntegerField(
        label="People covered (optional)",
        required=False,
        min_value=0,
        help_text="An estimate of how many people live in the area covered.",
    )
    annual_activity = forms.IntegerField(
        label="Planned activity a year",
        min_value=1,
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-10"}),
        error_messages=required("Enter the planned activity a year"),
    )
    activity_unit = forms.CharField(
        label="Unit of activity",
        max_length=60,
        help_text="For example admissions, attendances, contacts or people treated.",
        error_messages=required("Enter the unit of activity"),
    )
    financial_envelope = MoneyField(
        label="Financial envelope",
        help_text="The most you will pay over the whole term, in pounds.",
        error_messages=required("Enter the financial envelope"),
    )
    term_months = forms.IntegerField(
        label="Term in months",
        min_value=1,
        max_value=180,
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-4"}),
        help_text="For example 36 for three years.",
        error_messages=required("Enter the term in months"),
    )
    cpv_code = forms.ChoiceField(
        label="CPV code",
        choices=cpv.CHOICES,
        initial=cpv.GENERAL,
        required=False,
        help_text="The most relevant code of the Provider Selection Regime's list: every notice "
        "about the service quotes it.",
        error_messages=required("Choose the CPV code"),
    )
    RENAME = {"financial_envelope_pence": "financial_envelope"}

    def __init__(self, *args, commissioners=None, **kwargs):
        super().__init__(*args, **kwargs)
        if commissioners is None:
            del self.fields["commissioner"]
        else:
            self.fields["commissioner"].queryset = commissioners
            if commissioners.count() == 1:
                self.fields["commissioner"].initial = commissioners.first()
                self.fields["commissioner"].widget = forms.HiddenInput()

    def command_values(self) -> dict:
        d = self.cleaned_data
        return {
            "title": d["title"],
            "service_description": d["service_description"],
            "population": d["population"],
            "area": d["area"],
            "population_size": d["population_size"],
            "annual_activity": d["annual_activity"],
            "activity_unit": d["activity_unit"],
            "financial_envelope_pence": d["financial_envelope"],
            "term_months": d["term_months"],
            "cpv_code": d.get("cpv_code") or cpv.GENERAL,
        }


def indicator_choices():
    """Indicators grouped by domain, each labelled with its unit and which way is better."""
    groups = []
    indicators = list(OutcomeIndicator.objects.order_by("domain", "code"))
    for domain, title in DOMAINS.items():
        options = [
            (
                i.pk,
                f"{i.code} {i.title} ({i.unit}; {Direction(i.direction).label.lower()})"
                + ("" if i.confirmed else " [not confirmed: check before use]"),
            )
            for i in indicators
            if i.domain == domain
        ]
        if options:
            groups.append((f"Domain {domain}: {title}", options))
    return [("", "Choose an indicator"), *groups]


def _level(label: str, hint: str) -> forms.DecimalField:
    """A level of an indicator, in its own unit."""
    return forms.DecimalField(
        label=label,
        max_digits=14,
        decimal_places=3,
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-10", "step": "any"}),
        help_text=hint,
        error_messages=required(f"Enter the {label.lower()}"),
    )


class OutcomeForm(NHSForm):
    indicator_id = forms.TypedChoiceField(
        label="NHS Outcomes Framework indicator",
        coerce=int,
        help_text="The indicator the provider's success will be measured by.",
        error_messages=required("Choose an indicator"),
    )
    baseline = _level("Baseline", "Where the indicator stands now, in its unit.")
    target = _level(
        "Target", "Where it must be by the target date: an improvement on the baseline."
    )
    target_date = forms.DateField(
        label="Target date", error_messages=required("Enter the target date")
    )
    measurement = forms.CharField(
        label="How it will be measured (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The data source, the population and how often.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator_id"].choices = indicator_choices()


class QualityRequirementForm(NHSForm):
    dimension = forms.ChoiceField(
        label="Dimension of quality",
        choices=[(d.value, d.label) for d in QualityDimension],
        widget=forms.RadioSelect,
        error_messages=required("Choose safe, clinically effective or positive experience"),
    )
    requirement = forms.CharField(
        label="Quality requirement",
        max_length=300,
        help_text="What must happen, for example brain imaging within 1 hour of arrival.",
        error_messages=required("Enter the quality requirement"),
    )
    threshold = forms.CharField(
        label="Threshold",
        max_length=120,
        help_text="The level to reach, for example at least 90% each month.",
        error_messages=required("Enter the threshold"),
    )
    method_of_measurement = forms.CharField(
        label="Method of measurement",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=required("Say how it will be measured"),
    )
    consequence_of_breach = forms.CharField(
        label="Consequence of breach (optional)",
        max_length=300,
        required=False,
        help_text="For example a remedial action plan.",
    )
    frequency = forms.ChoiceField(
        label="Reported",
        choices=[("monthly", "Monthly"), ("quarterly", "Quarterly"), ("annually", "Annually")],
    )
