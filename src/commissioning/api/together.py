"""The API of issue 6: the ledger (accounts, idempotent transactions, verification),
pooled budgets, primary care decisions and the specialised month-end position. Money is
integer pence; the same services and permission checks as the web pages."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from commissioning.collaboration import pooled
from commissioning.collaboration import services as together
from commissioning.collaboration.models import CoCommissioningArrangement, PooledBudget
from commissioning.collaboration.permissions import Action as TogetherAction
from commissioning.collaboration.permissions import can as can_together
from commissioning.ledger import services as ledger
from commissioning.ledger.models import Account
from commissioning.ledger.permissions import Action as LedgerAction
from commissioning.ledger.permissions import can as can_ledger
from commissioning.ledger.rules import Entry, Leg
from commissioning.ledger.verify import verify_ledger
from commissioning.organisations.models import Organisation
from commissioning.specialised import services as specialised
from commissioning.specialised.models import LineBudget
from commissioning.specialised.permissions import Action as FinanceAction
from commissioning.specialised.permissions import can as can_finance

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


class LegIn(Schema):
    account: str
    pence: int


class TransactionIn(Schema):
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
    _allow(can_ledger(request.user, LedgerAction.VIEW_LEDGER), "see the ledger")
    a = get_object_or_404(Account.objects.select_related("owner"), code=code)
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
def get_pool(request, pool_id: int):
    """A pooled budget: contributions agreed and paid, spend by scheme, year-end settlements."""
    _allow(can_together(request.user, TogetherAction.VIEW_COLLABORATION), "see pooled budgets")
    from commissioning.collaboration.views import _pool_figures

    p = get_object_or_404(PooledBudget.objects.select_related("host", "pool_account"), pk=pool_id)
    partners, schemes = _pool_figures(p)
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
                committed_pence=pooled.committed(r["s"]),
            )
            for r in schemes
        ],
        settlements=[{"year_start": s.year_start, **s.figures} for s in p.settlements.all()],
    )


class DecisionIn(Schema):
    function: str
    subject: str
    decision: str
    consultation: str = ""


class DecisionOut(Schema):
    id: int
    function: str
    decided_as: str


@router.post(
    "/primary-care/arrangements/{arrangement_id}/decisions",
    response={201: DecisionOut},
    tags=["commissioning together"],
)
def decide(request, arrangement_id: int, body: DecisionIn):
    """Record a primary care decision; only the body the co-commissioning model gives the
    function to may take it (403 otherwise)."""
    a = get_object_or_404(CoCommissioningArrangement, pk=arrangement_id)
    made = together.decide(a, together.DecisionInput(**body.dict()), request.user)
    return 201, DecisionOut(id=made.pk, function=made.function, decided_as=made.decided_as)


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
    out = []
    for line in lines.filter(year_start=latest):
        p = specialised.position(line)
        f = p.figures
        out.append(
            LinePositionOut(
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
        )
    return out
