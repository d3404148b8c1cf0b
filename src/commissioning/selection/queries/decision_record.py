"""Everything a board or a review panel needs about one provider selection, in one record.

Regulation 24 of the Provider Selection Regime (docs/domain.md section 11) requires a record of:
the decision makers, conflicts of interest and how they were managed, how the key criteria
were applied and weighted, each evaluator's scores and the moderation, and the rationale. This
record adds the specification, the clinical advice, the proposals, every date, the contract,
and the full audit trail of every change to any of these, with a check of the hash chain.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from commissioning import clock
from commissioning.audit import readable
from commissioning.audit.chain import ChainReport, verify_chain
from commissioning.audit.models import Revision
from commissioning.specifications.models import (
    QualityRequirement,
    ServiceSpecification,
    SpecificationOutcome,
)

from ..models import (
    Advice,
    AdviceRequest,
    Clarification,
    ConflictDeclaration,
    Decision,
    Document,
    Evaluator,
    ModeratedScore,
    Proposal,
    ProposalOutcome,
    Representation,
    Score,
    SelectionProcess,
)
from ..rules.award import StandstillState
from ..sequels import audit_objects as sequel_objects
from ..services.decisions import state_of
from .evaluation_for_process import ProcessEvaluation, evaluation_for_process


@dataclass
class DecisionEntry:
    decision: Decision
    state: StandstillState
    representations: list[Representation]
    contracts: list  # what contracts made from the decision (decision.contracts)


@dataclass
class DecisionRecord:
    process: SelectionProcess
    spec: ServiceSpecification
    generated_at: dt.datetime
    generated_by: str
    outcomes: list[SpecificationOutcome]
    requirements: list[QualityRequirement]
    advice_requests: list[AdviceRequest]
    proposals: list[Proposal]
    evaluation: ProcessEvaluation
    evaluators: list[Evaluator]
    declarations: list[ConflictDeclaration]
    decisions: list[DecisionEntry]
    clarifications: list[Clarification]
    timeline: list[tuple[dt.date, str]]
    audit: list[Revision]
    chain: ChainReport
    considered_advice_ids: set[int] = field(default_factory=set)
    # The audit trail as people read it (audit.readable), worked out with the rest.
    audit_entries: list[readable.Entry] = field(default_factory=list)

    @property
    def current(self) -> DecisionEntry | None:
        standing = [d for d in self.decisions if d.decision.status != Decision.Status.WITHDRAWN]
        return standing[0] if standing else None


def _ids(qs) -> list[str]:
    return [str(pk) for pk in qs.values_list("pk", flat=True)]


def audit_for(process: SelectionProcess) -> list[Revision]:
    """Every revision of every object that belongs to this process and its specification."""
    spec = process.specification
    versions = ServiceSpecification.objects.filter(reference=spec.reference)
    version_ids = list(versions.values_list("pk", flat=True))
    requests = AdviceRequest.objects.filter(specification__in=versions)
    advice = Advice.objects.filter(request__in=requests)
    proposals = Proposal.objects.filter(process=process)
    decisions = Decision.objects.filter(process=process)
    objects = {
        "specifications.servicespecification": _ids(versions),
        "selection.advicerequest": _ids(requests),
        "selection.advice": _ids(advice),
        "selection.document": _ids(
            Document.objects.filter(Q(advice__in=advice) | Q(proposal__in=proposals))
        ),
        "selection.selectionprocess": [str(process.pk)],
        "selection.proposal": _ids(proposals),
        "selection.proposaloutcome": _ids(ProposalOutcome.objects.filter(proposal__in=proposals)),
        "selection.clarification": _ids(Clarification.objects.filter(process=process)),
        "selection.evaluator": _ids(Evaluator.objects.filter(process=process)),
        "selection.conflictdeclaration": _ids(ConflictDeclaration.objects.filter(process=process)),
        "selection.score": _ids(Score.objects.filter(proposal__in=proposals)),
        "selection.moderatedscore": _ids(ModeratedScore.objects.filter(proposal__in=proposals)),
        "selection.decision": _ids(decisions),
        "selection.representation": _ids(Representation.objects.filter(decision__in=decisions)),
        **sequel_objects(decisions),
    }
    where = Q()
    for object_type, ids in objects.items():
        if ids:
            where |= Q(object_type=object_type, object_id__in=ids)
    # Outcomes and requirements removed from a draft no longer exist; their revisions still
    # name the specification they belonged to.
    for object_type in ("specifications.specificationoutcome", "specifications.qualityrequirement"):
        where |= Q(object_type=object_type) & (
            Q(diff__specification_id__0__in=version_ids)
            | Q(diff__specification_id__1__in=version_ids)
        )
    return list(Revision.objects.filter(where).order_by("seq"))


def _timeline(spec, process, requests, proposals, decisions) -> list[tuple[dt.date, str]]:
    events: list[tuple[dt.datetime | dt.date, str]] = []
    for v in ServiceSpecification.objects.filter(reference=spec.reference).order_by("version"):
        events.append((v.created_at, f"Version {v.version} of the specification written"))
        if v.approved_at:
            events.append((v.approved_at, f"Version {v.version} approved by {v.approved_by}"))
        if v.retired_at:
            events.append((v.retired_at, f"Version {v.version} retired: {v.retired_reason}"))
    for r in requests:
        events.append((r.requested_at, f"Advice asked of {r.organisation.display_name}"))
        if r.answered:
            events.append((r.advice.given_at, f"Advice given by {r.organisation.display_name}"))
    events.append((process.created_at, f"Process chosen: {process.route_enum.label.lower()}"))
    if process.invited_at:
        events.append((process.invited_at, "Proposals invited; weights published"))
        events.append((process.proposals_deadline, "Last day for proposals"))
    for p in proposals:
        if p.submitted_at:
            events.append((p.submitted_at, f"Proposal submitted by {p.provider.display_name}"))
    for entry in decisions:
        d = entry.decision
        events.append((d.decided_on, f"Decision by {d.decided_by}: {d.outcome_enum.label.lower()}"))
        if d.notice_published_on:
            events.append((d.notice_published_on, "Notice published"))
        if entry.state.last_day:
            events.append((entry.state.last_day, "Last day of standstill"))
        for r in entry.representations:
            events.append((r.received_on, f"Representation from {r.provider.display_name}"))
            if r.responded_on:
                events.append(
                    (r.responded_on, f"Representation answered: {r.get_status_display().lower()}")
                )
        if d.withdrawn_at:
            events.append((d.withdrawn_at, "Decision withdrawn"))
        for c in entry.contracts:
            events.append((c.created_at, f"Contract {c.reference} made"))
            if c.provider_signed_at:
                events.append(
                    (c.provider_signed_at, f"Signed for the provider by {c.provider_signed_by}")
                )
            if c.commissioner_signed_at:
                events.append(
                    (
                        c.commissioner_signed_at,
                        f"Signed for the commissioners by {c.commissioner_signed_by}",
                    )
                )

    def day(value):
        return timezone.localdate(value) if isinstance(value, dt.datetime) else value

    return sorted(((day(when), what) for when, what in events), key=lambda e: e[0])


def decision_record(process: SelectionProcess, generated_by) -> DecisionRecord:
    spec = process.specification
    requests = list(
        AdviceRequest.objects.filter(specification__reference=spec.reference)
        .select_related(
            "organisation", "clinician", "specification", "advice__adviser", "requested_by"
        )
        .order_by("requested_at")
    )
    proposals = list(
        process.proposals.exclude(status=Proposal.Status.DRAFT)
        .select_related("provider")
        .order_by("provider__name")
    )
    decisions = []
    for d in process.decisions.select_related("decided_by", "delegation", "new_version").order_by(
        "decided_at"
    ):
        decisions.append(
            DecisionEntry(
                d,
                state_of(d),
                list(d.representations.select_related("provider", "responded_by")),
                list(
                    d.contracts.prefetch_related("parties__organisation").select_related(
                        "provider", "provider_signed_by", "commissioner_signed_by"
                    )
                ),
            )
        )
    audit = audit_for(process)
    considered = set()
    for entry in decisions:
        considered |= set(entry.decision.advice_considered.values_list("pk", flat=True))
    return DecisionRecord(
        process=process,
        spec=spec,
        generated_at=clock.now(),
        generated_by=getattr(generated_by, "username", str(generated_by)),
        outcomes=list(spec.outcomes.select_related("indicator")),
        requirements=list(spec.quality_requirements.all()),
        advice_requests=requests,
        proposals=proposals,
        evaluation=evaluation_for_process(process),
        evaluators=list(process.evaluators.select_related("user")),
        declarations=list(
            process.declarations.select_related("user", "provider", "managed_by").order_by(
                "declared_at"
            )
        ),
        decisions=decisions,
        clarifications=list(process.clarifications.order_by("asked_at")),
        timeline=_timeline(spec, process, requests, proposals, decisions),
        audit=audit,
        chain=verify_chain(),
        considered_advice_ids=considered,
        audit_entries=readable.entries(audit),
    )
