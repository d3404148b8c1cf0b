"""The personal health budget API (issue 7): a person's record, plans, statements and
payments, for the same people as the web pages and through the same services. Every request
for a person's record is logged; a refusal is the same 403 whether or not the record exists,
so nothing about another person leaks."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from ninja import Field, Router, Schema

from commissioning.personal_budgets import services as phb
from commissioning.personal_budgets.models import Plan
from commissioning.personal_budgets.permissions import Action

from .commands import body_for, command_from
from .common import _org
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


# --- What a care coordinator, a holder and their family do (the same services as the pages) ---
# Request bodies are the services' own commands (api.commands): declared once.

PersonIn = body_for(
    phb.PersonInput, "PersonIn", exclude=("commissioner_id",),
    commissioner=(str, Field(description="The commissioner's ODS code (your caseload's)")),
)  # fmt: skip
AssessmentIn = body_for(phb.AssessmentInput, "AssessmentIn")
BudgetPlanIn = body_for(phb.PlanInput, "BudgetPlanIn")
AgreementIn = body_for(phb.AgreeInput, "AgreementIn")
ReviewIn = body_for(phb.ReviewInput, "ReviewIn")
RepaymentNoticeIn = body_for(phb.RepaymentInput, "RepaymentNoticeIn")
RepaidIn = body_for(phb.RepaidInput, "RepaidIn")
StopIn = body_for(phb.StopInput, "StopIn")
ReconsiderationIn = body_for(phb.ReconsiderationInput, "ReconsiderationIn")
ReconsiderationDecisionIn = body_for(phb.DecideInput, "ReconsiderationDecisionIn")


class SignInLinkIn(RequestBody):
    link: str = Field(description="holder, representative or nominee")
    username: str = Field("", description="An existing citizen account; empty removes the link")


class RecordedOut(Schema):
    id: int
    what: str
    status: str = ""


def _recorded(obj, what: str) -> dict:
    return {"id": obj.pk, "what": what, "status": str(getattr(obj, "status", "") or "")}


def _managed(request, pk: Id, what: str):
    return _person(request, pk, what, Action.MANAGE_RECORD)


@router.post("/budgets/people", response={201: PersonOut})
def record_person(request, body: PersonIn):
    """Record a person on your caseload (a care coordinator of the commissioner)."""
    org = _org(body.commissioner, "commissioner")
    person = phb.record_person(
        command_from(body, phb.PersonInput, commissioner_id=org.pk), request.user
    )
    return 201, _out(person)


@router.post("/budgets/people/{pk}/sign-in-links", response=PersonOut)
def link_sign_in(request, pk: Id, body: SignInLinkIn):
    """Give the person, their representative or their nominee a sign-in (a citizen account
    with no staff membership); they are told when they next sign in."""
    p = _managed(request, pk, "sign-in")
    return _out(phb.link_sign_in(p, body.link, body.username, request.user))


@router.post("/budgets/people/{pk}/assessments", response={201: RecordedOut})
def assess(request, pk: Id, body: AssessmentIn):
    """The needs assessment: the Decision Support Tool's domains and the decision."""
    p = _managed(request, pk, "assessment")
    made = phb.assess(p, command_from(body, phb.AssessmentInput), request.user)
    return 201, _recorded(made, "assessment")


@router.post("/budgets/people/{pk}/plans", response={201: PlanOut})
def draft_plan(request, pk: Id, body: BudgetPlanIn):
    """A care and support plan, drafted (it replaces the plan once agreed)."""
    p = _managed(request, pk, "plan")
    return 201, _plan(phb.draft_plan(p, command_from(body, phb.PlanInput), request.user))


@router.post("/budgets/people/{pk}/plans/{version}/agreement", response=PlanOut)
def agree_plan(request, pk: Id, version: Id, body: AgreementIn):
    """The person (or their representative) and the coordinator agree the plan."""
    p = _managed(request, pk, "plan")
    plan = p.plans.filter(version=version).first()
    if plan is None:
        raise PermissionDenied(phb.REFUSED)
    return _plan(phb.agree_plan(plan, command_from(body, phb.AgreeInput), request.user))


@router.post("/budgets/people/{pk}/payments/{payment_id}/review", response=PaymentOut)
def clear_flag(request, pk: Id, payment_id: Id):
    """The coordinator has reviewed a payment made outside the plan."""
    p = _managed(request, pk, "payment")
    payment = p.payments.filter(pk=payment_id).first()
    if payment is None:
        raise PermissionDenied(phb.REFUSED)
    return phb.clear_flag(payment, request.user)


@router.post("/budgets/people/{pk}/reviews", response={201: RecordedOut})
def record_review(request, pk: Id, body: ReviewIn):
    p = _managed(request, pk, "review")
    return 201, _recorded(
        phb.record_review(p, command_from(body, phb.ReviewInput), request.user), "review"
    )


@router.post("/budgets/people/{pk}/repayment-notices", response={201: RecordedOut})
def issue_repayment_notice(request, pk: Id, body: RepaymentNoticeIn):
    """A written notice to repay, with the reasons, the amount and the deadline."""
    p = _managed(request, pk, "repayment")
    made = phb.issue_repayment_notice(p, command_from(body, phb.RepaymentInput), request.user)
    return 201, _recorded(made, "repayment notice")


@router.post(
    "/budgets/people/{pk}/repayment-notices/{notice_id}/repayments", response={201: RecordedOut}
)
def record_repayment(request, pk: Id, notice_id: Id, body: RepaidIn):
    """Money repaid under a notice (the same ``key`` again records it once)."""
    p = _managed(request, pk, "repayment")
    notice = p.repayment_notices.filter(pk=notice_id).first()
    if notice is None:
        raise PermissionDenied(phb.REFUSED)
    repaid = phb.record_repayment(notice, command_from(body, phb.RepaidInput), request.user)
    return 201, _recorded(repaid.repayment, "repayment")


@router.post("/budgets/people/{pk}/direct-payments/stop", response={201: RecordedOut})
def stop_direct_payments(request, pk: Id, body: StopIn):
    p = _managed(request, pk, "stopping")
    made = phb.stop_direct_payments(p, command_from(body, phb.StopInput), request.user)
    return 201, _recorded(made, "decision to stop direct payments")


@router.post("/budgets/people/{pk}/reconsiderations", response={201: RecordedOut})
def request_reconsideration(request, pk: Id, body: ReconsiderationIn):
    """The person, their representative or nominee (or the coordinator for them) asks for a
    decision to be reconsidered."""
    p = _person(request, pk, "reconsideration", Action.REQUEST_RECONSIDERATION)
    made = phb.request_reconsideration(
        p, command_from(body, phb.ReconsiderationInput), request.user
    )
    return 201, _recorded(made, "reconsideration")


@router.post("/budgets/people/{pk}/reconsiderations/{rid}/decision", response=RecordedOut)
def decide_reconsideration(request, pk: Id, rid: Id, body: ReconsiderationDecisionIn):
    """The decision on a reconsideration, with its reasons."""
    p = _managed(request, pk, "reconsideration")
    r = p.reconsiderations.filter(pk=rid).first()
    if r is None:
        raise PermissionDenied(phb.REFUSED)
    made = phb.decide_reconsideration(r, command_from(body, phb.DecideInput), request.user)
    return _recorded(made, "reconsideration")
