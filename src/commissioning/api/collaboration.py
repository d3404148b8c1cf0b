"""Commissioning together in the JSON API: consortia, and primary care co-commissioning
arrangements and the decisions taken under them (only the body the model gives a function to
may take it).
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from commissioning.collaboration import services as together
from commissioning.collaboration.models import (
    CoCommissioningArrangement,
    Consortium,
)
from commissioning.collaboration.permissions import Action, can
from commissioning.organisations.models import User

from .common import _allow, _org
from .pagination import Pagination
from .types import Id, RequestBody

router = Router()


class PrimaryCareDecisionIn(RequestBody):
    function: str
    subject: str
    decision: str
    consultation: str = ""


class PrimaryCareDecisionOut(Schema):
    id: int
    function: str
    decided_as: str


@router.post(
    "/primary-care/arrangements/{arrangement_id}/decisions",
    response={201: PrimaryCareDecisionOut},
    tags=["commissioning together"],
)
def decide(request, arrangement_id: Id, body: PrimaryCareDecisionIn):
    """Record a primary care decision; only the body the co-commissioning model gives the
    function to may take it (403 otherwise)."""
    a = get_object_or_404(CoCommissioningArrangement, pk=arrangement_id)
    made = together.decide(a, together.DecisionInput(**body.dict()), request.user)
    return 201, PrimaryCareDecisionOut(
        id=made.pk, function=made.function, decided_as=made.decided_as
    )


TAGS = ["commissioning together"]


class ConsortiumIn(RequestBody):
    name: str = Field(max_length=200, examples=["Staffordshire stroke consortium"])
    scope: str = Field(description="service or provider", examples=["service"])
    co_ordinating: str = Field(description="The co-ordinating commissioner's ODS code")
    members: list[str] = Field(min_length=2, max_length=50, description="Members' ODS codes")
    decision_rules: str = Field(examples=["Unanimity on scope; majority on the rest"])
    agreement_date: dt.date
    service: str = ""
    provider: str | None = Field(None, description="For a provider consortium: its ODS code")


class ConsortiumOut(Schema):
    id: int
    name: str
    scope: str
    service: str
    provider_code: str | None
    co_ordinating_code: str
    member_codes: list[str]
    decision_rules: str
    agreement_date: dt.date


def _consortium_out(c: Consortium) -> dict:
    return {
        "id": c.pk, "name": c.name, "scope": c.scope, "service": c.service,
        "provider_code": c.provider.code if c.provider_id else None,
        "co_ordinating_code": c.co_ordinating.code,
        "member_codes": sorted(m.code for m in c.members.all()),
        "decision_rules": c.decision_rules, "agreement_date": c.agreement_date,
    }  # fmt: skip


@router.get("/consortia", response=list[ConsortiumOut], tags=TAGS)
@paginate(Pagination)
def list_consortia(request):
    _allow(can(request.user, Action.VIEW_COLLABORATION), "see commissioning together")
    consortia = Consortium.objects.select_related("co_ordinating", "provider").prefetch_related(
        "members"
    )
    return [_consortium_out(c) for c in consortia.order_by("pk")]


@router.post("/consortia", response={201: ConsortiumOut}, tags=TAGS)
def form_consortium(request, payload: ConsortiumIn):
    """Record a consortium under its collaborative commissioning agreement (a commissioner of
    the co-ordinating commissioner records it)."""
    _allow(can(request.user, Action.VIEW_COLLABORATION), "see commissioning together")
    co_ordinating = _org(payload.co_ordinating, "co_ordinating")
    members = [_org(code, f"members.{i}") for i, code in enumerate(payload.members)]
    provider = _org(payload.provider, "provider", required=False)
    made = together.form_consortium(
        together.ConsortiumInput(
            name=payload.name,
            scope=payload.scope,
            co_ordinating_id=co_ordinating.pk,
            member_ids=[m.pk for m in members],
            decision_rules=payload.decision_rules,
            agreement_date=payload.agreement_date,
            service=payload.service,
            provider_id=provider.pk if provider else None,
        ),
        request.user,
    )
    return 201, _consortium_out(made)


class ArrangementIn(RequestBody):
    commissioner: str = Field(description="The ICB's ODS code")
    nhs_england: str = Field(description="The NHS England region's ODS code")
    year_start: int = Field(ge=2013, le=2100, description="The financial year it starts, e.g. 2026")
    model: str = Field(description="greater_involvement, joint or delegated")
    functions: list[str] = Field(default_factory=list, max_length=20)
    in_special_measures: bool = False
    joint_committee: list[str] = Field(
        default_factory=list, max_length=30, description="Usernames of the joint committee"
    )


class ArrangementOut(Schema):
    id: int
    commissioner_code: str
    nhs_england_code: str
    year_start: int
    model: str
    functions: list[str]


def _arrangement_out(a: CoCommissioningArrangement) -> dict:
    return {
        "id": a.pk, "commissioner_code": a.commissioner.code,
        "nhs_england_code": a.nhs_england.code, "year_start": a.year_start, "model": a.model,
        "functions": list(a.functions or []),
    }  # fmt: skip


@router.get("/primary-care/arrangements", response=list[ArrangementOut], tags=TAGS)
@paginate(Pagination)
def list_arrangements(request):
    _allow(can(request.user, Action.VIEW_COLLABORATION), "see commissioning together")
    arrangements = CoCommissioningArrangement.objects.select_related("commissioner", "nhs_england")
    return [_arrangement_out(a) for a in arrangements.order_by("pk")]


@router.post("/primary-care/arrangements", response={201: ArrangementOut}, tags=TAGS)
def record_arrangement(request, payload: ArrangementIn):
    """Record an ICB's primary care co-commissioning arrangement for a year (NHS England
    records it)."""
    _allow(can(request.user, Action.VIEW_COLLABORATION), "see commissioning together")
    commissioner = _org(payload.commissioner, "commissioner")
    nhs_england = _org(payload.nhs_england, "nhs_england")
    users = dict(User.objects.filter(username__in=payload.joint_committee)
                 .values_list("username", "pk"))  # fmt: skip
    unknown = [u for u in payload.joint_committee if u not in users]
    if unknown:
        raise ValidationError({"joint_committee": [f"No such user: {', '.join(unknown)}"]})
    made = together.record_arrangement(
        together.ArrangementInput(
            commissioner_id=commissioner.pk,
            nhs_england_id=nhs_england.pk,
            year_start=payload.year_start,
            model=payload.model,
            functions=tuple(payload.functions),
            in_special_measures=payload.in_special_measures,
            joint_committee=tuple(users[u] for u in payload.joint_committee),
        ),
        request.user,
    )
    return 201, _arrangement_out(made)
