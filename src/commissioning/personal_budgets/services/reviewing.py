"""Reviews of a plan (when they are due, and what was found)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from commissioning import clock
from commissioning.audit import chain as audit
from commissioning.validation import NON_FIELD, Problems

from ..models import (
    Person,
    Plan,
    Review,
)
from ..permissions import Action, require
from ..rules import reviews
from .plans import current_plan


def next_review(person: Person) -> dt.date | None:
    first = person.plans.exclude(agreed_on=None).order_by("agreed_on").first()
    if first is None:
        return None
    last = person.reviews.first()
    return reviews.next_review_due(first.start_date, last.held_on if last else None)


def review_list(people) -> list[dict]:
    """Each person's next review and whether it is due or overdue, soonest first: as
    ``next_review`` gives it for each, from two queries whatever the caseload."""
    people = list(people)
    ids = [p.pk for p in people]
    first_plan: dict[int, Plan] = {}
    for plan in (
        Plan.objects.filter(person_id__in=ids)
        .exclude(agreed_on=None)
        .order_by("person_id", "agreed_on")
    ):
        first_plan.setdefault(plan.person_id, plan)
    last_review: dict[int, Review] = {}
    for review in Review.objects.filter(person_id__in=ids):  # newest first (Review.Meta)
        last_review.setdefault(review.person_id, review)
    out = []
    today = clock.today()
    for person in people:
        first = first_plan.get(person.pk)
        if first is None:
            continue
        last = last_review.get(person.pk)
        due = reviews.next_review_due(first.start_date, last.held_on if last else None)
        out.append({"person": person, "due": due, "status": reviews.status(due, today)})
    return sorted(out, key=lambda r: r["due"])


@dataclass(frozen=True)
class ReviewInput:
    held_on: dt.date | None
    needs_met: bool
    notes: str


def record_review(person: Person, cmd: ReviewInput, actor) -> Review:
    require(actor, Action.MANAGE_RECORD, person)
    p = Problems()
    if cmd.held_on is None:
        p.add("held_on", "Enter the date of the review")
    elif cmd.held_on > clock.today():
        p.add("held_on", "A review cannot be recorded before it is held")
    if not (cmd.notes or "").strip():
        p.add("notes", "Record what the review found")
    if current_plan(person) is None:
        p.add(NON_FIELD, "There is no agreed plan to review")
    p.raise_if_any()
    assert cmd.held_on is not None  # refused above when missing
    with transaction.atomic():
        r = Review.objects.create(
            person=person,
            held_on=cmd.held_on,
            needs_met=cmd.needs_met,
            notes=cmd.notes.strip(),
            recorded_by=actor,
        )
        audit.created(
            actor, r, ("held_on", "needs_met"), object_repr=f"Review of {person.reference}"
        )
    return r
