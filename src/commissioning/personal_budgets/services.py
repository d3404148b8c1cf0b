"""Personal health budgets: recording a person, their needs assessment, care and support plans
(versions agreed by the person and the coordinator), the money on the ledger, spending,
statements, reviews, repayment notices, stopping and reconsideration (decision 036).

Every service checks ``permissions`` first and writes all-or-nothing. The audit trail records
what changed by ids and amounts; names, NHS numbers and dates of birth never go into it or
into the application's logs."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q, Sum

from commissioning import clock, money
from commissioning.audit import chain as audit
from commissioning.collaboration.models import PoolScheme
from commissioning.collaboration.pooled import INTEGRATED_BUDGET
from commissioning.engine import disclosure
from commissioning.ledger import services as ledger
from commissioning.ledger.models import Account
from commissioning.ledger.permissions import OnBehalf
from commissioning.ledger.rules import Entry, Leg
from commissioning.ledger.services import BelowFloor
from commissioning.organisations.models import Organisation
from commissioning.organisations.permissions import current_memberships
from commissioning.organisations.vocabulary import Role
from commissioning.validation import NON_FIELD, Problems, refuse

from .models import (
    FUNDING_SOURCES,
    Access,
    Entitlement,
    NeedsAssessment,
    Payment,
    Person,
    Plan,
    PlannedService,
    Reconsideration,
    RefusedPayment,
    Repayment,
    RepaymentNotice,
    Review,
    SignInNotice,
    StopDecision,
)
from .permissions import Action, can, require
from .rules import budget_setting, eligibility, nhs_number, reviews, spending
from .rules.direct_payments import (
    RepaymentGround,
    StopGround,
    must_stop,
    notice_problems,
    recovers_spending,
)
from .rules.direct_payments import RepaymentNotice as NoticeRule
from .rules.holding import Holding, Mode, Recipient
from .rules.holding import problems as holding_problems

CHC_BASED = {Entitlement.CONTINUING_HEALTHCARE, Entitlement.CHILDRENS_CONTINUING_CARE}


def allocation_table() -> budget_setting.AllocationTable:
    """The local resource allocation table (settings.PHB_ALLOCATION: pence per point, floor,
    ceiling), with the default points per level of need."""
    conf = getattr(settings, "PHB_ALLOCATION", {})
    return budget_setting.AllocationTable(
        pence_per_point=conf.get("pence_per_point", 150_000),
        minimum_pence=conf.get("minimum_pence", 0),
        maximum_pence=conf.get("maximum_pence"),
    )


# ---------------------------------------------------------------- access log


REFUSED = (
    "You cannot see this record. Only the person, the people they have chosen and their care "
    "team can."
)


def log_access(user, person_ids, what: str, channel: str, allowed: bool) -> None:
    """Every access to people's records, allowed or refused, by ids only (one insert for a
    list of records)."""
    Access.objects.bulk_create(
        Access(
            user_id=getattr(user, "pk", None),
            username=getattr(user, "username", "") or "anonymous",
            person_id=pk,
            what=what[:40],
            channel=channel,
            allowed=allowed,
        )
        for pk in person_ids
    )


def open_record(user, person_id: int, what: str, channel: str = "web", action=Action.VIEW_RECORD):
    """The person whose record ``user`` asks for, if entitled; the attempt is logged either
    way. ``None`` when refused, whether or not the record exists (nothing leaks)."""
    person = Person.objects.select_related("commissioner").filter(pk=person_id).first()
    allowed = person is not None and can(user, action, person)
    log_access(user, [person_id], what, channel, allowed)
    return person if allowed else None


def require_record(user, person_id: int, what: str, channel: str, action=Action.VIEW_RECORD):
    """``open_record`` for the pages and the API: the same refusal whether or not the record
    exists."""
    person = open_record(user, person_id, what, channel, action)
    if person is None:
        raise PermissionDenied(REFUSED)
    return person


def records_of(user):
    """The people whose records the user may see: their own (as holder, representative or
    nominee), their caseload, or (auditors) their commissioner's."""
    if not getattr(user, "is_authenticated", False):
        return Person.objects.none()
    coordinating = [
        m.organisation_id for m in current_memberships(user) if m.role == Role.CARE_COORDINATOR
    ]
    auditing = [m.organisation_id for m in current_memberships(user) if m.role == Role.AUDITOR]
    q = Q(holder=user) | Q(representative=user) | Q(nominee=user)
    q |= Q(coordinator=user, commissioner_id__in=coordinating)
    q |= Q(commissioner_id__in=auditing)
    return Person.objects.filter(q).select_related("commissioner")


