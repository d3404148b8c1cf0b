"""Services for service specifications: permission, rules, write and audit in one transaction.

Views, the API and the demo loader only translate their input into these commands.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from django.db import transaction

from commissioning import clock
from commissioning.audit import chain as audit
from commissioning.organisations.models import Organisation
from commissioning.organisations.vocabulary import COMMISSIONER_TYPES
from commissioning.validation import Problems, refuse

from . import cpv
from .consultation import consultation
from .models import OutcomeIndicator, QualityRequirement, ServiceSpecification, SpecificationOutcome
from .permissions import Action, require
from .rules.lifecycle import (
    Readiness,
    Status,
    dimensions,
    is_editable,
    may_start_new_version,
    transition_problems,
)
from .rules.outcomes import Direction, QualityDimension, target_problem

SPEC_FIELDS = (
    "title",
    "service_description",
    "population",
    "area",
    "population_size",
    "annual_activity",
    "activity_unit",
    "financial_envelope_pence",
    "term_months",
    "cpv_code",
)
AUDITED_SPEC_FIELDS = ("reference", "version", "commissioner_id", "status", *SPEC_FIELDS)
OUTCOME_FIELDS = ("specification_id", "indicator_id", "baseline", "target", "target_date",
                  "measurement")  # fmt: skip
REQUIREMENT_FIELDS = ("specification_id", "dimension", "requirement", "threshold",
                      "method_of_measurement", "consequence_of_breach", "frequency")  # fmt: skip


@dataclass(frozen=True)
class OutcomeInput:
    indicator_id: int
    baseline: Decimal
    target: Decimal
    target_date: dt.date
    measurement: str = ""


@dataclass(frozen=True)
class QualityRequirementInput:
    dimension: QualityDimension
    requirement: str
    threshold: str
    method_of_measurement: str
    consequence_of_breach: str = ""
    frequency: Literal["monthly", "quarterly", "annually"] = "monthly"


@dataclass(frozen=True)
class SpecificationInput:
    title: str
    service_description: str
    population: str
    area: str
    annual_activity: int
    activity_unit: str
    financial_envelope_pence: int
    term_months: int
    population_size: int | None = None
    cpv_code: str = cpv.GENERAL  # Schedule 1 to SI 2023/1348; the most general by default
    outcomes: tuple[OutcomeInput, ...] = field(default_factory=tuple)
    quality_requirements: tuple[QualityRequirementInput, ...] = field(default_factory=tuple)


def _apply_fields(spec: ServiceSpecification, cmd: SpecificationInput) -> None:
    for name in SPEC_FIELDS:
        value = getattr(cmd, name)
        setattr(spec, name, value.strip() if isinstance(value, str) else value)


def _outcome(
    spec: ServiceSpecification, cmd: OutcomeInput, problems: Problems, prefix: str, today: dt.date
) -> SpecificationOutcome:
    indicator = OutcomeIndicator.objects.filter(pk=cmd.indicator_id).first()
    if indicator is None:
        problems.add(f"{prefix}indicator_id", "Choose an indicator from the NHS Outcomes Framework")
    outcome = SpecificationOutcome(
        specification=spec,
        indicator=indicator,
        baseline=cmd.baseline,
        target=cmd.target,
        target_date=cmd.target_date,
        measurement=(cmd.measurement or "").strip(),
    )
    problems.check_model(outcome, prefix=prefix, exclude=["specification", "indicator"])
    if indicator is not None and cmd.baseline is not None and cmd.target is not None:
        why = target_problem(Direction(indicator.direction), cmd.baseline, cmd.target)
        if why:
            problems.add(f"{prefix}target", why)
    if cmd.target_date is not None and cmd.target_date <= today:
        problems.add(f"{prefix}target_date", "The target date must be in the future")
    return outcome


def _requirement(
    spec: ServiceSpecification, cmd: QualityRequirementInput, problems: Problems, prefix: str
) -> QualityRequirement:
    requirement = QualityRequirement(
        specification=spec,
        dimension=cmd.dimension,
        requirement=(cmd.requirement or "").strip(),
        threshold=(cmd.threshold or "").strip(),
        method_of_measurement=(cmd.method_of_measurement or "").strip(),
        consequence_of_breach=(cmd.consequence_of_breach or "").strip(),
        frequency=cmd.frequency,
    )
    problems.check_model(requirement, prefix=prefix, exclude=["specification"])
    return requirement


def _editable(spec: ServiceSpecification) -> ServiceSpecification:
    """The specification locked for the rest of the transaction, refused unless it may still be
    changed (a draft, or in consultation)."""
    spec = ServiceSpecification.objects.select_for_update().get(pk=spec.pk)
    if not is_editable(Status(spec.status)):
        raise refuse(
            "",
            f"This specification is {spec.status_label.lower()}, so it cannot be changed. "
            + (
                "Start a new version to change it."
                if spec.status == Status.APPROVED
                else "It is final."
            ),
        )
    return spec


def _remove_part(part: SpecificationOutcome | QualityRequirement, fields, actor) -> None:
    """Take an outcome or a quality requirement out of an editable specification."""
    require(actor, Action.WRITE_SPECIFICATION, part.specification)
    with transaction.atomic():
        _editable(part.specification)
        audit.record(actor, "delete", part, before=audit.snapshot(part, fields))
        part.delete()


def create_specification(
    cmd: SpecificationInput, commissioner: Organisation, actor
) -> ServiceSpecification:
    """Write a new draft specification, with any outcomes and quality requirements given:
    all of it, or (if anything is wrong) none of it."""
    require(actor, Action.WRITE_SPECIFICATION, commissioner)
    today = clock.today()
    problems = Problems()
    if commissioner.org_type not in COMMISSIONER_TYPES:
        problems.add("commissioner", "Only a commissioning organisation writes specifications")
    spec = ServiceSpecification(
        reference="PENDING",
        version=1,
        commissioner=commissioner,
        status=Status.DRAFT,
        created_by=actor,
        created_at=clock.now(),
    )
    _apply_fields(spec, cmd)
    problems.check_model(spec, exclude=["reference", "created_by", "commissioner"])
    outcomes = [
        _outcome(spec, o, problems, f"outcomes.{i}.", today) for i, o in enumerate(cmd.outcomes)
    ]
    seen: dict[int, int] = {}
    for i, o in enumerate(cmd.outcomes):
        if o.indicator_id in seen:
            problems.add(
                f"outcomes.{i}.indicator_id",
                f"The same indicator is already outcome {seen[o.indicator_id] + 1}",
            )
        seen.setdefault(o.indicator_id, i)
    requirements = [
        _requirement(spec, q, problems, f"quality_requirements.{i}.")
        for i, q in enumerate(cmd.quality_requirements)
    ]
    problems.raise_if_any()
    with transaction.atomic():
        spec.save()
        spec.reference = f"SPEC-{spec.pk:05d}"
        spec.save(update_fields=["reference"])
        audit.record(actor, "create", spec, after=audit.snapshot(spec, AUDITED_SPEC_FIELDS))
        for outcome in outcomes:
            outcome.specification = spec
            outcome.save()
            audit.record(actor, "create", outcome, after=audit.snapshot(outcome, OUTCOME_FIELDS))
        for requirement in requirements:
            requirement.specification = spec
            requirement.save()
            audit.record(
                actor, "create", requirement, after=audit.snapshot(requirement, REQUIREMENT_FIELDS)
            )
    return spec


def update_specification(
    spec: ServiceSpecification, cmd: SpecificationInput, actor
) -> ServiceSpecification:
    """Change the description of a draft, or of a specification in consultation."""
    require(actor, Action.WRITE_SPECIFICATION, spec)
    with transaction.atomic():
        spec = _editable(spec)
        before = audit.snapshot(spec, AUDITED_SPEC_FIELDS)
        _apply_fields(spec, cmd)
        problems = Problems()
        problems.check_model(spec)
        problems.raise_if_any()
        after = audit.snapshot(spec, AUDITED_SPEC_FIELDS)
        if after != before:
            spec.save()
            audit.record(actor, "update", spec, before=before, after=after)
    return spec


def add_outcome(spec: ServiceSpecification, cmd: OutcomeInput, actor) -> SpecificationOutcome:
    require(actor, Action.WRITE_SPECIFICATION, spec)
    with transaction.atomic():
        spec = _editable(spec)
        problems = Problems()
        outcome = _outcome(spec, cmd, problems, "", clock.today())
        if spec.outcomes.filter(indicator_id=cmd.indicator_id).exists():
            problems.add("indicator_id", "This specification already has an outcome for it")
        problems.raise_if_any()
        outcome.save()
        audit.created(actor, outcome, OUTCOME_FIELDS)
    return outcome


def remove_outcome(outcome: SpecificationOutcome, actor) -> None:
    _remove_part(outcome, OUTCOME_FIELDS, actor)


def add_quality_requirement(
    spec: ServiceSpecification, cmd: QualityRequirementInput, actor
) -> QualityRequirement:
    require(actor, Action.WRITE_SPECIFICATION, spec)
    with transaction.atomic():
        spec = _editable(spec)
        problems = Problems()
        requirement = _requirement(spec, cmd, problems, "")
        problems.raise_if_any()
        requirement.save()
        audit.created(actor, requirement, REQUIREMENT_FIELDS)
    return requirement


def remove_quality_requirement(requirement: QualityRequirement, actor) -> None:
    _remove_part(requirement, REQUIREMENT_FIELDS, actor)


def readiness(spec: ServiceSpecification) -> Readiness:
    return Readiness(
        outcomes=spec.outcomes.count(),
        quality_dimensions=dimensions(
            spec.quality_requirements.values_list("dimension", flat=True).distinct()
        ),
        # Advice sought on an earlier version still counts: the new version answers it.
        advice_requests=consultation().requests_on(spec.reference),
    )


def approval_problems(spec: ServiceSpecification, today: dt.date | None = None) -> list[str]:
    """What stands between this specification and approval (empty when it can be approved)."""
    problems = transition_problems(Status(spec.status), Status.APPROVED, readiness(spec))
    today = today or clock.today()
    past = [
        o.indicator.code
        for o in spec.outcomes.select_related("indicator")
        if o.target_date <= today
    ]
    if past:
        problems.append(
            f"Move the target date of outcome {', '.join(past)} into the future: it has passed."
        )
    previous = spec.supersedes
    if previous is not None and previous.status == Status.APPROVED:
        process = getattr(previous, "selection", None)
        if process is not None and process.status == "inviting":
            problems.append(
                f"Version {previous.version} is still inviting proposals; record a decision on it "
                "before approving a new version."
            )
    return problems


def change_status(
    spec: ServiceSpecification, target: Status | str, actor, reason: str = ""
) -> ServiceSpecification:
    """Move a specification through draft, consultation, approved and retired.

    Approving a new version retires the version it supersedes, in the same transaction.
    """
    require(actor, Action.CHANGE_SPECIFICATION_STATUS, spec)
    try:
        target = Status(target)
    except ValueError:
        raise refuse("status", f"{target!r} is not a status of a specification") from None
    with transaction.atomic():
        spec = ServiceSpecification.objects.select_for_update().get(pk=spec.pk)
        if target is Status.APPROVED:
            problems = approval_problems(spec)
        else:
            problems = transition_problems(Status(spec.status), target, readiness(spec))
        if target is Status.RETIRED and not reason.strip():
            problems.append("Say why the specification is being retired.")
        if problems:
            raise refuse("status", " ".join(problems))
        before = audit.snapshot(spec, ("status", "approved_by_id", "approved_at", "retired_reason"))
        now = clock.now()
        if target is Status.APPROVED:
            previous = spec.supersedes
            if previous is not None and previous.status == Status.APPROVED:
                _retire(previous, actor, f"Superseded by version {spec.version}", now)
            spec.approved_by = actor
            spec.approved_at = now
        if target is Status.RETIRED:
            spec.retired_at = now
            spec.retired_reason = reason.strip()
        spec.status = target
        spec.save()
        audit.record(
            actor,
            "update",
            spec,
            before=before,
            after=audit.snapshot(
                spec, ("status", "approved_by_id", "approved_at", "retired_reason")
            ),
        )
    return spec


def _retire(spec: ServiceSpecification, actor, reason: str, now) -> None:
    with audit.changing(actor, spec, ("status", "retired_reason")):
        spec.status = Status.RETIRED
        spec.retired_at = now
        spec.retired_reason = reason
        spec.save(update_fields=["status", "retired_at", "retired_reason"])


def new_version_unchecked(spec: ServiceSpecification, actor) -> ServiceSpecification:
    """Copy an approved specification, its outcomes and its quality requirements into a new
    draft version. Only for services that have checked permission, inside their transaction."""
    if not may_start_new_version(Status(spec.status)):
        raise refuse(
            "",
            "Only an approved specification gets a new version; a draft or one in consultation "
            "can be changed as it is.",
        )
    if ServiceSpecification.objects.filter(
        reference=spec.reference, status__in=[Status.DRAFT, Status.CONSULTATION]
    ).exists():
        raise refuse("", f"{spec.reference} already has a version being written; change that one.")
    latest = (  # spec itself is one of them: there is always a latest
        ServiceSpecification.objects.filter(reference=spec.reference)
        .values_list("version", flat=True)
        .latest("version")
    )
    copy = ServiceSpecification(
        reference=spec.reference,
        version=latest + 1,
        commissioner=spec.commissioner,
        status=Status.DRAFT,
        supersedes=spec,
        created_by=actor,
        created_at=clock.now(),
        **{name: getattr(spec, name) for name in SPEC_FIELDS},
    )
    copy.save()
    audit.record(actor, "create", copy, after=audit.snapshot(copy, AUDITED_SPEC_FIELDS))
    for outcome in spec.outcomes.all():
        new = SpecificationOutcome.objects.create(
            specification=copy,
            indicator_id=outcome.indicator_id,
            baseline=outcome.baseline,
            target=outcome.target,
            target_date=outcome.target_date,
            measurement=outcome.measurement,
        )
        audit.record(actor, "create", new, after=audit.snapshot(new, OUTCOME_FIELDS))
    for requirement in spec.quality_requirements.all():
        copied = QualityRequirement.objects.create(
            specification=copy,
            **{name: getattr(requirement, name) for name in REQUIREMENT_FIELDS[1:]},
        )
        audit.record(actor, "create", copied, after=audit.snapshot(copied, REQUIREMENT_FIELDS))
    return copy


def start_new_version(spec: ServiceSpecification, actor) -> ServiceSpecification:
    """Start changing an approved specification: the change is a new draft version."""
    require(actor, Action.START_NEW_VERSION, spec)
    with transaction.atomic():
        spec = ServiceSpecification.objects.select_for_update().get(pk=spec.pk)
        return new_version_unchecked(spec, actor)
