"""Organisations keyed by ODS code, people, their memberships, and small-area populations."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from commissioning import money
from commissioning.names import tidy_name

from .vocabulary import ORGANISATION_TYPE_LABELS, ROLE_LABELS

ODS_CODE = RegexValidator(
    r"^[A-Z0-9]{3,10}$",
    "An ODS code is 3 to 10 capital letters and digits, for example RJD or QHM.",
)
# British National Grid (EPSG:27700) extent, in metres.
EASTING_RANGE = (0, 700_000)
NORTHING_RANGE = (0, 1_300_000)


class User(AbstractUser):
    """A person who uses the platform. Roles come from memberships of organisations."""

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Organisation(models.Model):
    code = models.CharField("ODS code", max_length=10, unique=True, validators=[ODS_CODE])
    name = models.CharField(max_length=200)
    org_type = models.CharField(
        "type", max_length=30, choices=[(k.value, v) for k, v in ORGANISATION_TYPE_LABELS.items()]
    )
    open_date = models.DateField(null=True, blank=True)
    close_date = models.DateField(null=True, blank=True)
    address = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    easting = models.IntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(EASTING_RANGE[0]), MaxValueValidator(EASTING_RANGE[1])],
        help_text="British National Grid easting in metres",
    )
    northing = models.IntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(NORTHING_RANGE[0]), MaxValueValidator(NORTHING_RANGE[1])],
        help_text="British National Grid northing in metres",
    )
    nhs_region_code = models.CharField("NHS region code", max_length=10, blank=True)
    ha_code = models.CharField("higher health authority code", max_length=10, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    is_synthetic = models.BooleanField(
        default=False, help_text="Part of the synthetic health economy, not a real organisation"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(close_date__isnull=True)
                | models.Q(open_date__isnull=True)
                | models.Q(close_date__gte=models.F("open_date")),
                name="organisation_closes_after_opening",
            )
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.code})"

    @property
    def display_name(self) -> str:
        return tidy_name(self.name)

    @property
    def display_address(self) -> str:
        return tidy_name(self.address)

    @property
    def type_label(self) -> str:
        return ORGANISATION_TYPE_LABELS.get(self.org_type, self.org_type)

    @property
    def is_open(self) -> bool:
        return self.close_date is None


class Membership(models.Model):
    """A person's role in an organisation, for a period. A role that reads personal data or
    moves money, given by an administrator, is *awaiting approval* (and gives nothing) until a
    second administrator approves it (``services.approve_membership``)."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        AWAITING_APPROVAL = "awaiting_approval", "Awaiting a second administrator's approval"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=30, choices=[(k.value, v) for k, v in ROLE_LABELS.items()])
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    requested_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The administrator who gave the role (empty: the command line)",
    )  # fmt: skip
    approved_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The second administrator who approved it",
    )  # fmt: skip
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organisation__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="one_membership_per_role"
            )
        ]

    def __str__(self) -> str:
        return f"{ROLE_LABELS.get(self.role, self.role)} at {self.organisation.code}"

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


class SmallArea(models.Model):
    """A small area (about the size of an LSOA, ~1,500 people) and who commissions for it."""

    code = models.CharField(max_length=12, unique=True)
    commissioner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="small_areas"
    )
    practice = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="practice_areas",
        help_text="The GP practice most of its residents are registered with",
    )
    easting = models.IntegerField()
    northing = models.IntegerField()
    population = models.PositiveIntegerField()
    deprivation_decile = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="1 = most deprived tenth of areas, 10 = least deprived",
    )
    population_by_age_sex = models.JSONField(
        default=dict, help_text="{'male'|'female': [count per age band]}"
    )
    is_synthetic = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Budget(models.Model):
    """A commissioning budget an organisation holds for a financial year, in integer pence."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="budgets")
    code = models.CharField(max_length=30, unique=True, help_text="For example XC012-ACUTE-2026")
    name = models.CharField(max_length=200)
    financial_year = models.PositiveSmallIntegerField(
        help_text="The year the financial year starts in (2026 means 2026/27)",
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
    )
    amount_pence = models.BigIntegerField(validators=[MinValueValidator(0)])

    class Meta:
        ordering = ["organisation__name", "-financial_year", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_pence__gte=0), name="budget_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.financial_year_label} ({self.code})"

    @property
    def financial_year_label(self) -> str:
        return f"{self.financial_year}/{(self.financial_year + 1) % 100:02d}"


class DelegatedAuthority(models.Model):
    """Authority delegated to a person to take commissioning decisions on a budget, up to a
    limit (the commissioner's scheme of reservation and delegation)."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="delegations")
    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="delegations")
    limit_pence = models.BigIntegerField(
        validators=[MinValueValidator(1)], help_text="The largest decision, in pence"
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    reference = models.CharField(
        max_length=200, blank=True, help_text="Where the board delegated it, e.g. a minute"
    )

    class Meta:
        ordering = ["budget__code", "user__username"]
        verbose_name = "delegated authority"
        verbose_name_plural = "delegated authorities"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="delegation_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=models.Q(limit_pence__gt=0), name="delegation_limit_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user.username} on {self.budget.code} up to {money.pounds(self.limit_pence)}"
