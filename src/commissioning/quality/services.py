"""Everything that changes quality monitoring data: loading mortality results (and running the
SHMI pipeline in the worker to load them) and the escalation process. Each function checks
permission, validates, writes all or nothing and records the change in the audit trail."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from commissioning import clock
from commissioning.audit import chain as audit
from commissioning.contracts.models import Contract
from commissioning.engine.quality.constants import Chart, Measures
from commissioning.engine.quality.shmi import ShmiOptions, shmi, spell_count
from commissioning.engine.rows import at_row
from commissioning.jobs.kinds import Kind
from commissioning.jobs.models import Job
from commissioning.jobs.progress import Progress
from commissioning.jobs.running import Result, Store, perform
from commissioning.jobs.services import start_job
from commissioning.numbers import figure
from commissioning.organisations.models import Organisation
from commissioning.organisations.permissions import SYSTEM
from commissioning.validation import EARLIEST_MONTH, Problems, refuse, stored_decimal

from . import rules
from .models import (
    EscalationCase,
    Milestone,
    MortalityAlert,
    MortalityResult,
    MortalityRun,
    PerformanceNotice,
    QualityMeasurement,
    RemedialActionPlan,
    SoftIntelligence,
)
from .permissions import Action, can, require
from .plausibility import Bounds, bounds_for, figure_problem

CASE_FIELDS = ("reference", "provider_id", "contract_id", "source", "summary", "status",
               "escalated_to", "outcome", "closed_on", "alert_id")  # fmt: skip


def load_mortality(result, options, source: str, actor) -> MortalityRun:
    """Store a run of the SHMI pipeline (``engine.quality.shmi.ShmiResult`` and the
    ``ShmiOptions`` it ran with)."""
    require(actor, Action.LOAD_MORTALITY)
    orgs = dict(Organisation.objects.values_list("code", "pk"))
    first, last = result.reporting_period
    with transaction.atomic():
        run = MortalityRun.objects.create(
            source=source[:300],
            period_from=dt.date.fromisoformat(f"{first}-01"),
            period_to=dt.date.fromisoformat(f"{last}-01"),
            spells=result.spells,
            phi=result.phi,
            tau2=result.tau2,
            kept=result.kept,
            odds_ratio=options.odds_ratio,
            false_alarm_rate=(
                options.warning.false_alarm_rate if result.warning else options.false_alarm_rate
            ),
            odds_ratios=(
                ", ".join(f"{r:g}" for r in options.warning.odds_ratios) if result.warning else ""
            ),
            loaded_at=timezone.now(),
            loaded_by=actor if getattr(actor, "pk", None) else None,
        )
        MortalityResult.objects.bulk_create(
            MortalityResult(
                run=run,
                provider_code=r["provider_code"],
                provider_id=orgs.get(r["provider_code"]),
                **{
                    k: r[k]
                    for k in (
                        "spells",
                        "observed",
                        "expected",
                        "shmi",
                        "lower_95",
                        "upper_95",
                        "lower_998",
                        "upper_998",
                        "band",
                        "band_998",
                    )
                },
            )
            for r in result.providers.iter_rows(named=True)
            if r["shmi"] is not None
        )
        MortalityAlert.objects.bulk_create(_alerts(result, run, orgs))
        audit.created(
            actor,
            run,
            ("source", "spells"),
            action="event",
            providers=run.results.count(),
            alerts=run.alerts.count(),
        )
    return run


def _alerts(result, run, orgs) -> list[MortalityAlert]:
    """The early warning's signals (decision 062) where it ran, else the all-spells CUSUM's."""

    def alert(a: dict, statistic: str, **more) -> MortalityAlert:
        return MortalityAlert(
            run=run,
            provider_code=a["provider_code"],
            provider_id=orgs.get(a["provider_code"]),
            month=dt.date.fromisoformat(f"{a['month']}-01"),
            observed=a["observed"],
            expected=a["expected"],
            cusum=a[statistic],
            threshold=a["threshold"],
            **more,
        )

    if result.warning is None:
        return [alert(a, "cusum") for a in result.alerts.iter_rows(named=True)]
    return [
        alert(a, "statistic", question=a["question"], chart=a["chart"], chart_value=a["value"],
              groups=a.get("groups") or "", odds_ratio=a["odds_ratio"], sure=a["sure"])
        for a in result.warning.alerts.iter_rows(named=True)
    ]  # fmt: skip


@dataclass(frozen=True)
class ConcernInput:
    provider_id: int | None
    source: str
    summary: str
    description: str
    contract_id: int | None = None
    alert_id: int | None = None


def _next_reference() -> str:
    year = clock.today().year
    count = EscalationCase.objects.filter(reference__startswith=f"QC-{year}-").count()
    return f"QC-{year}-{count + 1:04d}"


def raise_concern(cmd: ConcernInput, actor) -> EscalationCase:
    """Open an escalation case from a concern or an alert."""
    require(actor, Action.RAISE_CONCERN, cmd)
    problems = Problems()
    provider = Organisation.objects.filter(pk=cmd.provider_id).first() if cmd.provider_id else None
    if provider is None:
        problems.add("provider_id", "Choose the provider the concern is about")
    if cmd.source not in EscalationCase.Source.values:
        problems.add("source", "Choose where the concern came from")
    if not cmd.summary.strip():
        problems.add("summary", "Enter a short summary of the concern")
    elif len(cmd.summary.strip()) > 200:
        problems.add("summary", "The summary must be 200 characters or fewer")
    if not cmd.description.strip():
        problems.add("description", "Describe the concern and what it is based on")
    contract = None
    if cmd.contract_id:
        contract = Contract.objects.filter(pk=cmd.contract_id).first()
        if contract is None or (provider and contract.provider_id != provider.pk):
            problems.add("contract_id", "Choose a contract held by this provider")
    alert = None
    if cmd.alert_id:
        alert = MortalityAlert.objects.filter(pk=cmd.alert_id).first()
        if alert is None:
            problems.add("alert_id", "The alert no longer exists")
        elif provider and alert.provider_id not in (None, provider.pk):
            problems.add("alert_id", "The alert is about another provider")
    if cmd.source == EscalationCase.Source.ALERT and alert is None and not problems:
        problems.add("source", "A case from a statistical alert must be opened from the alert")
    problems.raise_if_any()
    assert provider is not None  # refused above when missing
    with transaction.atomic():
        case = EscalationCase.objects.create(
            reference=_next_reference(),
            provider=provider,
            contract=contract,
            source=cmd.source,
            summary=cmd.summary.strip(),
            description=cmd.description.strip(),
            alert=alert,
            raised_by=actor,
            raised_on=clock.today(),
        )
        audit.record(actor, "create", case, after=audit.snapshot(case, CASE_FIELDS))
    return case


def _change(case: EscalationCase, actor, **changes) -> None:
    """Save the changes; the audit revision's diff shows the step (the status it moved to)."""
    with audit.changing(actor, case, CASE_FIELDS):
        for name, value in changes.items():
            setattr(case, name, value)
        case.save()


