"""Quality monitoring in the JSON API: the monthly figures of a contract's quality schedule
(one month or many, idempotent: the same figures again change nothing, a different value for a
month already recorded is a correction the audit trail keeps), the line's SPC chart data, and
escalation: concerns and cases, contract performance notices, remedial action plans and their
milestones, closing and escalating a case; and mortality: a run of the SHMI pipeline with its
CUSUM alerts, and starting one in the worker.

Every endpoint calls the same service as the web page does, so permissions, rules, audit and
all-or-nothing writes are the same. A service's field-level problems come back as 422 with one
entry per field (``loc`` ends with the field's name); a refusal is 403 with the reason.
"""

import datetime as dt
from decimal import Decimal

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from commissioning.contracts.models import Contract, QualityScheduleItem
from commissioning.organisations.models import Organisation
from commissioning.quality import queries, risk, services
from commissioning.quality.models import (
    EscalationCase,
    Milestone,
    MortalityRun,
    QualityMeasurement,
)
from commissioning.quality.permissions import Action, can, visible_cases

from .commands import body_for, command_from
from .common import _allow, _org
from .jobs import JobOut, job_out
from .pagination import Pagination
from .types import Id, OrgName, RequestBody

router = Router()
TAGS = ["quality monitoring"]

# --- Schemas -----------------------------------------------------------------------------------


class FigureIn(RequestBody):
    month: str = Field(
        pattern=r"^\d{4}-\d{2}$",
        description="The month the figure is for, YYYY-MM",
        examples=["2024-03"],
    )
    value: Decimal = Field(description="The figure, in the line's unit", examples=["92.5"])


class FiguresIn(RequestBody):
    figures: list[FigureIn] = Field(
        min_length=1, max_length=600, description="One month, or many (at most 600)"
    )


class FiguresRecordedOut(Schema):
    added: int
    corrected: int
    unchanged: int


class FigureOut(Schema):
    month: str
    value: Decimal
    source: str
    recorded_at: dt.datetime | None


class SpcPointOut(Schema):
    month: str
    value: float
    centre: float | None
    lower_limit: float | None
    upper_limit: float | None
    point_type: str | None = Field(description="Common cause, or which kind of special cause")
    rule: str | None = Field(description="The Making Data Count rule that flagged the point")


class ScheduleLineOut(Schema):
    id: int
    contract_id: int
    title: str
    kind: str
    indicator_code: str | None
    target: Decimal | None
    threshold: str = Field(description="The requirement as the contract words it")
    improvement: str | None
    measures: str = Field(description="What the line measures, which chooses its chart")
    chart: str | None = Field(description="The chart its points are on (run, xmr, p, …)")
    figures: list[FigureOut]
    spc: list[SpcPointOut]


class ScheduleLineSummaryOut(Schema):
    id: int
    title: str
    kind: str
    indicator_code: str | None
    target: Decimal | None
    threshold: str = Field(description="The requirement as the contract words it")


class ConcernIn(RequestBody):
    provider: str = Field(description="The provider's ODS code", examples=["RJE"])
    source: str = Field(
        description="commissioner, clinician or patient_feedback (a statistical alert's case is "
        "opened from the alert: give alert_id and source alert)",
        examples=["commissioner"],
    )
    summary: str = Field(max_length=200, examples=["Falls with harm rising on ward 4"])
    description: str = Field(
        examples=["Three falls with harm in March; the ward is short-staffed."]
    )
    contract_id: int | None = None
    alert_id: int | None = None


class RemedialMilestoneOut(Schema):
    id: int
    description: str
    due: dt.date
    completed_on: dt.date | None
    progress: str = Field("", description="The provider's latest progress report")
    progress_reported_on: dt.date | None = None


def _milestone_out(m) -> dict:
    return {"id": m.pk, "description": m.description, "due": m.due,
            "completed_on": m.completed_on, "progress": m.progress,
            "progress_reported_on": m.progress_reported_on}  # fmt: skip


class PerformanceNoticeOut(Schema):
    issued_on: dt.date
    matters: str
    meeting_by: dt.date


class RemedialPlanOut(Schema):
    agreed_on: dt.date
    summary: str
    milestones: list[RemedialMilestoneOut]


class CaseOut(Schema):
    id: int
    reference: str
    provider_code: str
    contract_id: int | None
    source: str
    summary: str
    description: str
    status: str
    raised_on: dt.date
    escalated_to: str
    outcome: str
    closed_on: dt.date | None
    notice: PerformanceNoticeOut | None
    plan: RemedialPlanOut | None


