"""Pooled budgets in the JSON API: the agreement, contributions, spending, commitments and their
release, the forecast, action plans and each partner's decision, the year-end settlement and
each partner's share. Every movement of money carries an idempotency ``key`` (the same key
again returns what was posted, 200, instead of posting twice); a problem is a 422 by field, a
refusal a 403.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from commissioning.collaboration import pooled
from commissioning.collaboration.models import (
    ActionPlan,
    PooledBudget,
    SchemeCommitment,
)
from commissioning.collaboration.permissions import Action, can, visible_pools
from commissioning.collaboration.queries import pool_figures
from commissioning.collaboration.rules import risk_share
from commissioning.ledger.permissions import Action as LedgerAction
from commissioning.ledger.permissions import can as can_ledger
from commissioning.organisations.models import User
from commissioning.organisations.permissions import current_memberships

from .commands import body_for
from .common import _allow, _org
from .pagination import Pagination
from .types import Id, OrgName, RequestBody, Year

router = Router()


class PartnerOut(Schema):
    code: str
    name: OrgName
    agreed_pence: int
    paid_pence: int


class SchemeOut(Schema):
    name: str
    lead_code: str
    budget_pence: int
    spent_pence: int
    integrated_personal_budgets_pence: int = 0  # of the spent: people's integrated budgets
    committed_pence: int = 0  # outstanding commitments: ordered or contracted, not yet spent


class PoolOut(Schema):
    id: int
    name: str
    kind: str
    host_code: str
    balance_pence: int
    partners: list[PartnerOut]
    schemes: list[SchemeOut]
    settlements: list[dict]


@router.get("/pools/{pool_id}", response=PoolOut, tags=["commissioning together"])
def get_pool(request, pool_id: Id):
    """A pooled budget: contributions agreed and paid, spend by scheme, year-end settlements."""
    p = pooled.readable_pool(
        request.user, pool_id, PooledBudget.objects.select_related("host", "pool_account")
    )
    partners, schemes = pool_figures(p)
    committed = pooled.committed(p)
    return PoolOut(
        id=p.pk,
        name=p.name,
        kind=p.kind,
        host_code=p.host.code,
        balance_pence=p.pool_account.balance_pence,
        partners=[
            PartnerOut(
                code=r["p"].organisation.code,
                name=r["p"].organisation.name,
                agreed_pence=r["p"].contribution_pence,
                paid_pence=r["paid"],
            )
            for r in partners
        ],
        schemes=[
            SchemeOut(
                name=r["s"].name,
                lead_code=r["s"].lead.organisation.code,
                budget_pence=r["s"].budget_pence,
                spent_pence=r["spent"],
                integrated_personal_budgets_pence=r["integrated"],
                committed_pence=committed.get(r["s"].pk, 0),
            )
            for r in schemes
        ],
        settlements=[{"year_start": s.year_start, **s.figures} for s in p.settlements.all()],
    )


class CommitmentIn(RequestBody):
    scheme_id: int
    reference: str
    supplier: str
    description: str
    amount_pence: int
    made_on: dt.date
    key: str  # the same key sent again returns the commitment already recorded (200)


class CommitmentOut(Schema):
    id: int
    scheme: str
    reference: str
    supplier: str
    description: str
    amount_pence: int
    made_on: dt.date
    spent_against_pence: int
    outstanding_pence: int
    released_on: dt.date | None
    release_reason: str


def _commitment_out(r: pooled.CommitmentPosition) -> CommitmentOut:
    c = r.commitment
    return CommitmentOut(
        id=c.pk,
        scheme=c.scheme.name,
        reference=c.reference,
        supplier=c.supplier,
        description=c.description,
        amount_pence=c.amount_pence,
        made_on=c.made_on,
        spent_against_pence=r.spent_pence,
        outstanding_pence=r.outstanding_pence,
        released_on=c.released_on,
        release_reason=c.release_reason,
    )


@router.get(
    "/pools/{pool_id}/commitments",
    response=list[CommitmentOut],
    tags=["commissioning together"],
)
@paginate(Pagination)
def list_commitments(request, pool_id: Id):
    """A pooled budget's commitments: orders and contracts, what has been spent against each
    and what is outstanding."""
    pool = pooled.readable_pool(request.user, pool_id)
    return [_commitment_out(r) for r in pooled.commitments(pool)]


@router.post(
    "/pools/{pool_id}/commitments",
    response={200: CommitmentOut, 201: CommitmentOut},
    tags=["commissioning together"],
)
def record_commitment(request, pool_id: Id, body: CommitmentIn):
    """Record a scheme's commitment (those who keep the pooled fund; 403 otherwise). The same
    ``key`` again returns the commitment already recorded (200); a problem is 422 by field."""
    pool = pooled.readable_pool(request.user, pool_id)
    if not pool.schemes.filter(pk=body.scheme_id).exists():
        raise ValidationError({"scheme_id": [f"Choose one of the schemes of {pool.name}"]})
    existed = SchemeCommitment.objects.filter(key=body.key).exists()
    made = pooled.commit(pooled.CommitmentInput(**body.dict()), request.user)
    spent = pooled.spent_against(made)
    position = pooled.CommitmentPosition(made, spent, pooled.outstanding(made, spent))
    return (200 if existed else 201), _commitment_out(position)


class ForecastSchemeOut(Schema):
    name: str
    lead_code: str
    budget_pence: int
    spent_pence: int
    committed_pence: int
    forecast_pence: int
    variance_pence: int
    uncommitted_pence: int


class ForecastOut(Schema):
    as_at: dt.date
    months: int
    schemes: list[ForecastSchemeOut]
    total_overspend_pence: int
    covered_pence: dict[str, int]  # by step of the agreement's order
    partners: dict[str, dict[str, int]]  # code -> would pay, would get back


@router.get("/pools/{pool_id}/forecast", response=ForecastOut, tags=["commissioning together"])
def get_forecast(request, pool_id: Id):
    """The year's forecast by scheme at the end of the last complete month, and what the risk
    share would do if the year ended as forecast (404 before a month is complete or after the
    year)."""
    pool = pooled.readable_pool(request.user, pool_id)
    f = pooled.forecast(pool, pooled.pool_year(pool))
    if f is None:
        raise Http404("There is no forecast: the year has not had a complete month, or has ended")
    result = f.settlement
    return ForecastOut(
        as_at=f.as_at,
        months=f.months,
        schemes=[
            ForecastSchemeOut(
                name=s.name,
                lead_code=s.lead,
                budget_pence=s.budget_pence,
                spent_pence=s.spent_pence,
                committed_pence=s.committed_pence,
                forecast_pence=s.forecast_pence,
                variance_pence=s.variance_pence,
                uncommitted_pence=s.uncommitted_pence,
            )
            for s in f.schemes
        ],
        total_overspend_pence=result.total_overspend,
        covered_pence={step.value: pence for step, pence in result.covered.items()},
        partners={
            code: {
                "pays_pence": result.partners_pay.get(code, 0),
                "returned_pence": result.returned.get(code, 0),
            }
            for code in sorted(set(result.partners_pay) | set(result.returned))
        },
    )


TAGS = ["commissioning together"]


class PoolSummaryOut(Schema):
    id: int
    name: str
    kind: str
    host_code: str
    account: str
    start_date: dt.date
    end_date: dt.date


@router.get("/pools", response=list[PoolSummaryOut], tags=TAGS)
@paginate(Pagination)
def list_pools(request):
    """The pooled budgets whose partners this person works for."""
    _allow(can(request.user, Action.VIEW_COLLABORATION), "see commissioning together")
    pools = visible_pools(request.user, PooledBudget.objects.select_related("host", "pool_account"))
    return [
        {"id": p.pk, "name": p.name, "kind": p.kind, "host_code": p.host.code,
         "account": p.pool_account.code, "start_date": p.start_date, "end_date": p.end_date}
        for p in pools.order_by("pk")
    ]  # fmt: skip


class PoolPartnerIn(RequestBody):
    organisation: str = Field(description="The partner's ODS code")
    contribution_pence: int = Field(gt=0)
    account: str = Field(description="The partner's budget the contribution comes from")


class PoolSchemeIn(RequestBody):
    name: str = Field(max_length=200)
    lead: str = Field(description="The lead partner's ODS code")
    budget_pence: int = Field(gt=0)


_DEFAULT_POLICY = risk_share.Policy()


class RiskShareIn(RequestBody):
    """The agreement's risk share (docs/domain.md section 5); the defaults are the platform's."""

    risk_pool_pence: int = Field(_DEFAULT_POLICY.risk_pool_pence, ge=0)
    overspend_bearer: str = Field(
        _DEFAULT_POLICY.overspend_bearer.value,
        description="Who bears an overspend: " + ", ".join(b.value for b in risk_share.Bearer),
    )
    fixed_shares: dict[str, int] = Field(
        default_factory=dict, description="With fixed: ODS code to its share"
    )
    underspend: str = Field(
        _DEFAULT_POLICY.underspend.value,
        description="What happens to an underspend: "
        + ", ".join(u.value for u in risk_share.Underspend),
    )


# The agreement's fields are the service's command's (pooled.PoolInput): declared once. The API
# names organisations by ODS code and the manager by username where the command holds ids.
PoolIn = body_for(
    pooled.PoolInput,
    "PoolIn",
    exclude=("host_id", "fund_manager_id", "partners", "schemes", "policy"),
    host=(str, Field(description="The host partner's ODS code")),
    fund_manager=(str, Field(description="The pooled fund manager's username")),
    partners=(list[PoolPartnerIn], Field(min_length=1, max_length=20)),
    schemes=(list[PoolSchemeIn], Field(default_factory=list, max_length=50)),
    risk_share=(RiskShareIn, Field(default_factory=RiskShareIn)),
)


def _hosts(user) -> set[int]:
    return {m.organisation_id for m in current_memberships(user)
            if m.role in ("finance_lead", "administrator")}  # fmt: skip


@router.post("/pools", response={201: PoolSummaryOut}, tags=TAGS)
def create_pool(request, payload: PoolIn):
    """Record a pooled budget's written agreement and open its accounts (a finance lead of the
    host partner records it)."""
    _allow(can(request.user, Action.VIEW_COLLABORATION), "see commissioning together")
    host = _org(payload.host, "host")
    _allow(host.pk in _hosts(request.user), "record a pooled budget hosted by this partner")
    manager = User.objects.filter(username=payload.fund_manager).first()
    if manager is None:
        raise ValidationError({"fund_manager": ["No user has this username"]})
    partners = [_org(p.organisation, f"partners.{i}.organisation")
                for i, p in enumerate(payload.partners)]  # fmt: skip
    leads = [_org(s.lead, f"schemes.{i}.lead") for i, s in enumerate(payload.schemes)]
    try:
        policy = risk_share.Policy(
            risk_pool_pence=payload.risk_share.risk_pool_pence,
            overspend_bearer=risk_share.Bearer(payload.risk_share.overspend_bearer),
            fixed_shares=dict(payload.risk_share.fixed_shares),
            underspend=risk_share.Underspend(payload.risk_share.underspend),
        )
    except ValueError:
        raise ValidationError(
            {"risk_share": ["Give the overspend bearer and the underspend as the schema lists"]}
        ) from None
    made = pooled.create_pool(
        pooled.PoolInput(
            code=payload.code,
            name=payload.name,
            kind=payload.kind,
            host_id=host.pk,
            fund_manager_id=manager.pk,
            **{f: getattr(payload, f) for f in pooled.AGREEMENT_FIELDS},
            start_date=payload.start_date,
            end_date=payload.end_date,
            review_dates=tuple(payload.review_dates),
            partners=tuple(
                pooled.PartnerInput(org.pk, p.contribution_pence, p.account)
                for org, p in zip(partners, payload.partners, strict=True)
            ),
            schemes=tuple(
                pooled.SchemeInput(s.name, lead.pk, s.budget_pence)
                for lead, s in zip(leads, payload.schemes, strict=True)
            ),
            policy=policy,
            overdraft_pence=payload.overdraft_pence,
        ),
        request.user,
    )
    return 201, {"id": made.pk, "name": made.name, "kind": made.kind, "host_code": host.code,
                 "account": made.pool_account.code, "start_date": made.start_date,
                 "end_date": made.end_date}  # fmt: skip


def _partner(pool: PooledBudget, code: str):
    """The pool's partner a body names by ODS code (a 422 naming ``partner`` if none)."""
    partner = (
        pool.partners.select_related("organisation", "account")
        .filter(organisation__code=code.upper())
        .first()
    )
    if partner is None:
        raise ValidationError({"partner": [f"Not a partner of {pool.name}"]})
    return partner