def _locked(case: EscalationCase) -> EscalationCase:
    return EscalationCase.objects.select_for_update().get(pk=case.pk)


@dataclass(frozen=True)
class NoticeInput:
    matters: str
    meeting_by: dt.date | None


def issue_notice(case: EscalationCase, cmd: NoticeInput, actor) -> PerformanceNotice:
    """Issue a contract performance notice; the contract management meeting follows."""
    require(actor, Action.MANAGE_CASE, case)
    problems = Problems()
    if not cmd.matters.strip():
        problems.add("matters", "Set out the performance the notice is about")
    if cmd.meeting_by is None:
        problems.add("meeting_by", "Enter the date the contract management meeting is held by")
    elif cmd.meeting_by < clock.today():
        problems.add("meeting_by", "The meeting date must be today or later")
    problems.raise_if_any()
    assert cmd.meeting_by is not None  # refused above when missing
    with transaction.atomic():
        case = _locked(case)
        if reason := rules.may_issue_notice(case.status):
            raise refuse("", reason)
        notice = PerformanceNotice.objects.create(
            case=case,
            issued_by=actor,
            issued_on=clock.today(),
            matters=cmd.matters.strip(),
            meeting_by=cmd.meeting_by,
        )
        _change(case, actor, status=EscalationCase.Status.NOTICE_ISSUED)
    return notice


