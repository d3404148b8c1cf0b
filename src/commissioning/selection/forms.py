"""Forms for advice, provider selection, proposals, evaluation and decisions. They parse input;
the services apply the rules."""

from __future__ import annotations

from django import forms

from commissioning import money, numbers
from commissioning.organisations.models import Organisation, User
from commissioning.organisations.vocabulary import PROVIDER_TYPES, OrganisationType
from commissioning.ui.forms import MoneyField, NHSForm

from .documents import MAX_DOCUMENT_BYTES, DocumentInput
from .models import Advice, AdviceSource
from .rules.award import Outcome
from .rules.conflicts import Management
from .rules.evaluation import SCALE, Criterion, reason_missing
from .rules.public import WITHHOLDABLE
from .rules.selection_route import FACTS, Route
from .rules.urgent import CONDITIONS as URGENT_CONDITIONS
from .services import CriterionScore


def required(message: str) -> dict:
    return {"required": message}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class DocumentsField(forms.FileField):
    """Any number of files (each checked by the service: type, size, content)."""

    widget = MultipleFileInput(attrs={"multiple": True})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            "PDF, Word, Excel, PowerPoint, OpenDocument, images, text or CSV; up to 10 MB each.",
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [f for f in files if f]


def documents_from(files) -> tuple[DocumentInput, ...]:
    """Uploaded files as service inputs. A file's size comes from the upload handler: one over
    the limit is never read (the service refuses it by its size)."""
    return tuple(
        DocumentInput(f.name, f.read() if f.size <= MAX_DOCUMENT_BYTES else b"", size=f.size)
        for f in files
    )


def _org_label(org: Organisation) -> str:
    return f"{org.display_name} ({org.code})"


def person_label(user: User) -> str:
    """A person as a choice: their name and where they work, in what role."""
    places = ", ".join(
        f"{m.role_label.lower()} at {m.organisation.display_name}" for m in user.memberships.all()
    )
    return f"{user.get_full_name() or user.username} ({places})"


