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
)
from ..permissions import Action, can, visible_pools
from ..workspace import sections_for
from .agreements import pool_hosts
from .consortia import consortium_leads
from .primary_care import nhse_regions


def workspace(request):
    guard(can(request.user, Action.VIEW_COLLABORATION))
    # What this reader is shown, once per version of the data and day (audit.stored).
    context = stored("together", lambda: _workspace(request.user), request.user.pk, clock.today())
    return render(request, "together/workspace.html", context)


def _workspace(user) -> dict:
    return {
        "consortia": list(
            Consortium.objects.select_related("co_ordinating").prefetch_related("members")
        ),
        "arrangements": list(CoCommissioningArrangement.objects.select_related("commissioner")),
        "pools": [
            (p, stored("pool-outlook", lambda p=p: _pool_outlook(p), p.pk, clock.today()))
            for p in visible_pools(
                user, PooledBudget.objects.select_related("host", "pool_account")
            )
        ],
        "sections": sections_for(user),
        "may_record_consortium": bool(consortium_leads(user)),
        "may_record_arrangement": bool(nhse_regions(user)),
        "may_record_pool": bool(pool_hosts(user)),
    }


def _pool_outlook(pool) -> tuple[str, str]:
    """How the pool's year stands, for the list: (words, NHS tag colour)."""
    year = pooled.pool_year(pool)
    settled = pool.settlements.filter(year_start=year).first()
    if settled is not None:
        over = settled.figures["total_overspend"]
        return (
            "Settled"
            + (f": {money.pounds_and_pence(over)} overspent" if over else ": within budget")
        ), ""
    f = pooled.forecast(pool, year)
    if f is None:
        return "No forecast yet (the year's first month is not complete, or the year has ended)", ""
    over, at = f.settlement.total_overspend, f"{f.as_at:%-d %B %Y}"
    if over:
        return f"Overspend of {money.pounds_and_pence(over)} forecast at {at}", "red"
    return f"On or under budget, forecast at {at}", "green"