# ---------------------------------------------------------------- people


@dataclass(frozen=True)
class PersonInput:
    commissioner_id: int
    nhs_number: str
    name: str
    date_of_birth: dt.date | None
    entitlement: str
    lacks_capacity: bool = False
    excluded_by_schedule: bool = False


def _funding_code(commissioner_id: int) -> str:
    return f"PHB-FUND-{commissioner_id}"


SERVICE = "personal_budgets"


def _acting_for(actor, person: Person, *draws: str) -> OnBehalf:
    """This service acting on the ledger for ``person`` after its own permission check: it
    may draw on the accounts ``draws`` names, each of which ``may_draw`` confirms is one of the
    person's own accounts or a source of their budget."""
    for code in draws:
        if not may_draw(person.pk, Account.objects.get(code=code)):
            raise PermissionDenied(f"The personal budget service may not draw on {code}")
    return OnBehalf(actor, SERVICE, person.pk, draws)


def may_draw(person_id: int, account) -> bool:
    """The accounts the personal budget service may draw on for a person: their budget and
    spend accounts, their commissioner's personal health budget fund, and the pooled fund of
    any pool one of their plans is charged to (an integrated budget)."""
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        return False
    if account.pk in (person.budget_account_id, person.spend_account_id):
        return True
    if account.code == _funding_code(person.commissioner_id):
        return True
    return Plan.objects.filter(person=person, pool__pool_account=account).exists()


def record_person(cmd: PersonInput, actor) -> Person:
    """A new person on the coordinator's caseload, with their budget's accounts opened."""
    require(actor, Action.CREATE_PERSON, cmd.commissioner_id)
    p = Problems()
    number = nhs_number.normalise(cmd.nhs_number or "")
    problem = nhs_number.problem(cmd.nhs_number or "")
    if problem:
        p.add("nhs_number", problem)
    elif Person.objects.filter(nhs_number=number).exists():
        p.add("nhs_number", "A budget is already recorded for this NHS number")
    if not (cmd.name or "").strip():
        p.add("name", "Enter the name the person is known by")
    if cmd.date_of_birth is None:
        p.add("date_of_birth", "Enter the date of birth")
    elif cmd.date_of_birth > clock.today():
        p.add("date_of_birth", "The date of birth must be in the past")
    if cmd.entitlement not in Entitlement.values:
        p.add("entitlement", "Choose the basis of entitlement")
    p.raise_if_any()
    with transaction.atomic():
        person = Person.objects.create(
            nhs_number=number,
            name=cmd.name.strip(),
            date_of_birth=cmd.date_of_birth,
            entitlement=cmd.entitlement,
            lacks_capacity=cmd.lacks_capacity,
            excluded_by_schedule=cmd.excluded_by_schedule,
            commissioner_id=cmd.commissioner_id,
            coordinator=actor,
        )
        on_behalf = _acting_for(actor, person)
        if not Account.objects.filter(code=_funding_code(cmd.commissioner_id)).exists():
            ledger.open_account(
                ledger.AccountInput(
                    _funding_code(cmd.commissioner_id),
                    "Personal health budgets programme",
                    "funding",
                    cmd.commissioner_id,
                ),
                on_behalf,
            )
        person.budget_account = ledger.open_account(
            ledger.AccountInput(
                person.reference, f"{person.reference} budget", "budget", cmd.commissioner_id, 0
            ),
            on_behalf,
        )
        person.spend_account = ledger.open_account(
            ledger.AccountInput(
                f"{person.reference}-SPEND",
                f"{person.reference} spending",
                "spend",
                cmd.commissioner_id,
            ),
            on_behalf,
        )
        person.save(update_fields=["budget_account", "spend_account"])
        audit.record(
            actor,
            "create",
            person,
            after={
                "entitlement": person.entitlement,
                "commissioner": cmd.commissioner_id,
                "coordinator": actor.pk,
            },
        )
    return person


