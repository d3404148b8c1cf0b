"""Setting up a provider selection: the route under the Provider Selection Regime, the
published weights, the deadline for proposals and the evaluators."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import transaction

from commissioning import clock
from commissioning.audit import chain as audit
from commissioning.organisations.models import Budget, Organisation, User
from commissioning.organisations.permissions import current_memberships
from commissioning.organisations.vocabulary import PROVIDER_TYPES, OrganisationType, Role
from commissioning.specifications.models import ServiceSpecification
from commissioning.specifications.rules.lifecycle import Status
from commissioning.validation import Problems, refuse, save_or_refuse

from ..incumbent import record_for
from ..models import URGENCY_FIELDS, Evaluator, SelectionProcess
from ..permissions import EVALUATION_ROLES, Action, require
from ..rules.award import needs_evaluation
from ..rules.evaluation import Criterion, weight_problems
from ..rules.incumbent import View, assess, justification_problem
from ..rules.selection_route import (
    CHANGE_FACTS,
    FACTS,
    Circumstances,
    ContractChange,
    Route,
    RouteDecision,
    choose_route,
)
from ..rules.urgent import Urgency, term_problem
from ..rules.urgent import problems as urgency_problems
from ._common import BEFORE_DECISION, locked, text

CIRCUMSTANCE_FIELDS = tuple(FACTS)
PROCESS_FIELDS = ("specification_id", "budget_id", "incumbent_id", *CIRCUMSTANCE_FIELDS,
                  "current_lifetime_value_pence", "recommended_route", "route", "route_reasons",
                  "route_justification", "incumbent_evidence", "direct_award_c_justification",
                  *URGENCY_FIELDS, "status")  # fmt: skip
INVITATION_FIELDS = (*(f"weight_{c.value}" for c in Criterion), "proposals_deadline",
                     "invited_at", "status")  # fmt: skip


@dataclass(frozen=True)
class SelectionSetup:
    budget_id: int | None
    route: str = ""
    incumbent_id: int | None = None
    existing_service: bool = False
    existing_provider_only_capable: bool = False
    patients_choose_provider: bool = False
    providers_unrestricted: bool = False
    all_qualifying_providers_awarded: bool = False
    replacing_expiring_contract: bool = False
    materially_different: bool = False
    attributable_to_authority: bool = False
    current_lifetime_value_pence: int | None = None
    existing_provider_satisfying_contract: bool = False
    existing_provider_likely_to_satisfy_new: bool = False
    can_identify_most_suitable_without_competition: bool = False
    route_justification: str = ""
    # Where the existing contract's record counts against its provider satisfying it
    # (rules.incumbent), why direct award C is still chosen.
    direct_award_c_justification: str = ""
    # An urgent award (route ``urgent_award``): regulation 14's conditions and why it applies.
    urgent_must_be_made_urgently: bool = False
    urgent_not_foreseeable: bool = False
    urgent_not_attributable: bool = False
    urgent_delay_risks_safety: bool = False
    urgent_reasons: str = ""

    @property
    def urgency(self) -> Urgency:
        return Urgency(**{name: getattr(self, name) for name in URGENCY_FIELDS})


@dataclass(frozen=True)
class Invitation:
    weights: Mapping[str, int]
    proposals_deadline: dt.date | None
    evaluator_ids: tuple[int, ...] = field(default_factory=tuple)


def assess_route(cmd: SelectionSetup, spec: ServiceSpecification) -> RouteDecision:
    """The process the regime points to for these facts. The new arrangement's lifetime
    value is the specification's financial envelope."""
    change = None
    if cmd.replacing_expiring_contract and cmd.current_lifetime_value_pence is not None:
        change = ContractChange(
            materially_different_in_character=cmd.materially_different,
            attributable_to_authority=cmd.attributable_to_authority,
            current_lifetime_value_pence=cmd.current_lifetime_value_pence,
            proposed_lifetime_value_pence=spec.financial_envelope_pence,
        )
    facts = {name: getattr(cmd, name) for name in FACTS if name not in CHANGE_FACTS}
    return choose_route(Circumstances(**facts, change=change))


