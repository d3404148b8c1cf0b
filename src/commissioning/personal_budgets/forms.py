"""The forms a care coordinator and a budget holder fill in. They only parse what is typed;
the rules are in the services."""

from __future__ import annotations

from django import forms

from commissioning.collaboration.models import PoolScheme
from commissioning.ui.forms import DateInput, MoneyField, NHSForm

from .models import Entitlement, NeedsAssessment, Plan, Reconsideration, choices_of
from .rules import nhs_number
from .rules.direct_payments import RepaymentGround, StopGround
from .rules.eligibility import DOMAINS, Level
from .rules.holding import MODE_LABELS, Recipient
from .rules.spending import Category
from .services import ServiceLine

SERVICE_ROWS = 4
CATEGORY_CHOICES = [("", "Choose"), *choices_of(Category)]
RECIPIENTS = [
    ("", "Not a direct payment"),
    ("patient", "The person"),
    ("representative", "Their representative"),
    ("nominee", "Their nominee"),
]


def _label(text: str) -> str:
    return text.replace("_", " ").capitalize()


class PersonForm(NHSForm):
    name = forms.CharField(
        label="Name", max_length=120, help_text="The name the person is known by"
    )
    nhs_number = forms.CharField(
        label="NHS number", max_length=14, help_text="10 digits, for example 943 476 5919"
    )
    date_of_birth = forms.DateField(label="Date of birth", widget=DateInput)
    entitlement = forms.ChoiceField(label="Basis of entitlement", choices=Entitlement.choices)
    lacks_capacity = forms.BooleanField(
        label="Lacks capacity to consent to a direct payment", required=False
    )
    excluded_by_schedule = forms.BooleanField(
        label="Under a drug or alcohol treatment requirement, or on licence with such conditions",
        required=False,
        help_text="Such a person may not receive direct payments",
    )

    def clean_nhs_number(self):
        value = self.cleaned_data["nhs_number"]
        problem = nhs_number.problem(value)
        if problem:
            raise forms.ValidationError(problem)
        return value


class AssessmentForm(NHSForm):
    assessed_on = forms.DateField(label="Date of the assessment", widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for domain, ceiling in DOMAINS.items():
            self.fields[f"rating_{domain}"] = forms.TypedChoiceField(
                label=_label(domain),
                coerce=int,
                choices=[(lvl.value, lvl.label) for lvl in Level if lvl <= ceiling],
                help_text=f"Up to {ceiling.label}",
            )
        self.fields["decision"] = forms.ChoiceField(
            label="The team's decision", choices=[("", "Choose"), *NeedsAssessment.Decision.choices]
        )
        self.fields["decision_reasons"] = forms.CharField(
            label="Reasons for the decision",
            widget=forms.Textarea,
            help_text="The nature, intensity, complexity and unpredictability of the needs",
        )

    def ratings(self) -> dict[str, int]:
        return {d: self.cleaned_data[f"rating_{d}"] for d in DOMAINS}


class PlanForm(NHSForm):
    start_date = forms.DateField(label="The plan starts on", widget=DateInput)
    needs = forms.CharField(label="Health and wellbeing needs", widget=forms.Textarea)
    outcomes = forms.CharField(label="Outcomes the person wants", widget=forms.Textarea)
    risks = forms.CharField(label="Risks and how they are managed", widget=forms.Textarea)
    contingency = forms.CharField(
        label="Contingency: what happens if something goes wrong", widget=forms.Textarea
    )
    mode = forms.ChoiceField(
        label="How the budget is held",
        choices=[(m.value, label) for m, label in MODE_LABELS.items()],
    )
    recipient = forms.ChoiceField(
        label="Who receives the direct payment", choices=RECIPIENTS, required=False
    )
    third_party_name = forms.CharField(label="Third-party organisation", required=False)
    third_party_independent = forms.BooleanField(
        label="The organisation is independent of both the person and the NHS", required=False
    )
    amount_pence = MoneyField(
        label="Annual budget", help_text="It must cover the full cost of every service below"
    )
    reduction_reasons = forms.CharField(
        label="Reasons for any reduction",
        widget=forms.Textarea,
        required=False,
        help_text="Needed if the budget is lower than in the current plan",
    )

    scheme_id = forms.TypedChoiceField(
        label="Integrated budget: the pooled budget and scheme it is charged to",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="Leave as it is for an NHS budget; for an integrated budget, give each share",
    )
    funding_nhs = MoneyField(label="NHS share", required=False, min_pence=0)
    funding_social_care = MoneyField(label="Social care share", required=False, min_pence=0)
    funding_education = MoneyField(label="Education share", required=False, min_pence=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheme_id"].choices = [("", "Not an integrated budget")] + [
            (scheme.pk, f"{scheme.pool.name}: {scheme.name}")
            for scheme in PoolScheme.objects.select_related("pool").order_by("pool__name", "pk")
        ]
        for i in range(SERVICE_ROWS):
            n = i + 1
            self.fields[f"service_{i}_name"] = forms.CharField(label=f"Service {n}", required=False)
            self.fields[f"service_{i}_category"] = forms.ChoiceField(
                label=f"Service {n}: kind", choices=CATEGORY_CHOICES, required=False
            )
            self.fields[f"service_{i}_provider"] = forms.CharField(
                label=f"Service {n}: provider", required=False
            )
            self.fields[f"service_{i}_annual_cost_pence"] = MoneyField(
                label=f"Service {n}: cost a year", required=False
            )

    def services(self):
        out = []
        for i in range(SERVICE_ROWS):
            name = self.cleaned_data.get(f"service_{i}_name", "")
            cost = self.cleaned_data.get(f"service_{i}_annual_cost_pence")
            category = self.cleaned_data.get(f"service_{i}_category", "")
            if name or cost or category:
                out.append(
                    ServiceLine(
                        name, category, cost, self.cleaned_data.get(f"service_{i}_provider", "")
                    )
                )
        return tuple(out)

    def funding(self) -> dict[str, int]:
        return {
            k: self.cleaned_data[f"funding_{k}"]
            for k in ("nhs", "social_care", "education")
            if self.cleaned_data.get(f"funding_{k}")
        }

    def rename(self) -> dict[str, str]:
        # services.N.field -> service_N_field, for the rows actually sent
        names = {}
        row = 0
        for i in range(SERVICE_ROWS):
            if any(
                self.cleaned_data.get(f"service_{i}_{f}")
                for f in ("name", "category", "annual_cost_pence")
            ):
                for f in ("name", "category", "annual_cost_pence"):
                    names[f"services.{row}.{f}"] = f"service_{i}_{f}"
                row += 1
        names["services"] = "service_0_name"
        names["funding"] = "funding_nhs"
        return names


class AgreeForm(NHSForm):
    agreed_by = forms.ChoiceField(
        label="Who agreed the plan with you", choices=Plan.AgreedBy.choices
    )
    agreed_on = forms.DateField(label="Date agreed", widget=DateInput)


class PaymentForm(NHSForm):
    key = forms.CharField(widget=forms.HiddenInput)
    service_id = forms.TypedChoiceField(
        label="Which service in the plan", coerce=int, required=False, empty_value=None
    )
    category = forms.ChoiceField(label="What it is for", choices=CATEGORY_CHOICES)
    payee = forms.CharField(label="Who was paid", max_length=200)
    description = forms.CharField(label="What was bought", max_length=300)
    amount_pence = MoneyField(label="Amount")
    paid_on = forms.DateField(label="Date paid", widget=DateInput)

    def __init__(self, *args, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "Not in the plan")]
        if plan is not None:
            choices += [(s.pk, s.name) for s in plan.services.all()]
        self.fields["service_id"].choices = choices


