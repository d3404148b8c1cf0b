"""The API of issue 6: the ledger (accounts, idempotent transactions, verification),
pooled budgets, primary care decisions and the specialised month-end position. Money is
integer pence; the same services and permission checks as the web pages."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from commissioning.collaboration import pooled
from commissioning.collaboration import services as together
from commissioning.collaboration.models import (
    CoCommissioningArrangement,
    PooledBudget,
    SchemeCommitment,
)
from commissioning.collaboration.queries import pool_figures
from commissioning.ledger import services as ledger
from commissioning.ledger.permissions import Action as LedgerAction
from commissioning.ledger.permissions import can as can_ledger
from commissioning.ledger.reading import readable_account
from commissioning.ledger.rules import Entry, Leg
from commissioning.ledger.verify import verify_ledger
from commissioning.organisations.models import Organisation
from commissioning.specialised import services as specialised
from commissioning.specialised.models import LineBudget
from commissioning.specialised.permissions import Action as FinanceAction
from commissioning.specialised.permissions import can as can_finance

from .pagination import Pagination
from .types import Id, RequestBody

router = Router()


def _allow(allowed: bool, what: str) -> None:
    if not allowed:
        raise PermissionDenied(f"You do not have permission to {what}.")


class AccountOut(Schema):
    code: str
    name: str
    kind: str
    owner_code: str | None
    floor_pence: int | None
    balance_pence: int


class LegIn(RequestBody):
    account: str
    pence: int


class TransactionIn(RequestBody):
    key: str
    description: str
    kind: str = "transfer"
    value_date: dt.date | None = None
    legs: list[LegIn]


class TransactionOut(Schema):
    id: int
    key: str
    created: bool
    value_date: dt.date


class VerifyOut(Schema):
    ok: bool
    transactions: int
    postings: int
    accounts: int
    statements: int
    violation: str


@router.get("/ledger/accounts/{code}", response=AccountOut, tags=["ledger"])
def get_account(request, code: str):
    """An account and its balance (the sum of its postings)."""
    a = readable_account(request.user, code, "api")
    return AccountOut(
        code=a.code,
        name=a.name,
        kind=a.kind,
        owner_code=a.owner.code if a.owner else None,
        floor_pence=a.floor_pence,
        balance_pence=a.balance_pence,
    )


@router.post(
    "/ledger/transactions", response={200: TransactionOut, 201: TransactionOut}, tags=["ledger"]
)
def post_transaction(request, body: TransactionIn):
    """Post a balanced transaction once. Sending it again with the same ``key`` returns the
    transaction already posted (200) instead of posting it twice; a new one is 201. A
    transaction that would take a budget below its limit is refused whole (422)."""
    entry = Entry(
        body.key,
        body.description,
        tuple(Leg(leg.account, leg.pence) for leg in body.legs),
        body.kind,
    )
    posted = ledger.post(entry, request.user, value_date=body.value_date)
    t = posted.transaction
    out = TransactionOut(id=t.pk, key=t.key, created=posted.created, value_date=t.value_date)
    return (201 if posted.created else 200), out


@router.get("/ledger/verify", response=VerifyOut, tags=["ledger"])
def verify(request):
    """Every invariant of the ledger; ``violation`` names the first one broken."""
    _allow(can_ledger(request.user, LedgerAction.VERIFY_LEDGER), "verify the ledger")
    r = verify_ledger()
    return VerifyOut(
        ok=r.ok,
        transactions=r.transactions,
        postings=r.postings,
        accounts=r.accounts,
        statements=r.statements,
        violation=r.violation,
    )


class PartnerOut(Schema):
    code: str
    name: str
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


class PrimaryCareDecisionIn(RequestBody):
    function: str
    subject: str
    decision: str
    consultation: str = ""


class PrimaryCareDecisionOut(Schema):
    id: int
    function: str
    decided_as: str


@router.post(
    "/primary-care/arrangements/{arrangement_id}/decisions",
    response={201: PrimaryCareDecisionOut},
    tags=["commissioning together"],
)
def decide(request, arrangement_id: Id, body: PrimaryCareDecisionIn):
    """Record a primary care decision; only the body the co-commissioning model gives the
    function to may take it (403 otherwise)."""
    a = get_object_or_404(CoCommissioningArrangement, pk=arrangement_id)
    made = together.decide(a, together.DecisionInput(**body.dict()), request.user)
    return 201, PrimaryCareDecisionOut(
        id=made.pk, function=made.function, decided_as=made.decided_as
    )


class LinePositionOut(Schema):
    line: str
    name: str
    year_start: int
    budget_pence: int
    plan_to_date_pence: int
    actual_to_date_pence: int
    forecast_outturn_pence: int
    forecast_variance_pence: int
    months: int
    variation_icon: str | None
    alert: str


@router.get(
    "/specialised/{commissioner_code}/month-end",
    response=list[LinePositionOut],
    tags=["specialised commissioning"],
)
def month_end(request, commissioner_code: str):
    """Each specialised service line's month-end position for the latest year."""
    org = get_object_or_404(Organisation, code=commissioner_code.upper())
    _allow(
        can_finance(request.user, FinanceAction.VIEW_FINANCE, org.pk),
        "see this commissioner's specialised budgets",
    )
    lines = LineBudget.objects.filter(commissioner=org)
    latest = max(lines.values_list("year_start", flat=True), default=None)
    return [_line_position(line) for line in lines.filter(year_start=latest)]