def set_up_selection(spec: ServiceSpecification, cmd: SelectionSetup, actor) -> SelectionProcess:
    """Record the facts, the process the regime points to and the process chosen."""
    require(actor, Action.MANAGE_SELECTION, spec)
    problems = Problems()
    budget = Budget.objects.filter(pk=cmd.budget_id).first() if cmd.budget_id else None
    if budget is None:
        problems.add("budget_id", "Choose the budget the contract will be paid from")
    elif budget.organisation_id != spec.commissioner_id:
        problems.add("budget_id", "Choose one of this commissioner's own budgets")
    incumbent = None
    if cmd.incumbent_id:
        incumbent = Organisation.objects.filter(pk=cmd.incumbent_id).first()
        if incumbent is None or incumbent.org_type not in PROVIDER_TYPES:
            problems.add("incumbent_id", "Choose the existing provider")
        elif not cmd.existing_service:
            problems.add("incumbent_id", "A new service has no existing provider")
    if cmd.current_lifetime_value_pence is not None and cmd.current_lifetime_value_pence < 0:
        problems.add("current_lifetime_value_pence", "The value must not be negative")
        problems.raise_if_any()
    decision = assess_route(cmd, spec)
    try:
        chosen = Route(cmd.route) if cmd.route else decision.route
    except ValueError:
        problems.add(
            "route", "Choose one of the five processes, or an urgent award (regulation 14)"
        )
        problems.raise_if_any()
    urgent = chosen is Route.URGENT_AWARD
    if urgent:
        for name, message in urgency_problems(cmd.urgency).items():
            problems.add(name, message)
        if too_long := term_problem(spec.term_months):
            problems.add("route", f"{too_long} (the specification's term)")
    elif chosen not in decision.permitted:
        problems.add(
            "route",
            f"{chosen.label} is not open to you on these facts; the regime points to "
            f"{decision.route.label.lower()}.",
        )
    elif chosen is not decision.route and not text(cmd.route_justification):
        problems.add(
            "route_justification",
            f"Say why you chose {chosen.label.lower()} rather than {decision.route.label.lower()}",
        )
    if chosen in (Route.DIRECT_AWARD_A, Route.DIRECT_AWARD_C) and incumbent is None:
        problems.add("incumbent_id", f"{chosen.label} awards to the existing provider: name it")
    problems.raise_if_any()
    evidence: dict = {}
    if chosen is Route.DIRECT_AWARD_C and incumbent is not None:
        view = incumbent_view(spec.commissioner_id, incumbent.pk)
        evidence = evidence_of(view)
        problem = justification_problem(view, cmd.direct_award_c_justification)
        if problem:
            problems.add("direct_award_c_justification", problem)
    problems.raise_if_any()
    with transaction.atomic():
        spec = ServiceSpecification.objects.select_for_update().get(pk=spec.pk)
        if spec.status != Status.APPROVED:
            raise refuse("", "Approve the specification before choosing how to select a provider.")
        if SelectionProcess.objects.filter(specification=spec).exists():
            raise refuse("", "A provider selection has already been set up for this version.")
        process = SelectionProcess(
            specification=spec,
            budget=budget,
            incumbent=incumbent,
            current_lifetime_value_pence=cmd.current_lifetime_value_pence,
            recommended_route=decision.route,
            route=chosen,
            route_reasons=list(decision.reasons),
            route_justification=text(cmd.route_justification),
            incumbent_evidence=evidence,
            direct_award_c_justification=text(cmd.direct_award_c_justification) if evidence else "",
            **{name: getattr(cmd, name) if urgent else False for name in URGENCY_FIELDS[:-1]},
            urgent_reasons=text(cmd.urgent_reasons) if urgent else "",
            created_by=actor,
            created_at=clock.now(),
            **{name: getattr(cmd, name) for name in CIRCUMSTANCE_FIELDS},
        )
        save_or_refuse(
            process, "", "A provider selection has already been set up for this version."
        )
        audit.record(actor, "create", process, after=audit.snapshot(process, PROCESS_FIELDS))
    return process


def incumbent_view(commissioner_id: int, incumbent_id: int) -> View:
    """What the record of the commissioner's contract with the existing provider says about
    whether it is satisfying the contract (``rules.incumbent``)."""
    return assess(record_for(commissioner_id, incumbent_id))


def evidence_of(view: View) -> dict:
    """The view as the process keeps it: the contract, whether satisfying, each finding."""
    return {
        "contract": view.reference,
        "satisfying": view.satisfying,
        "findings": [{"weight": f.weight.value, "text": f.text} for f in view.findings],
    }