class MoneyMovedOut(Schema):
    transaction_id: int
    key: str
    created: bool
    value_date: dt.date


def _moved(posted) -> tuple[int, dict]:
    t = posted.transaction
    out = {"transaction_id": t.pk, "key": t.key, "created": posted.created,
           "value_date": t.value_date}  # fmt: skip
    return (201 if posted.created else 200), out


class ContributionIn(RequestBody):
    partner: str = Field(description="The contributing partner's ODS code")
    amount_pence: int = Field(gt=0)
    key: str = Field(max_length=100, description="Idempotency key")
    value_date: dt.date | None = None


@router.post(
    "/pools/{pool_id}/contributions", response={200: MoneyMovedOut, 201: MoneyMovedOut}, tags=TAGS
)
def contribute(request, pool_id: Id, payload: ContributionIn):
    """A partner pays (part of) its contribution into the pool, from its own budget (its
    finance lead does)."""
    pool = pooled.readable_pool(request.user, pool_id)
    partner = _partner(pool, payload.partner)
    posted = pooled.contribute(
        partner, payload.amount_pence, payload.key, request.user, payload.value_date
    )
    return _moved(posted)


class SpendIn(RequestBody):
    scheme_id: int = Field(ge=1)
    amount_pence: int = Field(gt=0)
    description: str = Field(max_length=200)
    key: str = Field(max_length=100, description="Idempotency key")
    value_date: dt.date | None = None
    commitment_id: int | None = Field(None, description="Spent against this commitment")


