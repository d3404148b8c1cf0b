"""Making a contract from an award, and signing it.

The contract follows the NHS Standard Contract model (docs/domain.md section 8): a co-ordinating
commissioner (the commissioner that ran the selection), any associate commissioners, and the
provider. The specification's outcomes and quality requirements become the contract's quality
schedule. Under the Provider Selection Regime the contract may be made only once the
standstill is over with no open representation (``selection.rules.award``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max, Sum

from commissioning import clock
from commissioning.audit import chain as audit
from commissioning.organisations.models import Organisation
from commissioning.organisations.vocabulary import COMMISSIONER_TYPES
from commissioning.selection.models import URGENCY_FIELDS, Decision, Proposal, SelectionProcess
from commissioning.selection.rules.modification import Ground, Modification
from commissioning.selection.rules.modification import notice_due as modification_notice_due
from commissioning.selection.rules.modification import problem as modification_problem
from commissioning.selection.rules.notices import Stage
from commissioning.selection.rules.urgent import Urgency
from commissioning.selection.rules.urgent import problems as urgency_problems
from commissioning.selection.services import notices, state_of
from commissioning.validation import Problems, refuse, save_or_refuse

from .models import (
    Contract,
    ContractParty,
    ContractVariation,
    QualityScheduleItem,
    VariationApproval,
)
from .permissions import Action, associate_represented, can, require, signing_side
from .term import within_term

CONTRACT_FIELDS = (
    "reference",
    "decision_id",
    "proposal_id",
    "specification_id",
    "provider_id",
    "form",
    "value_pence",
    "start_date",
    "end_date",
    "status",
)


@dataclass(frozen=True)
class ContractInput:
    proposal_id: int | None
    start_date: dt.date | None
    end_date: dt.date | None
    form: Contract.Form = Contract.Form.FULL_LENGTH
    associate_ids: Sequence[int] = field(default_factory=tuple)


def may_make_now(user, decision: Decision, today: dt.date | None = None) -> bool:
    """Whether ``user`` may make a contract from ``decision`` today: the policy lets them
    (``CREATE_CONTRACT``) and the award allows it (``selection.rules.award``: the standstill is
    over with no open representation, or the route needs none). The checks ``create_contract``
    makes before it reads the form; the contract page offers its form, and the decision's
    page its link, only when this is true."""
    return (
        can(user, Action.CREATE_CONTRACT, decision)
        and state_of(decision, today).contract_may_be_made
    )


def create_contract(decision: Decision, cmd: ContractInput, actor) -> Contract:
    """Make the contract for one awarded proposal, with its quality schedule."""
    require(actor, Action.CREATE_CONTRACT, decision)
    state = state_of(decision)
    if not state.contract_may_be_made:
        raise refuse("", state.explanation)
    problems = Problems()
    awarded = {p.pk: p for p in decision.awarded.select_related("provider")}
    proposal = awarded.get(cmd.proposal_id) if cmd.proposal_id else None
    if proposal is None:
        problems.add("proposal_id", "Choose the awarded proposal the contract is for")
    spec = decision.process.specification
    co = spec.commissioner
    associates = []
    for org_id in dict.fromkeys(cmd.associate_ids):
        org = Organisation.objects.filter(pk=org_id).first()
        if org is None or org.org_type not in COMMISSIONER_TYPES:
            problems.add("associate_ids", "Associates must be commissioning organisations")
        elif org.pk == co.pk:
            problems.add("associate_ids", f"{co.display_name} is the co-ordinating commissioner")
        else:
            associates.append(org)
    if cmd.form not in Contract.Form.values:
        problems.add("form", "Choose the full-length or the shorter-form contract")
    if cmd.start_date is None:
        problems.add("start_date", "Enter the date the contract starts")
    elif cmd.start_date < decision.decided_on:
        problems.add("start_date", "The contract cannot start before the decision was taken")
    if cmd.end_date is None:
        problems.add("end_date", "Enter the date the contract ends")
    elif cmd.start_date and cmd.end_date <= cmd.start_date:
        problems.add("end_date", "The contract must end after it starts")
    elif cmd.start_date and not within_term(cmd.start_date, cmd.end_date, spec.term_months):
        problems.add(
            "end_date",
            f"The specification's term is {spec.term_months} months; end the contract within it",
        )
    problems.raise_if_any()
    # Refused above when missing.
    assert proposal is not None and cmd.start_date is not None and cmd.end_date is not None
    with transaction.atomic():
        decision = Decision.objects.select_for_update().get(pk=decision.pk)
        if not (state := state_of(decision)).contract_may_be_made:
            raise refuse("", state.explanation)
        contract = Contract(
            reference=f"PENDING-{proposal.pk}",
            decision=decision,
            proposal=proposal,
            specification=spec,
            provider=proposal.provider,
            form=cmd.form,
            value_pence=proposal.total_price_pence,
            start_date=cmd.start_date,
            end_date=cmd.end_date,
            created_by=actor,
            created_at=clock.now(),
        )
        save_or_refuse(
            contract, "proposal_id", "A contract has already been made for this proposal."
        )
        contract.reference = f"{co.code}-{cmd.start_date:%Y}-{contract.pk:04d}"
        contract.save(update_fields=["reference"])
        audit.record(actor, "create", contract, after=audit.snapshot(contract, CONTRACT_FIELDS))
        parties = [ContractParty(contract=contract, organisation=co, role=ContractParty.CO)]
        parties += [
            ContractParty(contract=contract, organisation=o, role=ContractParty.ASSOCIATE)
            for o in associates
        ]
        for party in parties:
            party.save()
            audit.created(actor, party, ("contract_id", "organisation_id", "role"))
        _copy_quality_schedule(contract, spec, actor)
        if not Proposal.objects.filter(awards=decision, contract__isnull=True).exists():
            process = decision.process
            with audit.changing(actor, process, ("status",)):
                process.status = SelectionProcess.Status.CLOSED
                process.save(update_fields=["status"])
    return contract


def _copy_quality_schedule(contract: Contract, spec, actor) -> None:
    items = []
    for o in spec.outcomes.select_related("indicator"):
        items.append(
            QualityScheduleItem(
                contract=contract,
                kind=QualityScheduleItem.OUTCOME,
                dimension=o.indicator.quality_dimension,
                title=f"{o.indicator.code} {o.indicator.title}",
                indicator=o.indicator,
                baseline=o.baseline,
                target=o.target,
                target_date=o.target_date,
                method_of_measurement=o.measurement,
                source_outcome=o,
            )
        )
    for q in spec.quality_requirements.all():
        items.append(
            QualityScheduleItem(
                contract=contract,
                kind=QualityScheduleItem.REQUIREMENT,
                dimension=q.dimension,
                title=q.requirement,
                threshold=q.threshold,
                method_of_measurement=q.method_of_measurement,
                consequence_of_breach=q.consequence_of_breach,
                frequency=q.frequency,
                source_requirement=q,
            )
        )
    for item in items:
        item.save()
        audit.record(
            actor,
            "create",
            item,
            after=audit.snapshot(
                item,
                (
                    "contract_id",
                    "kind",
                    "dimension",
                    "title",
                    "indicator_id",
                    "baseline",
                    "target",
                    "target_date",
                    "threshold",
                ),
            ),
        )


def sign_contract(contract: Contract, actor) -> Contract:
    """Sign for the side the person represents; the contract is signed when both have."""
    require(actor, Action.SIGN_CONTRACT, contract)
    side = signing_side(actor, contract)
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract.pk)
        signed_by = f"{side}_signed_by"
        if getattr(contract, f"{signed_by}_id") is not None:
            raise refuse("", f"The {side} has already signed this contract.")
        now = clock.now()
        with audit.changing(actor, contract, (f"{signed_by}_id", "status")):
            setattr(contract, signed_by, actor)
            setattr(contract, f"{side}_signed_at", now)
            if contract.provider_signed_by_id and contract.commissioner_signed_by_id:
                contract.status = Contract.Status.SIGNED
            contract.save()
        if contract.status == Contract.Status.SIGNED:
            _award_notice(contract)
    return contract


def _award_notice(contract: Contract) -> None:
    """The contract is entered into: where the route had a notice of intention and a
    standstill (direct award C, most suitable provider, competitive), the notice of the award
    follows (Schedules 4, 7 and 11 to SI 2023/1348, within 30 days of the award), published as
    the commissioner's signatory's. Under direct award A and B the award notice was the one
    notice (published after the decision)."""
    decision = contract.decision
    if not decision.process.route_enum.needs_standstill:
        return
    if decision.notices.filter(stage=Stage.AWARD).exists():
        return  # one award notice for a decision (a second contract under direct award B)
    terms = notices.ContractTerms(contract.reference, contract.value_pence, contract.start_date,
                                  contract.end_date, contract.provider_id,
                                  contract.entered_into)  # fmt: skip
    notices.publish(decision, Stage.AWARD, contract.commissioner_signed_by, terms)


@dataclass(frozen=True)
class VariationInput:
    description: str
    value_change_pence: int = 0
    # Regulation 13 of SI 2023/1348 (selection.rules.modification): the ground it rests on.
    ground: str = Ground.PROVIDED_FOR.value
    materially_different: bool = False
    attributable_to_authority: bool = False
    # An urgent modification (ground ``urgent``): regulation 14's conditions and reasons.
    urgent_must_be_made_urgently: bool = False
    urgent_not_foreseeable: bool = False
    urgent_not_attributable: bool = False
    urgent_delay_risks_safety: bool = False
    urgent_reasons: str = ""

    @property
    def urgency(self) -> Urgency | None:
        if self.ground != Ground.URGENT:
            return None
        return Urgency(**{name: getattr(self, name) for name in URGENCY_FIELDS})

    @classmethod
    def of(cls, variation: ContractVariation) -> VariationInput:
        """The proposal a recorded variation was."""
        return cls(variation.description, variation.value_change_pence, variation.ground,
                   variation.materially_different, variation.attributable_to_authority,
                   **{name: getattr(variation, name) for name in URGENCY_FIELDS})  # fmt: skip


def _modification(contract: Contract, cmd: VariationInput) -> Modification:
    """The variation as regulation 13 sees it: the contract's value when entered into and the
    net change since, this variation included."""
    signed = contract.variations.filter(status=ContractVariation.Status.SIGNED)
    earlier = signed.aggregate(n=Sum("value_change_pence"))["n"] or 0
    return Modification(
        ground=Ground(cmd.ground),
        original_value_pence=contract.value_pence - earlier,
        cumulative_change_pence=earlier + cmd.value_change_pence,
        materially_different=cmd.materially_different,
        attributable_to_authority=cmd.attributable_to_authority,
        awarded_under_a_or_b=contract.decision.process.route
        in ("direct_award_a", "direct_award_b"),
        urgency=cmd.urgency,
    )


def propose_variation(contract: Contract, cmd: VariationInput, actor) -> ContractVariation:
    """A commissioner party proposes a variation to a signed contract."""
    require(actor, Action.PROPOSE_VARIATION, contract)
    if contract.status != Contract.Status.SIGNED:
        raise refuse("", "A contract is varied once it has been signed")
    if not cmd.description.strip():
        raise refuse("description", "Describe the variation")
    if contract.value_pence + cmd.value_change_pence <= 0:
        raise refuse("value_change_pence", "The contract's value would fall to £0 or below")
    if cmd.ground not in Ground.__members__.values():
        raise refuse("ground", "Choose the ground of regulation 13 the modification rests on")
    if cmd.urgency is not None and (found := urgency_problems(cmd.urgency)):
        problems = Problems()
        for name, message in found.items():
            problems.add(name, message)
        problems.raise_if_any()
    if why := modification_problem(_modification(contract, cmd)):
        raise refuse("ground", why)
    urgency = cmd.urgency
    with transaction.atomic():
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        number = (locked.variations.aggregate(n=Max("number"))["n"] or 0) + 1
        variation = ContractVariation.objects.create(
            contract=locked,
            number=number,
            description=cmd.description.strip(),
            value_change_pence=cmd.value_change_pence,
            ground=cmd.ground,
            materially_different=cmd.materially_different,
            attributable_to_authority=cmd.attributable_to_authority,
            **{name: getattr(cmd, name) if urgency else False for name in URGENCY_FIELDS[:-1]},
            urgent_reasons=urgency.urgent_reasons.strip() if urgency else "",
            proposed_by=actor,
            proposed_at=clock.now(),
        )
        audit.created(actor, variation, ("number", "value_change_pence", "ground",
                                         *(URGENCY_FIELDS if urgency else ())))  # fmt: skip
    return variation


def approve_variation(variation: ContractVariation, actor) -> VariationApproval:
    """An associate commissioner's approval of a variation (its commissioner approves)."""
    contract = variation.contract
    require(actor, Action.APPROVE_VARIATION, contract)
    associate_id = associate_represented(actor, contract)
    assert associate_id is not None  # require above allows only one who represents an associate
    with transaction.atomic():
        variation = ContractVariation.objects.select_for_update().get(pk=variation.pk)
        if variation.status != ContractVariation.Status.PROPOSED:
            raise refuse("", f"This variation has already been {variation.status}")
        if variation.approvals.filter(organisation_id=associate_id).exists():
            raise refuse("", "Your organisation has already approved this variation")
        approval = VariationApproval.objects.create(
            variation=variation,
            organisation_id=associate_id,
            approved_by=actor,
            approved_at=clock.now(),
        )
        audit.created(actor, approval, ("organisation_id",))
    return approval


