"""Where a specification's commissioning cycle stands, step by step, with what to do next:
the task list at the top of a specification's page."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count
from django.urls import reverse

from commissioning import clock
from commissioning.specifications.models import ServiceSpecification
from commissioning.specifications.permissions import Action as SpecAction
from commissioning.specifications.permissions import can as can_spec
from commissioning.specifications.rules.lifecycle import Status
from commissioning.specifications.rules.outcomes import QualityDimension
from commissioning.ui.links import href_for

from ..models import Decision, SelectionProcess
from ..permissions import Action, can, may_open_evaluation
from ..rules.award import Outcome, needs_evaluation
from ..services.decisions import state_of

COMPLETED, IN_PROGRESS, NOT_STARTED, CANNOT_START = (
    "completed",
    "in_progress",
    "not_started",
    "cannot_start",
)


@dataclass(frozen=True)
class Step:
    heading: str
    state: str
    status: str
    hint: str = ""
    href: str = ""


def _decision(process: SelectionProcess | None) -> Decision | None:
    if process is None:
        return None
    return process.decisions.exclude(status=Decision.Status.WITHDRAWN).first()


def cycle_for_specification(spec: ServiceSpecification, user) -> list[Step]:
    """The steps, each linked to where it is done or seen, for ``user``: a step links only to a
    page the same policy lets them open (otherwise it is shown without a link)."""

    def href(allowed: bool, url_name: str, pk: int) -> str:
        return reverse(url_name, args=[pk]) if allowed else ""

    writes = can_spec(user, SpecAction.WRITE_SPECIFICATION, spec)

    editable = spec.status in (Status.DRAFT, Status.CONSULTATION)
    outcomes = spec.outcomes.count()
    dimensions = set(spec.quality_requirements.values_list("dimension", flat=True))
    missing = [d.label.lower() for d in QualityDimension if d.value not in dimensions]
    requests = spec.advice_requests.count()
    answered = spec.advice_requests.filter(advice__isnull=False).count()
    process = getattr(spec, "selection", None)
    decision = _decision(process)
    steps = [
        Step(
            "Describe the service",
            COMPLETED,
            "Completed",
            f"{spec.title}: {spec.annual_activity:,} {spec.activity_unit} a year",
            href(editable and writes, "specification-edit", spec.pk),
        ),
        Step(
            "Set the outcomes",
            COMPLETED if outcomes else NOT_STARTED,
            f"{outcomes} outcome{'' if outcomes == 1 else 's'}" if outcomes else "Not yet started",
            "Each tied to an NHS Outcomes Framework indicator, with a baseline and a target",
            href(editable and writes, "outcome-new", spec.pk),
        ),
        Step(
            "Set the quality requirements",
            COMPLETED if not missing else (IN_PROGRESS if dimensions else NOT_STARTED),
            "Completed" if not missing else f"Missing: {', '.join(missing)}",
            "Safe, clinically effective and a positive experience",
            href(editable and writes, "requirement-new", spec.pk),
        ),
        Step(
            "Consult clinicians",
            COMPLETED
            if requests and answered == requests
            else (IN_PROGRESS if requests else NOT_STARTED),
            f"{answered} of {requests} answered" if requests else "Not yet started",
            "Strategic clinical networks, clinical senates and clinicians of potential providers",
            href(
                spec.status != Status.RETIRED and can(user, Action.REQUEST_ADVICE, spec),
                "advice-request-new",
                spec.pk,
            ),
        ),
        Step(
            "Approve the specification",
            COMPLETED
            if spec.status in (Status.APPROVED, Status.RETIRED) and spec.approved_at
            else NOT_STARTED,
            f"Approved on {spec.approved_at:%-d %B %Y}" if spec.approved_at else spec.status_label,
            "Once approved it changes only by a new version",
        ),
    ]
    if process is None:
        steps.append(
            Step(
                "Choose how to select a provider",
                NOT_STARTED if spec.status == Status.APPROVED else CANNOT_START,
                "Not yet started" if spec.status == Status.APPROVED else "Cannot start yet",
                "Apply the Provider Selection Regime",
                href(
                    spec.status == Status.APPROVED and can(user, Action.MANAGE_SELECTION, spec),
                    "selection-new",
                    spec.pk,
                ),
            )
        )
        return steps
    route = process.route_enum
    link = href(can(user, Action.VIEW_SELECTION, process), "selection", process.pk)
    steps.append(Step("Choose how to select a provider", COMPLETED, route.label, "", link))
    submitted = process.proposals.filter(status="submitted").count()
    if process.status == SelectionProcess.Status.SETTING_UP:
        steps.append(
            Step(
                "Invite proposals",
                NOT_STARTED,
                "Not yet started",
                "Publish the weights and the deadline",
                href(can(user, Action.MANAGE_SELECTION, process), "selection-invite", process.pk),
            )
        )
        return steps
    open_ = clock.today() <= process.proposals_deadline
    steps.append(
        Step(
            "Invite proposals",
            IN_PROGRESS if open_ else COMPLETED,
            f"{submitted} received"
            + (f", open until {process.proposals_deadline:%-d %B %Y}" if open_ else ""),
            "",
            link,
        )
    )
    if needs_evaluation(route):
        moderated = (
            process.proposals.filter(status="submitted")
            .annotate(n=Count("moderated"))
            .filter(n=5)
            .count()
        )
        steps.append(
            Step(
                "Evaluate the proposals",
                COMPLETED
                if submitted and moderated == submitted
                else (IN_PROGRESS if not open_ else CANNOT_START),
                f"{moderated} of {submitted} moderated" if not open_ else "After the deadline",
                "Declarations of interest, each evaluator's scores, then moderation",
                href(may_open_evaluation(user, process), "evaluation", process.pk),
            )
        )
    if decision is None:
        steps.append(
            Step(
                "Decide",
                NOT_STARTED if not open_ else CANNOT_START,
                "Not yet decided" if not open_ else "After the deadline",
                "Only a commissioner with delegated authority for the budget decides",
                href(not open_ and can(user, Action.DECIDE, process), "decide", process.pk),
            )
        )
        return steps
    decision_link = href(can(user, Action.VIEW_DECISION, decision), "decision", decision.pk)
    steps.append(Step("Decide", COMPLETED, decision.outcome_enum.label, "", decision_link))
    if decision.outcome_enum is not Outcome.AWARD:
        return steps
    state = state_of(decision)
    steps.append(
        Step(
            "Notice and standstill" if route.needs_standstill else "Award notice",
            COMPLETED if state.contract_may_be_made else IN_PROGRESS,
            "Over" if state.contract_may_be_made else "In progress",
            state.explanation,
            decision_link,
        )
    )
    contracts = list(decision.contracts.all())
    signed = [c for c in contracts if c.status == "signed"]
    steps.append(
        Step(
            "Make and sign the contract",
            COMPLETED
            if contracts and len(signed) == decision.awarded.count()
            else (IN_PROGRESS if contracts else NOT_STARTED),
            "Signed"
            if contracts and len(signed) == len(contracts)
            else ("Awaiting signatures" if contracts else "Not yet started"),
            "NHS Standard Contract with the quality schedule",
            href_for(user, "contract", contracts[0]) if contracts else decision_link,
        )
    )
    return steps


def stage_of(spec: ServiceSpecification, today=None) -> str:
    """Where the cycle stands, in a few words, for lists. Expects the specification's
    ``selection``, its ``decisions`` and their ``contracts`` to be prefetched."""
    today = today or clock.today()
    if spec.status != Status.APPROVED:
        return spec.status_label
    try:
        process = spec.selection
    except SelectionProcess.DoesNotExist:
        return "Approved: choose how to select a provider"
    if process.status == SelectionProcess.Status.SETTING_UP:
        return "Approved: proposals not yet invited"
    if process.status == SelectionProcess.Status.INVITING:
        if today <= process.proposals_deadline:
            return f"Inviting proposals until {process.proposals_deadline:%-d %b %Y}"
        return "Evaluating proposals"
    standing = [d for d in process.decisions.all() if d.status != Decision.Status.WITHDRAWN]
    decision = standing[0] if standing else None
    if decision is None:
        return process.get_status_display()
    if decision.outcome != Outcome.AWARD:
        return decision.outcome_enum.label
    contracts = list(decision.contracts.all())
    if contracts:
        return (
            "Contract signed"
            if all(c.status == "signed" for c in contracts)
            else "Contract awaiting signatures"
        )
    if decision.status == Decision.Status.RECORDED:
        return "Awarded: notice to publish"
    return "Awarded: standstill"