def evaluator_problem(user: User, process: SelectionProcess) -> str | None:
    """Why a person cannot evaluate this process, or ``None``.

    Evaluators are the commissioner's own staff or clinical advisers of a strategic clinical
    network or clinical senate; nobody who works for a provider evaluates, as providers bid.
    """
    if not user.is_active:
        return f"{user} cannot sign in"
    memberships = current_memberships(user)
    if any(m.organisation.org_type in PROVIDER_TYPES for m in memberships):
        return f"{user} works for a provider, so cannot evaluate proposals"
    commissioner_id = process.specification.commissioner_id
    for m in memberships:
        if m.organisation_id == commissioner_id and Role(m.role) in EVALUATION_ROLES:
            return None
        if Role(m.role) is Role.CLINICAL_ADVISER and m.organisation.org_type in (
            OrganisationType.CLINICAL_NETWORK,
            OrganisationType.CLINICAL_SENATE,
        ):
            return None
    return (
        f"{user} is neither on the commissioner's staff nor a clinical adviser of a network or "
        "senate"
    )


def eligible_evaluators(process: SelectionProcess) -> list[User]:
    candidates = (
        User.objects.filter(is_active=True, memberships__isnull=False)
        .distinct()
        .prefetch_related("memberships__organisation")
        .order_by("last_name", "first_name", "username")
    )
    return [u for u in candidates if evaluator_problem(u, process) is None]


def _add_evaluators(process, user_ids, actor, problems: Problems) -> list[User]:
    users = []
    for user_id in user_ids:
        user = User.objects.filter(pk=user_id).prefetch_related("memberships__organisation").first()
        if user is None:
            problems.add("evaluator_ids", f"There is no person with id {user_id}")
        elif why := evaluator_problem(user, process):
            problems.add("evaluator_ids", why)
        else:
            users.append(user)
    return users


def _save_evaluator(process, user, actor) -> Evaluator:
    evaluator = Evaluator.objects.create(
        process=process, user=user, added_by=actor, added_at=clock.now()
    )
    audit.created(actor, evaluator, ("process_id", "user_id"))
    return evaluator


def invite_proposals(process: SelectionProcess, cmd: Invitation, actor) -> SelectionProcess:
    """Publish the weights and the deadline and name the evaluators: proposals are invited.
    The weights cannot change from now on."""
    require(actor, Action.MANAGE_SELECTION, process)
    problems = Problems()
    weights: dict[Criterion, int] = {}
    for criterion in Criterion:
        raw = cmd.weights.get(criterion.value)
        if raw is not None:
            weights[criterion] = raw
    for where, why in weight_problems(weights).items():
        problems.add(f"weight_{where.value}" if isinstance(where, Criterion) else "weights", why)
    if cmd.proposals_deadline is None:
        problems.add("proposals_deadline", "Enter the last day for proposals")
    elif cmd.proposals_deadline <= clock.today():
        problems.add("proposals_deadline", "The last day for proposals must be in the future")
    ids = tuple(dict.fromkeys(cmd.evaluator_ids))
    evaluators = _add_evaluators(process, ids, actor, problems)
    if needs_evaluation(process.route_enum) and not ids:
        problems.add(
            "evaluator_ids", f"{process.route_enum.label} applies the key criteria: name evaluators"
        )
    problems.raise_if_any()
    with transaction.atomic():
        process = locked(
            process,
            (SelectionProcess.Status.SETTING_UP,),
            "Proposals have already been invited; the weights are published.",
        )
        with audit.changing(actor, process, INVITATION_FIELDS):
            for criterion, value in weights.items():
                setattr(process, f"weight_{criterion.value}", value)
            process.proposals_deadline = cmd.proposals_deadline
            process.invited_at = clock.now()
            process.status = SelectionProcess.Status.INVITING
            process.save()
        for user in evaluators:
            _save_evaluator(process, user, actor)
    return process


def add_evaluator(process: SelectionProcess, user_id: int, actor) -> Evaluator:
    """Add an evaluator while proposals are still being invited or evaluated."""
    require(actor, Action.MANAGE_SELECTION, process)
    problems = Problems()
    users = _add_evaluators(process, (user_id,), actor, problems)
    problems.raise_if_any()
    with transaction.atomic():
        process = locked(
            process,
            BEFORE_DECISION,
            "The decision has been taken; evaluators can no longer be added.",
        )
        if process.evaluators.filter(user=users[0]).exists():
            raise refuse("evaluator_ids", f"{users[0]} is already an evaluator")
        return _save_evaluator(process, users[0], actor)