@dataclass(frozen=True)
class MilestoneInput:
    description: str
    due: dt.date | None


@dataclass(frozen=True)
class PlanInput:
    summary: str
    milestones: Sequence[MilestoneInput] = field(default_factory=tuple)


def agree_plan(case: EscalationCase, cmd: PlanInput, actor) -> RemedialActionPlan:
    """Record the remedial action plan agreed with the provider, with its milestones."""
    require(actor, Action.MANAGE_CASE, case)
    problems = Problems()
    if not cmd.summary.strip():
        problems.add("summary", "Describe what the provider will do")
    milestones = [m for m in cmd.milestones if m.description.strip() or m.due]
    if not milestones:
        problems.add("milestones", "Add at least one milestone with a due date")
    for i, m in enumerate(milestones, start=1):
        if not m.description.strip():
            problems.add("milestones", f"Milestone {i}: describe what will be done")
        if m.due is None:
            problems.add("milestones", f"Milestone {i}: enter the date it is due")
        elif m.due < clock.today():
            problems.add("milestones", f"Milestone {i}: the due date must be today or later")
    problems.raise_if_any()
    with transaction.atomic():
        case = _locked(case)
        if reason := rules.may_agree_plan(case.status):
            raise refuse("", reason)
        plan = RemedialActionPlan.objects.create(
            case=case, agreed_by=actor, agreed_on=clock.today(), summary=cmd.summary.strip()
        )
        made = []
        for m in milestones:
            assert m.due is not None  # refused above when missing
            made.append(Milestone(plan=plan, description=m.description.strip(), due=m.due))
        Milestone.objects.bulk_create(made)
        _change(case, actor, status=EscalationCase.Status.PLAN_AGREED)
    return plan


def _open_milestone(case, milestone: Milestone) -> Milestone:
    """The milestone, locked with its case (inside the caller's transaction), if the case is
    still open and the milestone not yet met; else the refusal."""
    case = _locked(case)
    if case.status in rules.FINISHED:
        raise refuse("", "The case is closed or escalated")
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if milestone.completed_on:
        raise refuse("", "This milestone is already recorded as met")
    return milestone


def complete_milestone(milestone: Milestone, completed_on: dt.date | None, actor) -> Milestone:
    case = milestone.plan.case
    require(actor, Action.MANAGE_CASE, case)
    if completed_on is None:
        raise refuse("completed_on", "Enter the date the milestone was met")
    if completed_on > clock.today():
        raise refuse("completed_on", "The date the milestone was met cannot be in the future")
    with transaction.atomic():
        milestone = _open_milestone(case, milestone)
        with audit.changing(actor, milestone, ("completed_on",)):
            milestone.completed_on = completed_on
            milestone.save()
    return milestone


@dataclass(frozen=True)
class ProgressInput:
    """The provider's report of its progress towards a milestone of the plan."""

    progress: str


def report_progress(milestone: Milestone, cmd: ProgressInput, actor) -> Milestone:
    """The provider reports its progress on a remedial action plan's milestone (General
    Condition 9: the provider carries out the plan it agreed). Its representative reports; the
    commissioners read it on the case and record the milestone as met. A later report replaces
    the one shown; the audit trail keeps each."""
    case = milestone.plan.case
    require(actor, Action.REPORT_PROGRESS, case)
    progress = cmd.progress.strip()
    if not progress:
        raise refuse("progress", "Describe the progress made towards the milestone")
    with transaction.atomic():
        milestone = _open_milestone(case, milestone)
        fields = ("progress", "progress_reported_by_id", "progress_reported_on")
        with audit.changing(actor, milestone, fields):
            milestone.progress = progress
            milestone.progress_reported_by = actor
            milestone.progress_reported_on = clock.today()
            milestone.save()
    return milestone