def _line_position(line: LineBudget) -> LinePositionOut:
    p = specialised.position(line)
    f = p.figures
    return LinePositionOut(
        line=line.line,
        name=line.get_line_display(),
        year_start=line.year_start,
        budget_pence=f.budget,
        plan_to_date_pence=f.plan_to_date,
        actual_to_date_pence=f.actual_to_date,
        forecast_outturn_pence=f.forecast,
        forecast_variance_pence=f.forecast_variance,
        months=len(p.months),
        variation_icon=p.variation_icon,
        alert=p.alert,
    )


class MonthIn(RequestBody):
    month: dt.date = Field(description="Any day of the month the figures are for")
    spend_pence: int = Field(ge=0)
    activity: int = Field(ge=0, description="Activity in the line's unit (spells, patients)")


@router.post(
    "/specialised/lines/{line_id}/months",
    response=LinePositionOut,
    tags=["specialised commissioning"],
)
def record_month(request, line_id: Id, payload: MonthIn):
    """Record a service line's spend and activity for a month (a finance lead of its
    commissioner); the answer is the line's month-end position."""
    line = get_object_or_404(LineBudget.objects.select_related("commissioner"), pk=line_id)
    _allow(can_finance(request.user, FinanceAction.VIEW_FINANCE, line.commissioner_id),
           "see this commissioner's specialised budgets")  # fmt: skip
    _allow(can_finance(request.user, FinanceAction.MANAGE_FINANCE, line.commissioner_id),
           "record this commissioner's specialised spending")  # fmt: skip
    specialised.record_month(
        line, payload.month, payload.spend_pence, payload.activity, request.user
    )
    return _line_position(line)


class StatementIn(RequestBody):
    month: dt.date = Field(description="Any day of the month the statement is for (ended)")


class IssuedStatementOut(Schema):
    account: str
    period_start: dt.date
    period_end: dt.date
    opening_pence: int
    closing_pence: int


@router.post(
    "/ledger/accounts/{code}/statements", response={201: IssuedStatementOut}, tags=["ledger"]
)
def issue_statement(request, code: str, payload: StatementIn):
    """Issue (and so close) an account's statement for a month that has ended."""
    a = readable_account(request.user, code, "api")
    start = payload.month.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    s = ledger.issue_statement(a, start, end, request.user)
    return 201, {"account": a.code, "period_start": s.period_start, "period_end": s.period_end,
                 "opening_pence": s.opening_pence, "closing_pence": s.closing_pence}  # fmt: skip