@dataclass(frozen=True)
class VariationAnswer:
    """The provider's answer to a proposed variation: agreed, or declined with reasons."""

    agree: bool
    reasons: str = ""


def answer_variation(variation: ContractVariation, cmd: VariationAnswer, actor):
    """The provider agrees or declines a proposed variation (General Condition 13: a variation
    is agreed by both parties). Its representative answers; a declined variation is not
    signed, and the commissioners may propose another."""
    contract = variation.contract
    require(actor, Action.ANSWER_VARIATION, contract)
    reasons = cmd.reasons.strip()
    if not cmd.agree and not reasons:
        raise refuse("reasons", "Give the reasons for declining the variation")
    with transaction.atomic():
        variation = ContractVariation.objects.select_for_update().get(pk=variation.pk)
        if variation.status != ContractVariation.Status.PROPOSED:
            raise refuse("", f"This variation has already been {variation.status}")
        if variation.provider_agreed is not None:
            raise refuse("", "The provider has already answered this variation")
        fields = ("provider_agreed", "provider_answered_by_id", "provider_reasons", "status")
        with audit.changing(actor, variation, fields):
            variation.provider_agreed = cmd.agree
            variation.provider_answered_by, variation.provider_answered_at = actor, clock.now()
            variation.provider_reasons = "" if cmd.agree else reasons
            if not cmd.agree:
                variation.status = ContractVariation.Status.DECLINED
            variation.save()
    return variation