class PerformanceNoticeIn(RequestBody):
    matters: str = Field(examples=["Falls with harm above the schedule's threshold since January"])
    meeting_by: dt.date = Field(description="The contract management meeting is held by then")


class RemedialMilestoneIn(RequestBody):
    description: str = Field(examples=["Falls prevention training for every ward 4 nurse"])
    due: dt.date


class RemedialPlanIn(RequestBody):
    summary: str = Field(examples=["Staffing and training on ward 4"])
    milestones: list[RemedialMilestoneIn] = Field(min_length=1, max_length=50)


class CaseOutcomeIn(RequestBody):
    outcome: str = Field(
        description="Why the case is closed", examples=["Falls back within limits"]
    )


class EscalationIn(RequestBody):
    escalated_to: str = Field(max_length=200, examples=["Care Quality Commission"])
    outcome: str = Field(description="Why the case is escalated")


class CompletionIn(RequestBody):
    completed_on: dt.date = Field(description="The day the milestone was met")


# --- The quality schedule's figures ------------------------------------------------------------


def _line(request, pk: Id) -> QualityScheduleItem:
    item = get_object_or_404(
        QualityScheduleItem.objects.select_related("contract__provider", "indicator"), pk=pk
    )
    _allow(can(request.user, Action.VIEW_CONTRACT_QUALITY, item), "see this contract's quality")
    return item


def _month(month: dt.date) -> str:
    return f"{month:%Y-%m}"


def _line_out(item: QualityScheduleItem) -> dict:
    measurements = list(QualityMeasurement.objects.filter(item=item).order_by("period"))
    points, _icons, target = queries.schedule_spc(item, measurements)
    return {
        "id": item.pk,
        "contract_id": item.contract_id,
        "title": item.title,
        "kind": item.kind,
        "indicator_code": item.indicator.code if item.indicator_id else None,
        "target": item.target,
        "threshold": item.threshold,
        "improvement": getattr(target, "improvement", None),
        "measures": item.measures,
        "chart": _icons.get("chart"),
        "figures": [
            {
                "month": _month(m.period),
                "value": m.value,
                "source": m.source,
                "recorded_at": m.recorded_at,
            }
            for m in measurements
        ],
        "spc": [
            {
                "month": _month(p["period"]),
                "value": p["value"],
                "centre": p.get("mean"),
                "lower_limit": p.get("lpl"),
                "upper_limit": p.get("upl"),
                "point_type": p.get("point_type"),
                "rule": p.get("rule") or None,
            }
            for p in points
        ],
    }


@router.get(
    "/quality/contracts/{contract_id}/schedule",
    response=list[ScheduleLineSummaryOut],
    tags=TAGS,
)
@paginate(Pagination)
def list_schedule_lines(request, contract_id: Id):
    """The lines of a contract's quality schedule (to those who may see the contract)."""
    contract = get_object_or_404(Contract, pk=contract_id)
    _allow(can(request.user, Action.VIEW_CONTRACT_QUALITY, contract), "see this contract's quality")
    return [
        {"id": i.pk, "title": i.title, "kind": i.kind, "target": i.target,
         "threshold": i.threshold, "indicator_code": i.indicator.code if i.indicator_id else None}
        for i in contract.quality_schedule.select_related("indicator").order_by("pk")
    ]  # fmt: skip


@router.get("/quality/schedule/{item_id}", response=ScheduleLineOut, tags=TAGS)
def get_schedule_line(request, item_id: Id):
    """A quality schedule line with its monthly figures and the SPC chart's points."""
    return _line_out(_line(request, item_id))


@router.post("/quality/schedule/{item_id}/figures", response=FiguresRecordedOut, tags=TAGS)
def record_figures(request, item_id: Id, payload: FiguresIn):
    """Record a month's figure or many, all or nothing. Sending the same figures again changes
    nothing (``unchanged``); a new value for a month already recorded is a correction."""
    item = _line(request, item_id)
    _allow(can(request.user, Action.RECORD_MEASUREMENT, item), "record this line's figures")
    rows = [
        services.MeasurementInput(dt.date.fromisoformat(f"{f.month}-01"), f.value)
        for f in payload.figures
    ]
    return services.record_measurements(item, rows, QualityMeasurement.Source.API, request.user)


# --- Concerns and escalation cases -------------------------------------------------------------


def _case(request, pk: Id) -> EscalationCase:
    case = get_object_or_404(EscalationCase.objects.select_related("provider", "contract"), pk=pk)
    _allow(can(request.user, Action.VIEW_CASE, case), "see this case")
    return case


