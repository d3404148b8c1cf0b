"""Web pages. Each view checks permission, reads what the page needs and renders it."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.shortcuts import get_object_or_404, render

from commissioning import clock, numbers
from commissioning.audit import readable
from commissioning.audit.chain import verify_chain
from commissioning.audit.models import Revision, object_type_label
from commissioning.audit.reconcile import reconcile
from commissioning.audit.stored import stored, stored_page
from commissioning.organisations.models import Membership, Organisation, SmallArea
from commissioning.organisations.permissions import Action, can, require, roles_of
from commissioning.organisations.vocabulary import (
    ORGANISATION_TYPE_LABELS,
    PROVIDER_TYPES,
    Role,
)
from commissioning.reference.models import IngestedFile
from commissioning.ui.http import csv_response
from commissioning.ui.navigation import may_follow
from commissioning.ui.worklist import work_for

from .home import ROLE_HOME
from .queries.ae_monthly_for_provider import ae_monthly_for_provider
from .queries.synthetic_activity_for_provider import synthetic_activity_for_provider

OGL = "Contains public sector information licensed under the Open Government Licence v3.0."


def _forbid_unless(request, action: Action, obj=None) -> None:
    try:
        require(request.user, action, obj)
    except PermissionDenied:
        raise PermissionDenied(
            "Your role does not give you access to this page. Ask your administrator if you "
            "need it."
        ) from None


def home(request):
    """What is waiting for the person (each app says what: ui.worklist), then the areas their
    roles work in. A budget holder is spoken to as a person, not as staff."""
    roles = sorted(roles_of(request.user), key=lambda r: list(ROLE_HOME).index(r))
    sections = [
        (role, purpose, [t for t in tasks if may_follow(request.user, t.url_name)])
        for role, (purpose, tasks) in ((r, ROLE_HOME[r]) for r in roles)
    ]
    memberships = (
        Membership.objects.filter(user=request.user)
        .exclude(role=Role.BUDGET_HOLDER)
        .select_related("organisation")
    )
    return render(
        request,
        "web/home.html",
        {
            "sections": sections,
            "memberships": memberships,
            # Recomputed when the data change (audit.stored), or the day does (what is overdue).
            "work": stored("work", lambda: work_for(request.user), request.user.pk, clock.today()),
            "today": clock.today(),
            "only_holder": roles == [Role.BUDGET_HOLDER],
        },
    )


def _directory_search(request):
    """The directory's filters, read from the query string, and the organisations they match."""
    q = request.GET.get("q", "").strip()
    org_type = request.GET.get("type", "")
    include_closed = request.GET.get("closed") == "1"
    include_synthetic = request.GET.get("synthetic", "1") == "1"
    qs = Organisation.objects.all()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__iexact=q) | Q(postcode__istartswith=q))
    if org_type in ORGANISATION_TYPE_LABELS:
        qs = qs.filter(org_type=org_type)
    if not include_closed:
        qs = qs.filter(close_date__isnull=True)
    if not include_synthetic:
        qs = qs.filter(is_synthetic=False)
    filters = {
        "q": q,
        "org_type": org_type,
        "include_closed": include_closed,
        "include_synthetic": include_synthetic,
    }
    return qs.order_by("name"), filters


def directory(request):
    _forbid_unless(request, Action.VIEW_DIRECTORY)
    qs, filters = _directory_search(request)
    # The page's rows, kept until the data change: the same for everyone who may see it.
    page = stored_page("directory", qs, 25, request.GET.get("page"), *filters.values())
    querystring = request.GET.copy()
    querystring.pop("page", None)
    context = {
        "page": page,
        **filters,
        "types": sorted((k.value, v) for k, v in ORGANISATION_TYPE_LABELS.items()),
        "csv_query": querystring.urlencode(),
    }
    template = (
        "web/_directory_results.html" if request.headers.get("HX-Request") else "web/directory.html"
    )
    return render(request, template, context)


def directory_csv(request):
    _forbid_unless(request, Action.VIEW_DIRECTORY)
    qs, _ = _directory_search(request)
    response, writer = csv_response("organisations.csv")
    writer.writerow([f"# Organisations matching: {request.GET.urlencode() or 'all'}. {OGL}"])
    writer.writerow(
        ["ods_code", "name", "type", "open_date", "close_date", "postcode", "easting",
         "northing", "parent_ods_code", "synthetic"]
    )  # fmt: skip
    for org in qs.select_related("parent").iterator(chunk_size=2000):
        writer.writerow(
            [
                org.code,
                org.display_name,
                org.type_label,
                org.open_date.isoformat() if org.open_date else "",
                org.close_date.isoformat() if org.close_date else "",
                org.postcode,
                "" if org.easting is None else org.easting,
                "" if org.northing is None else org.northing,
                org.parent.code if org.parent else "",
                "yes" if org.is_synthetic else "no",
            ]
        )
    return response


