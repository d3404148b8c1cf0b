"""Primary care co-commissioning: an arrangement's page and decisions, and recording one."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from commissioning.organisations.models import Organisation, User
from commissioning.organisations.permissions import has_role_at
from commissioning.organisations.vocabulary import Role
from commissioning.ui.http import guard, submit

from .. import services
from ..forms import (
    ArrangementForm,
    DecisionForm,
)
from ..models import (
    CoCommissioningArrangement,
)
from ..permissions import DECIDING, Action, can, may_decide
from ..rules.cocommissioning import Body, Function, Model, consulted, decider


def arrangement(request, pk):
    guard(can(request.user, Action.VIEW_COLLABORATION))
    a = get_object_or_404(
        CoCommissioningArrangement.objects.select_related(
            "commissioner", "nhs_england"
        ).prefetch_related("joint_committee"),
        pk=pk,
    )
    model = Model(a.model)
    covered = [Function(f) for f in a.functions]
    rows = []
    for f in Function:
        body = decider(model, f, covered)
        rows.append(
            {
                "function": f,
                "body": body,
                "consulted": consulted(model, f),
                "may": may_decide(request.user, a, f),
                "who": a.nhs_england if body is Body.NHS_ENGLAND else a.commissioner,
            }
        )
    form = DecisionForm(request.POST or None)
    if any(r["may"] for r in rows):
        done = submit(
            request,
            form,
            lambda: services.decide(a, services.DecisionInput(**form.cleaned_data), request.user),
            "The decision is recorded.",
            reverse("together-arrangement", args=[a.pk]),
        )
        if done:
            return done
    return render(
        request,
        "together/arrangement.html",
        {
            "a": a,
            "model": model,
            "rows": rows,
            "form": form,
            "may_any": any(r["may"] for r in rows),
            "decisions": a.decisions.select_related("decided_by"),
        },
    )


def nhse_regions(user) -> list:
    """The NHS England regions this person may record a co-commissioning arrangement for."""
    if not can(user, Action.VIEW_COLLABORATION):
        return []
    return [
        o
        for o in Organisation.objects.filter(org_type="nhse_region")
        if has_role_at(user, o.pk, DECIDING | {Role.ADMINISTRATOR})
    ]


def new_arrangement(request):
    guard(can(request.user, Action.VIEW_COLLABORATION))
    regions = nhse_regions(request.user)
    guard(bool(regions), "NHS England records co-commissioning arrangements.")
    form = ArrangementForm(
        request.POST or None,
        commissioners=Organisation.objects.filter(org_type="icb").order_by("name"),
        people=User.objects.filter(memberships__role="commissioner")
        .distinct()
        .order_by("last_name", "username"),
    )
    done = submit(
        request,
        form,
        lambda: services.record_arrangement(
            services.ArrangementInput(
                commissioner_id=int(form.cleaned_data["commissioner_id"]),
                nhs_england_id=regions[0].pk,
                year_start=form.cleaned_data["year_start"],
                model=form.cleaned_data["model"],
                functions=form.cleaned_data["functions"],
                in_special_measures=form.cleaned_data["in_special_measures"],
                joint_committee=[int(u) for u in form.cleaned_data["joint_committee"]],
            ),
            request.user,
        ),
        "The arrangement is recorded.",
        lambda a: reverse("together-arrangement", args=[a.pk]),
    )
    return done or render(
        request,
        "together/new.html",
        {
            "form": form,
            "title": "Record a primary care co-commissioning arrangement",
            "intro": f"For {regions[0].display_name}: the model an integrated care board "
            "commissions primary care under for a year. Delegated commissioning covers "
            "every function; joint commissioning the functions its committee decides.",
            "button": "Record the arrangement",
        },
    )