def close_case(case: EscalationCase, outcome: str, actor) -> EscalationCase:
    require(actor, Action.MANAGE_CASE, case)
    if not outcome.strip():
        raise refuse("outcome", "Say why the case can be closed")
    with transaction.atomic():
        case = _locked(case)
        open_milestones = (
            case.plan.milestones.filter(completed_on__isnull=True).count()
            if hasattr(case, "plan")
            else 0
        )
        if reason := rules.may_close(case.status, open_milestones):
            raise refuse("", reason)
        _change(
            case,
            actor,
            status=EscalationCase.Status.CLOSED,
            outcome=outcome.strip(),
            closed_on=clock.today(),
        )
    return case


def escalate_case(case: EscalationCase, escalated_to: str, outcome: str, actor) -> EscalationCase:
    """Escalate beyond contract management (for example to the regional quality group, NHS
    England or the Care Quality Commission)."""
    require(actor, Action.MANAGE_CASE, case)
    problems = Problems()
    if not escalated_to.strip():
        problems.add("escalated_to", "Say who the case is escalated to")
    if not outcome.strip():
        problems.add("outcome", "Say why the case is escalated")
    problems.raise_if_any()
    with transaction.atomic():
        case = _locked(case)
        if reason := rules.may_escalate(case.status):
            raise refuse("", reason)
        _change(
            case,
            actor,
            status=EscalationCase.Status.ESCALATED,
            escalated_to=escalated_to.strip(),
            outcome=outcome.strip(),
            closed_on=clock.today(),
        )
    return case


# --- Quality schedule measurements ----------------------------------------------------------

MEASUREMENT_FIELDS = ("item_id", "period", "value", "numerator", "denominator", "source")
MAX_UPLOAD_ROWS = 600  # fifty years of months: more is not a quality schedule
VALUE_FIELD = QualityMeasurement._meta.get_field("value")


@dataclass(frozen=True)
class MeasurementInput:
    period: dt.date | None
    value: Decimal | None
    # A proportion or rate line's numerator and denominator; the value may then be left out.
    numerator: Decimal | None = None
    denominator: Decimal | None = None


EVENT_LINES = (Measures.CASES_BETWEEN.value, Measures.DAYS_BETWEEN.value)
RATIO_LINES = (Measures.PROPORTION.value, Measures.RATE.value)


def is_event_line(item) -> bool:
    """A line that counts cases or days between rare events records one figure per event,
    on the day of the event, rather than one per month."""
    return item.measures in EVENT_LINES


def period_of(item, day: dt.date) -> dt.date:
    """The period a figure is stored under: its month, or the day of an event."""
    return day if is_event_line(item) else day.replace(day=1)


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def ratio_value(item, numerator: Decimal, denominator: Decimal) -> Decimal:
    """A proportion or rate line's figure: numerator / denominator × per, to 3 places."""
    return (numerator / denominator * item.per).quantize(Decimal("0.001"))


