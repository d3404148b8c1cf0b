"""Action plans for a forecast overspend: the fund manager proposes, each partner decides."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from commissioning import money
from commissioning.ledger.permissions import Action as LedgerAction
from commissioning.ledger.permissions import can as can_ledger
from commissioning.ui.http import guard, submit

from .. import pooled
from ..forms import (
    ActionPlanForm,
    PlanDecisionForm,
)
from ..models import (
    ActionPlan,
    PooledBudget,
)
from .exports import _scheme_rows


def propose_action_plan(request, pk):
    """The pooled fund manager proposes an action plan for a forecast overspend."""
    p = pooled.readable_pool(request.user, pk, PooledBudget.objects.select_related("fund_manager"))
    guard(request.user.pk == p.fund_manager_id)
    f = pooled.forecast(p, pooled.pool_year(p))
    rows = _scheme_rows(p, f) if f is not None else []
    form = ActionPlanForm(request.POST or None, schemes=rows)
    then = reverse("together-pool", args=[p.pk])
    done = submit(
        request,
        form,
        lambda: pooled.propose_action_plan(
            p, pooled.ActionPlanInput(form.cleaned_data["actions"], form.cuts()), request.user
        ),
        "The action plan is proposed to the partners.",
        then,
        rename={f"cuts.{r['pk']}": f"cut_{r['pk']}" for r in rows},
    )
    if f is None or not f.settlement.total_overspend:
        intro = "No overspend is forecast now, so there is nothing to plan for."
    else:
        intro = (
            f"An overspend of "
            f"{money.pounds_and_pence(f.settlement.total_overspend)} is forecast at "
            f"{f.as_at:%-d %B %Y}. Say what will be done, and how much uncommitted spending each "
            "scheme will not make (committed money cannot be cut). Every partner decides; "
            "once all agree, the cuts come off the forecast."
        )
    return done or render(
        request,
        "together/new.html",
        {
            "form": form,
            "title": f"Propose an action plan for {p.name}",
            "intro": intro,
            "button": "Propose the plan",
        },
    )


def decide_action_plan(request, pk, plan_pk):
    """A partner's finance lead decides on the action plan for their organisation."""
    pooled.readable_pool(request.user, pk)
    plan = get_object_or_404(ActionPlan.objects.select_related("pool"), pk=plan_pk, pool_id=pk)
    mine = [
        partner
        for partner in plan.pool.partners.select_related("organisation", "account")
        if can_ledger(request.user, LedgerAction.POST, partner.account)
    ]
    guard(bool(mine))
    decided = set(plan.decisions.values_list("partner_id", flat=True))
    # Someone who keeps more than one partner's budget decides for each in turn.
    mine = [m for m in mine if m.pk not in decided] or mine
    form = PlanDecisionForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda: pooled.decide_action_plan(
            plan,
            mine[0],
            form.cleaned_data["agrees"] == "yes",
            form.cleaned_data["reasons"],
            request.user,
        ),
        lambda decided: (
            f"Your decision is recorded. The plan is now: {decided.get_status_display()}."
        ),
        reverse("together-pool", args=[pk]),
    )
    return done or render(
        request,
        "together/new.html",
        {
            "form": form,
            "title": f"Decide on the action plan for {plan.pool.name}",
            "intro": f"For {mine[0].organisation.display_name}. The plan: {plan.actions}",
            "button": "Record the decision",
        },
    )