def _case_out(case: EscalationCase) -> dict:
    notice = getattr(case, "notice", None)
    plan = getattr(case, "plan", None)
    return {
        "id": case.pk,
        "reference": case.reference,
        "provider_code": case.provider.code,
        "contract_id": case.contract_id,
        "source": case.source,
        "summary": case.summary,
        "description": case.description,
        "status": case.status,
        "raised_on": case.raised_on,
        "escalated_to": case.escalated_to,
        "outcome": case.outcome,
        "closed_on": case.closed_on,
        "notice": None
        if notice is None
        else {
            "issued_on": notice.issued_on,
            "matters": notice.matters,
            "meeting_by": notice.meeting_by,
        },
        "plan": None
        if plan is None
        else {
            "agreed_on": plan.agreed_on,
            "summary": plan.summary,
            "milestones": [_milestone_out(m) for m in plan.milestones.order_by("due", "pk")],
        },
    }


@router.get("/quality/cases", response=list[CaseOut], tags=TAGS)
@paginate(Pagination)
def list_cases(request):
    """The escalation cases this person may see, newest first."""
    _allow(can(request.user, Action.VIEW_CASE), "see quality cases")
    cases = visible_cases(request.user, EscalationCase.objects.select_related("provider"))
    return [_case_out(c) for c in cases.order_by("-raised_on", "-pk")]


@router.post("/quality/cases", response={201: CaseOut}, tags=TAGS)
def raise_concern(request, payload: ConcernIn):
    """Open an escalation case from a concern (or from a statistical alert)."""
    _allow(can(request.user, Action.RAISE_CONCERN), "raise a quality concern")
    provider = _org(payload.provider, "provider")
    case = services.raise_concern(
        services.ConcernInput(
            provider_id=provider.pk,
            source=payload.source,
            summary=payload.summary,
            description=payload.description,
            contract_id=payload.contract_id,
            alert_id=payload.alert_id,
        ),
        request.user,
    )
    return 201, _case_out(case)


@router.get("/quality/cases/{case_id}", response=CaseOut, tags=TAGS)
def get_case(request, case_id: Id):
    return _case_out(_case(request, case_id))


def _managed(request, case_id: Id) -> EscalationCase:
    case = _case(request, case_id)
    _allow(can(request.user, Action.MANAGE_CASE, case), "manage this case")
    return case


@router.post("/quality/cases/{case_id}/notice", response=CaseOut, tags=TAGS)
def issue_notice(request, case_id: Id, payload: PerformanceNoticeIn):
    """Issue a contract performance notice; the contract management meeting follows."""
    case = _managed(request, case_id)
    services.issue_notice(case, services.NoticeInput(payload.matters, payload.meeting_by),
                          request.user)  # fmt: skip
    return _case_out(EscalationCase.objects.get(pk=case.pk))


@router.post("/quality/cases/{case_id}/plan", response=CaseOut, tags=TAGS)
def agree_remedial_plan(request, case_id: Id, payload: RemedialPlanIn):
    """Record the remedial action plan agreed with the provider, with its milestones."""
    case = _managed(request, case_id)
    milestones = tuple(services.MilestoneInput(m.description, m.due) for m in payload.milestones)
    services.agree_plan(case, services.PlanInput(payload.summary, milestones), request.user)
    return _case_out(EscalationCase.objects.get(pk=case.pk))


@router.post("/quality/cases/{case_id}/closure", response=CaseOut, tags=TAGS)
def close_case(request, case_id: Id, payload: CaseOutcomeIn):
    case = _managed(request, case_id)
    return _case_out(services.close_case(case, payload.outcome, request.user))


@router.post("/quality/cases/{case_id}/escalation", response=CaseOut, tags=TAGS)
def escalate_case(request, case_id: Id, payload: EscalationIn):
    """Escalate beyond contract management (the regional quality group, NHS England, the Care
    Quality Commission)."""
    case = _managed(request, case_id)
    return _case_out(
        services.escalate_case(case, payload.escalated_to, payload.outcome, request.user)
    )


@router.post(
    "/quality/milestones/{milestone_id}/completion", response=RemedialMilestoneOut, tags=TAGS
)
def complete_milestone(request, milestone_id: Id, payload: CompletionIn):
    milestone = get_object_or_404(Milestone.objects.select_related("plan__case"), pk=milestone_id)
    _allow(can(request.user, Action.MANAGE_CASE, milestone.plan.case), "manage this case")
    return _milestone_out(
        services.complete_milestone(milestone, payload.completed_on, request.user)
    )


