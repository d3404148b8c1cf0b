"""Spending from the budget: prohibited purchases refused, spending outside the plan flagged."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from commissioning import clock, money
from commissioning.audit import chain as audit
from commissioning.ledger import services as ledger
from commissioning.ledger.models import Account
from commissioning.ledger.rules import Entry, Leg
from commissioning.ledger.services import BelowFloor
from commissioning.validation import NON_FIELD, Problems, refuse

from ..models import (
    Payment,
    Person,
    RefusedPayment,
)
from ..permissions import Action, require
from ..rules import spending
from .people import _acting_for
from .plans import current_plan


@dataclass(frozen=True)
class PaymentInput:
    key: str
    amount_pence: int | None
    category: str
    payee: str
    description: str
    paid_on: dt.date | None = None
    service_id: int | None = None


@dataclass(frozen=True)
class Paid:
    payment: Payment
    flagged: bool
    reason: str
    created: bool = True


def record_payment(person: Person, cmd: PaymentInput, actor) -> Paid:
    """A payment from the budget: prohibited purchases are refused with the reason; anything
    else not in the plan is paid and flagged for the coordinator to review. The ledger keeps
    the budget from going below zero however many payments arrive at once."""
    require(actor, Action.RECORD_SPEND, person)
    plan = current_plan(person)
    p = Problems()
    if person.status == Person.Status.STOPPED:
        p.add(NON_FIELD, "Direct payments have stopped for this person: no payment can be made")
    if plan is None:
        p.add(NON_FIELD, "There is no agreed care and support plan yet")
    if cmd.category not in spending.Category.__members__.values():
        p.add("category", "Choose what the payment is for")
    if cmd.amount_pence is None or cmd.amount_pence <= 0:
        p.add("amount_pence", "Enter the amount paid")
    if not (cmd.payee or "").strip():
        p.add("payee", "Enter who was paid")
    if not (cmd.description or "").strip():
        p.add("description", "Say what was bought")
    paid_on = cmd.paid_on or clock.today()
    if paid_on > clock.today():
        p.add("paid_on", "A payment cannot be dated in the future")
    if not (cmd.key or "").strip():
        p.add("key", "A payment needs a reference")
    p.raise_if_any()
    assert plan is not None  # refused above when missing
    service = None
    if cmd.service_id is not None:
        service = plan.services.filter(pk=cmd.service_id).first()
        if service is None:
            raise refuse("service_id", "Choose a service from the current plan")
    verdict = spending.judge(spending.Category(cmd.category), in_plan=service is not None)
    if not verdict.allowed:
        _keep_refusal(person, cmd, paid_on, verdict.reason, actor)
        raise refuse("category", verdict.reason)
    try:
        return _pay(person, plan, service, verdict, cmd, paid_on, actor)
    except _OverBudget as exc:
        _keep_refusal(person, cmd, paid_on, exc.message, actor)
        raise refuse("amount_pence", exc.message) from None


class _OverBudget(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _keep_refusal(person: Person, cmd: PaymentInput, paid_on: dt.date, reason: str, actor):
    """Keep a refused attempt (its own write: the refused payment left nothing behind)."""
    assert cmd.amount_pence is not None  # record_payment refused a missing amount
    with transaction.atomic():
        refused = RefusedPayment.objects.create(
            person=person,
            category=cmd.category,
            payee=cmd.payee.strip()[:200],
            description=cmd.description.strip()[:300],
            amount_pence=cmd.amount_pence,
            attempted_on=paid_on,
            reason=reason[:300],
            attempted_at=clock.now(),
            attempted_by=actor,
        )
        audit.created(
            actor,
            refused,
            ("amount_pence", "category"),
            object_repr=f"Refused payment from {person.reference}",
        )


def _pay(person, plan, service, verdict, cmd: PaymentInput, paid_on: dt.date, actor) -> Paid:
    assert cmd.amount_pence is not None  # record_payment refused a missing amount
    with transaction.atomic():
        try:
            posted = ledger.post(
                Entry(
                    f"{person.reference}-pay-{cmd.key.strip()}",
                    f"{person.reference}: {cmd.category.replace('_', ' ')}",
                    (
                        Leg(person.budget_account.code, -cmd.amount_pence),
                        Leg(person.spend_account.code, cmd.amount_pence),
                    ),
                    kind="spend",
                ),
                _acting_for(actor, person, person.budget_account.code),
                value_date=paid_on,
                metadata={"plan": plan.pk},
            )
        except BelowFloor as exc:
            left = Account.objects.get(pk=person.budget_account_id).balance_pence
            raise _OverBudget(
                f"Refused: only {money.pounds_and_pence(left)} is left in the budget"
            ) from exc
        if not posted.created:
            done = Payment.objects.get(transaction=posted.transaction)
            return Paid(done, done.flagged, "Already recorded", created=False)
        payment = Payment.objects.create(
            person=person,
            plan=plan,
            service=service,
            category=cmd.category,
            payee=cmd.payee.strip(),
            description=cmd.description.strip(),
            amount_pence=cmd.amount_pence,
            paid_on=paid_on,
            flagged=verdict.flag_for_review,
            transaction=posted.transaction,
            recorded_by=actor,
        )
        audit.created(
            actor,
            payment,
            ("amount_pence", "paid_on", "flagged", "flag_cleared"),
            object_repr=f"Payment from {person.reference}",
        )
    return Paid(payment, verdict.flag_for_review, verdict.reason)


def clear_flag(payment: Payment, actor) -> Payment:
    """The coordinator has reviewed a payment outside the plan."""
    require(actor, Action.MANAGE_RECORD, payment.person)
    if not payment.flagged or payment.flag_cleared:
        raise refuse(NON_FIELD, "This payment is not waiting for review")
    label = f"Payment from {payment.person.reference}"
    with transaction.atomic(), audit.changing(actor, payment, ("flag_cleared",), object_repr=label):
        payment.flag_cleared = True
        payment.save(update_fields=["flag_cleared"])
    return payment
