"""A pooled budget's page: its figures and the forms a person may use."""

from __future__ import annotations

import uuid

from django.shortcuts import render
from django.urls import reverse

from commissioning import clock, money
from commissioning.audit.stored import stored
from commissioning.ledger.models import Transaction
from commissioning.ledger.permissions import Action as LedgerAction
from commissioning.ledger.permissions import can as can_ledger

from .. import pooled
from ..forms import (
    CommitmentForm,
    ContributionForm,
    ReleaseForm,
    SpendForm,
)
from ..models import (
    PooledBudget,
)
from ..queries import pool_figures
from ..rules import risk_share


def _plans(pool, year: int) -> list[dict]:
    """The year's action plans, newest first, with each partner's decision."""
    names = {str(s.pk): s.name for s in pool.schemes.all()}
    out = []
    for plan in pool.action_plans.filter(year_start=year).prefetch_related(
        "decisions__partner__organisation"
    ):
        out.append(
            {
                "plan": plan,
                "cuts": [(names.get(k, k), v) for k, v in plan.cuts.items()],
                "decisions": list(plan.decisions.all()),
                "decided": {d.partner_id for d in plan.decisions.all()},
            }
        )
    return out


def _my_turn(plans: list[dict], mine) -> list[dict]:
    """Each plan, saying whether the person looking decides for a partner that has not yet."""
    return [
        {
            **r,
            "my_turn": r["plan"].status == "proposed"
            and any(m.pk not in r["decided"] for m in mine),
        }
        for r in plans
    ]


def _pool_figures(p: PooledBudget, year: int) -> dict:
    """What the pool's page shows whoever looks, read once per version of the data, day and
    postings to the pool's accounts (``audit.stored``, ``pooled.postings_of``)."""
    partners, schemes = pool_figures(p)
    return {
        "partners": partners,
        "schemes": schemes,
        "commitments": _commitments(p),
        "forecast": _forecast_rows(p, year),
        "plans": _plans(p, year),
        "settled": p.settlements.filter(year_start=year).first(),
        "quarters": pooled.report(p, year),
        "settlements": list(p.settlements.order_by("-year_start")),
    }


def _commitments(pool) -> list[dict]:
    return [
        {"c": r.commitment, "spent": r.spent_pence, "outstanding": r.outstanding_pence}
        for r in pooled.commitments(pool)
    ]


def _forecast_rows(pool, year: int):
    """The forecast and what the risk share would do with it, ready for the page and CSV."""
    f = pooled.forecast(pool, year)
    if f is None:
        return None
    result = f.settlement
    steps = [(step.label, pence) for step, pence in result.covered.items()]
    partners = {
        p.organisation.code: p.organisation for p in pool.partners.select_related("organisation")
    }
    by_partner = [
        (
            partners[code].display_name if code in partners else code,
            result.partners_pay.get(code, 0),
            result.returned.get(code, 0),
        )
        for code in sorted(set(result.partners_pay) | set(result.returned))
    ]
    return {"f": f, "steps": steps, "partners": by_partner, "result": result}


def _policy_words(policy: risk_share.Policy) -> list[str]:
    bearer = {
        risk_share.Bearer.OWN: "each by the partner leading the overspending scheme",
        risk_share.Bearer.PRO_RATA: "in proportion to contributions",
        risk_share.Bearer.FIXED: "in fixed shares: "
        + ", ".join(f"{k} {v}" for k, v in policy.fixed_shares.items()),
    }[policy.overspend_bearer]
    words = [
        f"{i}. {step.label}"
        + (
            f" (up to {money.pounds_and_pence(policy.risk_pool_pence)})"
            if step is risk_share.Step.RISK_POOL
            else ""
        )
        + (f", {bearer}" if step is risk_share.Step.OUTSIDE_POOL else "")
        for i, step in enumerate(policy.steps, start=1)
    ]
    words.append(
        "Underspends stay in the pool."
        if policy.underspend is risk_share.Underspend.RETAIN
        else "Underspends are returned to partners in proportion to contributions."
    )
    return words


