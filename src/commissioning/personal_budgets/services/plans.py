"""Care and support plans: drafted, then agreed by the person and the coordinator; the money
placed on the ledger."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from commissioning import clock, money
from commissioning.audit import chain as audit
from commissioning.collaboration.models import PoolScheme
from commissioning.collaboration.pooled import INTEGRATED_BUDGET
from commissioning.ledger import services as ledger
from commissioning.ledger.rules import Entry, Leg
from commissioning.validation import NON_FIELD, Problems, refuse

from ..models import (
    FUNDING_SOURCES,
    NeedsAssessment,
    Person,
    Plan,
    PlannedService,
)
from ..permissions import Action, require
from ..rules import budget_setting, spending
from ..rules.holding import Holding, Mode, Recipient
from ..rules.holding import problems as holding_problems
from .assessment import indicative_for
from .common import CHC_BASED
from .people import _acting_for, _funding_code


@dataclass(frozen=True)
class ServiceLine:
    name: str
    category: str
    annual_cost_pence: int | None
    provider: str = ""


@dataclass(frozen=True)
class PlanInput:
    start_date: dt.date | None
    needs: str
    outcomes: str
    risks: str
    contingency: str
    mode: str
    amount_pence: int | None
    services: tuple[ServiceLine, ...]
    recipient: str = ""
    third_party_name: str = ""
    third_party_independent: bool = False
    reduction_reasons: str = ""
    # An integrated budget: the pooled budget's scheme it is charged to.
    scheme_id: int | None = None
    funding: Mapping[str, int] = field(default_factory=dict)


def current_plan(person: Person) -> Plan | None:
    return person.plans.filter(status=Plan.Status.AGREED).first()


def _holding(person: Person, mode: str, recipient: str, tp_name: str, tp_ind: bool) -> Holding:
    return Holding(
        mode=Mode(mode),
        age=person.age_on(clock.today()),
        lacks_capacity=person.lacks_capacity,
        excluded_by_schedule=person.excluded_by_schedule,
        recipient=Recipient(recipient) if recipient else None,
        has_representative=person.representative_id is not None,
        has_nominee=person.nominee_id is not None,
        third_party_name=tp_name,
        third_party_independent=tp_ind,
    )


def _plan_problems(person: Person, cmd: PlanInput) -> Problems:
    p = Problems()
    if person.status != Person.Status.ACTIVE and cmd.mode == Mode.DIRECT_PAYMENT:
        p.add("mode", "Direct payments have stopped for this person: choose another way")
    if person.entitlement in CHC_BASED:
        latest = person.assessments.first()
        if latest is None or latest.decision != NeedsAssessment.Decision.ELIGIBLE:
            p.add(NON_FIELD, "Record an assessment that finds the person eligible first")
    if cmd.start_date is None:
        p.add("start_date", "Enter the date the plan starts")
    for name in ("needs", "outcomes", "risks", "contingency"):
        if not (getattr(cmd, name) or "").strip():
            p.add(name, "Write this part of the plan")
    if cmd.mode not in Mode.__members__.values():
        p.add("mode", "Choose how the budget is held")
    else:
        h = _holding(
            person,
            cmd.mode,
            cmd.recipient if cmd.recipient in Recipient.__members__.values() else "",
            cmd.third_party_name,
            cmd.third_party_independent,
        )
        for k, v in holding_problems(h).items():
            p.add(k, v)
    if cmd.amount_pence is None or cmd.amount_pence <= 0:
        p.add("amount_pence", "Enter the annual budget")
    if not cmd.services:
        p.add("services", "List at least one service the budget pays for")
    priced = []
    for i, s in enumerate(cmd.services):
        if not (s.name or "").strip():
            p.add(f"services.{i}.name", "Name the service")
        if s.category not in spending.Category.__members__.values():
            p.add(f"services.{i}.category", "Choose what kind of service it is")
        elif spending.Category(s.category) in spending.PROHIBITED:
            p.add(
                f"services.{i}.category", spending.judge(spending.Category(s.category), True).reason
            )
        if s.annual_cost_pence is None or s.annual_cost_pence <= 0:
            p.add(f"services.{i}.annual_cost_pence", "Enter what the service costs a year")
        else:
            priced.append(budget_setting.PlannedService(s.name, s.annual_cost_pence))
    if cmd.amount_pence and cmd.amount_pence > 0 and priced:
        short = budget_setting.shortfall(cmd.amount_pence, priced)
        if short:
            p.add(
                "amount_pence",
                "The budget must cover the full cost of every service in the "
                f"plan: it is {money.pounds_and_pence(short)} short",
            )
    previous = current_plan(person)
    reduced = previous and cmd.amount_pence and cmd.amount_pence < previous.amount_pence
    if reduced and not cmd.reduction_reasons.strip():
        p.add(
            "reduction_reasons",
            "A reduction needs written reasons for the person "
            "(they may ask for it to be reconsidered)",
        )
    if cmd.scheme_id is not None:
        if not PoolScheme.objects.filter(pk=cmd.scheme_id).exists():
            p.add("scheme_id", "Choose one of the pooled budgets' schemes")
        unknown = set(cmd.funding) - set(FUNDING_SOURCES)
        if unknown:
            p.add("funding", "Funding comes from the NHS, social care or education")
        elif any(v < 0 for v in cmd.funding.values()) or sum(cmd.funding.values()) != (
            cmd.amount_pence or 0
        ):
            p.add("funding", "The NHS, social care and education shares must add up to the budget")
    elif cmd.funding:
        p.add(
            "scheme_id",
            "An integrated budget is funded through a pooled budget: choose the scheme "
            "it is charged to",
        )
    return p


def draft_plan(person: Person, cmd: PlanInput, actor) -> Plan:
    """A new version of the care and support plan, in draft until agreed."""
    require(actor, Action.MANAGE_RECORD, person)
    _plan_problems(person, cmd).raise_if_any()
    # Refused by _plan_problems when missing.
    assert cmd.start_date is not None and cmd.amount_pence is not None
    with transaction.atomic():
        Person.objects.select_for_update().get(pk=person.pk)
        version = (person.plans.aggregate(v=Max("version"))["v"] or 0) + 1
        plan = Plan.objects.create(
            person=person,
            version=version,
            start_date=cmd.start_date,
            needs=cmd.needs.strip(),
            outcomes=cmd.outcomes.strip(),
            risks=cmd.risks.strip(),
            contingency=cmd.contingency.strip(),
            mode=cmd.mode,
            recipient=cmd.recipient if cmd.mode == Mode.DIRECT_PAYMENT else "",
            third_party_name=cmd.third_party_name.strip() if cmd.mode == Mode.THIRD_PARTY else "",
            third_party_independent=cmd.mode == Mode.THIRD_PARTY and cmd.third_party_independent,
            amount_pence=cmd.amount_pence,
            indicative_pence=indicative_for(person),
            reduction_reasons=cmd.reduction_reasons.strip(),
            pool_id=_pool_of(cmd.scheme_id),
            scheme_id=cmd.scheme_id,
            funding=dict(cmd.funding),
            created_by=actor,
        )
        planned = []
        for s in cmd.services:
            assert s.annual_cost_pence is not None  # refused by _plan_problems when missing
            planned.append(
                PlannedService(
                    plan=plan,
                    name=s.name.strip(),
                    category=s.category,
                    provider=s.provider.strip(),
                    annual_cost_pence=s.annual_cost_pence,
                )
            )
        PlannedService.objects.bulk_create(planned)
        audit.created(
            actor, plan, ("amount_pence", "mode"), object_repr=f"{plan} for {person.reference}"
        )
    return plan


def _source_account(plan: Plan) -> str:
    if plan.pool is not None:
        return plan.pool.pool_account.code
    return _funding_code(plan.person.commissioner_id)


def _pool_of(scheme_id: int | None) -> int | None:
    if scheme_id is None:
        return None
    return PoolScheme.objects.values_list("pool_id", flat=True).get(pk=scheme_id)


@dataclass(frozen=True)
class AgreeInput:
    agreed_by: str
    agreed_on: dt.date | None = None


def agree_plan(plan: Plan, cmd: AgreeInput, actor) -> Plan:
    """The person (or their representative) and the coordinator agree the plan: it replaces
    the plan before it, and the budget on the ledger moves to the new amount (money from the
    commissioner's programme, or the pooled budget for an integrated budget; the previous
    plan's allocation goes back where it came from)."""
    person = plan.person
    require(actor, Action.MANAGE_RECORD, person)
    p = Problems()
    if plan.status != Plan.Status.DRAFT:
        p.add(NON_FIELD, "Only a draft plan can be agreed")
    if cmd.agreed_by not in Plan.AgreedBy.values:
        p.add("agreed_by", "Say who agreed the plan with you")
    elif cmd.agreed_by == Plan.AgreedBy.REPRESENTATIVE and person.representative_id is None:
        p.add("agreed_by", "Record the representative first")
    on = cmd.agreed_on or clock.today()
    if on > clock.today():
        p.add("agreed_on", "The date of agreement cannot be in the future")
    p.raise_if_any()
    # The rules again, on the person as they are now.
    services = tuple(
        ServiceLine(s.name, s.category, s.annual_cost_pence, s.provider)
        for s in plan.services.all()
    )
    again = PlanInput(
        plan.start_date,
        plan.needs,
        plan.outcomes,
        plan.risks,
        plan.contingency,
        plan.mode,
        plan.amount_pence,
        services,
        plan.recipient,
        plan.third_party_name,
        plan.third_party_independent,
        plan.reduction_reasons,
        plan.scheme_id,
        plan.funding,
    )
    _plan_problems(person, again).raise_if_any()
    with transaction.atomic():
        Person.objects.select_for_update().get(pk=person.pk)
        previous = current_plan(person)
        if previous is not None:
            previous.status = Plan.Status.SUPERSEDED
            previous.save(update_fields=["status"])
        with audit.changing(
            actor, plan, ("status", "agreed_by"), object_repr=f"{plan} for {person.reference}"
        ):
            plan.status = Plan.Status.AGREED
            plan.agreed_by = cmd.agreed_by
            plan.agreed_on = on
            plan.agreed_coordinator = actor
            plan.save(update_fields=["status", "agreed_by", "agreed_on", "agreed_coordinator"])
        moves: dict[str, int] = {}
        # An integrated budget is spending of the pool's scheme it is charged to: the
        # transaction says how much each scheme is charged (less what a previous plan
        # returns), which the pool's reports and year-end settlement count.
        charged: dict[str, int] = {}
        moves[_source_account(plan)] = moves.get(_source_account(plan), 0) - plan.amount_pence
        if plan.scheme_id:
            charged[str(plan.scheme_id)] = plan.amount_pence
        assert person.budget_account is not None  # opened with the person's record
        budget = person.budget_account.code
        moves[budget] = plan.amount_pence
        if previous is not None:
            src = _source_account(previous)
            moves[src] = moves.get(src, 0) + previous.amount_pence
            moves[budget] -= previous.amount_pence
            if previous.scheme_id:
                key = str(previous.scheme_id)
                charged[key] = charged.get(key, 0) - previous.amount_pence
        legs = tuple(Leg(code, pence) for code, pence in moves.items() if pence)
        if legs:
            metadata: dict = {"plan": plan.pk}
            if charged:
                metadata["schemes"] = charged
            try:
                ledger.post(
                    Entry(
                        f"{person.reference}-plan-{plan.version}",
                        f"{person.reference}: budget of plan version {plan.version}",
                        legs,
                        INTEGRATED_BUDGET if charged else "transfer",
                    ),
                    _acting_for(actor, person, *(leg.account for leg in legs if leg.pence < 0)),
                    value_date=on,
                    metadata=metadata,
                )
            except ValidationError as exc:
                raise refuse(
                    "amount_pence",
                    "The budget cannot be reduced by more than is "
                    "left unspent: " + " ".join(exc.messages),
                ) from exc
        if person.status == Person.Status.STOPPED and plan.mode != Mode.DIRECT_PAYMENT:
            person.status = Person.Status.ACTIVE
            person.save(update_fields=["status"])
    return plan
