"""The record of a commissioner's contract with a provider, as the evidence behind direct award
C reads it (``selection.rules.incumbent``): each line of the quality schedule's assurance
against its target, the escalation cases, notices and remedial plans, and how much of the term
has passed. Registered with ``selection.incumbent`` when Django is ready."""

from __future__ import annotations

from commissioning import clock
from commissioning.contracts.models import Contract
from commissioning.selection.rules.incumbent import Assurance, ContractRecord, Line

from . import queries
from .models import EscalationCase, Milestone, QualityMeasurement

_ASSURANCE = {
    "consistent_pass": Assurance.CONSISTENTLY_PASSES,
    "consistent_fail": Assurance.CONSISTENTLY_FAILS,
    "inconsistent": Assurance.INCONSISTENT,
}


def _missed(value: float, target) -> bool:
    if target is None or target.target is None:
        return False
    goal = float(target.target)
    direction = str(target.improvement)
    if direction == "increase":
        return value < goal
    if direction == "decrease":
        return value > goal
    return False  # a line with no better direction misses nothing


def contract_record(commissioner_id: int, incumbent_id: int) -> ContractRecord | None:
    contract = (
        Contract.objects.filter(
            specification__commissioner_id=commissioner_id,
            provider_id=incumbent_id,
            status=Contract.Status.SIGNED,
            start_date__lte=clock.today(),  # the contract being delivered, not one to come
        )
        .order_by("-end_date", "-pk")
        .first()
    )
    if contract is None:
        return None
    items = list(contract.quality_schedule.select_related("indicator"))
    by_item: dict[int, list] = {i.pk: [] for i in items}
    for m in QualityMeasurement.objects.filter(item__contract=contract).order_by("period"):
        by_item[m.item_id].append(m)
    lines = []
    for item in items:
        points, icons, target = queries.schedule_spc(item, by_item[item.pk])
        assurance = _ASSURANCE.get(icons.get("assurance_icon"), Assurance.NO_DATA)
        latest = points[-1]["value"] if points else None
        lines.append(Line(item.title, assurance,
                          latest is not None and _missed(latest, target)))  # fmt: skip
    cases = list(EscalationCase.objects.filter(contract=contract)
                 .exclude(status=EscalationCase.Status.CLOSED).order_by("reference"))  # fmt: skip
    today = clock.today()
    overdue = Milestone.objects.filter(
        plan__case__in=cases, completed_on__isnull=True, due__lt=today
    ).select_related("plan__case")
    term = (contract.end_date - contract.start_date).days or 1
    elapsed = min(max((today - contract.start_date).days / term, 0.0), 1.0)
    S = EscalationCase.Status
    return ContractRecord(
        reference=contract.reference,
        lines=tuple(lines),
        open_concerns=tuple(c.reference for c in cases if c.status == S.OPEN),
        notices_open=tuple(
            c.reference for c in cases if c.status in (S.NOTICE_ISSUED, S.PLAN_AGREED)
        ),
        # By case and due date only: the milestones' words may name people, and the notice of
        # intention quotes these findings in public.
        milestones_overdue=tuple(
            f"{m.plan.case.reference} (due {m.due:%d/%m/%Y})" for m in overdue
        ),
        escalated=tuple(c.reference for c in cases if c.status == S.ESCALATED),
        value_pence=contract.value_pence,
        spent_pence=None,  # the platform's ledger does not yet pay contracts
        elapsed_share=elapsed,
    )
