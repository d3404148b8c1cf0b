"""The Commissioning together page: consortia, arrangements, pools and what other apps list."""

from __future__ import annotations

from django.shortcuts import render

from commissioning import clock, money
from commissioning.audit.stored import stored
from commissioning.ui.http import guard

from .. import pooled
from ..models import (
    CoCommissioningArrangement,
    Consortium,
    PooledBudget,
    YearEndSettlement,
)
from ..permissions import Action, can, visible_pools
from ..workspace import sections_for
from .agreements import pool_hosts
from .consortia import consortium_leads
from .primary_care import nhse_regions


def workspace(request):
    guard(can(request.user, Action.VIEW_COLLABORATION))
    # What this reader is shown, once per version of the data and day (audit.stored).
    # Keyed by the pools' postings too: a forecast reads money, which moves without a revision.
    context = stored("together", lambda: _workspace(request.user), request.user.pk, clock.today(),
                     pooled.postings_of(None))  # fmt: skip
    return render(request, "together/workspace.html", context)


def _workspace(user) -> dict:
    return {
        "consortia": list(
            Consortium.objects.select_related("co_ordinating").prefetch_related("members")
        ),
        "arrangements": list(CoCommissioningArrangement.objects.select_related("commissioner")),
        "pools": _outlooks(
            list(visible_pools(user, PooledBudget.objects.select_related("host", "pool_account")))
        ),
        "sections": sections_for(user),
        "may_record_consortium": bool(consortium_leads(user)),
        "may_record_arrangement": bool(nhse_regions(user)),
        "may_record_pool": bool(pool_hosts(user)),
    }


def _outlooks(pools) -> list[tuple[PooledBudget, tuple[str, str]]]:
    """Each pool with how its year stands, for the list (words, NHS tag colour): settled, or
    forecast; the same reads for any number of pools."""
    years = {p.pk: pooled.pool_year(p) for p in pools}
    settled = {
        s.pool_id: s
        for s in YearEndSettlement.objects.filter(pool__in=pools)
        if s.year_start == years[s.pool_id]
    }
    forecast = pooled.forecasts([(p, years[p.pk]) for p in pools if p.pk not in settled])
    return [(p, _outlook(settled.get(p.pk), forecast.get(p.pk))) for p in pools]


def _outlook(settled, f) -> tuple[str, str]:
    if settled is not None:
        over = settled.figures["total_overspend"]
        return (
            "Settled"
            + (f": {money.pounds_and_pence(over)} overspent" if over else ": within budget")
        ), ""
    if f is None:
        return "No forecast yet (the year's first month is not complete, or the year has ended)", ""
    over, at = f.settlement.total_overspend, f"{f.as_at:%-d %B %Y}"
    if over:
        return f"Overspend of {money.pounds_and_pence(over)} forecast at {at}", "red"
    return f"On or under budget, forecast at {at}", "green"