def _people_of(variation: ContractVariation) -> tuple[str, ...]:
    """The names of everyone who proposed, answered, approved or signed a variation: its
    notice is redacted of them (selection.rules.public)."""
    users = [
        variation.proposed_by,
        variation.provider_answered_by,
        variation.signed_by,
        *(a.approved_by for a in variation.approvals.select_related("approved_by")),
    ]
    return tuple(sorted({u.get_full_name() for u in users if u is not None} - {""}))


def sign_variation(variation: ContractVariation, actor) -> ContractVariation:
    """The co-ordinating commissioner signs, as agent of the associates: only once the
    provider has agreed and every associate has approved."""
    contract = variation.contract
    require(actor, Action.SIGN_VARIATION, contract)
    with transaction.atomic():
        variation = ContractVariation.objects.select_for_update().get(pk=variation.pk)
        if variation.status != ContractVariation.Status.PROPOSED:
            raise refuse("", f"This variation has already been {variation.status}")
        if waiting := variation.waiting_for():
            names = ", ".join(o.display_name for o in waiting)
            raise refuse(
                "",
                "The co-ordinating commissioner signs once the provider has agreed and every "
                f"associate has approved; waiting for: {names}",
            )
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        # As regulation 13 sees it, with the variations signed before this one.
        facts = _modification(locked, VariationInput.of(variation))
        with audit.changing(actor, variation, ("status",)):
            variation.status = ContractVariation.Status.SIGNED
            variation.signed_by, variation.signed_at = actor, clock.now()
            variation.save()
        with audit.changing(actor, locked, ("value_pence",)):
            locked.value_pence += variation.value_change_pence
            locked.save(update_fields=["value_pence"])
        # Regulation 13(4): Schedule 12; regulation 14(5)(c): Schedule 14; within 30 days.
        if modification_notice_due(facts):
            notices.publish(
                locked.decision, Stage.MODIFICATION, actor,
                notices.ContractTerms(locked.reference, locked.value_pence, locked.start_date,
                                      locked.end_date, locked.provider_id, locked.entered_into),
                notices.Change(clock.today(), variation.description,
                               variation.value_change_pence, variation.number,
                               variation.urgent_reasons, _people_of(variation)),
            )  # fmt: skip
    return variation
