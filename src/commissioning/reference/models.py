"""Reference data: what was ingested, A&E activity and ONS population estimates."""

from __future__ import annotations

from django.db import models


class IngestedFile(models.Model):
    """One file that was ingested. The same content (by SHA-256) is never ingested twice."""

    class Kind(models.TextChoices):
        TRUSTS = "trusts", "NHS trusts (ODS etr)"
        AE = "ae", "Monthly A&E attendances and emergency admissions"
        POPULATION = "population", "ONS population estimates by age and sex"
        OUTCOMES = "outcomes", "NHS Outcomes Framework indicators"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    sha256 = models.CharField(max_length=64)
    filename = models.CharField(max_length=255)
    source = models.CharField(max_length=500, blank=True, help_text="Where it was fetched from")
    rows = models.PositiveIntegerField()
    created = models.PositiveIntegerField()
    updated = models.PositiveIntegerField()
    unchanged = models.PositiveIntegerField()
    ingested_at = models.DateTimeField(auto_now_add=True)
    ingested_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["-ingested_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "sha256"], name="ingest_each_file_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.filename}"


class AEAttendance(models.Model):
    """Monthly A&E attendances, four-hour breaches and emergency admissions for a provider."""

    class DepartmentType(models.TextChoices):
        TYPE_1 = "1", "Type 1 (major emergency department)"
        TYPE_2 = "2", "Type 2 (single-specialty)"
        OTHER = "other", "Other (urgent treatment centre, walk-in centre, minor injuries unit)"

    period = models.DateField(help_text="First day of the month")
    org_code = models.CharField("provider ODS code", max_length=10, db_index=True)
    department_type = models.CharField(max_length=5, choices=DepartmentType.choices)
    attendances = models.PositiveIntegerField()
    breaches = models.PositiveIntegerField(help_text="Patients in A&E for more than four hours")
    admissions = models.PositiveIntegerField(help_text="Emergency admissions via A&E")

    class Meta:
        ordering = ["org_code", "period", "department_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "org_code", "department_type"], name="one_ae_row_per_month"
            ),
            models.CheckConstraint(
                condition=models.Q(breaches__lte=models.F("attendances")),
                name="breaches_within_attendances",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.org_code} {self.period:%Y-%m} type {self.department_type}"


class PopulationEstimate(models.Model):
    """ONS mid-year population estimate for one geography, sex and single year of age."""

    year = models.PositiveSmallIntegerField(help_text="Mid-year of the estimate")
    geography_code = models.CharField(max_length=9)
    geography_name = models.CharField(max_length=100)
    geography_level = models.CharField(max_length=30)
    sex = models.CharField(max_length=6, choices=[("male", "Male"), ("female", "Female")])
    age = models.PositiveSmallIntegerField(help_text="Single year of age; 90 means 90 and over")
    count = models.PositiveIntegerField()

    class Meta:
        ordering = ["geography_code", "sex", "age"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "geography_code", "sex", "age"], name="one_estimate_per_cell"
            )
        ]

    def __str__(self) -> str:
        return f"{self.geography_name} {self.year} {self.sex} aged {self.age}"
