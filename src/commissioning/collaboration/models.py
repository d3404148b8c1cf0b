"""Co-commissioning arrangements and the primary care decisions taken under them."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .rules.cocommissioning import BODY_LABELS, FUNCTION_LABELS, MODEL_LABELS


class CoCommissioningArrangement(models.Model):
    """One commissioner's primary care co-commissioning model for one financial year."""

    commissioner = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="cocommissioning_arrangements",
    )
    nhs_england = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="NHS England region",
    )
    year_start = models.PositiveSmallIntegerField(
        "financial year", help_text="The year the financial year starts: 2026 for 2026/27"
    )
    model = models.CharField(max_length=30, choices=[(k.value, v) for k, v in MODEL_LABELS.items()])
    functions = models.JSONField(default=list, help_text="The primary care functions covered")
    in_special_measures = models.BooleanField(
        default=False, help_text="The commissioner is in a state akin to special measures"
    )
    joint_committee = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="joint_committees"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-year_start", "commissioner__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["commissioner", "year_start"], name="one_arrangement_per_year"
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.commissioner.display_name}: {MODEL_LABELS[self.model]} "
            f"{self.year_start}/{(self.year_start + 1) % 100:02d}"
        )


class PrimaryCareDecision(models.Model):
    arrangement = models.ForeignKey(
        CoCommissioningArrangement, on_delete=models.PROTECT, related_name="decisions"
    )
    function = models.CharField(
        max_length=40, choices=[(k.value, v) for k, v in FUNCTION_LABELS.items()]
    )
    subject = models.CharField(max_length=300, help_text="e.g. the merger of two practices")
    decision = models.TextField()
    decided_as = models.CharField(
        max_length=20, choices=[(k.value, v) for k, v in BODY_LABELS.items()]
    )
    consultation = models.TextField(blank=True, help_text="How the commissioner was consulted")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_at"]

    def __str__(self) -> str:
        return self.subject


class PooledBudget(models.Model):
    """A pooled fund under a Section 75 partnership agreement (the Better Care Fund is paid
    into one). The agreement must be in writing and specify the items of regulation 7 of the
    NHS Bodies and Local Authorities Partnership Arrangements Regulations 2000 (SI 2000/617)."""

    AUDIT_PENCE = ("partners",)  # the audit trail records each partner's contribution in pence

    class Kind(models.TextChoices):
        SECTION_75 = "section_75", "Section 75 pooled fund"
        BCF = "bcf", "Better Care Fund (Section 75 pooled fund)"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    host = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="hosted_pools",
        help_text="Responsible for the pool's accounts and audit",
    )
    fund_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="pooled fund manager",
    )
    aims_and_outcomes = models.TextField()
    functions_covered = models.TextField()
    people_and_services = models.TextField(help_text="The people and kinds of services covered")
    resources_provided = models.TextField(
        help_text="Staff, goods, services and accommodation each partner provides"
    )
    management_and_monitoring = models.TextField(help_text="How the fund is managed and monitored")
    variation_and_termination = models.TextField(
        help_text="How contributions can be varied, and how the agreement is varied or ended"
    )
    start_date = models.DateField()
    end_date = models.DateField()
    review_dates = models.JSONField(default=list)
    risk_policy = models.JSONField(default=dict)
    pool_account = models.OneToOneField(
        "ledger.Account", on_delete=models.PROTECT, related_name="pooled_budget"
    )
    risk_pool_account = models.OneToOneField(
        "ledger.Account", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PoolPartner(models.Model):
    pool = models.ForeignKey(PooledBudget, on_delete=models.PROTECT, related_name="partners")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    contribution_pence = models.BigIntegerField(help_text="The agreed contribution")
    account = models.ForeignKey(
        "ledger.Account",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The partner's budget the contribution comes from",
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["pool", "organisation"], name="one_partnership_each")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} in {self.pool}"