def _keeps(request, pool: PooledBudget) -> None:
    _allow(can_ledger(request.user, LedgerAction.POST, pool.pool_account),
           "spend from this pooled fund (those who keep it do)")  # fmt: skip


@router.post(
    "/pools/{pool_id}/spending", response={200: MoneyMovedOut, 201: MoneyMovedOut}, tags=TAGS
)
def record_spend(request, pool_id: Id, payload: SpendIn):
    """Spending on a scheme, paid from the pooled fund (against a commitment if one is named:
    never more than it has outstanding)."""
    pool = pooled.readable_pool(request.user, pool_id)
    _keeps(request, pool)
    scheme = (
        pool.schemes.select_related("pool__pool_account", "spend_account")
        .filter(pk=payload.scheme_id)
        .first()
    )
    if scheme is None:
        raise ValidationError({"scheme_id": [f"Choose one of the schemes of {pool.name}"]})
    commitment = None
    if payload.commitment_id is not None:
        commitment = SchemeCommitment.objects.filter(pk=payload.commitment_id).first()
        if commitment is None:
            raise ValidationError({"commitment_id": ["No such commitment"]})
    posted = pooled.record_spend(
        scheme, payload.amount_pence, payload.key, payload.description, request.user,
        payload.value_date, commitment,
    )  # fmt: skip
    return _moved(posted)


