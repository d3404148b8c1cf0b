"""Outcomes-framework indicators and outcome-based service specifications, with versions."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from commissioning.organisations.models import Organisation

from . import cpv
from .rules.lifecycle import Status
from .rules.outcomes import Direction, QualityDimension, domain_title, quality_dimension

MAX_ENVELOPE_PENCE = 10**14  # £1 trillion: far beyond any contract, well inside BIGINT


class OutcomeIndicator(models.Model):
    """One indicator of one edition of the NHS Outcomes Framework (reference data)."""

    framework_year = models.CharField(max_length=7, help_text="Edition, e.g. 2016-17")
    code = models.CharField(max_length=12, help_text="e.g. 1a.i, 3b, 4.3")
    title = models.CharField(max_length=300)
    domain = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    direction = models.CharField(
        max_length=6,
        choices=[(d.value, d.label) for d in Direction],
        help_text="Which way is better",
    )
    unit = models.CharField(max_length=120)
    confirmed = models.BooleanField(
        default=True,
        help_text="Confirmed against the published framework; if not, check before relying on it",
    )
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["domain", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework_year", "code"], name="one_indicator_per_edition_and_code"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title} (NHSOF {self.framework_year})"

    @property
    def domain_title(self) -> str:
        return domain_title(self.domain)

    @property
    def quality_dimension(self) -> QualityDimension:
        return quality_dimension(self.domain)

    @property
    def direction_label(self) -> str:
        return Direction(self.direction).label


class ServiceSpecification(models.Model):
    """One version of a commissioner's outcome-based specification of a service.

    Versions of the same specification share a ``reference``. An approved version is never
    edited; a change makes a new version (``specifications.rules.lifecycle``).
    """

    reference = models.CharField(
        max_length=20, help_text="Shared by every version, e.g. SPEC-00012"
    )
    version = models.PositiveIntegerField(default=1)
    commissioner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="specifications"
    )
    title = models.CharField("service", max_length=200)
    service_description = models.TextField("description of the service")
    population = models.TextField("population covered", help_text="Who the service is for")
    area = models.TextField("area covered")
    population_size = models.PositiveIntegerField(
        "people covered", null=True, blank=True, help_text="An estimate, if known"
    )
    annual_activity = models.PositiveIntegerField(
        "planned activity a year", validators=[MinValueValidator(1)]
    )
    activity_unit = models.CharField(max_length=60, help_text="e.g. attendances, spells, contacts")
    financial_envelope_pence = models.BigIntegerField(
        "financial envelope",
        validators=[MinValueValidator(1), MaxValueValidator(MAX_ENVELOPE_PENCE)],
        help_text="The most the commissioner will pay over the whole term, in pence",
    )
    term_months = models.PositiveSmallIntegerField(
        "term in months", validators=[MinValueValidator(1), MaxValueValidator(180)]
    )
    cpv_code = models.CharField(
        "CPV code",
        max_length=10,
        choices=cpv.CHOICES,
        default=cpv.GENERAL,
        help_text="The most relevant code of Schedule 1 to SI 2023/1348: every notice quotes it",
    )
    status = models.CharField(
        max_length=12, choices=[(s.value, s.label) for s in Status], default=Status.DRAFT
    )
    supersedes = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
        help_text="The version this one replaces",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    retired_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["reference", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["reference", "version"], name="one_row_per_version"),
            models.UniqueConstraint(
                fields=["reference"],
                condition=models.Q(status="approved"),
                name="one_approved_version",
            ),
            models.UniqueConstraint(
                fields=["reference"],
                condition=models.Q(status__in=["draft", "consultation"]),
                name="one_open_version",
            ),
            models.CheckConstraint(
                condition=models.Q(financial_envelope_pence__gt=0), name="envelope_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.reference} v{self.version})"

    @property
    def status_label(self) -> str:
        return Status(self.status).label

    @property
    def annual_envelope_pence(self) -> int:
        return self.financial_envelope_pence * 12 // self.term_months


class SpecificationOutcome(models.Model):
    """An outcome the service must achieve: an indicator, from a baseline to a target by a date."""

    specification = models.ForeignKey(
        ServiceSpecification, on_delete=models.CASCADE, related_name="outcomes"
    )
    indicator = models.ForeignKey(OutcomeIndicator, on_delete=models.PROTECT, related_name="+")
    baseline = models.DecimalField(max_digits=14, decimal_places=3)
    target = models.DecimalField(max_digits=14, decimal_places=3)
    target_date = models.DateField()
    measurement = models.TextField(
        "how it will be measured", blank=True, help_text="Data source, population, frequency"
    )

    class Meta:
        ordering = ["indicator__domain", "indicator__code", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["specification", "indicator"], name="one_outcome_per_indicator"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code}: {self.baseline} to {self.target} by {self.target_date}"


class QualityRequirement(models.Model):
    """A local quality requirement (NHS Standard Contract Schedule 4), under safe, effective or
    experience."""

    specification = models.ForeignKey(
        ServiceSpecification, on_delete=models.CASCADE, related_name="quality_requirements"
    )
    dimension = models.CharField(
        max_length=10, choices=[(d.value, d.label) for d in QualityDimension]
    )
    requirement = models.CharField(max_length=300)
    threshold = models.CharField(max_length=120, help_text="e.g. at least 95% each month")
    method_of_measurement = models.TextField()
    consequence_of_breach = models.CharField(
        max_length=300, blank=True, help_text="e.g. a remedial action plan"
    )
    frequency = models.CharField(
        "reported",
        max_length=10,
        choices=[("monthly", "Monthly"), ("quarterly", "Quarterly"), ("annually", "Annually")],
        default="monthly",
    )

    class Meta:
        ordering = ["dimension", "id"]

    def __str__(self) -> str:
        return f"{QualityDimension(self.dimension).label}: {self.requirement}"

    @property
    def dimension_label(self) -> str:
        return QualityDimension(self.dimension).label
