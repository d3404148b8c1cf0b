"""Repayment notices, money repaid, and stopping direct payments."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from commissioning import clock, money
from commissioning.audit import chain as audit
from commissioning.collaboration.pooled import INTEGRATED_BUDGET
from commissioning.ledger import services as ledger
from commissioning.ledger.models import Account
from commissioning.ledger.rules import Entry, Leg
from commissioning.ledger.services import BelowFloor
from commissioning.validation import NON_FIELD, Problems, refuse

from ..models import (
    Person,
    Repayment,
    RepaymentNotice,
    StopDecision,
)
from ..permissions import Action, require
from ..rules.direct_payments import (
    RepaymentGround,
    StopGround,
    must_stop,
    notice_problems,
    recovers_spending,
)
from ..rules.direct_payments import RepaymentNotice as NoticeRule
from ..rules.holding import Mode, Recipient
from .people import _acting_for, _funding_code
from .plans import _source_account, current_plan


@dataclass(frozen=True)
class RepaymentInput:
    ground: str
    reasons: str
    amount_pence: int | None
    deadline: dt.date | None
    repayer: str


def issue_repayment_notice(person: Person, cmd: RepaymentInput, actor) -> RepaymentNotice:
    """Regulation 15: written notice with the reasons, the amount, the deadline and who
    repays."""
    require(actor, Action.MANAGE_RECORD, person)
    p = Problems()
    plan = current_plan(person)
    if plan is None or plan.mode != Mode.DIRECT_PAYMENT:
        p.add(NON_FIELD, "Repayment can be required only of a direct payment")
    if cmd.ground not in RepaymentGround.__members__.values():
        p.add("ground", "Choose the ground for requiring repayment")
    today = clock.today()
    if cmd.deadline is None:
        p.add("deadline", "Give a deadline")
    if cmd.repayer not in Recipient.__members__.values():
        p.add("repayer", "Say who must repay")
    elif cmd.repayer == Recipient.REPRESENTATIVE and person.representative_id is None:
        p.add("repayer", "There is no representative recorded")
    elif cmd.repayer == Recipient.NOMINEE and person.nominee_id is None:
        p.add("repayer", "There is no nominee recorded")
    if cmd.deadline is not None and cmd.ground in RepaymentGround.__members__.values():
        notice = NoticeRule(
            RepaymentGround(cmd.ground),
            cmd.reasons or "",
            cmd.amount_pence or 0,
            cmd.deadline,
            cmd.repayer or "",
        )
        for k, v in notice_problems(notice, today).items():
            p.add(k, v)
    p.raise_if_any()
    # Refused above when missing (notice_problems asks for an amount over £0).
    assert cmd.amount_pence is not None and cmd.deadline is not None
    with transaction.atomic():
        n = RepaymentNotice.objects.create(
            person=person,
            ground=cmd.ground,
            reasons=cmd.reasons.strip(),
            amount_pence=cmd.amount_pence,
            deadline=cmd.deadline,
            repayer=cmd.repayer,
            issued_on=today,
            issued_by=actor,
        )
        audit.created(
            actor,
            n,
            ("ground", "amount_pence"),
            object_repr=f"Repayment notice to {person.reference}",
        )
    return n


@dataclass(frozen=True)
class RepaidInput:
    amount_pence: int | None
    received_on: dt.date | None
    key: str  # the form's one-time reference: a double submit records once


@dataclass(frozen=True)
class Repaid:
    repayment: Repayment
    created: bool = True


def record_repayment(notice: RepaymentNotice, cmd: RepaidInput, actor) -> Repaid:
    """Money received against a repayment notice goes back on the ledger to where the budget
    came from (the commissioner's programme, or the pooled budget's scheme for an integrated
    budget). Money that was spent wrongly (outside the plan, theft, fraud) recovers spending;
    on the other grounds it comes off the budget's unspent balance
    (``rules.direct_payments.recovers_spending``). Never more than the notice still asks."""
    person = notice.person
    require(actor, Action.MANAGE_RECORD, person)
    p = Problems()
    if cmd.amount_pence is None or cmd.amount_pence <= 0:
        p.add("amount_pence", "Enter the amount repaid")
    on = cmd.received_on
    if on is None:
        p.add("received_on", "Enter the date the money was received")
    elif on > clock.today():
        p.add("received_on", "The date received cannot be in the future")
    elif on < notice.issued_on:
        p.add(
            "received_on",
            f"The notice was issued on {notice.issued_on:%-d %B %Y}: money received "
            "before then is not a repayment of it",
        )
    if not (cmd.key or "").strip():
        p.add("key", "A repayment needs a reference")
    p.raise_if_any()
    assert cmd.amount_pence is not None and on is not None  # refused above when missing
    key = f"{person.reference}-repaid-{cmd.key.strip()}"
    with transaction.atomic():
        Person.objects.select_for_update().get(pk=person.pk)
        done = Repayment.objects.filter(transaction__key=key).first()
        if done is not None:
            return Repaid(done, created=False)
        outstanding = notice.outstanding_pence
        if outstanding <= 0:
            raise refuse(NON_FIELD, "This notice has been repaid in full")
        if cmd.amount_pence > outstanding:
            raise refuse(
                "amount_pence",
                f"Only {money.pounds_and_pence(outstanding)} is still to be repaid on this notice",
            )
        spent = recovers_spending(RepaymentGround(notice.ground))
        account = person.spend_account if spent else person.budget_account
        assert account is not None  # opened with the person's record (record_person)
        held = Account.objects.get(pk=account.pk).balance_pence
        if cmd.amount_pence > held:
            what = "has been spent from" if spent else "is left unspent in"
            raise refuse(
                "amount_pence",
                f"Only {money.pounds_and_pence(held)} {what} the budget to be repaid",
            )
        plan = current_plan(person)
        metadata: dict = {"repayment_notice": notice.pk}
        kind = "repayment"
        if plan is not None and plan.scheme_id:
            metadata["schemes"] = {str(plan.scheme_id): -cmd.amount_pence}
            kind = INTEGRATED_BUDGET
        source = (
            _source_account(plan) if plan is not None else _funding_code(person.commissioner_id)
        )
        try:
            posted = ledger.post(
                Entry(
                    key,
                    f"{person.reference}: repayment under notice {notice.pk}",
                    (Leg(account.code, -cmd.amount_pence), Leg(source, cmd.amount_pence)),
                    kind,
                ),
                _acting_for(actor, person, account.code),
                value_date=on,
                metadata=metadata,
            )
        except ValidationError as exc:  # the books closed to that date, or spent meanwhile
            short = isinstance(exc, BelowFloor)
            raise refuse(
                "amount_pence" if short else "received_on", " ".join(exc.messages)
            ) from exc
        repayment = Repayment.objects.create(
            notice=notice,
            amount_pence=cmd.amount_pence,
            received_on=on,
            transaction=posted.transaction,
            recorded_by=actor,
        )
        audit.created(
            actor,
            repayment,
            ("notice", "amount_pence"),
            object_repr=f"Repayment from {person.reference}",
        )
    return Repaid(repayment)


@dataclass(frozen=True)
class StopInput:
    ground: str
    reasons: str


def stop_direct_payments(person: Person, cmd: StopInput, actor) -> StopDecision:
    """Regulation 17: must stop when consent is absent or withdrawn; may stop on the other
    grounds, with reasons. Payments are refused from then on; a new plan held another way
    restarts the budget."""
    require(actor, Action.MANAGE_RECORD, person)
    p = Problems()
    plan = current_plan(person)
    if plan is None or plan.mode != Mode.DIRECT_PAYMENT:
        p.add(NON_FIELD, "There is no direct payment to stop")
    if person.status == Person.Status.STOPPED:
        p.add(NON_FIELD, "Direct payments have already stopped")
    if cmd.ground not in StopGround.__members__.values():
        p.add("ground", "Choose the ground for stopping")
    if not (cmd.reasons or "").strip():
        p.add("reasons", "Give the reasons, for the person and the record")
    p.raise_if_any()
    with transaction.atomic():
        d = StopDecision.objects.create(
            person=person,
            ground=cmd.ground,
            reasons=cmd.reasons.strip(),
            decided_on=clock.today(),
            decided_by=actor,
        )
        person.status = Person.Status.STOPPED
        person.save(update_fields=["status"])
        audit.created(
            actor,
            d,
            ("ground",),
            object_repr=f"Stopping direct payments to {person.reference}",
            must_stop=must_stop(StopGround(d.ground)),
        )
    return d
