"""Provider selection in the JSON API: selections, proposals, clarifications, conflicts of
interest, evaluation, decisions and representations.

Every endpoint calls the same service as the web page does, so permissions, rules, audit and
all-or-nothing writes are the same. A service's field-level problems come back as 422 with one
entry per field (``loc`` ends with the field's name); a refusal is 403 with the reason.
"""

import datetime as dt
from typing import Literal

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from commissioning.organisations.models import Budget, User
from commissioning.organisations.permissions import organisations_of
from commissioning.selection import services as sel
from commissioning.selection.models import (
    Clarification,
    ConflictDeclaration,
    Decision,
    Proposal,
    Representation,
    SelectionProcess,
)
from commissioning.selection.permissions import Action as SelectionAction
from commissioning.selection.permissions import can as can_select
from commissioning.selection.queries.clarifications_for_bidders import clarifications_for_bidders
from commissioning.selection.queries.evaluation_for_process import evaluation_for_process
from commissioning.selection.rules.selection_route import Route

from .commands import body_for, command_from
from .common import DocumentIn, DocumentOut, _allow, _documents, _org
from .pagination import Pagination
from .specifications import _spec
from .types import Id, RequestBody

router = Router()


# The facts are the service's command's (selection.rules.selection_route.FACTS): declared once.
SelectionIn = body_for(
    sel.SelectionSetup,
    "SelectionIn",
    exclude=("budget_id", "incumbent_id", "route"),
    budget_code=(str, Field(description="The budget the contract will be paid from")),
    incumbent_code=(str | None, Field(None, description="The existing provider's ODS code")),
    route=(
        Literal["", *(r.value for r in Route)],
        Field("", description="Empty: the process the regime points to"),
    ),
)


class SelectionOut(Schema):
    id: int
    specification_id: int
    status: str
    route: str
    recommended_route: str
    route_reasons: list[str]
    route_justification: str
    urgent_reasons: str = Field(description="An urgent award: why regulation 14 applies")
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


# A proposal's fields are the service's command's (ProposalInput): declared once. The API names
# organisations by ODS code and sends documents base64-encoded.
ProposalIn = body_for(
    sel.ProposalInput,
    "ProposalIn",
    exclude=("provider_id", "addressed_to_id", "documents"),
    describe={"outcome_answers": "Outcome id: how it will be met"},
    provider_code=(str, ...),
    title=(str, Field("", description="Blank: the specification's title")),
    addressed_to_code=(str | None, Field(None, description="For an unsolicited proposal")),
    documents=(list[DocumentIn], Field(default_factory=list)),
)


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


ClarificationIn = body_for(
    sel.ClarificationInput, "ClarificationIn", exclude=("provider_id",), provider_code=(str, ...)
)


class AnswerIn(RequestBody):
    answer: str


class ClarificationOut(Schema):
    id: int
    question: str
    answer: str
    asked_on: dt.date
    answered_on: dt.date | None
    yours: bool


DeclarationIn = body_for(
    sel.DeclarationInput,
    "DeclarationIn",
    exclude=("provider_id",),
    provider_code=(str | None, Field(None, description="The provider you have an interest in")),
)


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


DecisionIn = body_for(sel.DecisionInput, "DecisionIn")


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
    withheld: list[str] | None = Field(
        None, description="What the public register withholds as commercially confidential"
    )
    withheld_reason: str | None = None


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

    spec = _spec(request, spec_id)
    budget = Budget.objects.filter(code=payload.budget_code).first()
    if budget is None:
        raise ValidationError({"budget_code": [f"No budget has code {payload.budget_code}"]})
    incumbent = _org(payload.incumbent_code, "incumbent_code", required=False)
    return 201, sel.set_up_selection(
        spec,
        command_from(
            payload,
            sel.SelectionSetup,
            budget_id=budget.pk,
            incumbent_id=incumbent.pk if incumbent else None,
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


def _proposal(request, pk: Id) -> Proposal:
    proposal = get_object_or_404(
        Proposal.objects.select_related("provider", "addressed_to", "process"), pk=pk
    )
    _allow(can_select(request.user, SelectionAction.VIEW_PROPOSAL, proposal), "see this proposal")
    return proposal


def _proposal_input(payload: ProposalIn) -> sel.ProposalInput:
    provider = _org(payload.provider_code, "provider_code")
    addressed = _org(payload.addressed_to_code, "addressed_to_code", required=False)
    return command_from(
        payload,
        sel.ProposalInput,
        provider_id=provider.pk,
        addressed_to_id=addressed.pk if addressed else None,
        documents=_documents(payload.documents),
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
        process,
        command_from(payload, sel.ClarificationInput, provider_id=provider.pk),
        request.user,
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


@router.post(
    "/selections/{process_id}/declarations", response={201: DeclarationOut}, tags=["evaluation"]
)
def declare_interests(request, process_id: Id, payload: DeclarationIn):
    provider = _org(payload.provider_code, "provider_code", required=False)
    return 201, sel.declare_interests(
        _process(request, process_id),
        command_from(payload, sel.DeclarationInput, provider_id=provider.pk if provider else None),
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
            "withheld": decision.withheld,
            "withheld_reason": decision.withheld_reason,
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
        command_from(payload, sel.DecisionInput),
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
