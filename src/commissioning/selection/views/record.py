"""The decision record (regulation 24), as a page and as a PDF for a board."""

from __future__ import annotations

from django.shortcuts import render

from commissioning.ui.http import download, guard

from ..permissions import Action, can
from ..queries.decision_record import decision_record as build
from ..record_pdf import render_decision_record
from .common import _process


def decision_record(request, pk):

    process = _process(request, pk)
    guard(can(request.user, Action.VIEW_DECISION_RECORD, process))
    return render(request, "selection/record.html", {"r": build(process, request.user)})


def decision_record_pdf(request, pk):

    process = _process(request, pk)
    guard(can(request.user, Action.VIEW_DECISION_RECORD, process))
    pdf = render_decision_record(build(process, request.user))
    return download(
        pdf, "application/pdf", f"decision-record-{process.specification.reference}.pdf"
    )
