"""Clinical advice in the JSON API: requests for advice on a specification, and the advice given.

Every endpoint calls the same service as the web page does, so permissions, rules, audit and
all-or-nothing writes are the same. A service's field-level problems come back as 422 with one
entry per field (``loc`` ends with the field's name); a refusal is 403 with the reason.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from commissioning.organisations.models import User
from commissioning.organisations.permissions import organisations_of, roles_of
from commissioning.organisations.vocabulary import Role
from commissioning.selection import services as sel
from commissioning.selection.models import (
    AdviceRequest,
    Document,
)
from commissioning.selection.permissions import Action as SelectionAction
from commissioning.selection.permissions import can as can_select
from commissioning.ui.http import download

from .commands import body_for, command_from
from .common import DocumentIn, DocumentOut, _allow, _documents, _org
from .pagination import Pagination
from .specifications import _spec
from .types import Id

router = Router()


# The request's and the advice's fields are the service's commands': declared once. The API
# names the organisation by ODS code and the clinician by username.
AdviceRequestIn = body_for(
    sel.AdviceRequestInput,
    "AdviceRequestIn",
    exclude=("organisation_id", "clinician_id"),
    organisation_code=(str, ...),
    clinician_username=(str | None, None),
)


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


AdviceIn = body_for(
    sel.AdviceInput,
    "AdviceIn",
    exclude=("documents",),
    documents=(list[DocumentIn], Field(default_factory=list)),
)


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
        command_from(
            payload,
            sel.AdviceRequestInput,
            organisation_id=org.pk,
            clinician_id=clinician.pk if clinician else None,
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
        command_from(payload, sel.AdviceInput, documents=_documents(payload.documents)),
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
