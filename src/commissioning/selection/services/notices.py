"""Publishing the regime's notices: each written once, from the record, into its schedule's items
(``rules.notices``), and kept as published. The public register and the OCDS releases read
these, never the live record, so what was published stays what was published."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from commissioning import clock, money
from commissioning.audit import chain as audit
from commissioning.organisations.models import User
from commissioning.specifications import cpv

from ..models import Advice, ConflictDeclaration, Decision, Notice, Representation
from ..rules.conflicts import Management
from ..rules.evaluation import Criterion
from ..rules.notices import Interest, NoticeFacts, Schedule, Stage, notice_items, schedule_for
from ..rules.public import redact, withheld_text


@dataclass(frozen=True)
class ContractTerms:
    """What an award notice says of the contract entered into."""

    reference: str
    value_pence: int
    start: dt.date
    end: dt.date
    provider_id: int | None = None  # the contract's provider (under B, one of several)
    signed_on: dt.date | None = None  # entered into: the day the second side signed


@dataclass(frozen=True)
class Change:
    """What a notice of a modification says of it (Schedule 12)."""

    effective: dt.date
    description: str
    value_change_pence: int
    number: int  # the contract's variation number
    urgent_reasons: str = ""  # an urgent modification (regulation 14): why it applied
    people: tuple[str, ...] = ()  # who proposed, answered, approved and signed it: redacted

    @property
    def urgent(self) -> bool:
        return bool(self.urgent_reasons)


def _decision_makers(decision: Decision) -> str:
    """Who decided, as the authority they decided under (not by name: the register carries no
    personal data)."""
    d = decision.delegation
    where = f" ({d.reference})" if d.reference else ""
    return (
        f"A commissioner of {decision.process.specification.commissioner.display_name} with "
        f"authority delegated on budget {d.budget.code} for decisions up to "
        f"{money.pounds(d.limit_pence)}{where}, on {decision.decided_on.day} "
        f"{decision.decided_on:%B %Y}."
    )


def _reasons(decision: Decision) -> str:
    weights = decision.process.weights
    named = ", ".join(
        f"{c.label.lower()} ({weights[c]}%)" for c in Criterion if weights.get(c)
    )  # fmt: skip
    criteria = f" The key criteria were weighted: {named}." if named else ""
    rationale = (
        f"The commissioner's reasons: {withheld_text(decision.withheld_reason)}"
        if "reasons" in decision.withheld
        else decision.rationale.strip()
    )
    return rationale + criteria + incumbent_reasons(decision.process)


def people_of(decision: Decision) -> tuple[str, ...]:
    """The names of everyone who took part in the decision's process (declared, evaluated,
    decided, proposed, advised or made a representation): redacted from what is published."""
    process = decision.process
    users = User.objects.filter(
        Q(pk=decision.decided_by_id)
        | Q(pk__in=ConflictDeclaration.objects.filter(process=process).values("user_id"))
        | Q(evaluations__process=process)
        | Q(pk__in=process.proposals.values("created_by_id"))
        | Q(pk__in=Representation.objects.filter(decision__process=process).values("made_by_id"))
        | Q(pk__in=Advice.objects.filter(request__specification=process.specification).values(
            "adviser_id"))
    ).distinct()  # fmt: skip
    return tuple(sorted({u.get_full_name() for u in users} - {""}))


def incumbent_reasons(process) -> str:
    """Under direct award C: what the existing contract's record said of its provider, and,
    where it counted against, the authority's justification (rules.incumbent)."""
    evidence = process.incumbent_evidence or {}
    if process.route != "direct_award_c" or not evidence:
        return ""
    against = [f["text"] for f in evidence.get("findings", []) if f["weight"] == "against"]
    if not against:
        contract = evidence.get("contract")
        return (f" The record of the existing contract ({contract}) showed nothing against its "
                "provider satisfying it.")  # fmt: skip
    return (
        " The record of the existing contract counted against its provider satisfying it: "
        + " ".join(against)
        + f" The authority's justification for direct award C: "
        f"{process.direct_award_c_justification.strip()}"
    )


def _interests(decision: Decision) -> tuple[int, tuple[Interest, ...]]:
    declarations = ConflictDeclaration.objects.filter(process=decision.process).select_related(
        "provider"
    )
    made = list(declarations)
    interests = tuple(
        Interest(
            concerning=d.provider.display_name if d.provider else "",
            description=d.description.strip(),
            management=Management(d.management).label,
        )
        for d in made
        if d.has_interest
    )
    return len(made), interests


def _providers(decision: Decision, terms: ContractTerms | None) -> list:
    """Whom the notice names: the contract's provider where it is of one contract, else every
    provider awarded (under direct award B, all that meet the requirements)."""
    awarded = [p.provider for p in decision.awarded.select_related("provider").order_by("pk")]
    if terms is not None and terms.provider_id is not None:
        return [o for o in awarded if o.pk == terms.provider_id][:1] or awarded[:1]
    return awarded


def _address(org) -> str:
    return ", ".join(x for x in (org.address, org.postcode) if x)


