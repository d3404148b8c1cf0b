"""Version 1 of the JSON API, documented at /api/v1/openapi.json.

Every endpoint needs authentication (a bearer token, or a signed-in browser session), checks
permission through the same predicates as the web pages, and paginates every list.
"""

import datetime as dt
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404
from ninja import Field, Schema
from ninja.pagination import paginate
from ninja.security import HttpBearer, SessionAuth

from commissioning.organisations.models import Organisation
from commissioning.organisations.permissions import Action, can, needs_two_factor
from commissioning.organisations.vocabulary import OrganisationType
from commissioning.reference.models import AEAttendance

from .errors import PlatformAPI, refusal, refuse_undeclared_query
from .pagination import Pagination
from .tokens import rotate_token, user_for_token
from .types import OrgName


class VerifiedSessionAuth(SessionAuth):
    """A signed-in browser session, if it has taken every step its user must take: someone who
    must use two-step sign-in (``needs_two_factor``) and has not entered their code yet is
    not signed in as far as the API is concerned (401)."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is not None and needs_two_factor(user) and not user.is_verified():
            return None
        return user


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


api = PlatformAPI(
    title="Commissioning platform API",
    version="1",
    description=(
        "Organisations (by ODS code), reference activity data, and the commissioning cycle: "
        "outcome-based specifications, clinical advice, provider selection, proposals, "
        "evaluation, decisions and contracts. Money is integer pence. Every write is "
        "all-or-nothing: a 422 lists each problem with the field it concerns, and saves nothing: "
        '`{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}`, where `loc` is the part of '
        "the request (`body`, `query`, `path`) and then the path inside it, an object's key as a "
        'string and a position in a list as an integer from 0 (`["body", "outcomes", 1, '
        '"target"]`). A query parameter an operation does not declare is refused the same way. '
        "Authenticate with `Authorization: Bearer <token>` (create a token with "
        "`commissioning api-token create USERNAME`). Lists are paginated with `page` and "
        "`page_size`. Contains public sector information licensed under the Open Government "
        "Licence v3.0."
    ),
    urls_namespace="api-v1",
    auth=[TokenAuth(), VerifiedSessionAuth()],
    docs_url=None,  # the interactive docs page loads scripts from a CDN; the JSON is enough
    openapi_url="/openapi.json",
)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return api.create_response(request, {"detail": str(exc) or "Permission denied"}, status=403)


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    """A service refused the input: one entry per problem, naming the field (nothing was saved)."""
    by_field = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(request, {"detail": refusal(by_field)}, status=422)


# Every operation of every router refuses a query parameter it does not declare.
api.add_decorator(refuse_undeclared_query, mode="view")


class OrganisationOut(Schema):
    code: str = Field(description="ODS code")
    name: OrgName
    org_type: str
    type_label: str
    open_date: dt.date | None
    close_date: dt.date | None
    postcode: str
    easting: int | None = Field(description="British National Grid easting, metres")
    northing: int | None = Field(description="British National Grid northing, metres")
    parent_code: str | None = Field(None, alias="parent.code")
    is_synthetic: bool


class AEAttendanceOut(Schema):
    period: dt.date
    org_code: str
    department_type: str
    attendances: int
    breaches: int
    admissions: int


def _require(request, action: Action) -> None:
    if not can(request.user, action):
        raise PermissionDenied(f"You do not have permission to {action.value.replace('_', ' ')}.")


class RotatedTokenOut(Schema):
    token: str = Field(description="The new token: send it from now on (it is shown only once)")
    prefix: str
    expires_at: dt.datetime


@api.post("/tokens/rotate", response={201: RotatedTokenOut}, tags=["tokens"], auth=[TokenAuth()])
def rotate(request):
    """Rotate the bearer token this request was sent with: its successor is issued (for the
    same person and purpose, for another 90 days) and this one stops working at once."""
    new, raw = rotate_token(request.user.api_token, request.user)
    return 201, RotatedTokenOut(token=raw, prefix=new.prefix, expires_at=new.expires_at)


@api.get("/organisations", response=list[OrganisationOut], tags=["organisations"])
@paginate(Pagination)
def list_organisations(
    request,
    search: str | None = None,
    org_type: OrganisationType | None = None,
    open_only: bool = False,
):
    """Organisations, searchable by name, ODS code or postcode, and filterable by type."""
    _require(request, Action.VIEW_DIRECTORY)
    qs = Organisation.objects.select_related("parent").order_by("name")
    if search:
        qs = qs.filter(
            Q(name__icontains=search) | Q(code__iexact=search) | Q(postcode__icontains=search)
        )
    if org_type:
        qs = qs.filter(org_type=org_type.value)
    if open_only:
        qs = qs.filter(close_date__isnull=True)
    return qs


@api.get("/organisations/{code}", response=OrganisationOut, tags=["organisations"])
def get_organisation(request, code: str):
    """One organisation by ODS code."""
    _require(request, Action.VIEW_DIRECTORY)
    return get_object_or_404(Organisation.objects.select_related("parent"), code=code.upper())


@api.get("/organisations/{code}/children", response=list[OrganisationOut], tags=["organisations"])
@paginate(Pagination)
def list_children(request, code: str):
    """Organisations whose parent is this one (e.g. the GP practices of a commissioner)."""
    _require(request, Action.VIEW_DIRECTORY)
    parent = get_object_or_404(Organisation, code=code.upper())
    return parent.children.select_related("parent").order_by("name")


@api.get("/ae-attendances", response=list[AEAttendanceOut], tags=["activity"])
@paginate(Pagination)
def list_ae_attendances(
    request,
    org_code: str | None = None,
    department_type: Literal["1", "2", "other"] | None = None,
    period_from: dt.date | None = None,
    period_to: dt.date | None = None,
):
    """Monthly A&E attendances, four-hour breaches and emergency admissions (NHS England)."""
    _require(request, Action.VIEW_ACTIVITY)
    qs = AEAttendance.objects.order_by("org_code", "period", "department_type")
    if org_code:
        qs = qs.filter(org_code=org_code.upper())
    if department_type:
        qs = qs.filter(department_type=department_type)
    if period_from:
        qs = qs.filter(period__gte=period_from)
    if period_to:
        qs = qs.filter(period__lte=period_to)
    return qs


# One module per app, registered after the shared handlers above.
from . import (  # noqa: E402
    advice,
    budgets,
    collaboration,
    contracts,
    fhir,
    jobs,
    ledger,
    market,
    pools,
    quality,
    selection,
    specialised,
    specifications,
)

for module in (
    specifications,
    advice,
    selection,
    contracts,
    quality,
    fhir,
    market,
    pools,
    collaboration,
    ledger,
    specialised,
    budgets,
    jobs,
):
    api.add_router("/", module.router)
