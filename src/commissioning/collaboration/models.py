"""Co-commissioning arrangements and the primary care decisions taken under them."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .cocommissioning import BODY_LABELS, FUNCTION_LABELS, MODEL_LABELS


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
