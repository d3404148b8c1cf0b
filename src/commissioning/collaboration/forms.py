"""The form for recording a primary care decision."""

from __future__ import annotations

from django import forms

from commissioning import money
from commissioning.ui.forms import MoneyField, NHSForm

from .rules.cocommissioning import SHAREABLE, Function, Model


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

    commitment = forms.ChoiceField(
        label="Against a commitment (optional)",
        required=False,
        help_text="Spending against a commitment reduces what is outstanding on it",
    )

    def __init__(self, *args, schemes=(), commitments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheme"].choices = [(s.pk, s.name) for s in schemes]
        self.fields["commitment"].choices = [("", "None")] + [
            (c.pk, f"{c.reference}: {c.supplier} ({c.scheme.name})") for c in commitments
        ]


class CommitmentForm(NHSForm):
    scheme = forms.ChoiceField(label="Scheme")
    reference = forms.CharField(label="Order or contract reference", max_length=60)
    supplier = forms.CharField(label="Supplier or provider", max_length=200)
    description = forms.CharField(label="What it is for", max_length=200)
    amount = MoneyField(label="Amount committed")
    made_on = forms.DateField(label="Date committed")
    key = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, schemes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheme"].choices = [(s.pk, s.name) for s in schemes]


class ReleaseForm(NHSForm):
    reason = forms.CharField(
        label="Why the commitment is released",
        max_length=200,
        help_text="For example: the order was cancelled; the contract came in under its value",
        error_messages={"required": "Say why the commitment is released"},
    )


class ActionPlanForm(NHSForm):
    actions = forms.CharField(
        label="The actions proposed",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What will be done about the forecast overspend, by whom and by when",
    )

    def __init__(self, *args, schemes=(), **kwargs):
        super().__init__(*args, **kwargs)
        for s in schemes:  # SchemeForecast rows with the scheme's id
            self.fields[f"cut_{s['pk']}"] = MoneyField(
                label=f"Uncommitted spending {s['name']} will not make (optional)",
                required=False,
                help_text=f"At most "
                f"{money.pounds_and_pence(s['uncommitted'])}, its uncommitted spending",
            )

    def cuts(self) -> dict[int, int]:
        return {
            int(name.removeprefix("cut_")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("cut_") and value
        }


class PlanDecisionForm(NHSForm):
    agrees = forms.ChoiceField(
        label="Your decision for your organisation",
        choices=[("yes", "Agree the plan"), ("no", "Do not agree")],
        widget=forms.RadioSelect,
    )
    reasons = forms.CharField(
        label="Reasons (needed if you do not agree)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


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


PARTNER_ROWS, SCHEME_ROWS = 4, 8


class PoolForm(NHSForm):
    """A pooled budget's written agreement, partners, schemes and risk share. Blank partner
    and scheme rows are ignored."""

    code = forms.CharField(
        label="Ledger code for the pooled fund",
        max_length=50,
        help_text="For example BCF-2026-XL001",
    )
    name = forms.CharField(label="Name", max_length=200)
    kind = forms.ChoiceField(
        label="Kind",
        widget=forms.RadioSelect,
        choices=[
            ("bcf", "Better Care Fund (Section 75 pooled fund)"),
            ("section_75", "Section 75 pooled fund"),
        ],
    )
    start_date = forms.DateField(label="Agreement starts")
    end_date = forms.DateField(label="Agreement ends")
    review_date = forms.DateField(label="Review date", required=False)
    aims_and_outcomes = forms.CharField(label="Aims and outcomes", widget=forms.Textarea)
    functions_covered = forms.CharField(label="Functions covered", widget=forms.Textarea)
    people_and_services = forms.CharField(
        label="People and kinds of services covered", widget=forms.Textarea
    )
    resources_provided = forms.CharField(
        label="Staff, goods, services and accommodation each partner provides",
        widget=forms.Textarea,
    )
    management_and_monitoring = forms.CharField(
        label="How the fund is managed and monitored", widget=forms.Textarea
    )
    variation_and_termination = forms.CharField(
        label="How contributions are varied, and the agreement varied or ended",
        widget=forms.Textarea,
    )
    fund_manager_id = forms.ChoiceField(label="Pooled fund manager")
    overdraft = MoneyField(
        label="Overdraft the host agrees until year end", min_pence=0, required=False
    )
    risk_pool = MoneyField(label="Risk pool", min_pence=0, required=False)
    overspend_bearer = forms.ChoiceField(
        label="What reaches the partners is met",
        widget=forms.RadioSelect,
        choices=[
            ("own", "By the partner leading the overspending scheme"),
            ("pro_rata", "In proportion to contributions"),
            ("fixed", "Equally (50/50 between two partners)"),
        ],
    )
    underspend = forms.ChoiceField(
        label="Underspends",
        widget=forms.RadioSelect,
        choices=[
            ("retain", "Stay in the pool"),
            ("return_pro_rata", "Are returned in proportion to contributions"),
        ],
    )

    def __init__(self, *args, partners=(), accounts=(), managers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fund_manager_id"].choices = [
            (u.pk, u.get_full_name() or u.username) for u in managers
        ]
        orgs = [("", "—"), *_choices(partners)]
        budgets = [("", "—"), *[(a.code, f"{a.name} ({a.code})") for a in accounts]]
        for i in range(1, PARTNER_ROWS + 1):
            self.fields[f"partner_{i}"] = forms.ChoiceField(
                label=f"Partner {i}", choices=orgs, required=False
            )
            self.fields[f"partner_{i}_account"] = forms.ChoiceField(
                label=f"Partner {i}: budget the contribution comes from",
                choices=budgets,
                required=False,
            )
            self.fields[f"partner_{i}_amount"] = MoneyField(
                label=f"Partner {i}: contribution", required=False, min_pence=0
            )
        for i in range(1, SCHEME_ROWS + 1):
            self.fields[f"scheme_{i}"] = forms.CharField(
                label=f"Scheme {i}", required=False, max_length=200
            )
            self.fields[f"scheme_{i}_lead"] = forms.ChoiceField(
                label=f"Scheme {i}: lead partner", choices=orgs, required=False
            )
            self.fields[f"scheme_{i}_budget"] = MoneyField(
                label=f"Scheme {i}: budget", required=False, min_pence=0
            )

    def rows(self, prefix: str, count: int, *parts: str) -> list[tuple[int, tuple]]:
        data = self.cleaned_data
        out = []
        for i in range(1, count + 1):
            values = tuple(data.get(f"{prefix}_{i}{p}") for p in parts)
            if any(v not in (None, "") for v in values):
                out.append((i, values))
        return out