def notice_facts(
    decision: Decision, terms: ContractTerms | None = None, change: Change | None = None
) -> NoticeFacts:
    process = decision.process
    spec = process.specification
    providers = _providers(decision, terms)
    provider = providers[0] if providers else None
    count, interests = _interests(decision)
    return NoticeFacts(
        other_providers=tuple((p.display_name, _address(p)) for p in providers[1:]),
        value_withheld=decision.withheld_reason if "value" in decision.withheld else "",
        personal_names=people_of(decision) + (change.people if change else ()),
        authority=spec.commissioner.display_name,
        route=process.route_enum,
        title=spec.title,
        reference=terms.reference if terms else spec.reference,
        provider=provider.display_name if provider else "",
        provider_address=_address(provider) if provider else "",
        services=spec.service_description.strip(),
        cpv_code=spec.cpv_code,
        cpv_label=cpv.SCHEDULE_1.get(spec.cpv_code, ""),
        value_pence=terms.value_pence if terms else decision.value_pence,
        decision_makers=_decision_makers(decision),
        reasons=_reasons(decision),
        term_months=spec.term_months,
        start=terms.start if terms else None,
        end=terms.end if terms else None,
        declarations=count,
        interests=interests,
        modified_on=change.effective if change else None,
        modification=change.description.strip() if change else "",
        value_change_pence=change.value_change_pence if change else 0,
        urgent_reasons=(change.urgent_reasons if change else process.urgent_reasons).strip(),
        withdrawn_reason=decision.withdrawn_reason.strip(),
    )


def _plain(
    facts: NoticeFacts,
    decision: Decision,
    schedule: Schedule,
    change: Change | None = None,
    terms: ContractTerms | None = None,
) -> dict:
    """What the OCDS release is built from: codes, integer pence, ISO dates; free text redacted
    and the value left out where it is withheld (``rules.public``), as in the items."""
    process = decision.process
    spec = process.specification
    providers = _providers(decision, terms)
    hidden = bool(facts.value_withheld)

    def public(text: str) -> str:
        return redact(text, facts.personal_names)

    suppliers = [{"code": o.code, "name": o.display_name, "address": o.address,
                  "postcode": o.postcode} for o in providers]  # fmt: skip

    return {
        "schedule": schedule.number,
        "route": facts.route.value,
        "title": public(facts.title),
        "reference": facts.reference,
        "specification_reference": spec.reference,
        "description": public(facts.services),
        "cpv": facts.cpv_code,
        "cpv_label": facts.cpv_label,
        "value_pence": None if hidden else facts.value_pence,
        "value_withheld": public(withheld_text(facts.value_withheld)) if hidden else "",
        "envelope_pence": None if hidden else spec.financial_envelope_pence,
        "term_months": spec.term_months,
        "buyer": {"code": spec.commissioner.code, "name": spec.commissioner.display_name,
                  "address": spec.commissioner.address, "postcode": spec.commissioner.postcode},
        "supplier": suppliers[0] if suppliers else None,
        "suppliers": suppliers,
        # For the register's search by provider on every database: " RJE RWE ".
        "supplier_codes": f" {' '.join(o['code'] for o in suppliers)} ",
        "award_id": decision.pk,
        "decided_on": decision.decided_on.isoformat(),
        "start": facts.start.isoformat() if facts.start else None,
        "end": facts.end.isoformat() if facts.end else None,
        "signed_on": terms.signed_on.isoformat() if terms and terms.signed_on else None,
        "criteria": {c.value: process.weights.get(c, 0) for c in Criterion},
        "urgent_reasons": public(facts.urgent_reasons),
        "amendment": (
            {"number": change.number, "date": change.effective.isoformat(),
             "description": public(change.description.strip()),
             "value_change_pence": change.value_change_pence}
            if change else None
        ),
    }  # fmt: skip


def preview(decision: Decision) -> tuple[Schedule, list] | None:
    """The notice publishing the decision would write today, item by item, as the public will
    read it (withheld and redacted): for the commissioner to read before publishing."""
    stage = Stage.INTENTION if decision.process.route_enum.needs_standstill else Stage.AWARD
    schedule = schedule_for(decision.process.route_enum, stage)
    if schedule is None:
        return None
    return schedule, notice_items(schedule, notice_facts(decision))


def publish(
    decision: Decision,
    stage: Stage,
    actor,
    terms: ContractTerms | None = None,
    change: Change | None = None,
):
    """Write and keep the notice of ``stage`` for ``decision`` (inside the caller's
    transaction): the schedule the route names, its items from the record as it is now."""
    schedule = schedule_for(decision.process.route_enum, stage, bool(change and change.urgent))
    if schedule is None:
        return None
    facts = notice_facts(decision, terms, change)
    now = clock.now()
    with transaction.atomic():  # inside the caller's: the notice and its revision together
        notice = Notice.objects.create(
            process=decision.process,
            decision=decision,
            stage=stage.value,
            schedule=schedule.number,
            title=schedule.title,
            items=[
                {"number": i.number, "heading": i.heading, "text": i.text}
                for i in notice_items(schedule, facts)
            ],
            facts=_plain(facts, decision, schedule, change, terms),
            published_on=clock.today(),
            published_at=now,
            published_by=actor,
        )
        audit.created(actor, notice, ("process_id", "decision_id", "stage", "schedule"))
    return notice
