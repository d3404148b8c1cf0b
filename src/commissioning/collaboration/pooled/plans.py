"""The in-year forecast and action plans for a forecast overspend (docs/domain.md section 5: the
fund manager proposes, the management group decides; here the partners are that group,
docs/decisions.md 038)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Prefetch

from commissioning import clock
from commissioning.audit import chain as audit
from commissioning.ledger.permissions import Action as LedgerAction
from commissioning.ledger.permissions import can as can_ledger
from commissioning.validation import NON_FIELD, Problems, refuse

from ..models import (
    ActionPlan,
    ActionPlanDecision,
    PooledBudget,
    PoolPartner,
    PoolScheme,
)
from ..rules import forecast as forecasting
from ..rules import risk_share
from .agreement import policy_from_json
from .commitments import committed_of
from .money import spend_by_month_of
from .year import _months, pool_year


@dataclass(frozen=True)
class Forecast:
    year_start: int
    as_at: dt.date  # the end of the last complete month
    months: int
    schemes: list[forecasting.SchemeForecast]
    settlement: risk_share.Settlement
    cuts_pence: int = 0  # what agreed action plans take off the forecast


def forecast(pool: PooledBudget, year_start: int) -> Forecast | None:
    """The year's forecast by scheme at the end of the last complete month, and the risk share
    applied to it (``forecast.if_the_year_ends_as_forecast``). ``None`` before the year's first
    month is complete, and once the year has ended (then it is settled, not forecast)."""
    return forecasts([(pool, year_start)])[pool.pk]


def forecasts(wanted) -> dict[int, Forecast | None]:
    """``forecast`` of several pools, each for its own year (``wanted``: pairs of a pool and a
    year), by pool id: the same reads for any number of pools (the Together page lists them
    all). The pools are read afresh, so what a caller holds is left as it is."""
    today = clock.today()
    out: dict[int, Forecast | None] = {pool.pk: None for pool, _ in wanted}
    done = {pool.pk: [(a, b) for a, b in _months(year) if b < today] for pool, year in wanted}
    years = {pool.pk: year for pool, year in wanted if 0 < len(done[pool.pk]) < 12}
    if not years:
        return out
    pools = list(
        PooledBudget.objects.filter(pk__in=years).prefetch_related(
            Prefetch(
                "schemes",
                PoolScheme.objects.select_related("pool", "lead__organisation", "spend_account"),
            ),
            Prefetch("partners", PoolPartner.objects.select_related("organisation")),
            Prefetch("action_plans", ActionPlan.objects.filter(status=ActionPlan.Status.AGREED)),
        )
    )
    if not pools:
        return out
    monthly = spend_by_month_of([(pool, done[pool.pk]) for pool in pools])
    outstanding = committed_of(pools)
    for pool in pools:
        year_start = years[pool.pk]
        cuts = _cuts(pool.action_plans.all(), year_start)
        schemes = []
        for s in pool.schemes.all():
            made = forecasting.forecast_scheme(
                s.name,
                s.lead.organisation.code,
                s.budget_pence,
                monthly[pool.pk][s.pk],
                outstanding[pool.pk].get(s.pk, 0),
            )
            schemes.append(forecasting.with_cuts(made, cuts.get(s.pk, 0)))
        contributions = {p.organisation.code: p.contribution_pence for p in pool.partners.all()}
        policy = policy_from_json(pool.risk_policy)
        settlement = forecasting.if_the_year_ends_as_forecast(policy, contributions, schemes)
        out[pool.pk] = Forecast(year_start, done[pool.pk][-1][1], len(done[pool.pk]), schemes,
                                settlement, sum(cuts.values()))  # fmt: skip
    return out


def agreed_cuts(pool: PooledBudget, year_start: int) -> dict[int, int]:
    """The uncommitted spending that agreed action plans stop, by scheme id."""
    return _cuts(pool.action_plans.filter(status=ActionPlan.Status.AGREED), year_start)


def _cuts(agreed, year_start: int) -> dict[int, int]:
    out: dict[int, int] = {}
    for plan in agreed:
        if plan.year_start != year_start:
            continue
        for scheme_id, pence in plan.cuts.items():
            out[int(scheme_id)] = out.get(int(scheme_id), 0) + int(pence)
    return out


@dataclass(frozen=True)
class ActionPlanInput:
    actions: str
    cuts: dict[int, int]  # scheme id -> pence of uncommitted spending not to make


def propose_action_plan(pool: PooledBudget, cmd: ActionPlanInput, actor) -> ActionPlan:
    """The pooled fund manager proposes actions for a forecast overspend (docs/domain.md section 5:
    the manager reports and proposes an action plan; the management group decides)."""
    if actor.pk != pool.fund_manager_id:
        raise PermissionDenied("Only the pooled fund manager proposes an action plan")
    year = pool_year(pool)
    f = forecast(pool, year)
    if f is None:
        raise refuse(NON_FIELD, "An action plan answers a forecast, and there is none now")
    if f.settlement.total_overspend == 0:
        raise refuse(NON_FIELD, "No overspend is forecast: there is nothing to plan for")
    problems = Problems()
    if not cmd.actions.strip():
        problems.add("actions", "Say what will be done about the forecast overspend")
    # The forecast follows the schemes' order.
    by_id = {s.pk: row for s, row in zip(pool.schemes.all(), f.schemes, strict=True)}
    for scheme_id, message in forecasting.cut_problems(cmd.cuts, by_id).items():
        problems.add(f"cuts.{scheme_id}", message)
    if pool.action_plans.filter(year_start=year, status=ActionPlan.Status.PROPOSED).exists():
        problems.add(NON_FIELD, "An action plan is already waiting for the partners' decision")
    problems.raise_if_any()
    try:
        with transaction.atomic():
            plan = ActionPlan.objects.create(
                pool=pool,
                year_start=year,
                actions=cmd.actions.strip(),
                cuts={str(k): v for k, v in cmd.cuts.items() if v},
                forecast_overspend_pence=f.settlement.total_overspend,
                forecast_as_at=f.as_at,
                proposed_by=actor,
                proposed_at=clock.now(),
            )
            audit.created(actor, plan, ("status", "actions", "cuts", "forecast_overspend_pence"))
    except IntegrityError:
        raise refuse(
            NON_FIELD, "An action plan is already waiting for the partners' decision"
        ) from None
    return plan


def decide_action_plan(
    plan: ActionPlan, partner: PoolPartner, agrees: bool, reasons: str, actor
) -> ActionPlan:
    """One partner's decision on the plan, by someone who keeps that partner's budget: agreed
    once every partner agrees, rejected as soon as one disagrees (with its reasons)."""
    if partner.pool_id != plan.pool_id:
        raise refuse("partner", "Not a partner of this pool")
    if not can_ledger(actor, LedgerAction.POST, partner.account):
        raise PermissionDenied("Only the partner's finance lead decides for it")
    if not agrees and not reasons.strip():
        raise refuse("reasons", "Give the reasons for disagreeing")
    with transaction.atomic():
        locked = ActionPlan.objects.select_for_update().get(pk=plan.pk)
        if locked.status != ActionPlan.Status.PROPOSED:
            raise refuse(NON_FIELD, f"The plan has been decided: {locked.get_status_display()}")
        if locked.decisions.filter(partner=partner).exists():
            raise refuse(NON_FIELD, f"{partner.organisation.display_name} has already decided")
        ActionPlanDecision.objects.create(
            plan=locked,
            partner=partner,
            agrees=agrees,
            reasons=reasons.strip(),
            decided_by=actor,
            decided_at=clock.now(),
        )
        decided = {
            d.partner.organisation.code: d.agrees
            for d in locked.decisions.select_related("partner__organisation")
        }
        codes = [p.organisation.code for p in locked.pool.partners.select_related("organisation")]
        status = forecasting.plan_status(decided, codes)
        with audit.changing(actor, locked, ("status",)) as change:
            if status.value != locked.status:
                locked.status = status.value
                locked.decided_at = clock.now()
                locked.save(update_fields=["status", "decided_at"])
            change.also("partner", None, partner.organisation.code)
            change.also("agrees", None, agrees)
            change.also("reasons", None, reasons.strip())
    return locked
