"""The decision: deciding, the decision's page, the notice, representations and withdrawal."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from commissioning import clock
from commissioning.ui.http import act, guard

from .. import services as sel
from ..forms import (
    DecisionForm,
    RepresentationForm,
)
from ..models import (
    Decision,
    Proposal,
    Representation,
)
from ..permissions import Action, can
from ..queries.evaluation_for_process import declarations_by_user, evaluation_for_process
from ..rules.award import Outcome, needs_evaluation, representation_window_open
from ..rules.conflicts import may_take_part
from ..sequels import sequel
from ..services import notices
from .common import _process, _providers_of

# The decision form's fields for the command's (the form chooses proposals, the command has ids)
_FORM_FIELD = {"awarded_proposal_ids": "awarded", "advice_considered_ids": "advice_considered"}


def decide(request, pk):
    process = _process(request, pk)
    guard(
        can(request.user, Action.DECIDE, process),
        "Only a commissioner of this organisation can take this decision.",
    )
    if process.status != "inviting":
        messages.error(request, "A decision already stands for this selection.")
        return redirect("selection", process.pk)
    summary = evaluation_for_process(process)
    advice = list(sel.advice_on(process.specification))
    declared = declarations_by_user(process).get(request.user.pk, [])
    allowed, conflict = may_take_part(declared)
    value_hint = process.specification.financial_envelope_pence
    delegation, authority = sel.delegation_for(request.user, process, value_hint, clock.today())
    initial = {"advice_considered": [a.pk for a in advice]}
    form = DecisionForm(
        request.POST or None, proposals=summary.proposals, advice=advice, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            decision = sel.decide(
                process,
                sel.DecisionInput(
                    d["outcome"],
                    d["rationale"],
                    tuple(d["awarded"]),
                    tuple(d["advice_considered"]),
                    d["departure_confirmed"],
                    tuple(d["withheld"]),
                    d["withheld_reason"],
                ),
                request.user,
            )
        except ValidationError as exc:
            form.add_service_errors(exc, rename=_FORM_FIELD)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _decided_message(decision))
            return redirect("decision", decision.pk)
    return render(
        request,
        "selection/decide.html",
        {
            "form": form,
            "process": process,
            "summary": summary,
            "advice": advice,
            "conflict": "" if allowed else conflict,
            "delegation": delegation,
            "authority": authority,
            "needs_evaluation": needs_evaluation(process.route_enum),
        },
    )


def _decided_message(decision: Decision) -> str:
    if decision.outcome_enum is Outcome.AWARD:
        if decision.process.route_enum.needs_standstill:
            return "Your decision is recorded. Next, publish the notice of intention to award."
        return (
            "Your decision is recorded. You can make the contract now; publish the award notice "
            "within 30 days."
        )
    if decision.outcome_enum is Outcome.CHANGE_SPECIFICATION:
        return (
            f"Your decision is recorded, and version {decision.new_version.version} of the "
            "specification is a draft to change."
        )
    return "Your decision is recorded. No contract follows."


def _decision(request, pk) -> Decision:
    decision = get_object_or_404(
        Decision.objects.select_related(
            "process__specification__commissioner",
            "process__budget",
            "decided_by",
            "delegation",
            "new_version",
        ).prefetch_related(
            Prefetch("awarded", queryset=Proposal.objects.select_related("provider")),
            "representations__provider",
            "contracts",
        ),
        pk=pk,
    )
    guard(can(request.user, Action.VIEW_DECISION, decision))
    return decision


def decision_detail(request, pk):
    decision = _decision(request, pk)
    user = request.user
    process = decision.process
    state = sel.state_of(decision)
    team = can(user, Action.VIEW_EVALUATION, process) or can(user, Action.PUBLISH_NOTICE, decision)
    my_providers = _providers_of(user)
    bidders = set(
        process.proposals.filter(status="submitted").values_list("provider_id", flat=True)
    )
    representing = [p for p in my_providers if p.pk in bidders]
    representations = decision.representations.all()
    if not team:
        representations = [
            r for r in representations if r.provider_id in {p.pk for p in representing}
        ]
    may_represent = (
        bool(representing)
        and representation_window_open(state, clock.today())
        and can(user, Action.MAKE_REPRESENTATION, decision)
    )
    may_notice = (
        can(user, Action.PUBLISH_NOTICE, decision)
        and decision.status == "recorded"
        and decision.outcome == Outcome.AWARD
    )
    contract = sequel("contract")
    awarded_without_contract = [
        p
        for p in decision.awarded.all()
        if not any(c.proposal_id == p.pk for c in decision.contracts.all())
    ]
    return render(
        request,
        "selection/decision.html",
        {
            "decision": decision,
            "process": process,
            "state": state,
            "team": team,
            "representations": representations,
            "representation_form": RepresentationForm(providers=representing)
            if may_represent
            else None,
            "may_notice": may_notice,
            "notice_preview": notices.preview(decision) if may_notice else None,
            "may_respond": can(user, Action.RESPOND_TO_REPRESENTATION, decision),
            "may_withdraw": can(user, Action.WITHDRAW_DECISION, decision)
            and decision.status != "withdrawn"
            and decision.outcome == Outcome.AWARD
            and not decision.contracts.all(),
            "may_contract": state.contract_may_be_made
            and awarded_without_contract
            and contract is not None
            and contract.may_make(user, decision),
            "contracts": [
                c
                for c in decision.contracts.all()
                if contract is not None and contract.may_view(user, c)
            ],
            "advice": decision.advice_considered.select_related("request__organisation")
            if team
            else [],
            "may_record": can(user, Action.VIEW_DECISION_RECORD, process),
        },
    )


@require_POST
def notice_publish(request, pk):
    decision = _decision(request, pk)
    guard(can(request.user, Action.PUBLISH_NOTICE, decision))
    return act(
        request,
        lambda: sel.publish_notice(decision, request.user),
        lambda published: (
            "The notice is recorded as published today. " + sel.state_of(published).explanation
        ),
        reverse("decision", args=[decision.pk]),
    )


@require_POST
def representation_new(request, pk):
    decision = _decision(request, pk)
    guard(can(request.user, Action.MAKE_REPRESENTATION, decision))
    provider_id = int(request.POST.get("provider_id") or 0)
    return act(
        request,
        lambda: sel.make_representation(
            decision, provider_id, request.POST.get("grounds", ""), request.user
        ),
        "Your representation is received. The standstill stays open while the commissioner "
        "reviews the decision.",
        reverse("decision", args=[decision.pk]),
    )


@require_POST
def representation_respond(request, pk):
    representation = get_object_or_404(
        Representation.objects.select_related("decision__process__specification"), pk=pk
    )
    guard(can(request.user, Action.RESPOND_TO_REPRESENTATION, representation))
    uphold = request.POST.get("outcome") == "uphold"
    if request.POST.get("outcome") not in ("uphold", "withdraw"):
        messages.error(request, "Choose whether the decision stands or is withdrawn.")
        return redirect("decision", representation.decision_id)
    try:
        sel.respond_to_representation(
            representation, uphold, request.POST.get("response", ""), request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            "Your response is recorded. "
            + (
                "5 more working days of standstill follow."
                if uphold
                else "The decision is withdrawn; you can take a new one."
            ),
        )
    return redirect("decision", representation.decision_id)


@require_POST
def decision_withdraw(request, pk):
    decision = _decision(request, pk)
    guard(can(request.user, Action.WITHDRAW_DECISION, decision))
    try:
        sel.withdraw_decision(decision, request.POST.get("reason", ""), request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "The decision is withdrawn. You can take a new one.")
        return redirect("selection", decision.process_id)
    return redirect("decision", decision.pk)
