"""The quality schedule in FHIR: each line a ``Measure``, each figure a ``MeasureReport``.

FHIR R4 (4.0.1) is the version NHS England's interoperability standards use. ``fhir.resources``
(the maintained Python models) ships R5, R4B and STU3 but no R4 package; its R4B ``Measure``,
``MeasureReport``, ``Bundle`` and ``OperationOutcome`` have the same elements, cardinalities
and types as R4's, and what is written here uses only elements R4 has (``R4_ELEMENTS``, which
a test checks against the models). docs/decisions.md 058 says why and how this is checked.

A line is a ``Measure`` (as the Da Vinci value-based performance reporting guide represents a
contract's measures): its scoring from what the line measures, ``improvementNotation`` from the
line's direction, its contract's term as the ``effectivePeriod``, the target in the platform's
extension (R4 has no element for a target), the threshold and the consequence of a breach in
``guidance``. A month's figure is a summary ``MeasureReport`` for that month, reported by the
provider (its ODS code), with the figure as the ``measureScore`` and, for a proportion or rate,
the numerator and denominator as populations. Reports come in through ``read_reports`` and are
recorded by ``quality.services.record_measurements``, so every rule of the page and the CSV
upload holds, and the same report twice stores one figure.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.measure import Measure
from fhir.resources.R4B.measurereport import MeasureReport
from fhir.resources.R4B.operationoutcome import OperationOutcome
from pydantic import ValidationError as ModelError

from commissioning.contracts.models import QualityScheduleItem
from commissioning.engine.quality.constants import Measures

from . import queries, services
from .models import QualityMeasurement
from .permissions import Action, can

FHIR_VERSION = "4.0.1"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
SCORING = "http://terminology.hl7.org/CodeSystem/measure-scoring"
IMPROVEMENT = "http://terminology.hl7.org/CodeSystem/measure-improvement-notation"
POPULATION = "http://terminology.hl7.org/CodeSystem/measure-population"
UCUM = "http://unitsofmeasure.org"

# R4's elements of the resources written here (hl7.org/fhir/R4/measure.html,
# measurereport.html): a test checks the models have exactly these, so that nothing R4B added
# or changed could be written without the test failing.
R4_ELEMENTS = {
    "Measure": {
        "id", "meta", "implicitRules", "language", "text", "contained", "extension",
        "modifierExtension", "url", "identifier", "version", "name", "title", "subtitle",
        "status", "experimental", "subjectCodeableConcept", "subjectReference", "date",
        "publisher", "contact", "description", "useContext", "jurisdiction", "purpose", "usage",
        "copyright", "approvalDate", "lastReviewDate", "effectivePeriod", "topic", "author",
        "editor", "reviewer", "endorser", "relatedArtifact", "library", "disclaimer", "scoring",
        "compositeScoring", "type", "riskAdjustment", "rateAggregation", "rationale",
        "clinicalRecommendationStatement", "improvementNotation", "definition", "guidance",
        "group", "supplementalData",
    },
    "MeasureReport": {
        "id", "meta", "implicitRules", "language", "text", "contained", "extension",
        "modifierExtension", "identifier", "status", "type", "measure", "subject", "date",
        "reporter", "period", "improvementNotation", "group", "evaluatedResource",
    },
}  # fmt: skip

SCORE_OF = {
    Measures.VALUE: "continuous-variable",
    Measures.PROPORTION: "proportion",
    Measures.RATE: "ratio",
    Measures.COUNT: "cohort",
    Measures.CASES_BETWEEN: "continuous-variable",
    Measures.DAYS_BETWEEN: "continuous-variable",
}


def base() -> str:
    """The canonical base of the platform's FHIR resources (``COMMISSIONING_FHIR_BASE``)."""
    return settings.COMMISSIONING_FHIR_BASE.rstrip("/")


def measure_url(item: QualityScheduleItem) -> str:
    return f"{base()}/Measure/quality-schedule-line-{item.pk}"


def target_extension() -> str:
    return f"{base()}/StructureDefinition/quality-schedule-target"