ProgressIn = body_for(services.ProgressInput, "ProgressIn")


@router.post(
    "/quality/milestones/{milestone_id}/progress", response=RemedialMilestoneOut, tags=TAGS
)
def report_progress(request, milestone_id: Id, payload: ProgressIn):
    """The provider's report of its progress towards a milestone of the remedial action plan
    (General Condition 9); its representative reports."""
    milestone = get_object_or_404(Milestone.objects.select_related("plan__case"), pk=milestone_id)
    _allow(can(request.user, Action.REPORT_PROGRESS, milestone.plan.case),
           "report progress on this remedial action plan for the provider")  # fmt: skip
    return _milestone_out(
        services.report_progress(
            milestone, command_from(payload, services.ProgressInput), request.user
        )
    )


# --- Mortality (SHMI) runs ---------------------------------------------------------------------


class MortalityProviderOut(Schema):
    provider_code: str
    spells: int
    observed: float = Field(description="Deaths in hospital or within 30 days of discharge")
    expected: float = Field(description="Deaths expected from the risk model")
    shmi: float
    lower_95: float
    upper_95: float
    lower_998: float
    upper_998: float
    band: str = Field(description="Against the 95% limits widened for overdispersion")
    band_998: str


class MortalityAlertOut(Schema):
    provider_code: str
    month: dt.date
    observed: float = Field(description="Deaths observed in the chart's spells that month")
    expected: float = Field(description="Deaths expected that month at the level tested against")
    cusum: float = Field(description="The chart's statistic that month")
    threshold: float
    question: str = Field(
        description="worse_than_national or deteriorated (its own level); empty for a run of "
        "the all-spells CUSUM alone"
    )
    chart: str = Field(
        description="all, admission_method, diagnosis_group or diagnosis_groups (together)"
    )
    chart_value: int | None = Field(
        description="The admission method or diagnosis group (together: the one adding most)"
    )
    groups: str = Field(description="Groups together: the groups adding most, largest first")
    odds_ratio: float | None = Field(description="The rise in the odds of death that fits best")
    sure: float | None = Field(
        description="1 − the chance of a signal this large from an in-control provider, "
        "scaled by the chart's share of the provider's false-alarm budget"
    )


class MortalityRunOut(Schema):
    id: int
    source: str = Field(description="The spells the pipeline read")
    period_from: dt.date
    period_to: dt.date
    spells: int
    phi: float
    tau2: float
    odds_ratio: float = Field(description="The odds ratio the monthly CUSUM tests for")
    false_alarm_rate: float = Field(
        description="A chance in a year per in-control provider (for each question, across all "
        "its charts, where odds_ratios is given)"
    )
    odds_ratios: str = Field(description="The early warning's bank of odds ratios (decision 062)")
    loaded_at: dt.datetime
    providers: list[MortalityProviderOut]
    alerts: list[MortalityAlertOut] = Field(description="Months a provider's CUSUM signalled")


@router.get("/quality/mortality-runs/{run_id}", response=MortalityRunOut, tags=TAGS)
def get_mortality_run(request, run_id: Id):
    """A run of the SHMI pipeline: each provider's SHMI and band, and the CUSUM's alerts."""
    _allow(can(request.user, Action.VIEW_QUALITY), "see the quality workspace")
    run = get_object_or_404(MortalityRun, pk=run_id)
    return {
        **{f: getattr(run, f) for f in ("source", "period_from", "period_to", "spells", "phi",
                                        "tau2", "odds_ratio", "false_alarm_rate", "odds_ratios",
                                        "loaded_at")},
        "id": run.pk,
        "providers": list(run.results.order_by("provider_code").values()),
        "alerts": list(run.alerts.order_by("provider_code", "month").values()),
    }  # fmt: skip


@router.post("/quality/shmi-runs", response={201: JobOut}, tags=TAGS)
def start_shmi_run(request):
    """Start the SHMI pipeline and its monthly CUSUM detection on the synthetic economy's spells,
    in the worker: answered at once with its job, to follow at ``/jobs/{id}`` (where it can be
    cancelled) until its ``result_api_url`` gives the run. One run at a time (422 while one is
    under way)."""
    _allow(can(request.user, Action.LOAD_MORTALITY), "load mortality results")
    return 201, job_out(request, services.start_shmi_run(request.user))


# --- Risk profiles ---------------------------------------------------------------------------


class RiskSignalOut(Schema):
    day: dt.date
    group: str = Field(description="platform, published or soft (soft intelligence)")
    source: str
    text: str
    concern: bool