LINKS = ("holder", "representative", "nominee")


def link_sign_in(person: Person, link: str, username: str, actor) -> Person:
    """Give the person, their representative or their nominee a sign-in to see the record
    (``username`` of an existing account; empty removes the link)."""
    require(actor, Action.MANAGE_RECORD, person)
    if link not in LINKS:
        raise refuse("link", "Choose the person, their representative or their nominee")
    user = None
    if username.strip():
        user = get_user_model().objects.filter(username=username.strip(), is_active=True).first()
        if user is None:
            raise refuse("username", "There is no active sign-in with this username")
        if user.pk == person.coordinator_id:
            raise refuse("username", "The care coordinator cannot also hold the budget")
        if not is_citizen(user):
            raise refuse(
                "username",
                "This sign-in belongs to someone who works for an organisation: link the "
                "person's own sign-in (one with no role at any organisation)",
            )
    with transaction.atomic():
        before = getattr(person, f"{link}_id")
        setattr(person, link, user)
        person.save(update_fields=[link])
        audit.record(
            actor, "update", person, before={link: before}, after={link: getattr(user, "pk", None)}
        )
        # The person is told, on their record, who can now see it (or no longer can).
        SignInNotice.objects.create(
            person=person, at=clock.now(), link=link, username=getattr(user, "username", ""),
            by=actor,
        )  # fmt: skip
    return person


def is_citizen(user) -> bool:
    """A sign-in of one's own: not staff, not a superuser, and no role at any organisation
    but that of a budget holder (whatever its status or dates: a role awaiting approval, or
    ended, still belongs to someone who works there)."""
    if user.is_staff or user.is_superuser:
        return False
    return not user.memberships.exclude(role=Role.BUDGET_HOLDER).exists()


# ---------------------------------------------------------------- assessment


@dataclass(frozen=True)
class AssessmentInput:
    assessed_on: dt.date | None
    ratings: Mapping[str, int]
    decision: str
    decision_reasons: str


def assess(person: Person, cmd: AssessmentInput, actor) -> NeedsAssessment:
    """The Decision Support Tool's twelve domains: the tool indicates, the recorded
    professional judgement decides."""
    require(actor, Action.MANAGE_RECORD, person)
    p = Problems()
    ratings = {}
    for domain, level in (cmd.ratings or {}).items():
        try:
            ratings[domain] = eligibility.Level(int(level))
        except (TypeError, ValueError):
            p.add(f"ratings.{domain}", "Choose a level of need")
    for domain, message in eligibility.problems(ratings).items():
        if domain not in (cmd.ratings or {}) or domain in ratings:
            p.add(f"ratings.{domain}", message)
    if cmd.assessed_on is None:
        p.add("assessed_on", "Enter the date of the assessment")
    elif cmd.assessed_on > clock.today():
        p.add("assessed_on", "The assessment cannot be in the future")
    if cmd.decision not in NeedsAssessment.Decision.values:
        p.add("decision", "Record the team's decision")
    if not (cmd.decision_reasons or "").strip():
        p.add("decision_reasons", "Give the reasons for the decision")
    p.raise_if_any()
    indication = eligibility.indicate(ratings)
    with transaction.atomic():
        a = NeedsAssessment.objects.create(
            person=person,
            assessed_on=cmd.assessed_on,
            ratings={d: int(v) for d, v in ratings.items()},
            likely_eligible=indication.likely_eligible,
            indication=indication.reason,
            decision=cmd.decision,
            decision_reasons=cmd.decision_reasons.strip(),
            recorded_by=actor,
        )
        audit.record(
            actor,
            "create",
            a,
            object_repr=f"Needs assessment for {person.reference}",
            after={"decision": a.decision, "likely_eligible": a.likely_eligible},
        )
    return a