def _readable(request, pk, *, reading: bool = False) -> PooledBudget:
    return pooled.readable_pool(
        request.user,
        pk,
        # Its account is read on each request (its balance moves with postings, not revisions).
        PooledBudget.objects.select_related("host", "fund_manager"),
        reading=reading,
    )


class _PoolPage:
    """A pooled budget's page: its figures, and the forms the person may use (each form posts
    to the view of its own action, which shows the page again with its problems)."""

    def __init__(self, request, p: PooledBudget):
        self.request, self.p, self.user = request, p, request.user
        self.year = pooled.pool_year(p)
        self.figures = stored(
            "pool-page",
            lambda: _pool_figures(p, self.year),
            p.pk,
            self.year,
            clock.today(),
            pooled.postings_of([p.pk]),  # its money moves without a revision
        )
        self.partners, self.schemes = self.figures["partners"], self.figures["schemes"]
        self.keeps_pool = can_ledger(self.user, LedgerAction.POST, p.pool_account)
        self.mine = [r["p"] for r in self.partners
                     if can_ledger(self.user, LedgerAction.POST, r["p"].account)]  # fmt: skip
        self.commitments = self.figures["commitments"]
        self.open_commitments = {
            str(r["c"].pk): r["c"] for r in self.commitments if r["outstanding"] > 0
        }
        self.then = reverse("together-pool", args=[p.pk])

    def spend_form(self, data=None) -> SpendForm:
        return SpendForm(
            data,
            schemes=[r["s"] for r in self.schemes],
            commitments=self.open_commitments.values(),
            initial={"key": f"web-{uuid.uuid4()}"},
        )

    def commit_form(self, data=None) -> CommitmentForm:
        return CommitmentForm(
            data,
            schemes=[r["s"] for r in self.schemes],
            initial={"key": f"web-{uuid.uuid4()}", "made_on": clock.today()},
            prefix="commit",  # its fields' ids differ from the spending form's
        )

    def pay_form(self, data=None) -> ContributionForm:
        return ContributionForm(data, initial={"key": f"web-{uuid.uuid4()}"}, prefix="pay")

    def render(self, **bound):
        p, year, mine = self.p, self.year, self.mine
        owed = None
        figures = self.figures
        forecast_rows, settled, plans = figures["forecast"], figures["settled"], figures["plans"]
        if settled and mine:
            code = mine[0].organisation.code
            owed = settled.figures["partners"].get(code, {}).get("pays_pence")
            paid = Transaction.objects.filter(key=pooled.share_key(p, year, code)).exists()
            owed = None if paid else owed
        return render(
            self.request,
            "together/pool.html",
            {
                "keeps_pool": self.keeps_pool,
                "my_partner": mine[0] if mine else None,
                "spend_form": bound.get("spend_form") or self.spend_form(),
                "commit_form": bound.get("commit_form") or self.commit_form(),
                "release_form": bound.get("release_form") or ReleaseForm(),
                "releasing": bound.get("releasing"),
                "commitments": self.commitments,
                "forecast": forecast_rows,
                "plans": _my_turn(plans, mine),
                "may_propose": (
                    self.user.pk == p.fund_manager_id
                    and forecast_rows is not None
                    and forecast_rows["result"].total_overspend > 0
                    and not any(r["plan"].status == "proposed" for r in plans)
                ),
                "pay_form": bound.get("pay_form") or self.pay_form(),
                "settled": settled,
                "owed": owed,
                "p": p,
                "partners": self.partners,
                "schemes": self.schemes,
                "integrated_total": sum(r["integrated"] for r in self.schemes),
                "year_end": pooled.financial_year(year)[1],
                "year_ended": pooled.financial_year(year)[1] < clock.today(),
                "year": year,
                "quarters": figures["quarters"],
                "policy": _policy_words(pooled.policy_from_json(p.risk_policy)),
                "settlements": figures["settlements"],
            },
        )


def pool(request, pk):
    return _PoolPage(request, _readable(request, pk, reading=True)).render()