def _coding(system: str, code: str, display: str | None = None) -> dict:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def _organisation(org) -> dict:
    return {"identifier": {"system": ODS_SYSTEM, "value": org.code}, "display": org.name}


def measure(item: QualityScheduleItem) -> dict:
    """One line of a contract's quality schedule as an R4 ``Measure`` (JSON, validated)."""
    contract = item.contract
    how = queries.schedule_target(item)
    measures = Measures(item.measures)
    resource: dict = {
        "resourceType": "Measure",
        "id": f"quality-schedule-line-{item.pk}",
        "url": measure_url(item),
        "identifier": [{"system": f"{base()}/quality-schedule-line", "value": str(item.pk)}],
        "name": f"QualityScheduleLine{item.pk}",
        "title": item.title,
        "status": "active",
        "publisher": contract.co_ordinating_commissioner.name,
        "description": item.method_of_measurement or item.title,
        "effectivePeriod": {
            "start": contract.start_date.isoformat(),
            "end": contract.end_date.isoformat(),
        },
        "topic": [{"text": item.dimension_label}],
        "scoring": _coding(SCORING, SCORE_OF[measures]),
        "group": [{"description": item.get_measures_display()}],
    }
    guidance = [f"Threshold: {item.threshold}" if item.threshold else "",
                f"Consequence of breach: {item.consequence_of_breach}"
                if item.consequence_of_breach else ""]  # fmt: skip
    if any(guidance):
        resource["guidance"] = "\n\n".join(g for g in guidance if g)
    if how.improvement in ("increase", "decrease"):
        resource["improvementNotation"] = _coding(IMPROVEMENT, how.improvement)
    if how.target is not None:
        resource["extension"] = [
            {"url": target_extension(), "valueQuantity": {"value": _number(how.target)}}
        ]
    if measures in (Measures.PROPORTION, Measures.RATE):
        resource["group"][0]["population"] = [
            {"code": _coding(POPULATION, code)} for code in ("numerator", "denominator")
        ]
    return _valid(Measure, resource)


def measure_bundle(items: Iterable[QualityScheduleItem], self_url: str) -> dict:
    entries = [{"fullUrl": measure_url(i), "resource": measure(i)} for i in items]
    return _valid(Bundle, {"resourceType": "Bundle", "type": "searchset", "total": len(entries),
                           "link": [{"relation": "self", "url": self_url}],
                           "entry": entries})  # fmt: skip


def _number(value) -> int | float | Decimal:
    value = Decimal(str(value))
    return int(value) if value == value.to_integral_value() else value


def _period(item, period: dt.date) -> dict:
    if services.is_event_line(item):
        return {"start": period.isoformat(), "end": period.isoformat()}
    last = period.replace(day=calendar.monthrange(period.year, period.month)[1])
    return {"start": period.isoformat(), "end": last.isoformat()}


def measure_report(m: QualityMeasurement) -> dict:
    """One recorded figure as an R4 summary ``MeasureReport``."""
    item = m.item
    group: dict = {"measureScore": {"value": _number(m.value)}}
    if m.numerator is not None and m.denominator is not None:
        group["population"] = [
            {"code": _coding(POPULATION, "numerator"), "count": int(m.numerator)},
            {"code": _coding(POPULATION, "denominator"), "count": int(m.denominator)},
        ]
    resource = {
        "resourceType": "MeasureReport",
        "id": f"quality-figure-{m.pk}",
        "status": "complete",
        "type": "summary",
        "measure": measure_url(item),
        "date": m.recorded_at.isoformat(),
        "reporter": _organisation(item.contract.provider),
        "period": _period(item, m.period),
        "group": [group],
    }
    how = queries.schedule_target(item)
    if how.improvement in ("increase", "decrease"):
        resource["improvementNotation"] = _coding(IMPROVEMENT, how.improvement)
    return _valid(MeasureReport, resource)