class PoolScheme(models.Model):
    pool = models.ForeignKey(PooledBudget, on_delete=models.PROTECT, related_name="schemes")
    name = models.CharField(max_length=200)
    lead = models.ForeignKey(PoolPartner, on_delete=models.PROTECT, related_name="schemes")
    budget_pence = models.BigIntegerField()
    spend_account = models.OneToOneField(
        "ledger.Account", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class SchemeCommitment(models.Model):
    """Money a scheme has committed (an order placed or a contract signed) but not yet spent.
    A memorandum record: the money stays in the pooled fund until it is spent, and the spending
    recorded against a commitment (its ledger transactions name it) reduces what is
    outstanding. What a scheme plans to spend beyond its commitments is uncommitted: the risk
    share's "cut uncommitted scheme spending" step can only cut that."""

    scheme = models.ForeignKey(PoolScheme, on_delete=models.PROTECT, related_name="commitments")
    reference = models.CharField("order or contract reference", max_length=60)
    supplier = models.CharField(max_length=200)
    description = models.CharField("what it is for", max_length=200)
    amount_pence = models.BigIntegerField()
    made_on = models.DateField("date committed")
    key = models.CharField(max_length=100, unique=True, help_text="The form's one-time key")
    released_on = models.DateField(null=True, blank=True)
    release_reason = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["scheme", "made_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "reference"], name="one_commitment_per_reference"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.scheme})"


class ActionPlan(models.Model):
    """The pooled fund manager's proposed actions for a forecast overspend, with the uncommitted
    spending each scheme will not make; the partners decide (``forecast.plan_status``)."""

    AUDIT_PENCE = ("cuts",)  # each scheme's cut, in pence, in the audit trail

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed: waiting for the partners"
        AGREED = "agreed", "Agreed by every partner"
        REJECTED = "rejected", "Rejected"

    pool = models.ForeignKey(PooledBudget, on_delete=models.PROTECT, related_name="action_plans")
    year_start = models.PositiveSmallIntegerField()
    actions = models.TextField("the actions proposed")
    cuts = models.JSONField(help_text="{scheme id: pence of uncommitted spending not to make}")
    forecast_overspend_pence = models.BigIntegerField(help_text="The forecast when proposed")
    forecast_as_at = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pool", "-proposed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["pool", "year_start"],
                condition=models.Q(status="proposed"),
                name="one_open_action_plan_per_pool_year",
            )
        ]

    def __str__(self) -> str:
        return f"Action plan {self.pk} for {self.pool}"


class ActionPlanDecision(models.Model):
    """One partner's decision on an action plan, as a member of the management group."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.PROTECT, related_name="decisions")
    partner = models.ForeignKey(PoolPartner, on_delete=models.PROTECT, related_name="+")
    agrees = models.BooleanField()
    reasons = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["plan", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "partner"], name="one_decision_per_partner")
        ]

    def __str__(self) -> str:
        return f"{'Agreed' if self.agrees else 'Disagreed'}: {self.partner} on {self.plan}"


class YearEndSettlement(models.Model):
    # The audit trail records these amounts in pence (audit.readable writes them in pounds).
    AUDIT_PENCE = ("covered", "retained", "total_overspend", "total_underspend")

    pool = models.ForeignKey(PooledBudget, on_delete=models.PROTECT, related_name="settlements")
    year_start = models.PositiveSmallIntegerField()
    figures = models.JSONField(help_text="The settlement, step by step and partner by partner")
    settled_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pool", "year_start"], name="one_settlement_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.pool} {self.year_start}/{(self.year_start + 1) % 100:02d}"


class Consortium(models.Model):
    """Commissioners commissioning together for a service or a provider under a collaborative
    commissioning agreement (Recommendation 131, seed document 002: commissioning on behalf of
    consortia of commissioning groups). One of them co-ordinates, following the NHS Standard
    Contract's co-ordinating commissioner (docs/domain.md section 8)."""

    class Scope(models.TextChoices):
        SERVICE = "service", "A service"
        PROVIDER = "provider", "A provider"

    name = models.CharField(max_length=200)
    scope = models.CharField(max_length=10, choices=Scope.choices)
    service = models.CharField(max_length=200, blank=True)
    provider = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    co_ordinating = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="co-ordinating commissioner",
    )
    members = models.ManyToManyField("organisations.Organisation", related_name="consortia")
    decision_rules = models.TextField(help_text="How the members decide together")
    agreement_date = models.DateField(help_text="When the agreement was signed")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "consortia"

    def __str__(self) -> str:
        return self.name