def parse_measurements(text: str, item=None) -> list[MeasurementInput]:
    """Rows of a CSV file with the columns ``month`` (``2026-04`` or a date in the month) and
    ``value``; for a proportion or rate line, ``numerator`` and ``denominator`` (``value`` may
    then be left out); for a line of cases or days between rare events, ``date`` (the day of
    each event) instead of ``month``. Every problem names its row and column; nothing is
    returned unless all rows are good."""
    problems = Problems()
    events = item is not None and is_event_line(item)
    ratio = item is not None and item.measures in RATIO_LINES
    when = "date" if events else "month"
    needed = [when, *(("numerator", "denominator") if ratio else ("value",))]
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        fieldnames = reader.fieldnames or []
    except csv.Error as exc:
        raise _unreadable(-1, exc) from None  # the header row
    header = {(h or "").strip().lower(): h for h in fieldnames}
    missing = [c for c in needed if c not in header]
    if missing:
        raise refuse("file", f"The file must have the columns {' and '.join(needed)} (missing: "
                             f"{', '.join(missing)})")  # fmt: skip
    rows: list[MeasurementInput] = []
    numbered: list[tuple[int, dict]] = []  # (index of the data row, counting blank ones; the row)
    try:
        for raw in reader:
            numbered.append((reader.line_num - 2, raw))
            if len(numbered) > MAX_UPLOAD_ROWS:
                break
    except csv.Error as exc:
        raise _unreadable(reader.line_num - 1, exc) from None  # the line after those read

    def cell(raw: dict, name: str) -> str:
        return (raw[header[name]] or "").strip() if name in header else ""

    for number, raw in numbered:
        if len(rows) >= MAX_UPLOAD_ROWS:
            raise refuse("file", f"The file has more than {MAX_UPLOAD_ROWS} rows")
        texts = {name: cell(raw, name) for name in (when, "value", "numerator", "denominator")}
        if not any(texts.values()):
            continue
        period = parse_day(texts[when]) if events else parse_month(texts[when])
        if period is None:
            example = "2026-04-17" if events else "2026-04"
            problems.add("file", f"In {at_row(number, when, quote=False)}: "
                                 f"{texts[when] or 'blank'} is not a {'date' if events else when} "
                                 f"(write it as {example})")  # fmt: skip
        numbers: dict[str, Decimal | None] = {}
        for name in ("value", "numerator", "denominator"):
            numbers[name] = _decimal(texts[name]) if texts[name] else None
            if numbers[name] is None and (name in needed or texts[name]):
                problems.add("file", f"In {at_row(number, name, quote=False)}: "
                                     f"{texts[name] or 'blank'} is not a number")  # fmt: skip
        rows.append(MeasurementInput(period, numbers["value"], numbers["numerator"],
                                     numbers["denominator"]))  # fmt: skip
    if not rows and not problems:
        problems.add("file", "The file has no rows of figures")
    problems.raise_if_any()
    return rows


def parse_day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _unreadable(index: int, exc: csv.Error):
    return refuse(
        "file", f"In {at_row(index)}: the file is not a CSV file that can be read ({exc})"
    )


def parse_month(text: str) -> dt.date | None:
    for candidate in (text, f"{text}-01"):
        try:
            return dt.date.fromisoformat(candidate).replace(day=1)
        except ValueError:
            continue
    return None


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "").rstrip("%").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _previous_month(month: dt.date) -> dt.date:
    return (month - dt.timedelta(days=1)).replace(day=1)