def report_bundle(measurements: Iterable[QualityMeasurement], self_url: str) -> dict:
    entries = [{"fullUrl": f"{base()}/MeasureReport/quality-figure-{m.pk}",
                "resource": measure_report(m)} for m in measurements]  # fmt: skip
    return _valid(Bundle, {"resourceType": "Bundle", "type": "searchset", "total": len(entries),
                           "link": [{"relation": "self", "url": self_url}],
                           "entry": entries})  # fmt: skip


def _valid(model, resource: dict) -> dict:
    """The resource as JSON, after the FHIR model has accepted it (an error here is ours)."""
    return model.model_validate(resource).model_dump(mode="json", exclude_none=True)


# --- Reports coming in ------------------------------------------------------------------------


class Refused(Exception):
    """A report that cannot be recorded: ``issues`` are (FHIRPath expression, message)."""

    def __init__(self, issues: list[tuple[str, str]], status: int = 422):
        super().__init__("; ".join(f"{e}: {m}" for e, m in issues))
        self.issues = issues
        self.status = status


def outcome(issues: list[tuple[str, str]], severity: str = "error", code: str = "invalid") -> dict:
    """An ``OperationOutcome`` naming each element with its problem."""
    return _valid(OperationOutcome, {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": code, "diagnostics": message,
                   **({"expression": [where]} if where else {})}
                  for where, message in issues],
    })  # fmt: skip


@dataclass(frozen=True)
class Incoming:
    where: str  # the FHIRPath of the report: "MeasureReport" or "Bundle.entry[2].resource"
    item: QualityScheduleItem
    row: services.MeasurementInput


def _model_issues(where: str, error: ModelError) -> list[tuple[str, str]]:
    issues = []
    for e in error.errors():
        path = where
        for part in e["loc"]:
            path += f"[{part}]" if isinstance(part, int) else f".{part}"
        issues.append((path, e["msg"].removeprefix("Value error, ")))
    return issues


def parse(payload: object) -> list[tuple[str, MeasureReport]]:
    """The MeasureReports of a request body: one, or a Bundle of them (any bundle type)."""
    if not isinstance(payload, dict) or payload.get("resourceType") not in (
        "MeasureReport", "Bundle"
    ):  # fmt: skip
        raise Refused([("resourceType", "Send a MeasureReport, or a Bundle of MeasureReports")])
    if payload["resourceType"] == "MeasureReport":
        try:
            return [("MeasureReport", MeasureReport.model_validate(payload))]
        except ModelError as exc:
            raise Refused(_model_issues("MeasureReport", exc)) from None
    entries = payload.get("entry")
    if not isinstance(entries, list) or not entries:
        raise Refused([("Bundle.entry", "The bundle has no entries")])
    if len(entries) > services.MAX_UPLOAD_ROWS:
        raise Refused([("Bundle.entry", f"At most {services.MAX_UPLOAD_ROWS} reports a bundle")])
    reports, issues = [], []
    for i, entry in enumerate(entries):
        where = f"Bundle.entry[{i}].resource"
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or resource.get("resourceType") != "MeasureReport":
            issues.append((where, "Each entry must be a MeasureReport"))
            continue
        try:
            reports.append((where, MeasureReport.model_validate(resource)))
        except ModelError as exc:
            issues += _model_issues(where, exc)
    if issues:
        raise Refused(issues)
    return reports


def _line_of(url: str | None) -> QualityScheduleItem | None:
    prefix = f"{base()}/Measure/quality-schedule-line-"
    url = (url or "").split("|")[0]
    number = url[len(prefix) :]
    if not url.startswith(prefix) or not number.isdigit() or int(number) > 2**63 - 1:
        return None
    return (
        QualityScheduleItem.objects.select_related("contract__provider", "indicator")
        .filter(pk=int(number))
        .first()
    )


def _count(group, code: str) -> Decimal | None:
    for population in group.population or []:
        codes = {c.code for c in (population.code.coding or [])} if population.code else set()
        if code in codes:
            return Decimal(population.count) if population.count is not None else None
    return None


