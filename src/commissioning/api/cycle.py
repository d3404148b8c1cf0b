"""The commissioning cycle in the JSON API: specifications, advice, provider selection,
proposals, evaluation, decisions, representations and contracts.

Every endpoint calls the same service as the web page does, so permissions, rules, audit and
all-or-nothing writes are the same. A service's field-level problems come back as 422 with one
entry per field (``loc`` ends with the field's name); a refusal is 403 with the reason.
Documents travel inside the JSON as base64 so that a proposal or advice and its documents are
one all-or-nothing request.
"""

import base64
import binascii
import datetime as dt
from decimal import Decimal
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from commissioning.contracts import services as contract_services
from commissioning.contracts.models import Contract
from commissioning.contracts.permissions import Action as ContractAction
from commissioning.contracts.permissions import can as can_contract
from commissioning.contracts.permissions import visible_contracts
from commissioning.organisations.models import Organisation, User
from commissioning.organisations.permissions import organisations_of, roles_of
from commissioning.organisations.vocabulary import Role
from commissioning.selection import services as sel
from commissioning.selection.documents import DocumentInput
from commissioning.selection.models import (
    AdviceRequest,
    Clarification,
    ConflictDeclaration,
    Decision,
    Document,
    Proposal,
    Representation,
    SelectionProcess,
)
from commissioning.selection.permissions import Action as SelectionAction
from commissioning.selection.permissions import can as can_select
from commissioning.selection.queries.clarifications_for_bidders import clarifications_for_bidders
from commissioning.selection.queries.evaluation_for_process import evaluation_for_process
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
from commissioning.web.http import download

from .pagination import Pagination
from .types import Id, RequestBody

router = Router()


def _allow(allowed: bool, what: str) -> None:
    if not allowed:
        raise PermissionDenied(f"You do not have permission to {what}.")


def _org(code: str | None, field: str, required: bool = True) -> Organisation | None:
    """The organisation a body names by ODS code: a missing required one, or an unknown one,
    is a 422 naming the field (an optional one may be left out)."""
    if not (code or "").strip():
        if required:
            raise ValidationError({field: ["Give the organisation's ODS code"]})
        return None
    org = Organisation.objects.filter(code=code.upper()).first()
    if org is None:
        raise ValidationError({field: [f"No organisation has ODS code {code}"]})
    return org