def record_measurements(item, rows: Sequence[MeasurementInput], source: str, actor) -> dict:
    """Record a month's figure, or many (an upload), for one quality schedule line. A month
    already recorded is corrected (the audit trail keeps the old value). All or nothing: one
    bad row refuses them all. Returns how many were added, corrected and unchanged.

    A figure must fall within the contract's term. A proportion or rate line takes the
    numerator and denominator (its figure is their ratio × ``per``; a figure sent with them
    must agree to the places it is given). A line of cases or days between rare events takes
    one figure per event, on the day of the event."""
    require(actor, Action.RECORD_MEASUREMENT, item)
    problems = Problems()
    if source not in QualityMeasurement.Source.values:
        problems.add("source", "Unknown source of the figures")
    today = clock.today()
    this_month = today.replace(day=1)
    events = is_event_line(item)
    contract = item.contract
    first = contract.start_date if events else contract.start_date.replace(day=1)
    bounds = bounds_for(item.indicator.unit if item.indicator_id else "", item.threshold)
    if item.measures in RATIO_LINES:
        bounds = Bounds("a ratio")  # a ratio line's range follows from its parts
    seen: dict[dt.date, int] = {}
    values: dict[int, Decimal] = {}
    parts: dict[int, tuple[Decimal | None, Decimal | None]] = {}

    def label(i: int, name: str) -> str:
        return name if len(rows) == 1 else f"rows.{i}.{name}"

    for i, row in enumerate(rows):
        if row.period is None:
            problems.add(label(i, "period"), "Enter the day of the event" if events
                         else "Enter the month the figure is for")  # fmt: skip
        elif row.period < EARLIEST_MONTH:
            problems.add(label(i, "period"), f"Enter a month from {EARLIEST_MONTH:%B %Y} onwards")
        elif events and row.period > today:
            problems.add(label(i, "period"), f"{row.period:%-d %B %Y} is in the future")
        elif not events and row.period.replace(day=1) >= this_month:
            problems.add(
                label(i, "period"),
                f"{row.period:%B %Y} has not ended yet: enter a month's figure once the month "
                f"is over (the latest is {_previous_month(this_month):%B %Y})",
            )
        elif not first <= row.period <= contract.end_date:
            problems.add(
                label(i, "period"),
                f"{row.period:{'%-d %B %Y' if events else '%B %Y'}} is outside the contract's "
                f"term ({contract.start_date:%-d %B %Y} to {contract.end_date:%-d %B %Y})",
            )
        elif period_of(item, row.period) in seen:
            when = f"{row.period:%-d %B %Y}" if events else f"{row.period:%B %Y}"
            problems.add(label(i, "period"), f"{when} is given more than once")
        else:
            seen[period_of(item, row.period)] = i
        value = row.value
        if item.measures in RATIO_LINES:
            found = _ratio(item, row, problems, lambda name, i=i: label(i, name))
            if found is None:
                continue
            value, parts[i] = found[0], found[1:]
        elif row.numerator is not None or row.denominator is not None:
            problems.add(label(i, "denominator"), "This line is not a proportion or rate: send "
                         "the figure alone")  # fmt: skip
        if value is None:
            problems.add(label(i, "value"), "Enter the figure as a number")
        else:
            try:
                values[i] = stored_decimal(value, VALUE_FIELD)
            except ValueError as exc:
                problems.add(label(i, "value"), str(exc))
            else:
                if events and values[i] < 0:
                    problems.add(label(i, "value"), "Cases or days between events are 0 or more")
                elif why := figure_problem(values[i], bounds):
                    problems.add(label(i, "value"), why)
    if not rows:
        problems.add("rows", "There are no figures to record")
    problems.raise_if_any()
    counts = {"added": 0, "corrected": 0, "unchanged": 0}
    now = timezone.now()
    with transaction.atomic():
        existing = {
            m.period: m
            for m in QualityMeasurement.objects.select_for_update().filter(
                item=item, period__in=list(seen)
            )
        }
        for i, row in enumerate(rows):
            assert row.period is not None  # refused above when missing
            period = period_of(item, row.period)
            value = values[i]
            numerator, denominator = parts.get(i, (None, None))
            current = existing.get(period)
            if current is None:
                m = QualityMeasurement.objects.create(
                    item=item, period=period, value=value, numerator=numerator,
                    denominator=denominator, source=source, recorded_by=_user_or_none(actor),
                    recorded_at=now,
                )  # fmt: skip
                audit.record(actor, "create", m, after=audit.snapshot(m, MEASUREMENT_FIELDS))
                counts["added"] += 1
            elif (current.value, current.numerator, current.denominator) == (
                value,
                numerator,
                denominator,
            ):
                counts["unchanged"] += 1
            else:
                before = audit.snapshot(current, MEASUREMENT_FIELDS)
                current.value, current.source = value, source
                current.numerator, current.denominator = numerator, denominator
                current.recorded_by, current.recorded_at = _user_or_none(actor), now
                current.save()
                audit.record(actor, "update", current, before=before,
                             after=audit.snapshot(current, MEASUREMENT_FIELDS))  # fmt: skip
                counts["corrected"] += 1
    return counts


