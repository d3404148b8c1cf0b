"""The personal health budget API (issue 7): a person's record, plans, statements and
payments, for the same people as the web pages and through the same services. Every request
for a person's record is logged; a refusal is the same 403 whether or not the record exists,
so nothing about another person leaks."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from ninja import Router, Schema

from commissioning.personal_budgets import services as phb
from commissioning.personal_budgets.models import Plan
from commissioning.personal_budgets.permissions import Action

from .types import Id, Month, RequestBody, Year

router = Router(tags=["personal health budgets"])


def _person(request, pk: Id, what: str, action=Action.VIEW_RECORD):
    return phb.require_record(request.user, pk, what, "api", action)


class PersonOut(Schema):
    id: int
    reference: str
    name: str
    entitlement: str
    status: str
    balance_pence: int | None
    plan_version: int | None
    next_review: dt.date | None


class ServiceOut(Schema):
    id: int
    name: str
    category: str
    provider: str
    annual_cost_pence: int


class FundingOut(Schema):
    source: str
    pence: int


class PlanOut(Schema):
    version: int
    status: str
    start_date: dt.date
    needs: str
    outcomes: str
    risks: str
    contingency: str
    mode: str
    recipient: str
    amount_pence: int
    agreed_on: dt.date | None
    services: list[ServiceOut]
    pooled_budget: str | None = None  # an integrated budget: the pool it is funded through
    scheme: str | None = None  # and the pool's scheme it is charged to
    funding: list[FundingOut] = []


class PaymentOut(Schema):
    id: int
    paid_on: dt.date
    payee: str
    description: str
    category: str
    amount_pence: int
    flagged: bool


class StatementOut(Schema):
    year: int
    month: int
    opening_pence: int
    money_in_pence: int
    money_out_pence: int
    closing_pence: int
    payments: list[PaymentOut]


class PaymentIn(RequestBody):
    key: str
    amount_pence: int
    category: str
    payee: str
    description: str
    paid_on: dt.date | None = None
    service_id: int | None = None


class PaidOut(Schema):
    payment: PaymentOut
    flagged: bool
    reason: str


def _out(p) -> dict:
    plan = phb.current_plan(p)
    return {
        "id": p.pk,
        "reference": p.reference,
        "name": p.name,
        "entitlement": p.entitlement,
        "status": p.status,
        "balance_pence": p.budget_account.balance_pence if p.budget_account_id else None,
        "plan_version": plan.version if plan else None,
        "next_review": phb.next_review(p),
    }


def _plan(plan: Plan) -> dict:
    return {
        **{
            f: getattr(plan, f)
            for f in (
                "version",
                "status",
                "start_date",
                "needs",
                "outcomes",
                "risks",
                "contingency",
                "mode",
                "recipient",
                "amount_pence",
                "agreed_on",
            )
        },
        "services": list(plan.services.all()),
        "pooled_budget": plan.pool.name if plan.pool_id else None,
        "scheme": plan.scheme.name if plan.scheme_id else None,
        "funding": [{"source": label, "pence": pence} for label, pence in plan.funding_lines],
    }


@router.get("/budgets/people", response=list[PersonOut])
def list_people(request):
    """The records the caller may see: their own, their caseload, or (auditors) their
    commissioner's. Each is logged as accessed."""
    people = list(phb.records_of(request.user).select_related("budget_account"))
    phb.log_access(request.user, [p.pk for p in people], "list", "api", True)
    return [_out(p) for p in people]


@router.get("/budgets/people/{pk}", response=PersonOut)
def get_person(request, pk: Id):
    return _out(_person(request, pk, "record"))


@router.get("/budgets/people/{pk}/plans/{version}", response=PlanOut)
def get_plan(request, pk: Id, version: Id):
    p = _person(request, pk, "plan document")
    plan = p.plans.filter(version=version).first()
    if plan is None:
        raise PermissionDenied(phb.REFUSED)
    return _plan(plan)


@router.get("/budgets/people/{pk}/statements/{year}/{month}", response=StatementOut)
def get_statement(request, pk: Id, year: Year, month: Month):
    p = _person(request, pk, "statement")
    s = phb.statement(p, year, month)
    return {
        **{
            f: getattr(s, f)
            for f in (
                "year",
                "month",
                "opening_pence",
                "money_in_pence",
                "money_out_pence",
                "closing_pence",
            )
        },
        "payments": s.payments,
    }


@router.post("/budgets/people/{pk}/payments", response={201: PaidOut, 200: PaidOut})
def post_payment(request, pk: Id, body: PaymentIn):
    """A payment from the budget. Prohibited purchases are refused (422) with the reason;
    spending outside the plan is paid and flagged; the same key again returns the payment
    already recorded (200)."""
    p = _person(request, pk, "payment", Action.RECORD_SPEND)
    paid = phb.record_payment(p, phb.PaymentInput(**body.dict()), request.user)
    status = 201 if paid.created else 200
    return status, {"payment": paid.payment, "flagged": paid.flagged, "reason": paid.reason}
