"""Specialised service line budgets and their monthly actuals (the money is on the ledger)."""

from __future__ import annotations

from django.db import models

from .rules import SERVICE_LINES


class LineBudget(models.Model):
    commissioner = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="specialised_budgets"
    )
    line = models.CharField(
        "service line", max_length=20, choices=sorted(SERVICE_LINES.items(), key=lambda x: x[1])
    )
    year_start = models.PositiveSmallIntegerField("financial year")
    budget_pence = models.BigIntegerField()
    budget_account = models.OneToOneField(
        "ledger.Account", on_delete=models.PROTECT, related_name="+"
    )
    spend_account = models.OneToOneField(
        "ledger.Account", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["year_start", "line"]
        constraints = [
            models.UniqueConstraint(
                fields=["commissioner", "line", "year_start"], name="one_budget_per_line_and_year"
            )
        ]

    def __str__(self) -> str:
        return f"{SERVICE_LINES[self.line]} {self.year_start}/{(self.year_start + 1) % 100:02d}"


class MonthlyActual(models.Model):
    budget = models.ForeignKey(LineBudget, on_delete=models.PROTECT, related_name="actuals")
    month = models.DateField(help_text="The first day of the month")
    spend_pence = models.BigIntegerField()
    activity = models.PositiveIntegerField(
        help_text="Activity in the month (spells, bed days or sessions, as the line counts it)"
    )
    transaction_key = models.CharField(max_length=100)
    version = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["budget", "month"]
        constraints = [models.UniqueConstraint(fields=["budget", "month"], name="one_actual")]

    def __str__(self) -> str:
        return f"{self.budget} {self.month:%B %Y}"