class ReleaseIn(RequestBody):
    reason: str = Field(max_length=200, examples=["The order was cancelled"])


class ReleasedOut(Schema):
    id: int
    reference: str
    released_on: dt.date | None
    release_reason: str


@router.post("/commitments/{commitment_id}/release", response=ReleasedOut, tags=TAGS)
def release_commitment(request, commitment_id: Id, payload: ReleaseIn):
    """Release what is left of a commitment: nothing more is outstanding on it."""
    commitment = get_object_or_404(
        SchemeCommitment.objects.select_related("scheme__pool__pool_account"), pk=commitment_id
    )
    pooled.readable_pool(request.user, commitment.scheme.pool_id)
    released = pooled.release(commitment, payload.reason, request.user)
    return {
        "id": released.pk,
        "reference": released.reference,
        "released_on": released.released_on,
        "release_reason": released.release_reason,
    }


class SettlementOut(Schema):
    year_start: int
    figures: dict


@router.post("/pools/{pool_id}/settlements", response={201: SettlementOut}, tags=TAGS)
def settle_year(request, pool_id: Id):
    """Settle the pool's current year by the agreement's risk share (those who keep the fund)."""
    pool = pooled.readable_pool(request.user, pool_id)
    _keeps(request, pool)
    settlement = pooled.settle_year(pool, pooled.pool_year(pool), request.user)
    return 201, {"year_start": settlement.year_start, "figures": settlement.figures}