class AdviceRequestForm(NHSForm):
    source = forms.ChoiceField(
        label="Who do you want to ask?",
        choices=AdviceSource.choices,
        widget=forms.RadioSelect,
        error_messages=required("Choose who to ask for advice"),
    )
    organisation_id = forms.TypedChoiceField(
        label="Organisation",
        coerce=int,
        help_text="The network, senate or provider you are asking.",
        error_messages=required("Choose the organisation to ask"),
    )
    clinician_id = forms.TypedChoiceField(
        label="Named clinician (only when asking a provider's clinician)",
        coerce=int,
        required=False,
        empty_value=None,
    )
    question = forms.CharField(
        label="What would you like advice on?",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages=required("Say what you would like advice on"),
    )
    due_date = forms.DateField(label="Advice needed by", error_messages=required("Enter the date"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        orgs = Organisation.objects.filter(
            org_type__in=[
                OrganisationType.CLINICAL_NETWORK,
                OrganisationType.CLINICAL_SENATE,
                *PROVIDER_TYPES,
            ],
            close_date__isnull=True,
        ).exclude(org_type=OrganisationType.GP_PRACTICE)
        groups = {
            OrganisationType.CLINICAL_NETWORK: ("Strategic clinical networks", []),
            OrganisationType.CLINICAL_SENATE: ("Clinical senates", []),
        }
        providers = []
        for org in orgs.order_by("name"):
            if org.org_type in groups:
                groups[org.org_type][1].append((org.pk, _org_label(org)))
            else:
                providers.append((org.pk, _org_label(org)))
        self.fields["organisation_id"].choices = [
            ("", "Choose an organisation"),
            *[(name, items) for name, items in groups.values() if items],
            ("Providers (for a named clinician)", providers),
        ]
        clinicians = (
            User.objects.filter(
                is_active=True,
                memberships__role="clinical_adviser",
                memberships__organisation__org_type__in=PROVIDER_TYPES,
            )
            .distinct()
            .prefetch_related("memberships__organisation")
        )
        self.fields["clinician_id"].choices = [("", "Nobody named")] + [
            (u.pk, person_label(u)) for u in clinicians
        ]


class AdviceForm(NHSForm):
    recommendation = forms.ChoiceField(
        label="Your recommendation",
        choices=Advice.Recommendation.choices,
        widget=forms.RadioSelect,
        error_messages=required("Choose your recommendation"),
    )
    summary = forms.CharField(
        label="Your advice",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages=required("Summarise your advice"),
    )
    clinical_evidence = forms.CharField(
        label="Clinical evidence (optional)", required=False, widget=forms.Textarea
    )
    risks = forms.CharField(
        label="Risks and how to manage them (optional)", required=False, widget=forms.Textarea
    )
    suggested_changes = forms.CharField(
        label="Changes you suggest to the specification (optional)",
        required=False,
        widget=forms.Textarea,
    )
    documents = DocumentsField(label="Supporting documents (optional)")


QUESTIONS = FACTS  # the rule's facts, each with its question


class SelectionSetupForm(NHSForm):
    budget_id = forms.TypedChoiceField(
        label="Budget",
        coerce=int,
        help_text="The budget the contract will be paid from. Only someone with delegated "
        "authority for it can take the decision.",
        error_messages=required("Choose the budget"),
    )
    incumbent_id = forms.TypedChoiceField(
        label="Existing provider (if any)", coerce=int, required=False, empty_value=None
    )
    current_lifetime_value = MoneyField(
        label="Lifetime value of the expiring contract (if one is being replaced)",
        required=False,
        min_pence=0,
        help_text="Used to test the considerable-change threshold against this specification's "
        "financial envelope.",
    )
    route = forms.ChoiceField(
        label="Process",
        required=False,
        choices=[("", "Use the process the regime points to")]
        + [(r.value, r.label) for r in Route],
        widget=forms.RadioSelect,
    )
    route_justification = forms.CharField(
        label="If you chose another permitted process, why?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    direct_award_c_justification = forms.CharField(
        label="Direct award C: if the existing contract's record counts against its provider, "
        "why is direct award C still right?",
        help_text="Needed only where the record shown above counts against the provider: the "
        "decision record and the notice of intention quote it.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    urgent_reasons = forms.CharField(
        label="Why does regulation 14 apply?",
        help_text="What happened, why it could not be foreseen, and the risk to patients or the "
        "public of waiting. The notice of urgent award publishes it.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    RENAME = {"current_lifetime_value_pence": "current_lifetime_value"}

    def __init__(self, *args, budgets=(), **kwargs):
        super().__init__(*args, **kwargs)
        for name, question in QUESTIONS.items():
            self.fields[name] = forms.BooleanField(label=question, required=False)
        for name, question in URGENT_CONDITIONS.items():
            self.fields[name] = forms.BooleanField(label=question, required=False)
        order = [
            "budget_id",
            "incumbent_id",
            *QUESTIONS,
            "current_lifetime_value",
            "route",
            "route_justification",
            "direct_award_c_justification",
            *URGENT_CONDITIONS,
            "urgent_reasons",
        ]
        self.order_fields(order)
        self.fields["budget_id"].choices = [("", "Choose a budget")] + [
            (b.pk, f"{b.name} {b.financial_year_label} ({b.code})") for b in budgets
        ]
        providers = Organisation.objects.filter(
            org_type__in=PROVIDER_TYPES, close_date__isnull=True
        ).exclude(org_type=OrganisationType.GP_PRACTICE)
        self.fields["incumbent_id"].choices = [("", "None: a new service")] + [
            (o.pk, _org_label(o)) for o in providers.order_by("name")
        ]

    def command_values(self) -> dict:
        d = dict(self.cleaned_data)
        d["current_lifetime_value_pence"] = d.pop("current_lifetime_value")
        return d

    @property
    def facts(self) -> list:
        """The regime's questions, as bound fields."""
        return [self[name] for name in QUESTIONS]

    @property
    def urgency(self) -> list:
        """Regulation 14's conditions, as bound fields."""
        return [self[name] for name in URGENT_CONDITIONS]


class InvitationForm(NHSForm):
    proposals_deadline = forms.DateField(
        label="Last day for proposals", error_messages=required("Enter the last day for proposals")
    )
    evaluator_ids = forms.TypedMultipleChoiceField(
        label="Evaluators",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Your own staff, or clinical advisers of a network or senate. Each scores every "
        "proposal independently; you then moderate.",
    )

    def __init__(self, *args, eligible=(), **kwargs):
        super().__init__(*args, **kwargs)
        for criterion in Criterion:
            self.fields[f"weight_{criterion.value}"] = forms.IntegerField(
                label=f"{criterion.label} (%)",
                min_value=0,
                max_value=100,
                widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-3"}),
                error_messages=required("Enter a weight"),
            )
        self.order_fields(
            [f"weight_{c.value}" for c in Criterion] + ["proposals_deadline", "evaluator_ids"]
        )
        self.fields["evaluator_ids"].choices = [(u.pk, person_label(u)) for u in eligible]

    def weights(self) -> dict[str, int]:
        return {c.value: self.cleaned_data[f"weight_{c.value}"] for c in Criterion}


class ProposalForm(NHSForm):
    provider_id = forms.TypedChoiceField(
        label="Provider", coerce=int, error_messages=required("Choose the provider")
    )
    title = forms.CharField(label="Service", max_length=200, required=False)
    addressed_to_id = forms.TypedChoiceField(
        label="Commissioner it is for", coerce=int, required=False, empty_value=None
    )
    description = forms.CharField(
        label="Your proposal",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="How you will provide the service.",
        error_messages=required("Describe your proposal"),
    )
    capacity = forms.IntegerField(
        label="Capacity a year",
        min_value=0,
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-10"}),
        help_text="The activity you can deliver each year, in the specification's unit.",
        error_messages=required("Enter your capacity"),
    )
    total_price = MoneyField(
        label="Price over the whole term",
        help_text="In pounds, for the whole term of the contract.",
        error_messages=required("Enter your price"),
    )
    documents = DocumentsField(label="Supporting documents (optional)")
    RENAME = {"total_price_pence": "total_price"}

    def __init__(self, *args, providers=(), process=None, commissioners=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.process = process
        self.fields["provider_id"].choices = [(p.pk, _org_label(p)) for p in providers]
        if len(self.fields["provider_id"].choices) == 1:
            self.fields["provider_id"].widget = forms.HiddenInput()
            self.fields["provider_id"].initial = providers[0].pk
        if process is not None:
            del self.fields["title"]
            del self.fields["addressed_to_id"]
            for outcome in process.specification.outcomes.select_related("indicator"):
                self.fields[f"outcome_{outcome.pk}"] = forms.CharField(
                    label=f"How you will meet outcome {outcome.indicator.code}: "
                    f"{outcome.indicator.title}",
                    help_text=f"From {numbers.figure(outcome.baseline)} to "
                    f"{numbers.figure(outcome.target)} "
                    f"({outcome.indicator.unit}) by {numbers.day(outcome.target_date)}.",
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 4}),
                )
            self.order_fields(
                ["provider_id", "description"]
                + [f for f in self.fields if f.startswith("outcome_")]
            )
        else:
            self.fields["title"].required = True
            self.fields["title"].error_messages = required("Name the service you propose")
            self.fields["addressed_to_id"].required = True
            self.fields["addressed_to_id"].error_messages = required("Choose the commissioner")
            self.fields["addressed_to_id"].choices = [("", "Choose a commissioner")] + [
                (o.pk, _org_label(o)) for o in commissioners
            ]

    def command_values(self) -> dict:
        d = self.cleaned_data
        return {
            "provider_id": d["provider_id"],
            "title": d.get("title", ""),
            "description": d["description"],
            "capacity": d["capacity"],
            "total_price_pence": d["total_price"],
            "addressed_to_id": d.get("addressed_to_id"),
            "outcome_answers": {
                int(name.split("_", 1)[1]): value
                for name, value in d.items()
                if name.startswith("outcome_") and value
            },
            "documents": documents_from(d.get("documents") or []),
        }


class DeclarationForm(NHSForm):
    has_interest = forms.TypedChoiceField(
        label="Do you have an interest to declare?",
        choices=[
            ("no", "No, I have no interests to declare"),
            ("yes", "Yes, I have an interest to declare"),
        ],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages=required("Say whether you have an interest to declare"),
        help_text="For example a financial interest in a bidder, a close relationship with "
        "someone who works for one, or a role in one.",
    )
    provider_id = forms.TypedChoiceField(
        label="The provider it concerns (if one)", coerce=int, required=False, empty_value=None
    )
    description = forms.CharField(
        label="Describe the interest (if you have one)", required=False, widget=forms.Textarea
    )

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider_id"].choices = [("", "No particular provider")] + [
            (p.pk, _org_label(p)) for p in providers
        ]


class ManageDeclarationForm(NHSForm):
    management = forms.ChoiceField(
        label="How is the interest managed?",
        choices=[(m.value, m.label) for m in Management if m is not Management.UNMANAGED],
        widget=forms.RadioSelect,
        error_messages=required("Choose how the interest is managed"),
    )
    management_note = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages=required("Record the reason"),
    )