def organisation(request, code: str):
    _forbid_unless(request, Action.VIEW_DIRECTORY)
    org = get_object_or_404(Organisation.objects.select_related("parent"), code=code.upper())
    children = Paginator(org.children.order_by("name"), 20).get_page(request.GET.get("page"))
    context = {"org": org, "children": children, "ogl": OGL}
    if can(request.user, Action.VIEW_ACTIVITY):
        monthly = ae_monthly_for_provider(org.code)
        context["ae_recent"] = monthly[:12]
        context["ae_months"] = len(monthly)
        if org.org_type in PROVIDER_TYPES:
            context["synthetic"] = synthetic_activity_for_provider(settings.SYNTH_DIR, org.code)
    if can(request.user, Action.VIEW_POPULATION):
        areas = SmallArea.objects.filter(Q(commissioner=org) | Q(practice=org))
        context["population"] = areas.aggregate(areas=Count("id"), people=Sum("population"))
    if can(request.user, Action.VIEW_PEOPLE, org):
        context["people"] = (
            Membership.objects.filter(organisation=org)
            .exclude(role="budget_holder")
            .select_related("user")
        )
    return render(request, "web/organisation.html", context)


def organisation_ae_csv(request, code: str):
    _forbid_unless(request, Action.VIEW_ACTIVITY)
    org = get_object_or_404(Organisation, code=code.upper())
    response, writer = csv_response(f"ae-attendances-{org.code}.csv")
    writer.writerow(
        [f"# Monthly A&E attendances for {org.name} ({org.code}), all department types"]
    )
    writer.writerow([f"# Source: NHS England A&E Attendances and Emergency Admissions. {OGL}"])
    writer.writerow(
        ["period", "org_code", "attendances", "breaches_over_4h", "admissions", "pct_within_4h"]
    )
    for row in reversed(ae_monthly_for_provider(org.code)):
        pct = "" if row["within_4h"] is None else numbers.plain_figure(100 * row["within_4h"], 1)
        writer.writerow(
            [
                row["period"].isoformat(),
                org.code,
                row["attendances"],
                row["breaches"],
                row["admissions"],
                pct,
            ]
        )
    return response


def organisation_synthetic_csv(request, code: str):
    _forbid_unless(request, Action.VIEW_ACTIVITY)
    org = get_object_or_404(Organisation, code=code.upper())
    response, writer = csv_response(f"synthetic-spells-{org.code}.csv")
    writer.writerow([f"# SYNTHETIC hospital spells at {org.display_name} ({org.code}): not real"])
    writer.writerow(["# Generated by commissioning.engine.synth from a known model"])
    writer.writerow(["year", "provider_code", "spells", "deaths_within_30_days", "crude_rate"])
    for row in synthetic_activity_for_provider(settings.SYNTH_DIR, org.code):
        writer.writerow(
            [
                row["year"],
                org.code,
                row["spells"],
                row["deaths"],
                numbers.plain_figure(row["crude_rate"], 6),
            ]
        )
    return response


def audit_log(request):
    _forbid_unless(request, Action.VIEW_AUDIT_LOG)
    qs = Revision.objects.order_by("-seq")
    object_type = request.GET.get("object_type", "")
    if object_type:
        qs = qs.filter(object_type=object_type)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    report = unreconciled = None
    if request.GET.get("verify") == "1":
        report = verify_chain()
        unreconciled = reconcile() if report.ok else None
    types = [
        (t, object_type_label(t))
        for t in Revision.objects.values_list("object_type", flat=True)
        .distinct()
        .order_by("object_type")
    ]
    return render(
        request,
        "web/audit.html",
        {
            "page": page,
            "entries": readable.entries(page),
            "report": report,
            "unreconciled": unreconciled,
            "object_type": object_type,
            "types": types,
        },
    )


@login_not_required
def about_data(request):
    return render(
        request,
        "web/about_data.html",
        {"ingests": IngestedFile.objects.all()[:20], "ogl": OGL},
    )
