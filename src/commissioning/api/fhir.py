"""FHIR R4 in the API: a contract's quality schedule as ``Measure`` resources, and its monthly
figures as summary ``MeasureReport`` resources, both ways (``quality.fhir``, decision 058).

Requests and responses are ``application/fhir+json``; every problem is an ``OperationOutcome``
whose issues name the element (``expression``): 422 for a report that cannot be recorded
(an unknown measure, a period outside the contract, a figure that does not agree with its
numerator and denominator), 403 for a line the sender may not see or record (as every other
operation of the API answers), 404 for one that does not exist. Permissions are the quality
pages' (``quality.permissions``): a provider records its own contracts' figures, and those
who may see the contract see them.
"""

import json

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from ninja import Field as NinjaField
from ninja import Query, Router, Schema

from commissioning.contracts.models import Contract, QualityScheduleItem
from commissioning.quality import fhir
from commissioning.quality.models import QualityMeasurement
from commissioning.quality.permissions import Action, can

router = Router()
TAGS = ["FHIR R4"]
MEDIA = "application/fhir+json"

_RESOURCE = {"type": "object", "additionalProperties": True,
             "properties": {"resourceType": {"type": "string"}},
             "required": ["resourceType"]}  # fmt: skip
_RESPONSES = {
    code: {"description": what, "content": {MEDIA: {"schema": _RESOURCE}}}
    for code, what in (
        (200, "The resource (or a Bundle of them; for a POST, an OperationOutcome saying how "
              "many figures were added, corrected and unchanged)"),
        (403, "An OperationOutcome: you may not do this"),
        (404, "An OperationOutcome: no such resource that you may see"),
        (422, "An OperationOutcome whose issues name each element with its problem"),
    )
}  # fmt: skip


def _fhir(resource: dict, status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(resource), status=status, content_type=MEDIA)


def _problem(status: int, issues: list[tuple[str, str]], code: str) -> HttpResponse:
    return _fhir(fhir.outcome(issues, code=code), status)


def _not_found(what: str) -> HttpResponse:
    return _problem(404, [("", f"No {what} has this id")], "not-found")


def _forbidden(what: str) -> HttpResponse:
    return _problem(403, [("", f"You do not have permission to see {what}")], "forbidden")


class MeasureSearch(Schema):
    contract: int = NinjaField(ge=1, le=2**63 - 1, description="The contract's id")


class ReportSearch(Schema):
    measure: str = NinjaField(
        max_length=500, description="The Measure's url (its canonical), or its id"
    )


def _items(contract: Contract):
    return contract.quality_schedule.select_related("contract__provider", "indicator").order_by(
        "pk"
    )


@router.get("/fhir/Measure", tags=TAGS, openapi_extra={"responses": _RESPONSES})
def search_measures(request, q: Query[MeasureSearch]):
    """Every line of a contract's quality schedule as a FHIR R4 ``Measure``, in a searchset
    ``Bundle`` (to those who may see the contract's quality)."""
    contract = Contract.objects.filter(pk=q.contract).first()
    if contract is None:
        return _not_found("contract")
    if not can(request.user, Action.VIEW_CONTRACT_QUALITY, contract):
        return _forbidden("this contract's quality")
    return _fhir(fhir.measure_bundle(_items(contract), request.build_absolute_uri()))


def _line(request, measure_id: str) -> QualityScheduleItem | HttpResponse:
    """The line a Measure id names, or the answer: 404 if there is none, 403 if the user may
    not see it (as every other operation of the API answers)."""
    number = measure_id.removeprefix("quality-schedule-line-")
    if not number.isdigit() or int(number) > 2**63 - 1:
        return _not_found("Measure")
    item = (
        QualityScheduleItem.objects.select_related("contract__provider", "indicator")
        .filter(pk=int(number))
        .first()
    )
    if item is None:
        return _not_found("Measure")
    if not can(request.user, Action.VIEW_CONTRACT_QUALITY, item):
        return _forbidden("this contract's quality")
    return item


@router.get("/fhir/Measure/{measure_id}", tags=TAGS, openapi_extra={"responses": _RESPONSES})
def read_measure(request, measure_id: str):
    """One line of a quality schedule as a FHIR R4 ``Measure``
    (id ``quality-schedule-line-<number>``)."""
    item = _line(request, measure_id)
    return item if isinstance(item, HttpResponse) else _fhir(fhir.measure(item))


@router.get("/fhir/MeasureReport", tags=TAGS, openapi_extra={"responses": _RESPONSES})
def search_reports(request, q: Query[ReportSearch]):
    """Every figure recorded for one line, each a summary ``MeasureReport``, in a searchset
    ``Bundle`` (at most 600: a line's figures)."""
    wanted = q.measure.split("|")[0].rstrip("/").rsplit("/", 1)[-1]
    item = _line(request, wanted)
    if isinstance(item, HttpResponse):
        return item
    figures = QualityMeasurement.objects.filter(item=item).select_related(
        "item__contract__provider", "item__indicator"
    )
    return _fhir(fhir.report_bundle(figures.order_by("period"), request.build_absolute_uri()))


_EXAMPLE_REPORT = {
    "resourceType": "MeasureReport",
    "status": "complete",
    "type": "summary",
    "measure": "https://commissioning.example.nhs.uk/fhir/Measure/quality-schedule-line-1",
    "reporter": {"identifier": {"system": "https://fhir.nhs.uk/Id/ods-organization-code",
                                "value": "RJE"}},
    "period": {"start": "2026-09-01", "end": "2026-09-30"},
    "group": [{
        "measureScore": {"value": 91.5},
        "population": [
            {"code": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                  "measure-population", "code": "numerator"}]}, "count": 183},
            {"code": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/"
                                  "measure-population", "code": "denominator"}]}, "count": 200},
        ],
    }],
}  # fmt: skip
_EXAMPLES = {
    "one": {"summary": "One month's figure", "value": _EXAMPLE_REPORT},
    "bundle": {
        "summary": "A Bundle of months or lines, recorded all or nothing",
        "value": {"resourceType": "Bundle", "type": "collection",
                  "entry": [{"resource": _EXAMPLE_REPORT}]},
    },
}  # fmt: skip


@router.post(
    "/fhir/MeasureReport",
    tags=TAGS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                MEDIA: {"schema": _RESOURCE, "examples": _EXAMPLES},
                "application/json": {"schema": _RESOURCE, "examples": _EXAMPLES},
            },
            "description": "A summary MeasureReport, or a Bundle of them (at most 600)",
        },
        "responses": _RESPONSES,
    },
)
def submit_reports(request):
    """Record monthly figures sent as FHIR R4 summary ``MeasureReport``s (one, or a Bundle),
    all or nothing. The same report again changes nothing; a new figure for a month already
    recorded is a correction the audit trail keeps. Each report names its ``Measure`` by url,
    covers one calendar month of the contract's term (the day of the event for a line of
    cases or days between events), gives the figure as ``group[0].measureScore`` and, for a
    proportion or rate, the numerator and denominator as populations."""
    try:
        payload = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return _problem(422, [("", "The body is not JSON")], "invalid")
    try:
        counts = fhir.record_reports(payload, request.user)
    except fhir.Refused as refused:
        code = "forbidden" if refused.status == 403 else "invalid"
        return _problem(refused.status, refused.issues, code)
    except PermissionDenied as exc:
        return _problem(403, [("", str(exc))], "forbidden")
    said = ", ".join(f"{n} {what}" for what, n in counts.items())
    return _fhir(fhir.outcome([("", f"Figures recorded: {said}")], "information", "informational"))