def _documents(items: "list[DocumentIn]") -> tuple[DocumentInput, ...]:
    decoded = []
    for i, item in enumerate(items):
        try:
            content = base64.b64decode(item.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError(
                {f"documents.{i}.content_base64": ["Is not valid base64"]}
            ) from None
        decoded.append(DocumentInput(item.filename, content))
    return tuple(decoded)


# --- Schemas -----------------------------------------------------------------------------------


class DocumentIn(RequestBody):
    filename: str = Field(max_length=200)
    content_base64: str = Field(description="The file's bytes, base64-encoded (at most 10 MB)")


class DocumentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str


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


class OutcomeIn(RequestBody):
    indicator_id: int
    baseline: Decimal
    target: Decimal
    target_date: dt.date
    measurement: str = ""


class OutcomeOut(Schema):
    id: int
    indicator_id: int
    indicator_code: str = Field(alias="indicator.code")
    baseline: Decimal
    target: Decimal
    target_date: dt.date
    measurement: str


class QualityRequirementIn(RequestBody):
    dimension: Literal["safe", "effective", "experience"]
    requirement: str
    threshold: str
    method_of_measurement: str
    consequence_of_breach: str = ""
    frequency: Literal["monthly", "quarterly", "annually"] = "monthly"


class QualityRequirementOut(QualityRequirementIn):
    id: int


class SpecificationFields(RequestBody):
    title: str
    service_description: str
    population: str
    area: str
    annual_activity: int
    activity_unit: str
    financial_envelope_pence: int = Field(description="Over the whole term, integer pence")
    term_months: int
    population_size: int | None = None


class SpecificationIn(SpecificationFields):
    commissioner_code: str = Field(description="ODS code of the commissioning organisation")
    outcomes: list[OutcomeIn] = []
    quality_requirements: list[QualityRequirementIn] = []


class SpecificationOut(SpecificationFields):
    id: int
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


class AdviceRequestIn(RequestBody):
    source: Literal[
        "scn_cancer",
        "scn_cardiovascular",
        "scn_mental_health",
        "scn_maternity_children",
        "clinical_senate",
        "provider_clinician",
    ]
    organisation_code: str
    question: str
    due_date: dt.date
    clinician_username: str | None = None


class AdviceOut(Schema):
    id: int
    adviser: str = Field(alias="adviser.username")
    recommendation: str
    summary: str
    clinical_evidence: str
    risks: str
    suggested_changes: str
    given_at: dt.datetime
    documents: list[DocumentOut]

    @staticmethod
    def resolve_documents(obj):
        return list(obj.documents.defer("content"))


class AdviceRequestOut(Schema):
    id: int
    specification_id: int
    source: str
    organisation_code: str = Field(alias="organisation.code")
    clinician: str | None = None
    question: str
    due_date: dt.date
    requested_at: dt.datetime
    advice: AdviceOut | None = None

    @staticmethod
    def resolve_clinician(obj):
        return obj.clinician.username if obj.clinician_id else None

    @staticmethod
    def resolve_advice(obj):
        return getattr(obj, "advice", None) if obj.answered else None


class AdviceIn(RequestBody):
    recommendation: Literal["support", "support_with_changes", "do_not_support", "no_view"]
    summary: str
    clinical_evidence: str = ""
    risks: str = ""
    suggested_changes: str = ""
    documents: list[DocumentIn] = []


class SelectionIn(RequestBody):
    budget_code: str
    route: Literal[
        "",
        "direct_award_a",
        "direct_award_b",
        "direct_award_c",
        "most_suitable_provider",
        "competitive",
    ] = Field("", description="Empty: the process the regime points to")
    incumbent_code: str | None = None
    existing_service: bool = False
    existing_provider_only_capable: bool = False
    patients_choose_provider: bool = False
    providers_unrestricted: bool = False
    all_qualifying_providers_awarded: bool = False
    replacing_expiring_contract: bool = False
    materially_different: bool = False
    attributable_to_authority: bool = False
    current_lifetime_value_pence: int | None = None
    existing_provider_satisfying_contract: bool = False
    existing_provider_likely_to_satisfy_new: bool = False
    can_identify_most_suitable_without_competition: bool = False
    route_justification: str = ""


class SelectionOut(Schema):
    id: int
    specification_id: int
    status: str
    route: str
    recommended_route: str
    route_reasons: list[str]
    route_justification: str
    budget_code: str = Field(alias="budget.code")
    incumbent_code: str | None = None
    weights: dict[str, int]
    proposals_deadline: dt.date | None
    evaluators: list[str]

    @staticmethod
    def resolve_incumbent_code(obj):
        return obj.incumbent.code if obj.incumbent_id else None

    @staticmethod
    def resolve_weights(obj):
        return {c.value: w for c, w in obj.weights.items()}

    @staticmethod
    def resolve_evaluators(obj):
        return [e.user.username for e in obj.evaluators.select_related("user")]


class InvitationIn(RequestBody):
    weights: dict[
        Literal["quality_innovation", "value", "integration", "access", "social_value"], int
    ]
    proposals_deadline: dt.date
    evaluators: list[str] = Field([], description="Usernames of the evaluators")


class EvaluatorIn(RequestBody):
    username: str


class ProposalIn(RequestBody):
    provider_code: str
    description: str
    capacity: int
    total_price_pence: int
    title: str = ""
    outcome_answers: dict[int, str] = Field({}, description="Outcome id: how it will be met")
    addressed_to_code: str | None = Field(None, description="For an unsolicited proposal")
    documents: list[DocumentIn] = []


class ProposalOut(Schema):
    id: int
    process_id: int | None
    provider_code: str = Field(alias="provider.code")
    addressed_to_code: str = Field(alias="addressed_to.code")
    title: str
    description: str
    capacity: int
    total_price_pence: int
    status: str
    submitted_at: dt.datetime | None
    outcome_answers: dict[int, str]
    documents: list[DocumentOut]
    response: str

    @staticmethod
    def resolve_outcome_answers(obj):
        return {a.outcome_id: a.approach for a in obj.outcome_answers.all()}

    @staticmethod
    def resolve_documents(obj):
        return list(obj.documents.defer("content"))


class ResponseIn(RequestBody):
    response: str


class ClarificationIn(RequestBody):
    provider_code: str
    question: str


class AnswerIn(RequestBody):
    answer: str


class ClarificationOut(Schema):
    id: int
    question: str
    answer: str
    asked_on: dt.date
    answered_on: dt.date | None
    yours: bool


class DeclarationIn(RequestBody):
    has_interest: bool
    description: str = ""
    provider_code: str | None = None


class DeclarationOut(Schema):
    id: int
    user: str = Field(alias="user.username")
    has_interest: bool
    provider_code: str | None = None
    description: str
    management: str
    management_note: str

    @staticmethod
    def resolve_provider_code(obj):
        return obj.provider.code if obj.provider_id else None


class ManagementIn(RequestBody):
    management: Literal["proceed", "exclude_provider", "exclude_process"]
    note: str


class CriterionScoreIn(RequestBody):
    score: int = Field(ge=0, le=5)
    reason: str


class ScoresIn(RequestBody):
    scores: dict[
        Literal["quality_innovation", "value", "integration", "access", "social_value"],
        CriterionScoreIn,
    ]


class ProposalEvaluationOut(Schema):
    proposal_id: int
    provider_code: str
    evaluator_scores: dict[str, dict[str, int]]
    moderated: dict[str, int]
    weighted_percent: float | None
    rank: int | None


class DecisionIn(RequestBody):
    outcome: Literal["award", "not_award", "change_specification"]
    rationale: str
    awarded_proposal_ids: list[int] = []
    advice_considered_ids: list[int] = []
    departure_confirmed: bool = False


class StandstillOut(Schema):
    award_notice_due: dt.date | None = None
    needs_standstill: bool
    notice_published_on: dt.date | None
    last_day: dt.date | None
    held_open: bool
    contract_may_be_made: bool
    explanation: str


class DecisionOut(Schema):
    id: int
    process_id: int
    outcome: str
    status: str
    awarded_proposal_ids: list[int]
    decided_on: dt.date
    notice_published_on: dt.date | None
    standstill: StandstillOut
    decided_by: str | None = None
    rationale: str | None = None
    value_pence: int | None = None
    departs_from_ranking: bool | None = None
    advice_considered_ids: list[int] | None = None
    new_version_id: int | None = None


class RepresentationIn(RequestBody):
    provider_code: str
    grounds: str


class RepresentationOut(Schema):
    id: int
    decision_id: int
    provider_code: str = Field(alias="provider.code")
    grounds: str
    received_on: dt.date
    status: str
    response: str
    responded_on: dt.date | None


class RepresentationResponseIn(RequestBody):
    decision_stands: bool
    response: str


class WithdrawalIn(RequestBody):
    reason: str


class ContractIn(RequestBody):
    proposal_id: int
    start_date: dt.date
    end_date: dt.date
    form: Literal["full_length", "shorter_form"] = "full_length"
    associate_codes: list[str] = []


class ScheduleItemOut(Schema):
    kind: str
    dimension: str
    title: str
    indicator_code: str | None = None
    baseline: Decimal | None
    target: Decimal | None
    target_date: dt.date | None
    threshold: str
    method_of_measurement: str
    consequence_of_breach: str
    frequency: str

    @staticmethod
    def resolve_indicator_code(obj):
        return obj.indicator.code if obj.indicator_id else None


class ContractOut(Schema):
    id: int
    reference: str
    status: str
    form: str
    decision_id: int
    proposal_id: int
    specification_id: int
    provider_code: str = Field(alias="provider.code")
    co_ordinating_commissioner_code: str
    associate_codes: list[str]
    value_pence: int
    start_date: dt.date
    end_date: dt.date
    provider_signed_by: str | None = None
    commissioner_signed_by: str | None = None
    quality_schedule: list[ScheduleItemOut]

    @staticmethod
    def resolve_co_ordinating_commissioner_code(obj):
        return obj.co_ordinating_commissioner.code

    @staticmethod
    def resolve_associate_codes(obj):
        return [o.code for o in obj.associates]

    @staticmethod
    def resolve_provider_signed_by(obj):
        return obj.provider_signed_by.username if obj.provider_signed_by_id else None

    @staticmethod
    def resolve_commissioner_signed_by(obj):
        return obj.commissioner_signed_by.username if obj.commissioner_signed_by_id else None

    @staticmethod
    def resolve_quality_schedule(obj):
        return list(obj.quality_schedule.select_related("indicator"))


# --- Reference data ----------------------------------------------------------------------------


@router.get("/outcome-indicators", response=list[IndicatorOut], tags=["specifications"])
@paginate(Pagination)
def list_indicators(request, domain: Literal[1, 2, 3, 4, 5] | None = None):
    """NHS Outcomes Framework indicators that outcomes are tied to."""
    _allow(can_spec(request.user, SpecAction.VIEW_SPECIFICATION), "see the outcomes framework")
    qs = OutcomeIndicator.objects.order_by("domain", "code")
    return qs.filter(domain=domain) if domain else qs


# --- Specifications ----------------------------------------------------------------------------


def _spec(request, pk: Id) -> ServiceSpecification:
    spec = get_object_or_404(ServiceSpecification.objects.select_related("commissioner"), pk=pk)
    _allow(can_spec(request.user, SpecAction.VIEW_SPECIFICATION, spec), "see this specification")
    return spec


def _spec_input(payload: SpecificationFields, outcomes=(), requirements=()):
    return spec_services.SpecificationInput(
        **payload.dict(include=set(SpecificationFields.model_fields)),
        outcomes=tuple(spec_services.OutcomeInput(**o.dict()) for o in outcomes),
        quality_requirements=tuple(
            spec_services.QualityRequirementInput(**q.dict()) for q in requirements
        ),
    )


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
        _spec_input(payload, payload.outcomes, payload.quality_requirements),
        commissioner,
        request.user,
    )
    return 201, spec