def indicative_for(person: Person) -> int | None:
    latest = person.assessments.first()
    if latest is None:
        return None
    ratings = {d: eligibility.Level(v) for d, v in latest.ratings.items()}
    return budget_setting.indicative_budget(allocation_table(), ratings)


# ---------------------------------------------------------------- plans


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
        PlannedService.objects.bulk_create(
            PlannedService(
                plan=plan,
                name=s.name.strip(),
                category=s.category,
                provider=s.provider.strip(),
                annual_cost_pence=s.annual_cost_pence,
            )
            for s in cmd.services
        )
        audit.record(
            actor,
            "create",
            plan,
            object_repr=f"{plan} for {person.reference}",
            after={"amount_pence": plan.amount_pence, "mode": plan.mode},
        )
    return plan


def _source_account(plan: Plan) -> str:
    if plan.pool_id:
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
        audit.record(
            actor,
            "update",
            plan,
            object_repr=f"{plan} for {person.reference}",
            before={"status": "draft"},
            after={"status": "agreed", "agreed_by": cmd.agreed_by},
        )
    return plan


# ---------------------------------------------------------------- spending


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
        audit.record(
            actor,
            "create",
            refused,
            object_repr=f"Refused payment from {person.reference}",
            after={"amount_pence": refused.amount_pence, "category": refused.category},
        )


def _pay(person, plan, service, verdict, cmd: PaymentInput, paid_on: dt.date, actor) -> Paid:
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
        audit.record(
            actor,
            "create",
            payment,
            object_repr=f"Payment from {person.reference}",
            after={
                "amount_pence": payment.amount_pence,
                "paid_on": payment.paid_on.isoformat(),
                "flagged": payment.flagged,
            },
        )
    return Paid(payment, verdict.flag_for_review, verdict.reason)


def clear_flag(payment: Payment, actor) -> Payment:
    """The coordinator has reviewed a payment outside the plan."""
    require(actor, Action.MANAGE_RECORD, payment.person)
    if not payment.flagged or payment.flag_cleared:
        raise refuse(NON_FIELD, "This payment is not waiting for review")
    with transaction.atomic():
        payment.flag_cleared = True
        payment.save(update_fields=["flag_cleared"])
        audit.record(
            actor,
            "update",
            payment,
            object_repr=f"Payment from {payment.person.reference}",
            before={"flag_cleared": False},
            after={"flag_cleared": True},
        )
    return payment


# ---------------------------------------------------------------- statements


@dataclass(frozen=True)
class MonthStatement:
    year: int
    month: int
    opening_pence: int
    money_in_pence: int
    money_out_pence: int
    closing_pence: int
    payments: list
    repayments: list  # money repaid from the unspent budget under a repayment notice

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def paid_pence(self) -> int:
        return sum(x.amount_pence for x in self.payments)

    @property
    def repaid_pence(self) -> int:
        return sum(x.amount_pence for x in self.repayments)


def _months(first: dt.date, last: dt.date):
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        yield y, m
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def statement(person: Person, year: int, month: int) -> MonthStatement:
    start = dt.date(year, month, 1)
    end = dt.date(year, month, calendar.monthrange(year, month)[1])
    f = ledger.statement_figures(person.budget_account, start, end)
    payments = list(person.payments.filter(paid_on__gte=start, paid_on__lte=end))
    repayments = list(
        Repayment.objects.filter(
            notice__person=person,
            received_on__gte=start,
            received_on__lte=end,
            transaction__postings__account_id=person.budget_account_id,
        ).select_related("notice")
    )
    return MonthStatement(
        year,
        month,
        f.opening_pence,
        f.money_in_pence,
        f.money_out_pence,
        f.closing_pence,
        payments,
        repayments,
    )


