"""Monthly A&E attendances for one provider with four-hour performance, newest first."""

from __future__ import annotations

from django.db.models import Sum

from commissioning import numbers
from commissioning.reference.models import AEAttendance


def ae_monthly_for_provider(code: str) -> list[dict]:
    rows = (
        AEAttendance.objects.filter(org_code=code)
        .values("period")
        .annotate(
            attendances=Sum("attendances"), breaches=Sum("breaches"), admissions=Sum("admissions")
        )
        .order_by("-period")
    )
    out = []
    for row in rows:
        att = row["attendances"]
        row["within_4h"] = (att - row["breaches"]) / att if att else None
        row["within_4h_pct"] = numbers.percent(row["within_4h"])
        out.append(row)
    return out
