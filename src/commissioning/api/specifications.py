"""Outcome-based service specifications in the JSON API (and the outcome indicators they use).

Every endpoint calls the same service as the web page does, so permissions, rules, audit and
all-or-nothing writes are the same. A service's field-level problems come back as 422 with one
entry per field (``loc`` ends with the field's name); a refusal is 403 with the reason.
"""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from commissioning.selection.models import (
    SelectionProcess,
)
from commissioning.specifications import services as spec_services
from commissioning.specifications.models import (
    OutcomeIndicator,
    QualityRequirement,
    ServiceSpecification,
    SpecificationOutcome,
)
from commissioning.specifications.permissions import Action as SpecAction
from commissioning.specifications.permissions import can as can_spec
from commissioning.specifications.queries.specifications_visible_to import (
    specifications_visible_to,
)
from commissioning.specifications.rules.outcomes import QualityDimension

from .commands import body_for, body_of, command_from
from .common import _allow, _org
from .pagination import Pagination
from .types import Id, RequestBody

router = Router()


class IndicatorOut(Schema):
    id: int
    framework_year: str
    code: str
    title: str
    domain: int
    domain_title: str
    quality_dimension: str
    direction: Literal["higher", "lower"]
    unit: str
    confirmed: bool = Field(description="False: not confirmed against a published edition")


class OutcomeOut(Schema):
    id: int
    indicator_id: int
    indicator_code: str = Field(alias="indicator.code")
    baseline: Decimal
    target: Decimal
    target_date: dt.date
    measurement: str


# A specification's fields are the service's command's (SpecificationInput): declared once.
# Its outcomes and quality requirements are the command's nested commands, as nested bodies.
OutcomeIn = body_of(spec_services.OutcomeInput)
QualityRequirementIn = body_of(spec_services.QualityRequirementInput)
_ENVELOPE = {
    "financial_envelope_pence": "Over the whole term, integer pence",
    "cpv_code": "The most relevant CPV code of Schedule 1 to SI 2023/1348 (e.g. 85111000-0)",
}
SpecificationFields = body_for(
    spec_services.SpecificationInput,
    "SpecificationFields",
    exclude=("outcomes", "quality_requirements"),
    describe=_ENVELOPE,
)
SpecificationIn = body_for(
    spec_services.SpecificationInput,
    "SpecificationIn",
    describe=_ENVELOPE,
    commissioner_code=(str, Field(description="ODS code of the commissioning organisation")),
)


class QualityRequirementOut(Schema):
    id: int
    dimension: QualityDimension
    requirement: str
    threshold: str
    method_of_measurement: str
    consequence_of_breach: str
    frequency: str


class SpecificationOut(Schema):
    id: int
    title: str
    service_description: str
    population: str
    area: str
    annual_activity: int
    activity_unit: str
    financial_envelope_pence: int
    term_months: int
    cpv_code: str
    population_size: int | None
    reference: str
    version: int
    status: Literal["draft", "consultation", "approved", "retired"]
    commissioner_code: str = Field(alias="commissioner.code")
    supersedes_id: int | None
    created_at: dt.datetime
    approved_at: dt.datetime | None
    outcomes: list[OutcomeOut]
    quality_requirements: list[QualityRequirementOut]
    selection_id: int | None = None

    @staticmethod
    def resolve_outcomes(obj):
        return list(obj.outcomes.select_related("indicator"))

    @staticmethod
    def resolve_quality_requirements(obj):
        return list(obj.quality_requirements.all())

    @staticmethod
    def resolve_selection_id(obj):
        process = SelectionProcess.objects.filter(specification=obj).values_list("pk", flat=True)
        return process.first()


class StatusIn(RequestBody):
    status: Literal["draft", "consultation", "approved", "retired"]
    reason: str = ""


@router.get("/outcome-indicators", response=list[IndicatorOut], tags=["specifications"])
@paginate(Pagination)
def list_indicators(request, domain: Literal[1, 2, 3, 4, 5] | None = None):
    """NHS Outcomes Framework indicators that outcomes are tied to."""
    _allow(can_spec(request.user, SpecAction.VIEW_SPECIFICATION), "see the outcomes framework")
    qs = OutcomeIndicator.objects.order_by("domain", "code")
    return qs.filter(domain=domain) if domain else qs


