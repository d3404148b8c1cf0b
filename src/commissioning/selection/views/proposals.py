"""Proposals: opportunities, writing, submitting, withdrawing and answering them, and
clarification questions."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from commissioning import clock
from commissioning.organisations.models import Organisation
from commissioning.organisations.vocabulary import COMMISSIONER_TYPES
from commissioning.ui.http import act, guard

from .. import services as sel
from ..forms import (
    ProposalForm,
)
from ..models import (
    Clarification,
    Proposal,
    SelectionProcess,
)
from ..permissions import Action, can
from .common import _form_page, _process, _providers_of


def opportunities(request):
    guard(can(request.user, Action.SUBMIT_PROPOSAL))
    providers = _providers_of(request.user)
    today = clock.today()
    open_processes = (
        SelectionProcess.objects.filter(status="inviting", proposals_deadline__gte=today)
        .select_related("specification__commissioner")
        .order_by("proposals_deadline")
    )
    proposals = (
        Proposal.objects.filter(provider__in=providers)
        .select_related("process__specification", "provider", "addressed_to")
        .order_by("-created_at")
    )
    return render(
        request,
        "selection/opportunities.html",
        {"open": open_processes, "proposals": proposals, "providers": providers},
    )


def proposal_new(request, pk=None):
    process = _process(request, pk) if pk else None
    guard(
        can(request.user, Action.SUBMIT_PROPOSAL), "Only provider representatives write proposals."
    )
    providers = _providers_of(request.user)
    guard(bool(providers), "You do not represent a provider.")
    commissioners = Organisation.objects.filter(org_type__in=COMMISSIONER_TYPES).order_by("name")
    form = ProposalForm(
        request.POST or None,
        request.FILES or None,
        providers=providers,
        process=process,
        commissioners=commissioners,
    )
    if request.method == "POST" and form.is_valid():
        try:
            proposal = sel.create_proposal(
                process, sel.ProposalInput(**form.command_values()), request.user
            )
        except ValidationError as exc:
            form.add_service_errors(exc, ProposalForm.RENAME)
        else:
            messages.success(
                request,
                "Your proposal is saved as a draft. Check it, then submit it: the commissioner "
                "sees it only once it is submitted.",
            )
            return redirect("proposal", proposal.pk)
    title = "Write a proposal" if process else "Put forward a proposal"
    return _form_page(
        request,
        form,
        title,
        reverse("selection", args=[process.pk]) if process else reverse("opportunities"),
        caption=process.specification.title if process else "An unsolicited proposal",
        lede=(
            f"Say how you will meet each outcome. The last day for proposals is "
            f"{process.proposals_deadline:%-d %B %Y}."
            if process
            else "Propose a service to a commissioner. They will consider it and respond; "
            "commissioners, not providers, decide what is provided."
        ),
        submit="Save as a draft",
    )


def _proposal(request, pk) -> Proposal:
    proposal = get_object_or_404(
        Proposal.objects.select_related("process__specification", "provider", "addressed_to"), pk=pk
    )
    guard(can(request.user, Action.VIEW_PROPOSAL, proposal))
    return proposal


def proposal_detail(request, pk):
    proposal = _proposal(request, pk)
    user = request.user
    own = can(user, Action.SUBMIT_PROPOSAL, proposal)
    answers = {a.outcome_id: a.approach for a in proposal.outcome_answers.all()}
    outcomes = (
        [
            (o, answers.get(o.pk, ""))
            for o in proposal.process.specification.outcomes.select_related("indicator")
        ]
        if proposal.process
        else []
    )
    return render(
        request,
        "selection/proposal.html",
        {
            "proposal": proposal,
            "outcomes": outcomes,
            "documents": proposal.documents.defer("content"),
            "own": own,
            "may_respond": proposal.unsolicited
            and proposal.status == "submitted"
            and can(user, Action.RESPOND_TO_PROPOSAL, proposal),
            "may_score": proposal.process is not None
            and proposal.status == "submitted"
            and can(user, Action.SCORE_PROPOSAL, proposal),
        },
    )


def proposal_edit(request, pk):
    proposal = _proposal(request, pk)
    guard(can(request.user, Action.SUBMIT_PROPOSAL, proposal))
    if proposal.status != "draft":
        messages.error(request, "A submitted proposal is final.")
        return redirect("proposal", proposal.pk)
    initial = {
        "provider_id": proposal.provider_id,
        "title": proposal.title,
        "addressed_to_id": proposal.addressed_to_id,
        "description": proposal.description,
        "capacity": proposal.capacity,
        "total_price": proposal.total_price_pence,
    }
    initial.update({f"outcome_{a.outcome_id}": a.approach for a in proposal.outcome_answers.all()})
    commissioners = Organisation.objects.filter(org_type__in=COMMISSIONER_TYPES).order_by("name")
    form = ProposalForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        providers=[proposal.provider],
        process=proposal.process,
        commissioners=commissioners,
    )
    if request.method == "POST" and form.is_valid():
        try:
            sel.update_proposal(proposal, sel.ProposalInput(**form.command_values()), request.user)
        except ValidationError as exc:
            form.add_service_errors(exc, ProposalForm.RENAME)
        else:
            messages.success(request, "Your changes are saved. The proposal is still a draft.")
            return redirect("proposal", proposal.pk)
    return _form_page(
        request,
        form,
        "Change your proposal",
        reverse("proposal", args=[proposal.pk]),
        caption=proposal.title,
        submit="Save changes",
    )


@require_POST
def proposal_submit(request, pk):
    proposal = _proposal(request, pk)
    guard(can(request.user, Action.SUBMIT_PROPOSAL, proposal))
    return act(
        request,
        lambda: sel.submit_proposal(proposal, request.user),
        "Your proposal is submitted. It can no longer be changed.",
        reverse("proposal", args=[proposal.pk]),
    )


@require_POST
def proposal_withdraw(request, pk):
    proposal = _proposal(request, pk)
    guard(can(request.user, Action.SUBMIT_PROPOSAL, proposal))
    return act(
        request,
        lambda: sel.withdraw_proposal(proposal, request.user),
        "Your proposal is withdrawn.",
        reverse("proposal", args=[proposal.pk]),
    )


@require_POST
def proposal_respond(request, pk):
    proposal = _proposal(request, pk)
    guard(can(request.user, Action.RESPOND_TO_PROPOSAL, proposal))
    return act(
        request,
        lambda: sel.respond_to_proposal(proposal, request.POST.get("response", ""), request.user),
        "Your response is recorded and shown to the provider.",
        reverse("proposal", args=[proposal.pk]),
    )


@require_POST
def clarification_ask(request, pk):
    process = _process(request, pk)
    guard(can(request.user, Action.ASK_CLARIFICATION, process))
    question = sel.ClarificationInput(
        int(request.POST.get("provider_id") or 0), request.POST.get("question", "")
    )
    return act(
        request,
        lambda: sel.ask_clarification(process, question, request.user),
        "Your question is sent. The answer will be published to every bidder, without saying "
        "who asked.",
        reverse("selection", args=[process.pk]),
    )


@require_POST
def clarification_answer(request, pk):
    clarification = get_object_or_404(Clarification.objects.select_related("process"), pk=pk)
    process = _process(request, clarification.process_id)
    guard(can(request.user, Action.ANSWER_CLARIFICATION, process))
    return act(
        request,
        lambda: sel.answer_clarification(
            clarification, request.POST.get("answer", ""), request.user
        ),
        "The answer is published to every bidder.",
        reverse("selection", args=[process.pk]),
    )