def _one_month(item, start: dt.date, end: dt.date) -> bool:
    if services.is_event_line(item):
        return start == end
    last = calendar.monthrange(start.year, start.month)[1]
    return start.day == 1 and end == start.replace(day=last)


def read_reports(payload: object, user) -> list[Incoming]:
    """Match each MeasureReport to its schedule line and read its figure; every problem is
    named by its element (``Refused``), and nothing is returned unless all are good."""
    incoming, issues = [], []
    for where, report in parse(payload):
        found: list[tuple[str, str]] = []
        if report.status != "complete":
            found.append((f"{where}.status", "Only a complete report is recorded"))
        if report.type != "summary":
            found.append((f"{where}.type", "Send a summary report (one figure for the period)"))
        item = _line_of(report.measure)
        if item is not None and not can(user, Action.RECORD_MEASUREMENT, item):
            # before anything about the line is said: it is not the sender's to record
            raise Refused([(f"{where}.measure", "You may not record this line's figures")], 403)
        if item is None:
            found.append((f"{where}.measure", f"No quality schedule line is {report.measure!r}: "
                          "use a Measure's url from this platform"))  # fmt: skip
        reporter = report.reporter.identifier if report.reporter else None
        if (
            item is not None
            and reporter is not None
            and (reporter.system != ODS_SYSTEM or reporter.value != item.contract.provider.code)
        ):
            found.append((f"{where}.reporter", f"The reporter must be the contract's provider, "
                          f"ODS code {item.contract.provider.code}"))  # fmt: skip
        start = report.period.start if report.period else None
        end = report.period.end if report.period else None
        start = start.date() if isinstance(start, dt.datetime) else start
        end = end.date() if isinstance(end, dt.datetime) else end
        if start is None or end is None:
            found.append((f"{where}.period", "Give the period's start and end"))
        elif item is not None and not _one_month(item, start, end):
            found.append((f"{where}.period", "The day of the event (start and end the same)"
                          if services.is_event_line(item) else
                          "One calendar month, from its first day to its last"))  # fmt: skip
        groups = report.group or []
        if len(groups) != 1:
            found.append((f"{where}.group", "Send one group with the figure"))
        if found or item is None or start is None:
            issues += found
            continue
        group = groups[0]
        score = group.measureScore.value if group.measureScore else None
        incoming.append(Incoming(where, item, services.MeasurementInput(
            start, Decimal(str(score)) if score is not None else None,
            _count(group, "numerator"), _count(group, "denominator"),
        )))  # fmt: skip
    if issues:
        raise Refused(issues)
    return incoming


FIELD_ELEMENT = {
    "period": "period",
    "value": "group[0].measureScore",
    "numerator": "group[0].population.where(code='numerator').count",
    "denominator": "group[0].population.where(code='denominator').count",
}


def record_reports(payload: object, user) -> dict:
    """Record the reports, all or nothing (one transaction across every line); returns how
    many figures were added, corrected and unchanged."""
    incoming = read_reports(payload, user)
    issues: list[tuple[str, str]] = []
    totals = {"added": 0, "corrected": 0, "unchanged": 0}
    by_line: dict[int, list[Incoming]] = {}
    for entry in incoming:
        by_line.setdefault(entry.item.pk, []).append(entry)
    with transaction.atomic():
        for entries in by_line.values():
            try:
                counts = services.record_measurements(
                    entries[0].item, [e.row for e in entries],
                    QualityMeasurement.Source.FHIR, user,
                )  # fmt: skip
            except ValidationError as exc:
                for key, messages in exc.message_dict.items():
                    index, _, name = key.rpartition(".")
                    entry = entries[int(index.rsplit(".", 1)[1])] if index else entries[0]
                    element = FIELD_ELEMENT.get(name, "")
                    issues += [(f"{entry.where}.{element}".rstrip("."), m) for m in messages]
                continue
            for k in totals:
                totals[k] += counts[k]
        if issues:
            transaction.set_rollback(True)
    if issues:
        raise Refused(issues)
    return totals
