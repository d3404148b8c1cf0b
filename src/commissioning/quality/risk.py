"""One risk profile per provider: every signal the platform has about a provider on one
timeline, and the proposal of an escalation case when independent signals agree
(``rules.agreement``; docs/decisions.md 061).

- The platform's own signals: the mortality run's CUSUM alerts and funnel position, each
  contract's quality schedule lines whose SPC chart shows a concern or that consistently fail
  their target, and escalation cases and contract performance notices.
- Published indicators (``reference.published``): the SHMI band, the CQC's ratings and the
  Oversight Framework's segment.
- Soft intelligence that commissioners record (``SoftIntelligence``).

Reads only: what a person may see is decided by ``permissions`` (the profile as a whole by
``VIEW_RISK``; the contracts and cases in it by their own policies).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.urls import reverse

from commissioning import clock, numbers
from commissioning.contracts.models import Contract
from commissioning.contracts.permissions import visible_contracts
from commissioning.organisations.models import Organisation
from commissioning.reference.models import CqcRating, OversightSegment, PublishedShmi

from . import queries
from .models import EscalationCase, PerformanceNotice, SoftIntelligence
from .permissions import Action, can, visible_cases
from .rules import PLATFORM, PUBLISHED, SOFT, Proposal, Signal, agreement

OPEN = (EscalationCase.Status.OPEN, EscalationCase.Status.NOTICE_ISSUED,
        EscalationCase.Status.PLAN_AGREED)  # fmt: skip
WORRYING_RATINGS = ("Requires improvement", "Inadequate")
SHMI_BAND = {1: "higher than expected", 2: "as expected", 3: "lower than expected"}
QUARTER_RE = re.compile(r"Q([1-4])\s*(\d{4})/(\d{2})")


@dataclass
class Profile:
    provider: Organisation
    signals: list[Signal]
    proposal: Proposal | None
    open_case: EscalationCase | None
    shmi: PublishedShmi | None = None
    cqc_overall: str = ""
    segment: OversightSegment | None = None
    concerns: dict[str, int] = field(default_factory=dict)

    @property
    def concern_count(self) -> int:
        return sum(self.concerns.values())


def quarter_end(text: str) -> dt.date | None:
    """``Q2 2025/26`` → 30 September 2025 (the NHS financial year's quarters)."""
    match = QUARTER_RE.search(text or "")
    if not match:
        return None
    quarter, year = int(match[1]), int(match[2])
    return {1: dt.date(year, 6, 30), 2: dt.date(year, 9, 30), 3: dt.date(year, 12, 31),
            4: dt.date(year + 1, 3, 31)}[quarter]  # fmt: skip


def _platform(user, provider: Organisation) -> list[Signal]:
    found: list[Signal] = []
    run = queries.latest_run()
    if run is not None:
        for alert in run.alerts.filter(provider_code=provider.code):
            kind = "Mortality alert" if alert.question else "CUSUM alert"
            found.append(Signal(alert.month, PLATFORM, kind, alert.description, True,
                                reverse("quality-mortality")))  # fmt: skip
        result = run.results.filter(provider_code=provider.code).first()
        if result is not None:
            found.append(Signal(
                run.period_to, PLATFORM, "Mortality funnel",
                f"Ratio of observed to expected deaths {numbers.figure(result.shmi, 3)}, "
                f"{result.band} (95% limits) in the platform's run of {run}",
                result.band == "higher than expected", reverse("quality-mortality"),
            ))  # fmt: skip
    contracts = visible_contracts(
        user, Contract.objects.filter(provider=provider).prefetch_related("quality_schedule")
    )
    for contract in contracts:
        for item in contract.quality_schedule.select_related("indicator"):
            points, icons, _ = queries.schedule_spc(item)
            if not points:
                continue
            last = points[-1]
            link = reverse("quality-item", args=[item.pk])
            if last["point_type"] == "special_cause_concern":
                rule = queries.RULES.get(last["rule"] or None, "")
                found.append(Signal(last["period"], PLATFORM, "Quality schedule",
                                    f"{item.title} ({contract.reference}): a special cause of "
                                    f"concern on its {icons['chart_label']}: {rule.lower()}",
                                    True, link))  # fmt: skip
            if icons.get("assurance_icon") == "consistent_fail":
                found.append(Signal(last["period"], PLATFORM, "Quality schedule",
                                    f"{item.title} ({contract.reference}): consistently fails "
                                    "its target (the target is beyond the process limits)",
                                    True, link))  # fmt: skip
    if can(user, Action.VIEW_CASE):
        cases = visible_cases(user, EscalationCase.objects.filter(provider=provider))
        for case in cases:
            link = reverse("quality-case", args=[case.pk])
            found.append(Signal(case.raised_on, PLATFORM, "Escalation case",
                                f"{case.reference} opened: {case.summary} "
                                f"({case.get_status_display().lower()})", True, link))  # fmt: skip
        for notice in PerformanceNotice.objects.filter(case__in=cases).select_related("case"):
            found.append(Signal(notice.issued_on, PLATFORM, "Contract performance notice",
                                f"Issued under {notice.case.reference}: {notice.matters}", True,
                                reverse("quality-case", args=[notice.case_id])))  # fmt: skip
    return found


def _published(provider: Organisation) -> tuple[list[Signal], dict]:
    found: list[Signal] = []
    mark = " (synthetic demonstration data)"
    shmi = list(PublishedShmi.objects.filter(provider_code=provider.code).order_by("period_end"))
    for row in shmi:
        if row.band is None:
            continue
        found.append(Signal(
            row.period_end, PUBLISHED, "SHMI",
            f"SHMI {numbers.figure(row.shmi, 4)} for {row.period_start:%B %Y} to "
            f"{row.period_end:%B %Y}: {SHMI_BAND[row.band]}"
            + (mark if row.synthetic else ""),
            row.band == 1,
        ))  # fmt: skip
    ratings = CqcRating.objects.filter(provider_code=provider.code, level="provider",
                                       service_group="Overall")  # fmt: skip
    by_date: dict[dt.date | None, list[CqcRating]] = {}
    for rating in ratings:
        by_date.setdefault(rating.published_on, []).append(rating)
    overall = ""
    for day, rows in sorted(by_date.items(), key=lambda kv: kv[0] or dt.date.min):
        said = "; ".join(f"{r.key_question} {r.rating or 'not rated'}" for r in rows)
        synthetic = any(r.synthetic for r in rows)
        found.append(Signal(day or clock.today(), PUBLISHED, "CQC rating", said
                            + (mark if synthetic else ""),
                            any(r.rating in WORRYING_RATINGS for r in rows)))  # fmt: skip
        overall = next((r.rating for r in rows if r.key_question == "Overall"), overall)
    segments = list(OversightSegment.objects.filter(provider_code=provider.code))
    for seg in segments:
        day = quarter_end(seg.quarter or seg.reporting_date) or clock.today()
        found.append(Signal(day, PUBLISHED, "Oversight Framework",
                            f"Segment {seg.segment} ({seg.reporting_date})"
                            + (mark if seg.synthetic else ""), seg.segment >= 3))  # fmt: skip
    latest = {
        "shmi": shmi[-1] if shmi else None,
        "cqc_overall": overall,
        "segment": max(segments, key=lambda s: quarter_end(s.quarter or s.reporting_date)
                       or dt.date.min) if segments else None,
    }  # fmt: skip
    return found, latest


def _soft(provider: Organisation) -> list[Signal]:
    return [
        Signal(i.occurred_on, SOFT, i.get_kind_display(), i.summary,
               i.weight == SoftIntelligence.Weight.CONCERN)
        for i in SoftIntelligence.objects.filter(provider=provider)
    ]  # fmt: skip


def profile(user, provider: Organisation) -> Profile:
    """The provider's risk profile as ``user`` may see it (``VIEW_RISK`` is checked by the
    caller: a view or an API operation)."""
    published, latest = _published(provider)
    signals = _platform(user, provider) + published + _soft(provider)
    signals.sort(key=lambda s: (s.day, s.group, s.source), reverse=True)
    open_case = EscalationCase.objects.filter(provider=provider, status__in=OPEN).first()
    proposal = agreement(signals, clock.today(), open_case is not None)
    concerns = {g: sum(1 for s in signals if s.concern and s.group == g)
                for g in (PLATFORM, PUBLISHED, SOFT)}  # fmt: skip
    return Profile(provider, signals, proposal, open_case, latest["shmi"],
                   latest["cqc_overall"], latest["segment"], concerns)  # fmt: skip


def providers_of(user) -> list[Organisation]:
    """The providers of the contracts this user may see: a commissioner's providers."""
    ids = visible_contracts(user, Contract.objects.all()).values_list("provider_id", flat=True)
    return list(Organisation.objects.filter(pk__in=list(ids)).order_by("name"))
