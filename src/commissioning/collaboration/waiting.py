"""What commissioning together has waiting for a person, for the home page's work queue
(``ui.worklist``). Every item links to the pooled budget's page, where the step is taken, and
only for a pool the person may see (``VIEW_POOL``: staff of a partner the agreement names).

- **An action plan to decide**: a plan the pooled fund manager proposed for the pool's year
  (the year the pool's page shows), for each partner whose budget the person keeps (a finance
  lead at the owner of the partner's account: the ledger's rule, which ``decide_action_plan``
  applies) and which has not yet decided. Administrators, whom the ledger also lets keep the
  books, are not given the finance leads' work.
- **An action plan waited for**: the fund manager's own proposed plan, once the partners they
  decide for have decided, waits for the partners still to decide (named).
- **The year to settle**: the pool's year has ended and is not settled, for a finance lead at
  the owner of the pool's fund (``settle_year``).
- **A share of the overspend to pay**: the year is settled and the partner whose budget the
  person keeps (the first, as the page's form pays for it) owes a share it has not yet paid
  (``pay_share``; paid once, under its idempotency key).

Co-commissioning arrangements and consortia have no step that waits for anyone: a primary care
decision is recorded when it is taken, so nothing of theirs is in the queue.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.urls import reverse

from commissioning import clock, money
from commissioning.ledger.models import Transaction
from commissioning.ledger.permissions import KEEPERS
from commissioning.organisations.permissions import current_memberships, is_live
from commissioning.organisations.vocabulary import Role
from commissioning.ui.worklist import Item

from . import pooled
from .models import ActionPlan, PooledBudget, PoolPartner
from .permissions import VIEWERS, visible_pools


def _year(year_start: int) -> str:
    return f"{year_start}/{(year_start + 1) % 100:02d}"


def waiting_for(user) -> list[Item]:
    if not is_live(user):
        return []
    memberships = current_memberships(user)
    if not any(m.role in VIEWERS for m in memberships):
        return []
    keeps = {m.organisation_id for m in memberships if m.role == Role.FINANCE_LEAD}
    books = {m.organisation_id for m in memberships if m.role in KEEPERS}  # the page's rule
    if (
        not keeps
        and not ActionPlan.objects.filter(
            proposed_by=user, status=ActionPlan.Status.PROPOSED
        ).exists()
    ):
        return []  # every step here is a finance lead's, but for the proposer's own plan
    pools = list(
        visible_pools(user, PooledBudget.objects.select_related("pool_account")).prefetch_related(
            Prefetch(
                "partners",
                queryset=PoolPartner.objects.select_related("organisation", "account").order_by(
                    "pk"
                ),
            ),
            Prefetch(
                "action_plans",
                queryset=ActionPlan.objects.filter(
                    status=ActionPlan.Status.PROPOSED
                ).prefetch_related("decisions"),
                to_attr="proposed",
            ),
            "settlements",
        )
    )
    today = clock.today()
    items: list[Item] = []
    owing = []  # (pool, settlement, partner, pence)
    for pool in pools:
        year = pooled.pool_year(pool)
        url = reverse("together-pool", args=[pool.pk])
        partners = list(pool.partners.all())
        mine = [p for p in partners if p.account.owner_id in keeps]
        for plan in (p for p in pool.proposed if p.year_start == year):
            decided = {d.partner_id for d in plan.decisions.all()}
            to_decide = [p for p in mine if p.pk not in decided]
            for partner in to_decide:
                items.append(
                    Item(
                        f"Decide on the action plan for {pool.name}",
                        reverse("together-decide-plan", args=[pool.pk, plan.pk]),
                        f"For {partner.organisation.display_name}: proposed on "
                        f"{plan.proposed_at:%-d %B %Y} for a forecast overspend of "
                        f"{money.pounds(plan.forecast_overspend_pence)}",
                        action="Record the decision",
                    )
                )
            if not to_decide and plan.proposed_by_id == user.pk:
                waiting = [p.organisation.display_name for p in partners if p.pk not in decided]
                items.append(
                    Item(
                        f"Your action plan for {pool.name}",
                        url,
                        f"Proposed on {plan.proposed_at:%-d %B %Y} for a forecast overspend "
                        f"of {money.pounds(plan.forecast_overspend_pence)}",
                        waiting_on=", ".join(waiting),
                    )
                )
        settled = next((s for s in pool.settlements.all() if s.year_start == year), None)
        year_end = pooled.financial_year(year)[1]
        if settled is None and year_end < today and pool.pool_account.owner_id in keeps:
            items.append(
                Item(
                    f"Settle the year for {pool.name}",
                    url,
                    f"The {_year(year)} year ended on {year_end:%-d %B %Y}: apply the "
                    "agreement's risk share",
                    action="by the risk share",  # the button "Settle 2026/27 by the risk share"
                )
            )
        # The page pays for the first partner whose books the person keeps.
        paying = next((p for p in partners if p.account.owner_id in books), None)
        if settled is not None and paying is not None and paying.account.owner_id in keeps:
            code = paying.organisation.code
            pence = settled.figures["partners"].get(code, {}).get("pays_pence", 0)
            if pence > 0:
                owing.append((pool, settled, paying, pence))
    keys = [pooled.share_key(p, s.year_start, partner.organisation.code)
            for p, s, partner, _ in owing]  # fmt: skip
    paid = (
        set(Transaction.objects.filter(key__in=keys).values_list("key", flat=True))
        if keys
        else set()
    )
    for key, (pool, settled, partner, pence) in zip(keys, owing, strict=True):
        if key in paid:
            continue
        items.append(
            Item(
                f"Pay {partner.organisation.display_name}'s share of the {pool.name} overspend",
                reverse("together-pool", args=[pool.pk]),
                f"{money.pounds(pence)} under the year-end settlement of "
                f"{_year(settled.year_start)}",
                action=f"Pay {money.pounds(pence)} into the pool",
            )
        )
    return items