def statements(person: Person, latest: int | None = None) -> list[MonthStatement]:
    """A statement for every month since the first plan was agreed (or only the ``latest``
    months), newest first. Each month is a few queries, so only the months shown are built."""
    first = person.plans.exclude(agreed_on=None).order_by("agreed_on").first()
    if first is None:
        return []
    months = list(_months(first.agreed_on, clock.today()))[::-1][:latest]
    return [statement(person, y, m) for y, m in months]


# ---------------------------------------------------------------- reviews


def next_review(person: Person) -> dt.date | None:
    first = person.plans.exclude(agreed_on=None).order_by("agreed_on").first()
    if first is None:
        return None
    last = person.reviews.first()
    return reviews.next_review_due(first.start_date, last.held_on if last else None)


def review_list(people) -> list[dict]:
    """Each person's next review and whether it is due or overdue, soonest first."""
    out = []
    today = clock.today()
    for person in people:
        due = next_review(person)
        if due is not None:
            out.append({"person": person, "due": due, "status": reviews.status(due, today)})
    return sorted(out, key=lambda r: r["due"])


@dataclass(frozen=True)
class ReviewInput:
    held_on: dt.date | None
    needs_met: bool
    notes: str


def record_review(person: Person, cmd: ReviewInput, actor) -> Review:
    require(actor, Action.MANAGE_RECORD, person)
    p = Problems()
    if cmd.held_on is None:
        p.add("held_on", "Enter the date of the review")
    elif cmd.held_on > clock.today():
        p.add("held_on", "A review cannot be recorded before it is held")
    if not (cmd.notes or "").strip():
        p.add("notes", "Record what the review found")
    if current_plan(person) is None:
        p.add(NON_FIELD, "There is no agreed plan to review")
    p.raise_if_any()
    with transaction.atomic():
        r = Review.objects.create(
            person=person,
            held_on=cmd.held_on,
            needs_met=cmd.needs_met,
            notes=cmd.notes.strip(),
            recorded_by=actor,
        )
        audit.record(
            actor,
            "create",
            r,
            object_repr=f"Review of {person.reference}",
            after={"held_on": cmd.held_on.isoformat(), "needs_met": cmd.needs_met},
        )
    return r


