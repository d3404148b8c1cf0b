"""Setting up a selection: the route, the invitation and the evaluators."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from commissioning import clock
from commissioning.audit.stored import stored
from commissioning.organisations.models import Budget
from commissioning.ui.http import act, guard

from .. import services as sel
from ..forms import (
    QUESTIONS,
    InvitationForm,
    SelectionSetupForm,
)
from ..models import (
    Decision,
    Proposal,
)
from ..permissions import Action, can
from ..queries.clarifications_for_bidders import clarifications_for_bidders
from ..rules.evaluation import SCALE, Criterion
from ..rules.selection_route import Route
from ..services.setup import evidence_of, incumbent_view
from .common import _process, _providers_of, _spec


def selection_new(request, pk):
    spec = _spec(request, pk)
    guard(can(request.user, Action.MANAGE_SELECTION, spec))
    if getattr(spec, "selection", None) is not None:
        return redirect("selection", spec.selection.pk)
    budgets = Budget.objects.filter(organisation=spec.commissioner).order_by(
        "-financial_year", "name"
    )
    form = SelectionSetupForm(request.POST or None, budgets=budgets)
    assessment = evidence = None
    if request.method == "POST":
        valid = form.is_valid()
        facts = {name: form.cleaned_data.get(name, False) for name in QUESTIONS}
        value = form.cleaned_data.get("current_lifetime_value")
        assessment = sel.assess_route(
            sel.SelectionSetup(budget_id=None, current_lifetime_value_pence=value, **facts), spec
        )
        incumbent = form.cleaned_data.get("incumbent_id")
        if incumbent and Route.DIRECT_AWARD_C in assessment.permitted:
            evidence = evidence_of(incumbent_view(spec.commissioner_id, int(incumbent)))
        if valid and "check" not in request.POST:
            cmd = sel.SelectionSetup(**form.command_values())
            try:
                process = sel.set_up_selection(spec, cmd, request.user)
            except ValidationError as exc:
                form.add_service_errors(exc, SelectionSetupForm.RENAME)
            else:
                messages.success(
                    request,
                    f"{process.route_enum.label} is recorded with its reasons. Next, invite "
                    "proposals.",
                )
                return redirect("selection", process.pk)
    template = (
        "selection/_route.html" if request.headers.get("HX-Request") else "selection/setup.html"
    )
    return render(request, template, {"form": form, "spec": spec, "assessment": assessment,
                                      "evidence": evidence})  # fmt: skip


def selection_detail(request, pk):
    process = _process(request, pk, reading=True)
    # What this reader is shown, worked out once per version of the data and day (audit.stored).
    context = stored("selection-page", lambda: _detail(request.user, process), process.pk,
                     request.user.pk, clock.today())  # fmt: skip
    return render(request, "selection/detail.html", context)


def _detail(user, process) -> dict:
    spec = process.specification
    team = can(user, Action.VIEW_EVALUATION, process) or can(user, Action.MANAGE_SELECTION, process)
    my_providers = _providers_of(user)
    mine = list(
        Proposal.objects.filter(process=process, provider__in=my_providers).select_related(
            "provider"
        )
    )
    decision = process.decisions.exclude(status=Decision.Status.WITHDRAWN).first()
    context = {
        "process": process,
        "spec": spec,
        "team": team,
        "manage": can(user, Action.MANAGE_SELECTION, process),
        "answer": can(user, Action.ANSWER_CLARIFICATION, process),
        "open": process.status == "inviting" and clock.today() <= process.proposals_deadline,
        "weights": [(c, process.weights[c]) for c in Criterion],
        "scale": list(SCALE.items()),
        "my_providers": my_providers,
        "mine": mine,
        "may_propose": bool(my_providers) and can(user, Action.SUBMIT_PROPOSAL),
        "decision": decision if decision and can(user, Action.VIEW_DECISION, decision) else None,
        "outcomes": spec.outcomes.select_related("indicator"),
        "requirements": spec.quality_requirements.all(),
        "may_decide": can(user, Action.DECIDE, process) and process.status == "inviting",
        "may_record": can(user, Action.VIEW_DECISION_RECORD, process),
    }
    if team:
        context["proposals"] = process.proposals.exclude(status="draft").select_related("provider")
        context["clarifications"] = process.clarifications.select_related("asked_for").order_by(
            "asked_at"
        )
        context["evaluators"] = process.evaluators.select_related("user")
        chosen = {e.user_id for e in context["evaluators"]}
        # Every active user is weighed: once per version of the data and day (audit.stored).
        eligible = stored("eligible-evaluators", lambda: sel.eligible_evaluators(process),
                          process.pk, clock.today())  # fmt: skip
        context["eligible"] = [u for u in eligible if u.pk not in chosen]
    else:
        context["clarifications_public"] = clarifications_for_bidders(process, user)
    return context


def selection_invite(request, pk):
    process = _process(request, pk)
    guard(can(request.user, Action.MANAGE_SELECTION, process))
    if process.status != "setting_up":
        messages.error(request, "Proposals have already been invited; the weights are published.")
        return redirect("selection", process.pk)
    eligible = sel.eligible_evaluators(process)
    initial = {f"weight_{c.value}": w for c, w in zip(Criterion, (40, 20, 15, 15, 10), strict=True)}
    if request.user in eligible:
        initial["evaluator_ids"] = [request.user.pk]
    form = InvitationForm(request.POST or None, eligible=eligible, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            sel.invite_proposals(
                process,
                sel.Invitation(
                    form.weights(),
                    form.cleaned_data["proposals_deadline"],
                    tuple(form.cleaned_data["evaluator_ids"]),
                ),
                request.user,
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request, "Proposals are invited. Providers can now see the opportunity."
            )
            return redirect("selection", process.pk)
    return render(
        request,
        "selection/invite.html",
        {"form": form, "process": process, "scale": list(SCALE.items())},
    )


@require_POST
def evaluator_add(request, pk):
    process = _process(request, pk)
    guard(can(request.user, Action.MANAGE_SELECTION, process))
    return act(
        request,
        lambda: sel.add_evaluator(process, int(request.POST.get("user_id") or 0), request.user),
        lambda evaluator: f"{evaluator.user} is now an evaluator.",
        reverse("selection", args=[process.pk]),
    )