@router.get("/specifications/{spec_id}", response=SpecificationOut, tags=["specifications"])
def get_specification(request, spec_id: Id):
    return _spec(request, spec_id)


@router.patch("/specifications/{spec_id}", response=SpecificationOut, tags=["specifications"])
def update_specification(request, spec_id: Id, payload: SpecificationFields):
    """Change a draft, or a specification in consultation (an approved one needs a new version)."""
    return spec_services.update_specification(
        _spec(request, spec_id), _spec_input(payload), request.user
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
        _spec(request, spec_id), spec_services.OutcomeInput(**payload.dict()), request.user
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
        spec_services.QualityRequirementInput(**payload.dict()),
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


# --- Clinical advice ---------------------------------------------------------------------------


@router.post(
    "/specifications/{spec_id}/advice-requests",
    response={201: AdviceRequestOut},
    tags=["clinical advice"],
)
def request_advice(request, spec_id: Id, payload: AdviceRequestIn):
    clinician = None
    if payload.clinician_username:
        clinician = User.objects.filter(username=payload.clinician_username).first()
        if clinician is None:
            raise ValidationError(
                {"clinician_username": [f"No person is called {payload.clinician_username}"]}
            )
    org = _org(payload.organisation_code, "organisation_code")
    return 201, sel.request_advice(
        _spec(request, spec_id),
        sel.AdviceRequestInput(
            payload.source,
            org.pk,
            payload.question,
            payload.due_date,
            clinician.pk if clinician else None,
        ),
        request.user,
    )


@router.get("/advice-requests", response=list[AdviceRequestOut], tags=["clinical advice"])
@paginate(Pagination)
def list_advice_requests(request, waiting: bool = False):
    """Requests for advice you may see: addressed to you, or on your organisation's
    specifications."""
    user = request.user
    _allow(can_select(user, SelectionAction.VIEW_ADVICE), "see advice")
    mine = organisations_of(user)
    qs = AdviceRequest.objects.select_related(
        "organisation", "clinician", "specification"
    ).order_by("-requested_at")
    if Role.AUDITOR not in roles_of(user):
        qs = qs.filter(
            Q(specification__commissioner_id__in=mine)
            | (Q(organisation_id__in=mine) & (Q(clinician__isnull=True) | Q(clinician=user)))
        )
    ids = [r.pk for r in qs if can_select(user, SelectionAction.VIEW_ADVICE, r)]
    qs = qs.filter(pk__in=ids)
    return qs.filter(advice__isnull=True) if waiting else qs


@router.get("/advice-requests/{request_id}", response=AdviceRequestOut, tags=["clinical advice"])
def get_advice_request(request, request_id: Id):
    advice_request = get_object_or_404(AdviceRequest, pk=request_id)
    _allow(can_select(request.user, SelectionAction.VIEW_ADVICE, advice_request), "see this advice")
    return advice_request


@router.post(
    "/advice-requests/{request_id}/advice", response={201: AdviceOut}, tags=["clinical advice"]
)
def give_advice(request, request_id: Id, payload: AdviceIn):
    """Answer a request for advice (with any documents): final once given."""
    advice_request = get_object_or_404(AdviceRequest, pk=request_id)
    return 201, sel.give_advice(
        advice_request,
        sel.AdviceInput(
            payload.recommendation,
            payload.summary,
            payload.clinical_evidence,
            payload.risks,
            payload.suggested_changes,
            _documents(payload.documents),
        ),
        request.user,
    )


@router.get("/documents/{document_id}", tags=["clinical advice"], response={200: None})
def download_document(request, document_id: Id):
    """A document's bytes, to anyone who may see what it is attached to."""
    document = get_object_or_404(
        Document.objects.select_related("advice__request", "proposal"), pk=document_id
    )
    _allow(
        can_select(request.user, SelectionAction.DOWNLOAD_DOCUMENT, document),
        "download this document",
    )
    return download(bytes(document.content), document.content_type, document.filename)


# --- Provider selection ------------------------------------------------------------------------


def _process(request, pk: Id) -> SelectionProcess:
    process = get_object_or_404(
        SelectionProcess.objects.select_related("specification", "budget", "incumbent"), pk=pk
    )
    _allow(can_select(request.user, SelectionAction.VIEW_SELECTION, process), "see this selection")
    return process


@router.post(
    "/specifications/{spec_id}/selection", response={201: SelectionOut}, tags=["provider selection"]
)
def set_up_selection(request, spec_id: Id, payload: SelectionIn):
    """Record the facts; the regime's process and its reasons are worked out and kept."""
    from commissioning.organisations.models import Budget

    spec = _spec(request, spec_id)
    budget = Budget.objects.filter(code=payload.budget_code).first()
    if budget is None:
        raise ValidationError({"budget_code": [f"No budget has code {payload.budget_code}"]})
    incumbent = _org(payload.incumbent_code, "incumbent_code", required=False)
    values = payload.dict(exclude={"budget_code", "incumbent_code"})
    return 201, sel.set_up_selection(
        spec,
        sel.SelectionSetup(
            budget_id=budget.pk, incumbent_id=incumbent.pk if incumbent else None, **values
        ),
        request.user,
    )


@router.get("/selections/{process_id}", response=SelectionOut, tags=["provider selection"])
def get_selection(request, process_id: Id):
    return _process(request, process_id)


def _user_ids(usernames: list[str], field: str) -> tuple[int, ...]:
    found = dict(User.objects.filter(username__in=usernames).values_list("username", "pk"))
    missing = [u for u in usernames if u not in found]
    if missing:
        raise ValidationError({field: [f"No person is called {', '.join(missing)}"]})
    return tuple(found[u] for u in usernames)


@router.post(
    "/selections/{process_id}/invitation", response=SelectionOut, tags=["provider selection"]
)
def invite_proposals(request, process_id: Id, payload: InvitationIn):
    """Publish the weights and the deadline and name the evaluators."""
    return sel.invite_proposals(
        _process(request, process_id),
        sel.Invitation(
            dict(payload.weights),
            payload.proposals_deadline,
            _user_ids(payload.evaluators, "evaluators"),
        ),
        request.user,
    )


@router.post(
    "/selections/{process_id}/evaluators", response={201: SelectionOut}, tags=["provider selection"]
)
def add_evaluator(request, process_id: Id, payload: EvaluatorIn):
    process = _process(request, process_id)
    sel.add_evaluator(process, _user_ids([payload.username], "username")[0], request.user)
    return 201, process


# --- Proposals ---------------------------------------------------------------------------------


def _proposal(request, pk: Id) -> Proposal:
    proposal = get_object_or_404(
        Proposal.objects.select_related("provider", "addressed_to", "process"), pk=pk
    )
    _allow(can_select(request.user, SelectionAction.VIEW_PROPOSAL, proposal), "see this proposal")
    return proposal


def _proposal_input(payload: ProposalIn) -> sel.ProposalInput:
    provider = _org(payload.provider_code, "provider_code")
    addressed = _org(payload.addressed_to_code, "addressed_to_code", required=False)
    return sel.ProposalInput(
        provider.pk,
        payload.title,
        payload.description,
        payload.capacity,
        payload.total_price_pence,
        dict(payload.outcome_answers),
        addressed.pk if addressed else None,
        _documents(payload.documents),
    )


@router.get("/selections/{process_id}/proposals", response=list[ProposalOut], tags=["proposals"])
@paginate(Pagination)
def list_proposals(request, process_id: Id):
    """The proposals of a selection that you may see: your own, or (for the commissioner's team)
    every submitted one."""
    process = _process(request, process_id)
    proposals = process.proposals.select_related("provider", "addressed_to").order_by(
        "provider__name"
    )
    ids = [p.pk for p in proposals if can_select(request.user, SelectionAction.VIEW_PROPOSAL, p)]
    return proposals.filter(pk__in=ids)


@router.post("/selections/{process_id}/proposals", response={201: ProposalOut}, tags=["proposals"])
def create_proposal(request, process_id: Id, payload: ProposalIn):
    """Start a draft proposal in answer to an invitation (submit it separately)."""
    return 201, sel.create_proposal(
        _process(request, process_id), _proposal_input(payload), request.user
    )


@router.post("/proposals", response={201: ProposalOut}, tags=["proposals"])
def create_unsolicited_proposal(request, payload: ProposalIn):
    """Start a draft unsolicited proposal to a commissioner (``addressed_to_code``)."""
    return 201, sel.create_proposal(None, _proposal_input(payload), request.user)


@router.get("/proposals/{proposal_id}", response=ProposalOut, tags=["proposals"])
def get_proposal(request, proposal_id: Id):
    return _proposal(request, proposal_id)


@router.patch("/proposals/{proposal_id}", response=ProposalOut, tags=["proposals"])
def update_proposal(request, proposal_id: Id, payload: ProposalIn):
    return sel.update_proposal(
        _proposal(request, proposal_id), _proposal_input(payload), request.user
    )


@router.post("/proposals/{proposal_id}/submit", response=ProposalOut, tags=["proposals"])
def submit_proposal(request, proposal_id: Id):
    return sel.submit_proposal(_proposal(request, proposal_id), request.user)


@router.post("/proposals/{proposal_id}/withdraw", response=ProposalOut, tags=["proposals"])
def withdraw_proposal(request, proposal_id: Id):
    return sel.withdraw_proposal(_proposal(request, proposal_id), request.user)


@router.post("/proposals/{proposal_id}/response", response=ProposalOut, tags=["proposals"])
def respond_to_proposal(request, proposal_id: Id, payload: ResponseIn):
    """The commissioner's response to an unsolicited proposal."""
    return sel.respond_to_proposal(_proposal(request, proposal_id), payload.response, request.user)


@router.get(
    "/selections/{process_id}/clarifications", response=list[ClarificationOut], tags=["proposals"]
)
def list_clarifications(request, process_id: Id):
    """Questions and published answers, as bidders see them (never who asked)."""
    return clarifications_for_bidders(_process(request, process_id), request.user)


@router.post(
    "/selections/{process_id}/clarifications", response={201: ClarificationOut}, tags=["proposals"]
)
def ask_clarification(request, process_id: Id, payload: ClarificationIn):
    process = _process(request, process_id)
    _allow(can_select(request.user, SelectionAction.ASK_CLARIFICATION, process), "ask a question")
    provider = _org(payload.provider_code, "provider_code")
    asked = sel.ask_clarification(
        process, sel.ClarificationInput(provider.pk, payload.question), request.user
    )
    return 201, next(
        c for c in clarifications_for_bidders(process, request.user) if c["id"] == asked.pk
    )


@router.post(
    "/clarifications/{clarification_id}/answer", response=ClarificationOut, tags=["proposals"]
)
def answer_clarification(request, clarification_id: Id, payload: AnswerIn):
    clarification = get_object_or_404(Clarification, pk=clarification_id)
    process = _process(request, clarification.process_id)
    sel.answer_clarification(clarification, payload.answer, request.user)
    return next(
        c for c in clarifications_for_bidders(process, request.user) if c["id"] == clarification.pk
    )


# --- Evaluation --------------------------------------------------------------------------------


@router.post(
    "/selections/{process_id}/declarations", response={201: DeclarationOut}, tags=["evaluation"]
)
def declare_interests(request, process_id: Id, payload: DeclarationIn):
    provider = _org(payload.provider_code, "provider_code", required=False)
    return 201, sel.declare_interests(
        _process(request, process_id),
        sel.DeclarationInput(
            payload.has_interest, payload.description, provider.pk if provider else None
        ),
        request.user,
    )


@router.get(
    "/selections/{process_id}/declarations", response=list[DeclarationOut], tags=["evaluation"]
)
def list_declarations(request, process_id: Id):
    process = _process(request, process_id)
    _allow(can_select(request.user, SelectionAction.VIEW_EVALUATION, process), "see the evaluation")
    return list(process.declarations.select_related("user", "provider"))


@router.post(
    "/declarations/{declaration_id}/management", response=DeclarationOut, tags=["evaluation"]
)
def manage_declaration(request, declaration_id: Id, payload: ManagementIn):
    declaration = get_object_or_404(
        ConflictDeclaration.objects.select_related("process"), pk=declaration_id
    )
    _process(request, declaration.process_id)
    return sel.manage_declaration(declaration, payload.management, payload.note, request.user)


def _scores(payload: ScoresIn) -> dict[str, sel.CriterionScore]:
    return {c: sel.CriterionScore(s.score, s.reason) for c, s in payload.scores.items()}


@router.post("/proposals/{proposal_id}/scores", response={201: dict[str, int]}, tags=["evaluation"])
def score_proposal(request, proposal_id: Id, payload: ScoresIn):
    """Your own scores of a proposal, all five key criteria at once; final."""
    saved = sel.score_proposal(_proposal(request, proposal_id), _scores(payload), request.user)
    return 201, {s.criterion: s.score for s in saved}


@router.post("/proposals/{proposal_id}/moderation", response=dict[str, int], tags=["evaluation"])
def moderate_proposal(request, proposal_id: Id, payload: ScoresIn):
    saved = sel.moderate_proposal(_proposal(request, proposal_id), _scores(payload), request.user)
    return {m.criterion: m.score for m in saved}


@router.get(
    "/selections/{process_id}/evaluation", response=list[ProposalEvaluationOut], tags=["evaluation"]
)
def get_evaluation(request, process_id: Id):
    """Every submitted proposal's scores by evaluator, moderated scores, weighted total and rank."""
    process = _process(request, process_id)
    _allow(can_select(request.user, SelectionAction.VIEW_EVALUATION, process), "see the evaluation")
    record = evaluation_for_process(process).as_record()
    return [
        {
            "proposal_id": p["proposal_id"],
            "provider_code": p["provider"],
            "evaluator_scores": p["evaluator_scores"],
            "moderated": p["moderated"],
            "weighted_percent": p["weighted_percent"],
            "rank": p["rank"],
        }
        for p in record["proposals"]
    ]


# --- Decisions ---------------------------------------------------------------------------------


def _decision_out(request, decision: Decision) -> dict:
    state = sel.state_of(decision)
    out = {
        "id": decision.pk,
        "process_id": decision.process_id,
        "outcome": decision.outcome,
        "status": decision.status,
        "awarded_proposal_ids": sorted(decision.awarded.values_list("pk", flat=True)),
        "decided_on": decision.decided_on,
        "notice_published_on": decision.notice_published_on,
        "standstill": state.__dict__,
    }
    if can_select(request.user, SelectionAction.VIEW_EVALUATION, decision.process):
        out |= {
            "decided_by": decision.decided_by.username,
            "rationale": decision.rationale,
            "value_pence": decision.value_pence,
            "departs_from_ranking": decision.departs_from_ranking,
            "advice_considered_ids": sorted(
                decision.advice_considered.values_list("pk", flat=True)
            ),
            "new_version_id": decision.new_version_id,
        }
    return out


def _decision(request, pk: Id) -> Decision:
    decision = get_object_or_404(
        Decision.objects.select_related("process__specification", "decided_by"), pk=pk
    )
    _allow(can_select(request.user, SelectionAction.VIEW_DECISION, decision), "see this decision")
    return decision


@router.post("/selections/{process_id}/decisions", response={201: DecisionOut}, tags=["decisions"])
def decide(request, process_id: Id, payload: DecisionIn):
    """Take the decision. Only a commissioner with delegated authority for the budget may."""
    decision = sel.decide(
        _process(request, process_id),
        sel.DecisionInput(
            payload.outcome,
            payload.rationale,
            tuple(payload.awarded_proposal_ids),
            tuple(payload.advice_considered_ids),
            payload.departure_confirmed,
        ),
        request.user,
    )
    return 201, _decision_out(request, decision)


@router.get("/decisions/{decision_id}", response=DecisionOut, tags=["decisions"])
def get_decision(request, decision_id: Id):
    return _decision_out(request, _decision(request, decision_id))


@router.post("/decisions/{decision_id}/notice", response=DecisionOut, tags=["decisions"])
def publish_notice(request, decision_id: Id):
    """Record that the notice (of intention to award, or of award) was published today."""
    return _decision_out(request, sel.publish_notice(_decision(request, decision_id), request.user))


@router.post("/decisions/{decision_id}/withdrawal", response=DecisionOut, tags=["decisions"])
def withdraw_decision(request, decision_id: Id, payload: WithdrawalIn):
    return _decision_out(
        request,
        sel.withdraw_decision(_decision(request, decision_id), payload.reason, request.user),
    )


@router.get(
    "/decisions/{decision_id}/representations", response=list[RepresentationOut], tags=["decisions"]
)
def list_representations(request, decision_id: Id):
    decision = _decision(request, decision_id)
    reps = decision.representations.select_related("provider")
    if can_select(request.user, SelectionAction.RESPOND_TO_REPRESENTATION, decision) or can_select(
        request.user, SelectionAction.VIEW_EVALUATION, decision.process
    ):
        return list(reps)
    return list(reps.filter(provider_id__in=organisations_of(request.user)))


@router.post(
    "/decisions/{decision_id}/representations",
    response={201: RepresentationOut},
    tags=["decisions"],
)
def make_representation(request, decision_id: Id, payload: RepresentationIn):
    provider = _org(payload.provider_code, "provider_code")
    return 201, sel.make_representation(
        _decision(request, decision_id), provider.pk, payload.grounds, request.user
    )


@router.post(
    "/representations/{representation_id}/response", response=RepresentationOut, tags=["decisions"]
)
def respond_to_representation(request, representation_id: Id, payload: RepresentationResponseIn):
    representation = get_object_or_404(
        Representation.objects.select_related("decision__process"), pk=representation_id
    )
    _decision(request, representation.decision_id)
    return sel.respond_to_representation(
        representation, payload.decision_stands, payload.response, request.user
    )


# --- Contracts ---------------------------------------------------------------------------------


def _contract(request, pk: Id) -> Contract:
    contract = get_object_or_404(
        Contract.objects.select_related("provider").prefetch_related("parties__organisation"), pk=pk
    )
    _allow(can_contract(request.user, ContractAction.VIEW_CONTRACT, contract), "see this contract")
    return contract


@router.post("/decisions/{decision_id}/contracts", response={201: ContractOut}, tags=["contracts"])
def create_contract(request, decision_id: Id, payload: ContractIn):
    """Make the contract for an awarded proposal, once standstill allows."""
    associates = [
        _org(code, f"associate_codes.{i}") for i, code in enumerate(payload.associate_codes)
    ]
    contract = contract_services.create_contract(
        _decision(request, decision_id),
        contract_services.ContractInput(
            payload.proposal_id,
            payload.start_date,
            payload.end_date,
            payload.form,
            tuple(o.pk for o in associates),
        ),
        request.user,
    )
    return 201, _contract(request, contract.pk)


@router.get("/contracts", response=list[ContractOut], tags=["contracts"])
@paginate(Pagination)
def list_contracts(request):
    """Contracts you may see: your organisation's, as a party or as the provider."""
    _allow(can_contract(request.user, ContractAction.VIEW_CONTRACT), "see contracts")
    qs = Contract.objects.select_related("provider").prefetch_related("parties__organisation")
    return visible_contracts(request.user, qs).order_by("-created_at")


@router.get("/contracts/{contract_id}", response=ContractOut, tags=["contracts"])
def get_contract(request, contract_id: Id):
    return _contract(request, contract_id)


@router.post("/contracts/{contract_id}/signatures", response=ContractOut, tags=["contracts"])
def sign_contract(request, contract_id: Id):
    """Sign for the side you represent (the provider, or the co-ordinating commissioner)."""
    contract_services.sign_contract(_contract(request, contract_id), request.user)
    return _contract(request, contract_id)
