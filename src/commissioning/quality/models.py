"""Quality monitoring: stored results of the mortality pipeline, and escalation cases.

An escalation case follows the NHS Standard Contract's contract management process
(General Condition 9): a concern or an alert opens a case; the commissioner may issue a
contract performance notice, agree a remedial action plan with milestones (on which the
provider reports its progress), and close the case or escalate it. Every change goes through
``quality.services`` and is audited.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.db import models

from commissioning import numbers
from commissioning.contracts.models import Contract
from commissioning.organisations.models import Organisation


class MortalityRun(models.Model):
    """One run of the SHMI pipeline (``engine.quality.shmi``) loaded for the workspace."""

    source = models.CharField(max_length=300, help_text="The spells the pipeline read")
    period_from = models.DateField()
    period_to = models.DateField()
    spells = models.PositiveBigIntegerField()
    phi = models.FloatField()
    tau2 = models.FloatField()
    kept = models.PositiveIntegerField()
    odds_ratio = models.FloatField()
    false_alarm_rate = models.FloatField()
    # The early warning's bank of odds ratios (decision 062); empty for a run of the
    # all-spells CUSUM alone, whose odds ratio is above.
    odds_ratios = models.CharField(max_length=60, blank=True)
    loaded_at = models.DateTimeField()
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-loaded_at", "-pk"]

    def __str__(self) -> str:
        return f"SHMI {self.period_from:%b %Y} to {self.period_to:%b %Y}"


class MortalityResult(models.Model):
    run = models.ForeignKey(MortalityRun, on_delete=models.CASCADE, related_name="results")
    provider_code = models.CharField(max_length=10)
    provider = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    spells = models.PositiveIntegerField()
    observed = models.FloatField()
    expected = models.FloatField()
    shmi = models.FloatField()
    lower_95 = models.FloatField()
    upper_95 = models.FloatField()
    lower_998 = models.FloatField()
    upper_998 = models.FloatField()
    band = models.CharField(max_length=30)
    band_998 = models.CharField(max_length=30)

    class Meta:
        ordering = ["provider_code"]
        constraints = [
            models.UniqueConstraint(fields=["run", "provider_code"], name="one_shmi_per_provider")
        ]

    def __str__(self) -> str:
        return f"{self.provider_code} SHMI {numbers.figure(self.shmi, 3)}"


class MortalityAlert(models.Model):
    """A month in which one of a provider's mortality charts crossed its threshold: the early
    warning's charts (decision 062: which question, which chart, how sure) or, in runs made
    without it, the risk-adjusted CUSUM of all its spells."""

    class Question(models.TextChoices):
        NATIONAL = "worse_than_national", "Worse than the national model"
        OWN_LEVEL = "deteriorated", "Deteriorated from its own level"

    class Chart(models.TextChoices):
        ALL = "all", "All spells"
        METHOD = "admission_method", "Admission method"
        GROUP = "diagnosis_group", "Diagnosis group"
        TOGETHER = "diagnosis_groups", "Diagnosis groups together"

    run = models.ForeignKey(MortalityRun, on_delete=models.CASCADE, related_name="alerts")
    provider_code = models.CharField(max_length=10)
    provider = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField()
    observed = models.FloatField()
    expected = models.FloatField()
    cusum = models.FloatField()
    threshold = models.FloatField()
    question = models.CharField(max_length=30, choices=Question.choices, blank=True)
    chart = models.CharField(max_length=20, choices=Chart.choices, default=Chart.ALL)
    chart_value = models.IntegerField(null=True, blank=True)  # the method or diagnosis group
    # Groups together: the groups adding most to the signal, largest first ("7, 17, 44").
    groups = models.CharField(max_length=60, blank=True)
    odds_ratio = models.FloatField(null=True, blank=True)  # the rise that fits best
    sure = models.FloatField(null=True, blank=True)  # 1 − the family-adjusted chance

    class Meta:
        ordering = ["-month", "provider_code"]

    def __str__(self) -> str:
        return f"Mortality alert: {self.provider_code} {self.month:%B %Y}"

    @property
    def where(self) -> str:
        """Which spells the chart watches, in words."""
        if self.chart == self.Chart.GROUP:
            return f"diagnosis group {self.chart_value}"
        if self.chart == self.Chart.TOGETHER:
            named = [g.strip() for g in self.groups.split(",") if g.strip()]
            if len(named) > 1:
                return f"diagnosis groups {', '.join(named[:-1])} and {named[-1]} together"
            return f"diagnosis group {named[0]} among others" if named else "diagnosis groups"
        if self.chart == self.Chart.METHOD:
            return {1: "elective admissions", 2: "emergency admissions"}.get(
                self.chart_value or 0, f"admission method {self.chart_value}"
            )
        return "all spells"

    @property
    def how_sure(self) -> str:
        """How sure the signal is, never rounded up to certainty."""
        if self.sure is None:
            return ""
        if self.sure >= 0.999:
            return "more than 99.9% sure"
        return f"{numbers.figure(math.floor(1000 * self.sure) / 10, 1)}% sure"

    @property
    def description(self) -> str:
        counts = (
            f"{numbers.figure(self.observed, 0)} deaths observed, "
            f"{numbers.figure(self.expected, 1)} expected that month"
        )
        if not self.question:
            return (
                f"Risk-adjusted CUSUM of 30-day mortality crossed its threshold in "
                f"{self.month:%B %Y} ({numbers.figure(self.cusum, 2)} against "
                f"{numbers.figure(self.threshold, 2)}; {counts})"
            )
        sure = self.how_sure
        rise = (
            f"; a rise in the odds of death of about {numbers.figure(self.odds_ratio, 2)} times "
            "fits best"
            if self.odds_ratio
            else ""
        )
        return (
            f"30-day mortality in {self.where}: {self.get_question_display().lower()} in "
            f"{self.month:%B %Y} ({sure}; chart {numbers.figure(self.cusum, 2)} against "
            f"{numbers.figure(self.threshold, 2)}; {counts}{rise})"
        )


class EscalationCase(models.Model):
    class Source(models.TextChoices):
        ALERT = "alert", "Statistical alert"
        COMMISSIONER = "commissioner", "Raised by a commissioner"
        CLINICIAN = "clinician", "Raised by a clinician"
        PATIENT_FEEDBACK = "patient_feedback", "Patient feedback"
        RISK_PROFILE = "risk_profile", "Independent signals agreed (risk profile)"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        NOTICE_ISSUED = "notice_issued", "Contract performance notice issued"
        PLAN_AGREED = "plan_agreed", "Remedial action plan agreed"
        ESCALATED = "escalated", "Escalated"
        CLOSED = "closed", "Closed"

    reference = models.CharField(max_length=20, unique=True)
    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey(
        Contract, null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    source = models.CharField(max_length=20, choices=Source.choices)
    summary = models.CharField(max_length=200)
    description = models.TextField()
    alert = models.ForeignKey(
        MortalityAlert, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_on = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    escalated_to = models.CharField(max_length=200, blank=True)
    outcome = models.TextField(blank=True, help_text="Why it was closed or escalated")
    closed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.reference}: {self.summary}"


class PerformanceNotice(models.Model):
    """A contract performance notice (NHS Standard Contract GC9; the GC9 steps are [U] in
    docs/domain.md section 8, the escalation model is docs/decisions.md 029)."""

    case = models.OneToOneField(EscalationCase, on_delete=models.CASCADE, related_name="notice")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_on = models.DateField()
    matters = models.TextField(help_text="The performance the commissioner is concerned about")
    meeting_by = models.DateField(help_text="The contract management meeting is held by")

    def __str__(self) -> str:
        return f"Contract performance notice for {self.case.reference}"


class RemedialActionPlan(models.Model):
    case = models.OneToOneField(EscalationCase, on_delete=models.CASCADE, related_name="plan")
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    agreed_on = models.DateField()
    summary = models.TextField()

    def __str__(self) -> str:
        return f"Remedial action plan for {self.case.reference}"


class Milestone(models.Model):
    plan = models.ForeignKey(
        RemedialActionPlan, on_delete=models.CASCADE, related_name="milestones"
    )
    description = models.CharField(max_length=300)
    due = models.DateField()
    completed_on = models.DateField(null=True, blank=True)
    # The provider reports its progress on the plan (GC9); the commissioners record a milestone
    # as met. The latest report is kept here, every earlier one in the audit trail.
    progress = models.TextField(blank=True, help_text="The provider's latest progress report")
    progress_reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    progress_reported_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due", "pk"]

    def __str__(self) -> str:
        return self.description


class QualityMeasurement(models.Model):
    """One month's reported value of a line of a contract's quality schedule (NHS Standard
    Contract Schedule 4, quality requirements, docs/domain.md section 8). A correction
    replaces the month's value; the audit trail keeps what it was."""

    class Source(models.TextChoices):
        ENTERED = "entered", "Entered on the page"
        UPLOADED = "uploaded", "Uploaded from a file"
        DEMO = "demo", "Synthetic (demonstration)"
        API = "api", "Sent through the API"
        FHIR = "fhir", "Sent as a FHIR MeasureReport"

    item = models.ForeignKey(
        "contracts.QualityScheduleItem", on_delete=models.CASCADE, related_name="measurements"
    )
    period = models.DateField(
        help_text="The first day of the month the value is for (the day of the event, for a "
        "line that counts cases or days between rare events)"
    )
    value = models.DecimalField(max_digits=14, decimal_places=3)
    # A proportion or rate line's numerator and denominator (the value is their ratio × per).
    numerator = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    denominator = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["item_id", "period"]
        constraints = [
            models.UniqueConstraint(fields=["item", "period"], name="one_measurement_per_month")
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.period:%b %Y}: {self.value}"


