"""Stress tests of provider failure and continuity-of-services designations."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from commissioning.contracts.models import Contract
from commissioning.jobs.models import Job


class StressTest(models.Model):
    """One run of the resilience model (``engine.market.resilience``) from the workspace: a
    failure scenario, or every single-provider failure (a sweep), with its results."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Finished"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    title = models.CharField(max_length=200)
    failed = models.JSONField(default=list, help_text="Provider codes that fail")
    cuts = models.JSONField(default=dict, help_text="Provider code: fraction of capacity cut")
    sweep = models.BooleanField(default=False, help_text="Every single-provider failure")
    max_km = models.FloatField()
    circuity = models.FloatField()
    penalty = models.FloatField()
    data = models.CharField(max_length=300, help_text="The providers and demand it ran on")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=1)
    baseline = models.JSONField(null=True, blank=True)
    results = models.JSONField(default=list)
    error = models.TextField(blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    job = models.OneToOneField(
        Job, null=True, blank=True, on_delete=models.PROTECT, related_name="stress_test",
        help_text="The worker's job, for a sweep run in the background",
    )  # fmt: skip

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 100


class ContinuityAssessment(models.Model):
    """The continuity-of-services assessment of a contract's service: the three CRS tests with
    their evidence from the resilience model, and the commissioner's decision."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Evidence gathered, not decided"
        DECIDED = "decided", "Decided"

    contract = models.OneToOneField(Contract, on_delete=models.PROTECT, related_name="continuity")
    evidence = models.JSONField(help_text="The figures behind the tests, as the model gave them")
    no_alternative = models.BooleanField()
    increases_inequalities = models.BooleanField()
    dependents_unviable = models.BooleanField(default=False)
    dependent_services = models.TextField(blank=True)
    indicated = models.BooleanField(help_text="What the three tests indicate")
    designated = models.BooleanField(null=True, blank=True, help_text="The commissioner's decision")
    rationale = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assessed_on = models.DateField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Continuity of services: {self.contract}"
