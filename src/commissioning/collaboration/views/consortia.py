"""Consortia: a consortium's page and negotiating weight, and recording one."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from commissioning.market import data
from commissioning.organisations.models import Organisation
from commissioning.organisations.vocabulary import COMMISSIONER_TYPES, PROVIDER_TYPES
from commissioning.ui.http import csv_response, guard, submit

from .. import services
from ..forms import (
    ConsortiumForm,
)
from ..models import (
    Consortium,
)
from ..permissions import Action, can


def _weight(consortium):
    try:
        return services.negotiating_weight(consortium), None
    except data.NoMarketData:
        return None, "The synthetic health economy has not been generated yet (make demo)."


def consortium(request, pk):
    guard(can(request.user, Action.VIEW_COLLABORATION))
    c = get_object_or_404(Consortium.objects.select_related("co_ordinating", "provider"), pk=pk)
    table, missing = _weight(c)
    rows = list(table.head(25).iter_rows(named=True)) if table is not None else []
    return render(request, "together/consortium.html", {"c": c, "rows": rows, "missing": missing})


def consortium_csv(request, pk):
    guard(can(request.user, Action.VIEW_COLLABORATION))
    c = get_object_or_404(Consortium, pk=pk)
    table, missing = _weight(c)
    guard(table is not None, missing or "")
    response, writer = csv_response(f"consortium-{c.pk}-negotiating-weight.csv")
    columns = [
        "provider",
        "name",
        "patients",
        "consortium_patients",
        "activity_share",
        "largest_member",
        "largest_member_share",
        "catchment_population",
        "consortium_population",
        "population_share",
    ]
    writer.writerow(columns)
    for row in table.select(columns).iter_rows():
        writer.writerow(row)
    return response


def _commissioners():
    return Organisation.objects.filter(org_type__in=list(COMMISSIONER_TYPES)).order_by("name")


def consortium_leads(user) -> list:
    """The commissioners this person may record a consortium for, as co-ordinator."""
    if not can(user, Action.VIEW_COLLABORATION):
        return []
    return [o for o in _commissioners() if can(user, Action.FORM_CONSORTIUM, o.pk)]


def new_consortium(request):
    guard(can(request.user, Action.VIEW_COLLABORATION))
    mine = consortium_leads(request.user)
    guard(
        bool(mine), "Only a commissioner records a consortium, as its co-ordinating commissioner."
    )
    form = ConsortiumForm(
        request.POST or None,
        commissioners=_commissioners(),
        providers=Organisation.objects.filter(
            org_type__in=list(PROVIDER_TYPES), close_date__isnull=True
        )
        .exclude(org_type="gp_practice")
        .order_by("name"),
        mine=mine,
    )
    done = submit(
        request,
        form,
        lambda: services.form_consortium(
            services.ConsortiumInput(
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                co_ordinating_id=int(form.cleaned_data["co_ordinating_id"]),
                member_ids=[int(m) for m in form.cleaned_data["member_ids"]],
                decision_rules=form.cleaned_data["decision_rules"],
                agreement_date=form.cleaned_data["agreement_date"],
                service=form.cleaned_data["service"],
                provider_id=int(form.cleaned_data["provider_id"])
                if form.cleaned_data["provider_id"]
                else None,
            ),
            request.user,
        ),
        "The consortium is recorded.",
        lambda c: reverse("together-consortium", args=[c.pk]),
    )
    return done or render(
        request,
        "together/new.html",
        {
            "form": form,
            "title": "Record a consortium",
            "intro": "Commissioners commissioning together for a service or from a provider, "
            "under a collaborative commissioning agreement. You record it as the "
            "co-ordinating commissioner.",
            "button": "Record the consortium",
        },
    )