class ReviewForm(NHSForm):
    held_on = forms.DateField(label="Date of the review", widget=DateInput)
    needs_met = forms.BooleanField(label="The plan is meeting the person's needs", required=False)
    notes = forms.CharField(label="What the review found", widget=forms.Textarea)


class RepaymentForm(NHSForm):
    ground = forms.ChoiceField(
        label="Ground (regulation 15)",
        choices=choices_of(RepaymentGround),
    )
    reasons = forms.CharField(label="Reasons, for the person", widget=forms.Textarea)
    amount_pence = MoneyField(label="Amount to repay")
    deadline = forms.DateField(label="Repay by", widget=DateInput)
    repayer = forms.ChoiceField(label="Who must repay", choices=choices_of(Recipient))


class RepaidForm(NHSForm):
    key = forms.CharField(widget=forms.HiddenInput)
    amount_pence = MoneyField(label="Amount received")
    received_on = forms.DateField(label="Date received", widget=DateInput)


class StopForm(NHSForm):
    ground = forms.ChoiceField(label="Ground (regulation 17)", choices=choices_of(StopGround))
    reasons = forms.CharField(label="Reasons, for the person", widget=forms.Textarea)


class ReconsiderationForm(NHSForm):
    about = forms.ChoiceField(label="Which decision", choices=Reconsideration.About.choices)
    grounds = forms.CharField(label="Why it should be looked at again", widget=forms.Textarea)


class DecideForm(NHSForm):
    outcome = forms.ChoiceField(
        label="Outcome",
        # Nothing chosen for the person reviewing: the outcome is theirs to decide (issue 18).
        choices=[
            ("", "Choose the outcome"),
            ("upheld", "Original decision upheld"),
            ("changed", "Decision changed"),
        ],
    )
    reasons = forms.CharField(label="Reasons, for the person", widget=forms.Textarea)


class LinkForm(NHSForm):
    link = forms.ChoiceField(
        label="Sign-in for",
        choices=[
            ("holder", "The person"),
            ("representative", "Their representative"),
            ("nominee", "Their nominee"),
        ],
    )
    username = forms.CharField(
        label="Username of their sign-in",
        required=False,
        help_text="Leave empty to remove the link",
    )
