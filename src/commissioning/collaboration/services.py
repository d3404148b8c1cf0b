"""Everything that writes co-commissioning data. Each function checks permission, applies
the rules, writes all or nothing and records the change in the audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction

from commissioning import clock
from commissioning.audit import chain as audit
from commissioning.organisations.models import Organisation, User
from commissioning.organisations.vocabulary import OrganisationType
from commissioning.validation import Problems, refuse

from .cocommissioning import Body, Function, Model, arrangement_problems, consulted, decider
from .models import CoCommissioningArrangement, PrimaryCareDecision
from .permissions import Action, require


@dataclass(frozen=True)
class ArrangementInput:
    commissioner_id: int
    nhs_england_id: int
    year_start: int
    model: str
    functions: Sequence[str] = ()
    in_special_measures: bool = False
    joint_committee: Sequence[int] = field(default_factory=tuple)  # user ids


def record_arrangement(cmd: ArrangementInput, actor) -> CoCommissioningArrangement:
    problems = Problems()
    commissioner = Organisation.objects.filter(pk=cmd.commissioner_id).first()
    nhse = Organisation.objects.filter(pk=cmd.nhs_england_id).first()
    if commissioner is None or commissioner.org_type != OrganisationType.ICB:
        problems.add("commissioner_id", "Choose an integrated care board (or CCG)")
    if nhse is None or nhse.org_type != OrganisationType.NHSE_REGION:
        problems.add("nhs_england_id", "Choose an NHS England region")
    try:
        model = Model(cmd.model)
    except ValueError:
        problems.add("model", "Choose greater involvement, joint or delegated commissioning")
        model = None
    functions = []
    for f in cmd.functions:
        try:
            functions.append(Function(f))
        except ValueError:
            problems.add("functions", f"{f} is not a primary care function")
    if model is Model.GREATER_INVOLVEMENT:
        functions = []  # NHS England decides everything; the commissioner is involved
    if model is not None:
        for name, message in arrangement_problems(
            model, functions, cmd.in_special_measures
        ).items():
            problems.add(name, message)
    if not 2013 <= cmd.year_start <= 2100:
        problems.add("year_start", "Give the year the financial year starts, e.g. 2026")
    members = list(User.objects.filter(pk__in=cmd.joint_committee))
    if model is Model.JOINT and not members:
        problems.add("joint_committee", "Name the members of the joint committee")
    if model is not Model.JOINT and cmd.joint_committee:
        problems.add("joint_committee", "Only joint commissioning has a joint committee")
    problems.raise_if_any()
    arrangement = CoCommissioningArrangement(
        commissioner=commissioner,
        nhs_england=nhse,
        year_start=cmd.year_start,
        model=model.value,
        functions=[f.value for f in functions],
        in_special_measures=cmd.in_special_measures,
        recorded_at=clock.now(),
    )
    require(actor, Action.RECORD_ARRANGEMENT, arrangement)
    with transaction.atomic():
        if CoCommissioningArrangement.objects.filter(
            commissioner=commissioner, year_start=cmd.year_start
        ).exists():
            raise refuse("year_start", "This commissioner already has an arrangement that year")
        arrangement.save()
        arrangement.joint_committee.set(members)
        audit.record(
            actor,
            "create",
            arrangement,
            after={
                "commissioner": commissioner.code,
                "year_start": cmd.year_start,
                "model": model.value,
                "functions": arrangement.functions,
                "joint_committee": sorted(u.username for u in members),
            },
        )
    return arrangement


@dataclass(frozen=True)
class DecisionInput:
    function: str
    subject: str
    decision: str
    consultation: str = ""


def decide(arrangement: CoCommissioningArrangement, cmd: DecisionInput, actor):
    """Record a primary care decision taken by the body the model gives it to."""
    problems = Problems()
    try:
        function = Function(cmd.function)
    except ValueError:
        raise refuse("function", "Choose a primary care function") from None
    require(actor, Action.DECIDE_PRIMARY_CARE, (arrangement, function))
    model = Model(arrangement.model)
    body = decider(model, function, [Function(f) for f in arrangement.functions])
    if not cmd.subject.strip():
        problems.add("subject", "Say what the decision is about")
    if not cmd.decision.strip():
        problems.add("decision", "Record the decision")
    if consulted(model, function) is Body.COMMISSIONER and not cmd.consultation.strip():
        problems.add(
            "consultation",
            "Under greater involvement NHS England decides with the "
            "commissioner: record how the commissioner was consulted",
        )
    problems.raise_if_any()
    with transaction.atomic():
        made = PrimaryCareDecision.objects.create(
            arrangement=arrangement,
            function=function.value,
            subject=cmd.subject.strip(),
            decision=cmd.decision.strip(),
            decided_as=body.value,
            consultation=cmd.consultation.strip(),
            decided_by=actor,
            decided_at=clock.now(),
        )
        audit.record(
            actor,
            "create",
            made,
            after={"function": function.value, "decided_as": body.value, "subject": made.subject},
        )
    return made