def _ratio(item, row: MeasurementInput, problems: Problems, label):
    """A proportion or rate line's (figure, numerator, denominator), or None with the problems
    noted: both parts are needed, the denominator above 0, a proportion's numerator no more
    than its denominator, and a figure sent with them must agree to the places it is given."""
    what = item.get_measures_display().split(":")[0].lower()
    for name, given in (("numerator", row.numerator), ("denominator", row.denominator)):
        if given is None:
            problems.add(label(name), f"Enter the {name}: this line is {what}")
    numerator = _part(problems, label("numerator"), row.numerator)
    denominator = _part(problems, label("denominator"), row.denominator)
    if numerator is None or denominator is None:
        return None
    if denominator <= 0:
        problems.add(label("denominator"), "The denominator must be more than 0")
        return None
    if item.measures == Measures.PROPORTION.value and numerator > denominator:
        problems.add(label("numerator"), f"The numerator ({figure(numerator)}) is more than "
                     f"the denominator ({figure(denominator)})")  # fmt: skip
        return None
    computed = ratio_value(item, numerator, denominator)
    given = row.value
    if given is not None and (not given.is_finite() or round(computed, _places(given)) != given):
        problems.add(label("value"), f"The figure {figure(given)} does not agree with "
                     f"{figure(numerator)} of {figure(denominator)} (which is "
                     f"{figure(computed)})")  # fmt: skip
        return None
    return computed, numerator, denominator


def _part(problems: Problems, field_name: str, given: Decimal | None) -> Decimal | None:
    """A numerator or denominator as stored, or None with the problem noted."""
    if given is None:
        return None
    if not given.is_finite() or given < 0:
        problems.add(field_name, "Enter a number of 0 or more")
        return None
    try:
        return stored_decimal(given, VALUE_FIELD)
    except ValueError as exc:
        problems.add(field_name, str(exc))
        return None


@dataclass(frozen=True)
class IntelligenceInput:
    provider_id: int | None
    kind: str
    weight: str
    occurred_on: dt.date | None
    summary: str
    detail: str = ""


INTELLIGENCE_FIELDS = ("provider_id", "kind", "weight", "occurred_on", "summary", "detail")


def record_intelligence(cmd: IntelligenceInput, actor) -> SoftIntelligence:
    """Record soft intelligence about a provider for its risk profile. Refused field by field;
    audited (the audit trail keeps who recorded what)."""
    require(actor, Action.RECORD_INTELLIGENCE)
    problems = Problems()
    provider = Organisation.objects.filter(pk=cmd.provider_id).first() if cmd.provider_id else None
    if provider is None:
        problems.add("provider_id", "Choose the provider")
    if cmd.kind not in SoftIntelligence.Kind.values:
        problems.add("kind", "Choose what kind of intelligence it is")
    if cmd.weight not in SoftIntelligence.Weight.values:
        problems.add("weight", "Say whether it is a concern, reassuring, or neither")
    if cmd.occurred_on is None:
        problems.add("occurred_on", "Enter when it happened")
    elif cmd.occurred_on > clock.today():
        problems.add("occurred_on", "The day cannot be in the future")
    elif cmd.occurred_on < EARLIEST_MONTH:
        problems.add("occurred_on", f"Enter a day from {EARLIEST_MONTH:%B %Y} onwards")
    summary = cmd.summary.strip()
    if not summary:
        problems.add("summary", "Say in a line what was learned")
    elif len(summary) > 200:
        problems.add("summary", "The summary is at most 200 characters")
    if len(cmd.detail) > 10_000:
        problems.add("detail", "The detail is at most 10,000 characters")
    problems.raise_if_any()
    assert provider is not None and cmd.occurred_on is not None  # refused above otherwise
    with transaction.atomic():
        entry = SoftIntelligence.objects.create(
            provider=provider, kind=cmd.kind, weight=cmd.weight, occurred_on=cmd.occurred_on,
            summary=summary, detail=cmd.detail.strip(), recorded_by=actor,
            recorded_on=clock.today(),
        )  # fmt: skip
        audit.created(actor, entry, INTELLIGENCE_FIELDS)
    return entry


@dataclass(frozen=True)
class ChartChoice:
    measures: str
    per: int
    chart: str  # "" to draw the chart chosen from what the line measures


MAX_PER = 1_000_000


