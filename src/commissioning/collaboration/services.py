"""Everything that writes co-commissioning data. Each function checks permission, applies
the rules, writes all or nothing and records the change in the audit trail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction

from commissioning import clock
from commissioning.audit import chain as audit
from commissioning.engine.market.concentration import negotiating_weight as weigh
from commissioning.market import data
from commissioning.organisations.models import Organisation, User
from commissioning.organisations.vocabulary import (
    COMMISSIONER_TYPES,
    PROVIDER_TYPES,
    OrganisationType,
)
from commissioning.validation import Problems, refuse

from .models import CoCommissioningArrangement, Consortium, PrimaryCareDecision
from .permissions import Action, require
from .rules.cocommissioning import Body, Function, Model, arrangement_problems, consulted, decider


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
    assert commissioner is not None and model is not None  # refused above when missing
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
        audit.created(
            actor,
            arrangement,
            ("year_start", "model", "functions"),
            commissioner=commissioner.code,
            joint_committee=sorted(u.username for u in members),
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
        audit.created(actor, made, ("function", "decided_as", "subject"))
    return made


@dataclass(frozen=True)
class ConsortiumInput:
    name: str
    scope: str
    co_ordinating_id: int
    member_ids: Sequence[int]
    decision_rules: str
    agreement_date: dt.date
    service: str = ""
    provider_id: int | None = None


def form_consortium(cmd: ConsortiumInput, actor) -> Consortium:
    """Commissioners form a consortium under a collaborative commissioning agreement; the
    co-ordinating commissioner's commissioner records it."""
    problems = Problems()
    members = list(Organisation.objects.filter(pk__in=cmd.member_ids))
    if not cmd.name.strip():
        problems.add("name", "Name the consortium")
    if len(members) < 2:
        problems.add("member_ids", "A consortium has at least two commissioners")
    if any(m.org_type not in COMMISSIONER_TYPES for m in members):
        problems.add(
            "member_ids",
            "Every member is a commissioner (an ICB, NHS England or a local authority)",
        )
    if cmd.co_ordinating_id not in {m.pk for m in members}:
        problems.add("co_ordinating_id", "The co-ordinating commissioner is one of the members")
    if cmd.scope == Consortium.Scope.SERVICE and not cmd.service.strip():
        problems.add("service", "Name the service the consortium commissions")
    elif cmd.scope == Consortium.Scope.PROVIDER:
        provider = (
            Organisation.objects.filter(pk=cmd.provider_id).first()
            if cmd.provider_id is not None
            else None
        )
        if provider is None or provider.org_type not in PROVIDER_TYPES:
            problems.add("provider_id", "Choose the provider the consortium commissions from")
    elif cmd.scope not in Consortium.Scope.values:
        problems.add("scope", "Choose a service or a provider")
    if not cmd.decision_rules.strip():
        problems.add("decision_rules", "Say how the members decide together")
    problems.raise_if_any()
    require(actor, Action.FORM_CONSORTIUM, cmd.co_ordinating_id)
    with transaction.atomic():
        consortium = Consortium.objects.create(
            name=cmd.name.strip(),
            scope=cmd.scope,
            service=cmd.service.strip(),
            provider_id=cmd.provider_id if cmd.scope == Consortium.Scope.PROVIDER else None,
            co_ordinating_id=cmd.co_ordinating_id,
            decision_rules=cmd.decision_rules.strip(),
            agreement_date=cmd.agreement_date,
            created_at=clock.now(),
        )
        consortium.members.set(members)
        audit.created(
            actor,
            consortium,
            ("name", "co_ordinating_id", "scope"),
            members=sorted(m.code for m in members),
        )
    return consortium


def negotiating_weight(consortium: Consortium, market=None):
    """The consortium's share of each provider's activity and catchment population against
    its largest member alone, from the market the workspace models (``market.data``)."""
    import polars as pl

    market = market or data.load_market()
    codes = [m.code for m in consortium.members.all()]
    table = weigh(market.flows, market.areas, codes)
    if consortium.scope == Consortium.Scope.PROVIDER and consortium.provider is not None:
        table = table.filter(pl.col("provider") == consortium.provider.code)
    names = market.providers.select(pl.col("code").alias("provider"), "name")
    return table.join(names, on="provider", how="left")