class ShareIn(RequestBody):
    partner: str = Field(description="The paying partner's ODS code")


@router.post(
    "/pools/{pool_id}/settlements/{year_start}/payments",
    response={200: MoneyMovedOut, 201: MoneyMovedOut},
    tags=TAGS,
)
def pay_share(request, pool_id: Id, year_start: Year, payload: ShareIn):
    """A partner pays what the settlement says it owes towards the overspend (once)."""
    pool = pooled.readable_pool(request.user, pool_id)
    settlement = get_object_or_404(pool.settlements, year_start=year_start)
    partner = _partner(pool, payload.partner)
    _allow(can_ledger(request.user, LedgerAction.POST, partner.account),
           "pay this partner's share (its finance lead does)")  # fmt: skip
    return _moved(pooled.pay_share(settlement, partner, request.user))


class PlanDecisionOut(Schema):
    partner_code: str
    agrees: bool
    reasons: str


class ActionPlanOut(Schema):
    id: int
    year_start: int
    status: str
    actions: str
    cuts_pence: dict[str, int] = Field(description="Scheme id: uncommitted spending not made")
    forecast_overspend_pence: int
    forecast_as_at: dt.date
    decisions: list[PlanDecisionOut]


def _plan_out(plan: ActionPlan) -> dict:
    return {
        "id": plan.pk, "year_start": plan.year_start, "status": plan.status,
        "actions": plan.actions, "cuts_pence": dict(plan.cuts),
        "forecast_overspend_pence": plan.forecast_overspend_pence,
        "forecast_as_at": plan.forecast_as_at,
        "decisions": [
            {"partner_code": d.partner.organisation.code, "agrees": d.agrees,
             "reasons": d.reasons}
            for d in plan.decisions.select_related("partner__organisation")
        ],
    }  # fmt: skip


@router.get("/pools/{pool_id}/action-plans", response=list[ActionPlanOut], tags=TAGS)
@paginate(Pagination)
def list_action_plans(request, pool_id: Id):
    pool = pooled.readable_pool(request.user, pool_id)
    return [_plan_out(p) for p in pool.action_plans.order_by("-proposed_at", "-pk")]


class ActionPlanIn(RequestBody):
    actions: str = Field(examples=["Pause the second reablement team until April"])
    cuts_pence: dict[int, int] = Field(
        default_factory=dict, description="Scheme id: uncommitted spending not to make (pence)"
    )


@router.post("/pools/{pool_id}/action-plans", response={201: ActionPlanOut}, tags=TAGS)
def propose_action_plan(request, pool_id: Id, payload: ActionPlanIn):
    """The pooled fund manager proposes actions for a forecast overspend; the partners decide."""
    pool = pooled.readable_pool(request.user, pool_id)
    plan = pooled.propose_action_plan(
        pool, pooled.ActionPlanInput(payload.actions, dict(payload.cuts_pence)), request.user
    )
    return 201, _plan_out(plan)


class PlanDecisionIn(RequestBody):
    partner: str = Field(description="The deciding partner's ODS code")
    agrees: bool
    reasons: str = Field("", description="Needed when the partner disagrees")


@router.post("/action-plans/{plan_id}/decisions", response=ActionPlanOut, tags=TAGS)
def decide_action_plan(request, plan_id: Id, payload: PlanDecisionIn):
    """One partner's decision on the plan, by someone who keeps that partner's budget: agreed
    once every partner agrees, rejected as soon as one disagrees."""
    plan = get_object_or_404(ActionPlan.objects.select_related("pool"), pk=plan_id)
    pool = pooled.readable_pool(request.user, plan.pool_id)
    partner = _partner(pool, payload.partner)
    decided = pooled.decide_action_plan(
        plan, partner, payload.agrees, payload.reasons, request.user
    )
    return _plan_out(decided)