def _spec(request, pk: Id) -> ServiceSpecification:
    spec = get_object_or_404(ServiceSpecification.objects.select_related("commissioner"), pk=pk)
    _allow(can_spec(request.user, SpecAction.VIEW_SPECIFICATION, spec), "see this specification")
    return spec


@router.get("/specifications", response=list[SpecificationOut], tags=["specifications"])
@paginate(Pagination)
def list_specifications(
    request, status: Literal["draft", "consultation", "approved", "retired"] | None = None
):
    """Service specifications you may see, newest first."""
    _allow(can_spec(request.user, SpecAction.VIEW_SPECIFICATION), "see specifications")
    qs = specifications_visible_to(request.user).order_by("-created_at", "-version")
    return qs.filter(status=status) if status else qs


@router.post("/specifications", response={201: SpecificationOut}, tags=["specifications"])
def create_specification(request, payload: SpecificationIn):
    """Write a draft specification, with any outcomes and quality requirements: all or nothing."""
    commissioner = _org(payload.commissioner_code, "commissioner_code")
    spec = spec_services.create_specification(
        command_from(payload, spec_services.SpecificationInput), commissioner, request.user
    )
    return 201, spec


@router.get("/specifications/{spec_id}", response=SpecificationOut, tags=["specifications"])
def get_specification(request, spec_id: Id):
    return _spec(request, spec_id)


@router.patch("/specifications/{spec_id}", response=SpecificationOut, tags=["specifications"])
def update_specification(request, spec_id: Id, payload: SpecificationFields):
    """Change a draft, or a specification in consultation (an approved one needs a new version)."""
    return spec_services.update_specification(
        _spec(request, spec_id),
        command_from(payload, spec_services.SpecificationInput),
        request.user,
    )


@router.post("/specifications/{spec_id}/status", response=SpecificationOut, tags=["specifications"])
def change_status(request, spec_id: Id, payload: StatusIn):
    return spec_services.change_status(
        _spec(request, spec_id), payload.status, request.user, payload.reason
    )


@router.post(
    "/specifications/{spec_id}/versions", response={201: SpecificationOut}, tags=["specifications"]
)
def start_new_version(request, spec_id: Id):
    """Start changing an approved specification: a new draft version."""
    return 201, spec_services.start_new_version(_spec(request, spec_id), request.user)


@router.post(
    "/specifications/{spec_id}/outcomes", response={201: OutcomeOut}, tags=["specifications"]
)
def add_outcome(request, spec_id: Id, payload: OutcomeIn):
    return 201, spec_services.add_outcome(
        _spec(request, spec_id), command_from(payload, spec_services.OutcomeInput), request.user
    )


@router.delete(
    "/specifications/{spec_id}/outcomes/{outcome_id}", response={204: None}, tags=["specifications"]
)
def remove_outcome(request, spec_id: Id, outcome_id: Id):
    spec = _spec(request, spec_id)
    spec_services.remove_outcome(
        get_object_or_404(SpecificationOutcome, pk=outcome_id, specification=spec), request.user
    )
    return 204, None


@router.post(
    "/specifications/{spec_id}/quality-requirements",
    response={201: QualityRequirementOut},
    tags=["specifications"],
)
def add_quality_requirement(request, spec_id: Id, payload: QualityRequirementIn):
    return 201, spec_services.add_quality_requirement(
        _spec(request, spec_id),
        command_from(payload, spec_services.QualityRequirementInput),
        request.user,
    )


@router.delete(
    "/specifications/{spec_id}/quality-requirements/{requirement_id}",
    response={204: None},
    tags=["specifications"],
)
def remove_quality_requirement(request, spec_id: Id, requirement_id: Id):
    spec = _spec(request, spec_id)
    spec_services.remove_quality_requirement(
        get_object_or_404(QualityRequirement, pk=requirement_id, specification=spec), request.user
    )
    return 204, None