SCALE_CHOICES = [("", "Choose a score")] + [(s, f"{s}: {text}") for s, text in SCALE.items()]


class ScoresForm(NHSForm):
    """Five scores with a reason each; ``word`` is justification (evaluators) or rationale
    (moderation)."""

    def __init__(self, *args, word="justification", **kwargs):
        super().__init__(*args, **kwargs)
        self.word = word
        for c in Criterion:
            self.fields[f"{c.value}_score"] = forms.TypedChoiceField(
                label=c.label,
                choices=SCALE_CHOICES,
                coerce=int,
                error_messages=required(f"Score {c.label.lower()}"),
            )
            self.fields[f"{c.value}_{word}"] = forms.CharField(
                label=f"Reason for the {c.label.lower()} score",
                widget=forms.Textarea(attrs={"rows": 3}),
                error_messages=required(reason_missing(c)),
            )

    def scores(self):

        return {
            c.value: CriterionScore(
                self.cleaned_data[f"{c.value}_score"], self.cleaned_data[f"{c.value}_{self.word}"]
            )
            for c in Criterion
        }


class DecisionForm(NHSForm):
    outcome = forms.ChoiceField(
        label="Your decision",
        choices=[(o.value, o.label) for o in Outcome],
        widget=forms.RadioSelect,
        error_messages=required("Choose your decision"),
    )
    awarded = forms.TypedMultipleChoiceField(
        label="Award to",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose one proposal (under direct award process B, every provider that meets "
        "the requirements).",
    )
    departure_confirmed = forms.BooleanField(
        label="I am awarding to a proposal that did not score highest, and my rationale says why",
        required=False,
    )
    advice_considered = forms.TypedMultipleChoiceField(
        label="Advice you considered",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    rationale = forms.CharField(
        label="Rationale",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Why you decided as you did. The decision record quotes it.",
        error_messages=required("Explain the decision"),
    )
    withheld = forms.MultipleChoiceField(
        label="Commercially confidential: withhold from the public register (optional)",
        choices=list(WITHHOLDABLE.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The notices and the register show your reason in its place. The process, the "
        "key criteria and their weights are always published.",
    )
    withheld_reason = forms.CharField(
        label="Why it is commercially confidential",
        help_text="A sentence (20 characters or more). It is published in the notices in place "
        "of what is withheld, so name no one.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, proposals=(), advice=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["awarded"].choices = [
            (
                p.proposal.pk,
                f"{p.proposal.provider.display_name}: "
                f"{p.total_percent or 'not scored'}, "
                f"{money.pounds_and_pence(p.proposal.total_price_pence)}",
            )
            for p in proposals
        ]
        self.fields["advice_considered"].choices = [
            (
                a.pk,
                f"{a.request.organisation.display_name}: {a.get_recommendation_display().lower()}",
            )
            for a in advice
        ]


class RepresentationForm(NHSForm):
    provider_id = forms.TypedChoiceField(label="For", coerce=int)
    grounds = forms.CharField(
        label="Your representation",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Set out why you think the decision should be reviewed.",
        error_messages=required("Set out your representation"),
    )

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider_id"].choices = [(p.pk, _org_label(p)) for p in providers]
        if len(providers) == 1:
            self.fields["provider_id"].widget = forms.HiddenInput()
