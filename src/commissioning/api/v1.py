"""Version 1 of the JSON API, documented at /api/v1/openapi.json.

Every endpoint needs authentication (a bearer token, or a signed-in browser session), checks
permission through the same predicates as the web pages, and paginates every list.
"""

import datetime as dt
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404
from ninja import Field, NinjaAPI, Schema
from ninja.pagination import PageNumberPagination, paginate
from ninja.security import HttpBearer, django_auth

from commissioning.organisations.models import Organisation
from commissioning.organisations.permissions import Action, can
from commissioning.organisations.vocabulary import OrganisationType
from commissioning.reference.models import AEAttendance

from .tokens import user_for_token


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Commissioning platform API",
    version="1",
    description=(
        "Organisations (by ODS code) and reference activity data for NHS commissioning. "
        "Authenticate with `Authorization: Bearer <token>` (create a token with "
        "`commissioning api-token create USERNAME`). Lists are paginated with `page` and "
        "`page_size`. Contains public sector information licensed under the Open Government "
        "Licence v3.0."
    ),
    urls_namespace="api-v1",
    auth=[TokenAuth(), django_auth],
    docs_url=None,  # the interactive docs page loads scripts from a CDN; the JSON is enough
    openapi_url="/openapi.json",
)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return api.create_response(request, {"detail": str(exc) or "Permission denied"}, status=403)


class Pagination(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1)
        page_size: int = Field(50, ge=1, le=500)

    def paginate_queryset(self, queryset, pagination: Input, **params):
        offset = (pagination.page - 1) * pagination.page_size
        return {
            "items": queryset[offset : offset + pagination.page_size],
            "count": self._items_count(queryset),
            "page": pagination.page,
            "page_size": pagination.page_size,
        }

    class Output(Schema):
        items: list
        count: int
        page: int
        page_size: int


class OrganisationOut(Schema):
    code: str = Field(description="ODS code")
    name: str
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