# ---------------------------------------------------------------- repayment, stopping


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
        audit.record(
            actor,
            "create",
            n,
            object_repr=f"Repayment notice to {person.reference}",
            after={"ground": n.ground, "amount_pence": n.amount_pence},
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
        audit.record(
            actor,
            "create",
            repayment,
            object_repr=f"Repayment from {person.reference}",
            after={"notice": notice.pk, "amount_pence": repayment.amount_pence},
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
        audit.record(
            actor,
            "create",
            d,
            object_repr=f"Stopping direct payments to {person.reference}",
            after={"ground": d.ground, "must_stop": must_stop(StopGround(d.ground))},
        )
    return d


# ---------------------------------------------------------------- reconsideration


@dataclass(frozen=True)
class ReconsiderationInput:
    about: str
    grounds: str


def request_reconsideration(person: Person, cmd: ReconsiderationInput, actor) -> Reconsideration:
    require(actor, Action.REQUEST_RECONSIDERATION, person)
    p = Problems()
    if cmd.about not in Reconsideration.About.values:
        p.add("about", "Choose the decision to reconsider")
    if not (cmd.grounds or "").strip():
        p.add("grounds", "Say why the decision should be looked at again")
    p.raise_if_any()
    with transaction.atomic():
        r = Reconsideration.objects.create(
            person=person,
            about=cmd.about,
            grounds=cmd.grounds.strip(),
            requested_on=clock.today(),
            requested_by=actor,
        )
        audit.record(
            actor,
            "create",
            r,
            object_repr=f"Reconsideration for {person.reference}",
            after={"about": r.about},
        )
    return r


@dataclass(frozen=True)
class DecideInput:
    outcome: str
    reasons: str


def decide_reconsideration(r: Reconsideration, cmd: DecideInput, actor) -> Reconsideration:
    """Reasons must be given (SI 2013/2354)."""
    require(actor, Action.MANAGE_RECORD, r.person)
    p = Problems()
    if r.outcome != Reconsideration.Outcome.PENDING:
        p.add(NON_FIELD, "This request has already been decided")
    if cmd.outcome not in (Reconsideration.Outcome.UPHELD, Reconsideration.Outcome.CHANGED):
        p.add("outcome", "Choose the outcome")
    if not (cmd.reasons or "").strip():
        p.add("reasons", "Give the reasons for the outcome")
    p.raise_if_any()
    with transaction.atomic():
        r.outcome, r.outcome_reasons = cmd.outcome, cmd.reasons.strip()
        r.decided_on, r.decided_by = clock.today(), actor
        r.save(update_fields=["outcome", "outcome_reasons", "decided_on", "decided_by"])
        audit.record(
            actor,
            "update",
            r,
            object_repr=f"Reconsideration for {r.person.reference}",
            before={"outcome": "pending"},
            after={"outcome": r.outcome},
        )
    return r


# ---------------------------------------------------------------- programme totals


@dataclass(frozen=True)
class ProgrammeCounts:
    """A commissioner's programme counted exactly: for services and tests, never shown as it
    is (``programme`` applies disclosure control)."""

    people: int
    by_entitlement: dict[str, int]  # every basis, 0 where none
    agreed_plans: int
    by_mode: dict[str, int]  # every way of holding, 0 where none
    integrated: int
    allocated_pence: int
    spent_pence: int  # net of spending recovered by repayments (the spend accounts' balances)
    people_with_spending: int


def programme_counts(org: Organisation) -> ProgrammeCounts:
    people = Person.objects.filter(commissioner=org)
    plans = Plan.objects.filter(person__commissioner=org, status=Plan.Status.AGREED)
    by_entitlement = dict.fromkeys(Entitlement.values, 0) | dict(
        people.values_list("entitlement").annotate(n=Count("pk")).order_by()
    )
    by_mode = dict.fromkeys(Mode, 0) | {
        Mode(m): n for m, n in plans.values_list("mode").annotate(n=Count("pk")).order_by()
    }
    spent = Account.objects.filter(pk__in=people.values("spend_account")).exclude(balance_pence=0)
    return ProgrammeCounts(
        people=people.count(),
        by_entitlement={Entitlement(k).label: n for k, n in by_entitlement.items()},
        agreed_plans=sum(by_mode.values()),
        by_mode={m.label: n for m, n in by_mode.items()},
        integrated=plans.exclude(pool=None).count(),
        allocated_pence=plans.aggregate(s=Sum("amount_pence"))["s"] or 0,
        spent_pence=spent.aggregate(s=Sum("balance_pence"))["s"] or 0,
        people_with_spending=spent.count(),
    )


@dataclass(frozen=True)
class Programme:
    """The programme as it may be shown to those who may not see any person's record."""

    people: disclosure.Shown
    by_entitlement: dict[str, disclosure.Shown]
    agreed_plans: disclosure.Shown
    by_mode: dict[str, disclosure.Shown]
    integrated: disclosure.Shown
    allocated_pence: disclosure.Shown
    spent_pence: disclosure.Shown


def programme(org: Organisation, actor) -> Programme:
    """The commissioner's programme without personal data: people by basis and by way of
    holding, the money allocated and spent, under statistical disclosure control
    (``commissioning.engine.disclosure``: counts of 7 or fewer are not shown, others are
    rounded to the nearest 5; a total of money only when more than 7 people are behind it),
    so that no person can be picked out, even in a small programme."""
    require(actor, Action.VIEW_PROGRAMME, org.pk)
    c = programme_counts(org)
    count = disclosure.shown_count
    return Programme(
        people=count(c.people),
        by_entitlement={k: count(n) for k, n in c.by_entitlement.items()},
        agreed_plans=count(c.agreed_plans),
        by_mode={k: count(n) for k, n in c.by_mode.items()},
        integrated=count(c.integrated),
        allocated_pence=disclosure.shown_total(c.allocated_pence, c.agreed_plans),
        spent_pence=disclosure.shown_total(c.spent_pence, c.people_with_spending),
    )
