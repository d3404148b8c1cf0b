"""Contracts made from an award, on the NHS Standard Contract model.

The parties are a co-ordinating commissioner (acting for itself and as agent of the associate
commissioners), the associate commissioners and the provider (docs/domain.md section 8). The
specification's outcomes and quality requirements become the contract's quality schedule
(Schedule 4), which quality monitoring tracks.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from commissioning.engine.quality.constants import Chart, Measures
from commissioning.organisations.models import Organisation
from commissioning.selection.models import Decision, Proposal, Urgency
from commissioning.selection.rules.modification import Ground
from commissioning.specifications.models import (
    OutcomeIndicator,
    QualityRequirement,
    ServiceSpecification,
    SpecificationOutcome,
)
from commissioning.specifications.rules.outcomes import QualityDimension

USER = settings.AUTH_USER_MODEL


class Contract(models.Model):
    class Form(models.TextChoices):
        FULL_LENGTH = "full_length", "NHS Standard Contract (full length)"
        SHORTER_FORM = "shorter_form", "NHS Standard Contract (shorter form)"

    class Status(models.TextChoices):
        AWAITING_SIGNATURES = "awaiting_signatures", "Awaiting signatures"
        SIGNED = "signed", "Signed"

    reference = models.CharField(max_length=30, unique=True)
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="contracts")
    proposal = models.OneToOneField(Proposal, on_delete=models.PROTECT, related_name="contract")
    specification = models.ForeignKey(
        ServiceSpecification, on_delete=models.PROTECT, related_name="contracts"
    )
    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="contracts")
    form = models.CharField(max_length=15, choices=Form.choices, default=Form.FULL_LENGTH)
    value_pence = models.BigIntegerField(help_text="The contract value over its term, in pence")
    start_date = models.DateField()
    end_date = models.DateField()
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.AWAITING_SIGNATURES
    )
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    provider_signed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    provider_signed_at = models.DateTimeField(null=True, blank=True)
    commissioner_signed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    commissioner_signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gt=models.F("start_date")),
                name="contract_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=models.Q(value_pence__gt=0), name="contract_value_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Contract {self.reference}: {self.specification.title} with {self.provider.code}"

    @property
    def entered_into(self) -> dt.date | None:
        """The day the contract was entered into: when the second side signed (in England);
        ``None`` until both have. The award notice, OCDS's dateSigned and regulation 25's
        annual summary all read this."""
        if self.provider_signed_at is None or self.commissioner_signed_at is None:
            return None
        return timezone.localdate(max(self.provider_signed_at, self.commissioner_signed_at))

    @property
    def co_ordinating_commissioner(self) -> Organisation:
        return next(p.organisation for p in self.parties.all() if p.role == ContractParty.CO)

    @property
    def associates(self) -> list[Organisation]:
        return [p.organisation for p in self.parties.all() if p.role == ContractParty.ASSOCIATE]


class ContractParty(models.Model):
    CO = "co_ordinating"
    ASSOCIATE = "associate"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="parties")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(
        max_length=15,
        choices=[(CO, "Co-ordinating commissioner"), (ASSOCIATE, "Associate commissioner")],
    )

    class Meta:
        ordering = ["contract_id", "-role", "organisation__name"]
        verbose_name_plural = "contract parties"
        constraints = [
            models.UniqueConstraint(fields=["contract", "organisation"], name="one_party_row"),
            models.UniqueConstraint(
                fields=["contract"],
                condition=models.Q(role="co_ordinating"),
                name="one_co_ordinating_commissioner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation.code} ({self.get_role_display()}) on {self.contract_id}"


MEASURES_CHOICES = [
    (Measures.VALUE.value, "A figure each month"),
    (Measures.PROPORTION.value, "A proportion: patients who met the standard, of those eligible"),
    (Measures.RATE.value, "A rate: events per unit of exposure, such as per 1,000 bed days"),
    (Measures.COUNT.value, "A count of events each month"),
    (Measures.CASES_BETWEEN.value, "Cases between rare events (each event one figure)"),
    (Measures.DAYS_BETWEEN.value, "Days between rare events (each event one figure)"),
]


class QualityScheduleItem(models.Model):
    """One line of the contract's quality schedule: an outcome or a quality requirement."""

    OUTCOME = "outcome"
    REQUIREMENT = "quality_requirement"

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="quality_schedule"
    )
    kind = models.CharField(
        max_length=20, choices=[(OUTCOME, "Outcome"), (REQUIREMENT, "Quality requirement")]
    )
    dimension = models.CharField(
        max_length=10, choices=[(d.value, d.label) for d in QualityDimension]
    )
    title = models.CharField(max_length=300)
    indicator = models.ForeignKey(
        OutcomeIndicator, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    baseline = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    target = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    target_date = models.DateField(null=True, blank=True)
    threshold = models.CharField(max_length=120, blank=True)
    method_of_measurement = models.TextField(blank=True)
    consequence_of_breach = models.CharField(max_length=300, blank=True)
    frequency = models.CharField(max_length=10, default="monthly")
    # What the line measures decides its SPC chart (engine.quality.charts.choose_chart); a
    # proportion or rate is reported as a numerator and denominator and shown per ``per``.
    measures = models.CharField(
        max_length=14,
        choices=MEASURES_CHOICES,
        default=Measures.VALUE.value,
        help_text="What the figure is: this decides the chart it is drawn on",
    )
    per = models.PositiveIntegerField(
        default=1,
        help_text="A proportion or rate is shown per this many (100 for a percentage)",
    )
    chart = models.CharField(
        max_length=8,
        choices=[(c.value, c.label) for c in Chart],
        blank=True,
        help_text="Leave blank to draw the chart chosen from what the line measures",
    )
    source_outcome = models.ForeignKey(
        SpecificationOutcome, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_requirement = models.ForeignKey(
        QualityRequirement, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["contract_id", "kind", "dimension", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    @property
    def dimension_label(self) -> str:
        return QualityDimension(self.dimension).label


class ContractVariation(Urgency):
    """A variation to a signed contract. A variation is agreed by both parties (the NHS
    Standard Contract's General Condition 13): the provider agrees or declines it. The
    co-ordinating commissioner acts for itself and as agent of the associate commissioners
    (docs/domain.md section 8); requiring every associate's approval before it signs a variation
    is the platform's rule. It signs once the provider has agreed and every associate (if there
    are any) has approved."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        SIGNED = "signed", "Signed"
        DECLINED = "declined", "Declined by the provider"

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="variations")
    number = models.PositiveSmallIntegerField()
    description = models.TextField()
    value_change_pence = models.BigIntegerField(default=0)
    # Regulation 13 of SI 2023/1348: the ground the modification rests on, and the facts its
    # rule turns on (selection.rules.modification).
    ground = models.CharField(
        max_length=20, choices=[(g.value, g.label) for g in Ground], default=Ground.PROVIDED_FOR
    )
    materially_different = models.BooleanField(default=False)
    attributable_to_authority = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField()
    signed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    provider_answered_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    provider_answered_at = models.DateTimeField(null=True, blank=True)
    provider_agreed = models.BooleanField(
        null=True, blank=True, help_text="The provider's answer: agreed, declined, or not yet"
    )
    provider_reasons = models.TextField(blank=True, help_text="Why the provider declined")

    class Meta:
        ordering = ["contract_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="one_variation_number")
        ]

    def __str__(self) -> str:
        return f"Variation {self.number} to {self.contract.reference}"

    def waiting_for(self) -> list[Organisation]:
        """Whom a proposed variation waits for before the co-ordinating commissioner may sign:
        the provider, until it agrees, and each associate commissioner that has not approved
        (none, on a contract without associates). Reads ``approvals`` and the contract's
        ``parties`` (prefetch them for a list)."""
        if self.status != self.Status.PROPOSED:
            return []
        approved = {a.organisation_id for a in self.approvals.all()}
        waiting = [] if self.provider_agreed else [self.contract.provider]
        return waiting + [o for o in self.contract.associates if o.pk not in approved]

    def waiting_words(self) -> str:
        """Whom a proposed variation waits for, in words ("Waiting for X to agree and Y to
        approve"); empty when nobody but the co-ordinating commissioner is left."""
        provider = self.contract.provider
        waiting = self.waiting_for()
        steps = []
        if provider in waiting:
            steps.append(f"{provider.display_name} to agree")
        associates = [o.display_name for o in waiting if o != provider]
        if associates:
            steps.append(f"{_names(associates)} to approve")
        return f"Waiting for {' and '.join(steps)}" if steps else ""

    @property
    def stage(self) -> str:
        """Where the variation stands, in words: whom it waits for, by name."""
        if self.status != self.Status.PROPOSED:
            return self.get_status_display()
        if waiting := self.waiting_words():
            return f"{waiting}, then the co-ordinating commissioner signs"
        return "Agreed: waiting for the co-ordinating commissioner to sign"


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


class VariationApproval(models.Model):
    variation = models.ForeignKey(
        ContractVariation, on_delete=models.PROTECT, related_name="approvals"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["variation", "organisation"], name="approve_once")
        ]

    def __str__(self) -> str:
        return f"{self.organisation.code} approved {self.variation}"
