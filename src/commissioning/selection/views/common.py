"""What the selection pages share: loading what a person may see, and a form page."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from commissioning.audit.stored import stored_row
from commissioning.organisations.models import Organisation
from commissioning.organisations.permissions import current_memberships
from commissioning.organisations.vocabulary import PROVIDER_TYPES, Role
from commissioning.specifications.models import ServiceSpecification
from commissioning.specifications.permissions import Action as SpecAction
from commissioning.specifications.permissions import can as can_spec
from commissioning.ui.http import guard

from ..models import (
    SelectionProcess,
)
from ..permissions import Action, can


def _spec(request, pk) -> ServiceSpecification:
    spec = get_object_or_404(ServiceSpecification.objects.select_related("commissioner"), pk=pk)
    guard(can_spec(request.user, SpecAction.VIEW_SPECIFICATION, spec))
    return spec


def _process(request, pk, *, reading: bool = False) -> SelectionProcess:
    """The selection process, to those who may see it. A page that only reads it (``reading``)
    takes it from ``audit.stored`` while the data are unchanged; permission is checked every
    time."""
    rows = SelectionProcess.objects.select_related(
        "specification__commissioner", "budget", "incumbent"
    )
    process = stored_row("selection", rows, pk) if reading else rows.filter(pk=pk).first()
    if process is None:
        raise Http404("No selection process with that number")
    guard(can(request.user, Action.VIEW_SELECTION, process))
    return process


def _providers_of(user) -> list[Organisation]:
    ids = [
        m.organisation_id
        for m in current_memberships(user)
        if m.role == Role.PROVIDER_REPRESENTATIVE
    ]
    return list(
        Organisation.objects.filter(pk__in=ids, org_type__in=PROVIDER_TYPES).order_by("name")
    )


def _form_page(request, form, title, back, **extra):
    return render(
        request, "ui/form_page.html", {"form": form, "title": title, "back": back, **extra}
    )