class SoftIntelligence(models.Model):
    """What commissioners learn about a provider that no statistic shows: complaints, serious
    incidents, whistleblowing, staff and patient surveys, patient feedback (the Francis
    report's lesson: at Mid Staffordshire these were known and never put side by side).
    Seen by the commissioning side only, never by the provider (whistleblowers)."""

    class Kind(models.TextChoices):
        COMPLAINT = "complaint", "Complaint"
        SERIOUS_INCIDENT = "serious_incident", "Serious incident"
        WHISTLEBLOWING = "whistleblowing", "Whistleblowing"
        STAFF_SURVEY = "staff_survey", "Staff survey result"
        PATIENT_SURVEY = "patient_survey", "Patient survey result"
        PATIENT_FEEDBACK = "patient_feedback", "Patient feedback"

    class Weight(models.TextChoices):
        CONCERN = "concern", "A concern"
        NEUTRAL = "neutral", "Neither"
        REASSURING = "reassuring", "Reassuring"

    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    weight = models.CharField(max_length=12, choices=Weight.choices, default=Weight.CONCERN)
    occurred_on = models.DateField(help_text="When it happened, or the survey was published")
    summary = models.CharField(max_length=200)
    detail = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_on = models.DateField()

    class Meta:
        ordering = ["-occurred_on", "-pk"]
        verbose_name_plural = "soft intelligence"

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.summary}"