class RiskProposalOut(Schema):
    summary: str
    description: str = Field(description="The evidence, as the proposed case would carry it")
    evidence: list[RiskSignalOut]


class RiskProfileOut(Schema):
    provider_code: str
    provider_name: OrgName
    concerns: dict[str, int] = Field(description="Concerns on the timeline, by source group")
    latest_shmi_band: int | None = Field(None, description="1 higher, 2 as, 3 lower than expected")
    cqc_overall: str
    oversight_segment: int | None
    open_case: str | None = Field(None, description="The reference of an open escalation case")
    proposal: RiskProposalOut | None = Field(
        None, description="Present when independent signals agree (decision 061)"
    )
    signals: list[RiskSignalOut] = Field(description="The timeline, newest first")


def _signal(s) -> dict:
    return {"day": s.day, "group": s.group, "source": s.source, "text": s.text,
            "concern": s.concern}  # fmt: skip


@router.get("/quality/providers/{code}/risk-profile", response=RiskProfileOut, tags=TAGS)
def get_risk_profile(request, code: str):
    """A provider's risk profile: every signal on one timeline (the platform's own, published
    indicators, soft intelligence) and the escalation case proposed when they agree."""
    _allow(can(request.user, Action.VIEW_RISK), "see providers' risk profiles")
    org = get_object_or_404(Organisation, code=code.upper())
    found = risk.profile(request.user, org)
    proposal = found.proposal
    return {
        "provider_code": org.code,
        "provider_name": org.name,
        "concerns": found.concerns,
        "latest_shmi_band": found.shmi.band if found.shmi else None,
        "cqc_overall": found.cqc_overall,
        "oversight_segment": found.segment.segment if found.segment else None,
        "open_case": found.open_case.reference if found.open_case else None,
        "proposal": {"summary": proposal.summary(), "description": proposal.description(),
                     "evidence": [_signal(s) for s in proposal.evidence]}
        if proposal else None,
        "signals": [_signal(s) for s in found.signals],
    }  # fmt: skip


class IntelligenceIn(RequestBody):
    kind: str = Field(description="complaint, serious_incident, whistleblowing, staff_survey, "
                      "patient_survey or patient_feedback", examples=["complaint"])  # fmt: skip
    weight: str = Field("concern", description="concern, neutral or reassuring")
    occurred_on: dt.date = Field(examples=["2026-11-14"])
    summary: str = Field(max_length=200, examples=["A long wait for a stroke assessment"])
    detail: str = Field("", max_length=10_000)


class IntelligenceOut(Schema):
    id: int
    provider_code: str
    kind: str
    weight: str
    occurred_on: dt.date
    summary: str


@router.post("/quality/providers/{code}/intelligence", response={201: IntelligenceOut},
             tags=TAGS)  # fmt: skip
def record_intelligence(request, code: str, payload: IntelligenceIn):
    """Record soft intelligence about a provider for its risk profile (commissioners, quality
    leads, contract managers and clinical advisers)."""
    org = get_object_or_404(Organisation, code=code.upper())
    entry = services.record_intelligence(
        services.IntelligenceInput(org.pk, payload.kind, payload.weight, payload.occurred_on,
                                   payload.summary, payload.detail),
        request.user,
    )  # fmt: skip
    return 201, {"id": entry.pk, "provider_code": org.code, "kind": entry.kind,
                 "weight": entry.weight, "occurred_on": entry.occurred_on,
                 "summary": entry.summary}  # fmt: skip


class ChartChoiceIn(RequestBody):
    measures: str = Field(description="value, proportion, rate, count, cases_between or "
                          "days_between", examples=["proportion"])  # fmt: skip
    per: int = Field(1, ge=1, le=1_000_000, description="100 shows a proportion as a percentage")
    chart: str = Field("", description="Blank for the chart chosen from what the line measures; "
                       "or run, xmr, p, p_prime, u, u_prime, c, g, t")  # fmt: skip


@router.put("/quality/schedule/{item_id}/chart", response=ScheduleLineOut, tags=TAGS)
def choose_chart(request, item_id: Id, payload: ChartChoiceIn):
    """Say what a schedule line measures (which chooses its chart), and the chart to draw if
    another is wanted: the contract's managers at its commissioning parties."""
    item = _line(request, item_id)
    services.choose_chart(
        item, services.ChartChoice(payload.measures, payload.per, payload.chart), request.user
    )
    item.refresh_from_db()
    return _line_out(item)
