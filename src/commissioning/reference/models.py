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
        SHMI = "shmi", "SHMI trust-level data file (NHS England)"
        CQC = "cqc", "CQC latest ratings (providers and locations)"
        OVERSIGHT = "oversight", "NHS Oversight Framework segmentation (league table)"

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


# --- What is published nationally about a provider (issue 21; reference.published) -------------


class PublishedShmi(models.Model):
    """One trust's SHMI for one 12-month period, as NHS England published it, with the band
    the platform recomputes from the published observed and expected deaths."""

    period = models.CharField(max_length=11, help_text="As published, e.g. APR22_MAR23")
    period_start = models.DateField()
    period_end = models.DateField()
    provider_code = models.CharField("provider ODS code", max_length=10, db_index=True)
    published_name = models.CharField(max_length=200)
    spells = models.PositiveIntegerField(null=True, blank=True)
    observed = models.FloatField(null=True, blank=True, help_text="Missing: suppressed")
    expected = models.FloatField(null=True, blank=True)
    shmi = models.FloatField(null=True, blank=True)
    band = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="1 higher than expected, 2 as expected, 3 lower"
    )
    lower_limit = models.FloatField(null=True, blank=True)
    upper_limit = models.FloatField(null=True, blank=True)
    recomputed_band = models.PositiveSmallIntegerField(null=True, blank=True)
    synthetic = models.BooleanField(default=False, help_text="Demonstration values, not NHS data")

    class Meta:
        ordering = ["provider_code", "period_end"]
        constraints = [
            models.UniqueConstraint(fields=["period", "provider_code"], name="one_shmi_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.provider_code} SHMI {self.period}"


class CqcRating(models.Model):
    """One published CQC rating of a provider or a location, for one service or population
    group and one key question."""

    level = models.CharField(max_length=8, choices=[("provider", "Provider"),
                                                     ("location", "Location")])  # fmt: skip
    cqc_id = models.CharField("CQC id", max_length=20)
    ods_code = models.CharField("ODS code", max_length=10, blank=True, db_index=True)
    provider_code = models.CharField("provider ODS code", max_length=10, db_index=True)
    name = models.CharField(max_length=200)
    service_group = models.CharField("service or population group", max_length=200)
    key_question = models.CharField(max_length=12)
    rating = models.CharField(max_length=22, blank=True, help_text="Blank: not rated")
    published_on = models.DateField(null=True, blank=True)
    report_type = models.CharField(max_length=40, blank=True)
    url = models.CharField(max_length=300, blank=True)
    synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["provider_code", "level", "name", "service_group", "key_question"]
        constraints = [
            models.UniqueConstraint(
                fields=["level", "cqc_id", "service_group", "key_question"],
                name="one_cqc_rating_per_question",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.key_question} {self.rating or 'not rated'}"


class OversightSegment(models.Model):
    """A trust's segment in the NHS Oversight Framework for one reporting date."""

    provider_code = models.CharField("provider ODS code", max_length=10, db_index=True)
    published_name = models.CharField(max_length=200)
    reporting_date = models.CharField(max_length=40)
    quarter = models.CharField(max_length=20, blank=True)
    segment = models.PositiveSmallIntegerField()
    average_score = models.FloatField(null=True, blank=True)
    in_deficit = models.BooleanField(null=True, blank=True)
    rank = models.PositiveIntegerField(null=True, blank=True)
    synthetic = models.BooleanField(default=False)

    class Meta:
        ordering = ["provider_code", "reporting_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider_code", "reporting_date", "quarter"], name="one_segment_per_date"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider_code} segment {self.segment} ({self.reporting_date})"
