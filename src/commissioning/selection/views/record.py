"""The decision record (regulation 24), as a page and as a PDF for a board."""

from __future__ import annotations

import dataclasses

from django.shortcuts import render

from commissioning import clock
from commissioning.audit.chain import verify_chain
from commissioning.audit.stored import stored
from commissioning.ui.http import download, guard

from ..permissions import Action, can
from ..queries.decision_record import decision_record as build
from ..record_pdf import render_decision_record
from .common import _process

# The chain is walked again at least this often, even with no new revision: a record edited in
# the database behind the platform's back shows as broken within five minutes.
CHAIN_CHECKED_EVERY = 300


def _record(process, reader):
    """The record as the data stand (assembled once per version of the data and day:
    ``audit.stored``), generated now for this reader."""
    record = stored("decision-record", lambda: build(process, reader), process.pk, clock.today())
    return dataclasses.replace(
        record,
        generated_at=clock.now(),
        generated_by=getattr(reader, "username", str(reader)),
        chain=stored("audit-chain", verify_chain, timeout=CHAIN_CHECKED_EVERY),
    )


def decision_record(request, pk):

    process = _process(request, pk, reading=True)
    guard(can(request.user, Action.VIEW_DECISION_RECORD, process))
    return render(request, "selection/record.html", {"r": _record(process, request.user)})


def decision_record_pdf(request, pk):

    process = _process(request, pk, reading=True)
    guard(can(request.user, Action.VIEW_DECISION_RECORD, process))
    pdf = render_decision_record(_record(process, request.user))
    return download(
        pdf, "application/pdf", f"decision-record-{process.specification.reference}.pdf"
    )
