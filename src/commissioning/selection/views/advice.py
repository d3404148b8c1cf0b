"""Clinical advice: asking for it, the adviser's inbox, answering, and the documents."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from commissioning.organisations.permissions import current_memberships
from commissioning.organisations.vocabulary import Role
from commissioning.ui.http import download, guard, submit

from .. import services as sel
from ..forms import (
    AdviceForm,
    AdviceRequestForm,
    documents_from,
)
from ..models import (
    AdviceRequest,
    Document,
)
from ..permissions import Action, can
from .common import _form_page, _spec


def advice_request_new(request, pk):
    spec = _spec(request, pk)
    guard(can(request.user, Action.REQUEST_ADVICE, spec))
    form = AdviceRequestForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda: sel.request_advice(spec, sel.AdviceRequestInput(**form.cleaned_data), request.user),
        "Your request for advice is sent.",
        reverse("specification", args=[spec.pk]),
    )
    return done or _form_page(
        request,
        form,
        "Ask for clinical advice",
        reverse("specification", args=[spec.pk]),
        caption=f"{spec.title} ({spec.reference} v{spec.version})",
        lede="Ask a strategic clinical network, a clinical senate or a named clinician of a "
        "potential provider. Their advice is recorded against the specification and shown to "
        "whoever takes the decision; it never makes the decision.",
        submit="Send the request",
    )


def advice_inbox(request):
    guard(can(request.user, Action.GIVE_ADVICE))
    advising_at = [
        m.organisation_id
        for m in current_memberships(request.user)
        if m.role == Role.CLINICAL_ADVISER
    ]
    requests = (
        AdviceRequest.objects.filter(organisation_id__in=advising_at)
        .filter(Q(clinician__isnull=True) | Q(clinician=request.user))
        .select_related("specification__commissioner", "organisation", "advice")
        .order_by("due_date")
    )
    waiting = [r for r in requests if not r.answered]
    answered = [r for r in requests if r.answered]
    return render(
        request, "selection/advice_inbox.html", {"waiting": waiting, "answered": answered}
    )


def advice_request_detail(request, pk):
    advice_request = get_object_or_404(
        AdviceRequest.objects.select_related(
            "specification__commissioner", "organisation", "clinician"
        ),
        pk=pk,
    )
    guard(can(request.user, Action.VIEW_ADVICE, advice_request))
    may_answer = not advice_request.answered and can(
        request.user, Action.GIVE_ADVICE, advice_request
    )
    form = AdviceForm(request.POST or None, request.FILES or None) if may_answer else None
    if form is not None and request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            sel.give_advice(
                advice_request,
                sel.AdviceInput(
                    d["recommendation"],
                    d["summary"],
                    d["clinical_evidence"],
                    d["risks"],
                    d["suggested_changes"],
                    documents_from(d["documents"]),
                ),
                request.user,
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, "Your advice is recorded and shown to the commissioner.")
            return redirect("advice-request", advice_request.pk)
    advice = getattr(advice_request, "advice", None) if advice_request.answered else None
    return render(
        request,
        "selection/advice_request.html",
        {
            "r": advice_request,
            "form": form,
            "advice": advice,
            "spec": advice_request.specification,
            "documents": advice.documents.defer("content") if advice else [],
        },
    )


def document_download(request, pk):
    document = get_object_or_404(
        Document.objects.select_related("advice__request", "proposal"), pk=pk
    )
    guard(can(request.user, Action.DOWNLOAD_DOCUMENT, document))
    return download(bytes(document.content), document.content_type, document.filename)
