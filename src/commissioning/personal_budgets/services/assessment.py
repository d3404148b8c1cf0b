"""The needs assessment (the Decision Support Tool's domains) and the indicative budget."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction

from commissioning import clock
from commissioning.audit import chain as audit
from commissioning.validation import Problems

from ..models import (
    NeedsAssessment,
    Person,
)
from ..permissions import Action, require
from ..rules import budget_setting, eligibility
from .common import allocation_table


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
    assert cmd.assessed_on is not None  # refused above when missing
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
        audit.created(
            actor,
            a,
            ("decision", "likely_eligible"),
            object_repr=f"Needs assessment for {person.reference}",
        )
    return a


def indicative_for(person: Person) -> int | None:
    latest = person.assessments.first()
    if latest is None:
        return None
    ratings = {d: eligibility.Level(v) for d, v in latest.ratings.items()}
    return budget_setting.indicative_budget(allocation_table(), ratings)
