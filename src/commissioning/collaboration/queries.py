"""Reads of commissioning together that more than one page or the API show."""

from __future__ import annotations

from django.db.models import Sum

from commissioning.ledger.models import Posting

from . import pooled


def pool_figures(pool) -> tuple[list[dict], list[dict]]:
    """Each partner's contribution agreed, paid and still due, and each scheme's budget, spend
    (direct and through integrated personal budgets) and variance. The contributions paid are
    summed in one query for every partner (each payment names its partner)."""
    paid = dict(
        Posting.objects.filter(account=pool.pool_account, transaction__kind="contribution")
        .values_list("transaction__metadata__partner")
        .annotate(total=Sum("amount_pence"))
        .values_list("transaction__metadata__partner", "total")
    )
    partners = []
    for p in pool.partners.select_related("organisation", "account"):
        got = paid.get(p.organisation.code) or 0
        partners.append({"p": p, "paid": got, "due": p.contribution_pence - got})
    schemes = []
    for s in pool.schemes.select_related("pool", "lead__organisation", "spend_account"):
        direct, integrated = pooled.scheme_spend_parts(s)
        spent = direct + integrated
        schemes.append(
            {"s": s, "spent": spent, "integrated": integrated, "variance": s.budget_pence - spent}
        )
    return partners, schemes