def choose_chart(item, choice: ChartChoice, actor):
    """Say what a schedule line measures (which decides its chart) and, if wanted, the chart
    to draw instead. Refused field by field; audited."""
    require(actor, Action.CHOOSE_CHART, item)
    problems = Problems()
    if choice.measures not in Measures.__members__.values():
        problems.add("measures", "Choose what the line measures")
    if not 1 <= choice.per <= MAX_PER:
        problems.add("per", f"Per is a whole number from 1 to {MAX_PER:,}")
    if choice.chart and choice.chart not in Chart.__members__.values():
        problems.add("chart", "Choose a chart from the list, or none")
    elif (
        choice.chart
        and Chart(choice.chart).needs_denominator
        and choice.measures not in (RATIO_LINES)
    ):
        problems.add("chart", f"A {Chart(choice.chart).label} needs a numerator and denominator "
                     "each month: the line must measure a proportion or a rate")  # fmt: skip
    problems.raise_if_any()
    fields = ("measures", "per", "chart")
    with transaction.atomic():
        item = type(item).objects.select_for_update().get(pk=item.pk)
        before = audit.snapshot(item, fields)
        item.measures, item.per, item.chart = choice.measures, choice.per, choice.chart
        item.save(update_fields=list(fields))
        audit.record(actor, "update", item, before=before, after=audit.snapshot(item, fields))
    return item


def _user_or_none(actor):
    return actor if getattr(actor, "pk", None) else None


# --- SHMI runs in the worker ------------------------------------------------------------------

SHMI = "quality.shmi"
SHMI_SOURCE = "the synthetic economy's spells"
SHMI_STEPS = {  # what the run does after each step the engine reports
    "fitting": "Expected deaths per provider and month",
    "banding": "Monthly CUSUM detection",
    "cusum": "Storing the results",
}


def spells_dir() -> Path:
    return Path(settings.SYNTH_DIR) / "spells"


def start_shmi_run(actor) -> Job:
    """Start the SHMI pipeline, with its monthly CUSUM detection, on the synthetic economy's
    spells (``settings.SYNTH_DIR``), as a job for the worker: its page shows the stage and the
    progress, it can be cancelled, and its results are stored once (``load_mortality``) when
    it finishes. One run at a time."""
    require(actor, Action.LOAD_MORTALITY)
    if not any(spells_dir().glob("*.parquet")):
        raise refuse("spells", "There are no spells to run it on: the synthetic health economy "
                               "has not been generated (`commissioning demo-setup`)")  # fmt: skip
    return start_job(SHMI, f"SHMI and CUSUM alerts on {SHMI_SOURCE}", actor,
                     lambda job: run_shmi.enqueue(job.pk),
                     busy="An SHMI run is under way already: its results come first")  # fmt: skip


@task()
def run_shmi(job_id: int) -> str:
    """The worker's job (commissioning.jobs): an SHMI run started by ``start_shmi_run``."""
    return perform(job_id, _shmi)


def _shmi(job: Job, progress: Progress) -> Store:
    """Both passes over the spells report their rows (each spell is counted twice: read, then
    scored); the other steps name what follows them. The results are stored by the function
    returned, as the person who started the run."""
    options, spells = ShmiOptions(), spells_dir()
    rows = spell_count(spells)
    progress.stage("Counting spells and deaths per risk cell", total=2 * rows, done=0)

    def tick(step: str, read: int) -> None:
        if read:
            progress.advance(read)
            if step == "counting" and progress.done >= rows:
                progress.stage("Fitting a model per diagnosis group")
            elif step == "scoring" and progress.done >= 2 * rows:
                progress.stage("SHMI and funnel bands")
        elif step in SHMI_STEPS:
            progress.stage(SHMI_STEPS[step])
        else:
            progress.check()

    result = progress.watch(shmi, spells, options, tick)
    actor = job.started_by or SYSTEM

    def store() -> Result:
        run = load_mortality(result, options, SHMI_SOURCE, actor)
        return Result(reverse("quality-mortality"),
                      reverse("api-v1:get_mortality_run", args=[run.pk]))  # fmt: skip

    return store


SHMI_KIND = Kind(
    SHMI,
    "Mortality (SHMI) run",
    result_label="See the mortality results",
    steps="steps (each spell is read, then scored)",
    may_view=lambda user, _job: can(user, Action.VIEW_QUALITY),
    may_cancel=lambda user, _job: can(user, Action.LOAD_MORTALITY),
)
