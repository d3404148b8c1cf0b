"""Asking for a decision to be reconsidered, and the decision."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from commissioning import clock
from commissioning.audit import chain as audit
from commissioning.validation import NON_FIELD, Problems

from ..models import (
    Person,
    Reconsideration,
)
from ..permissions import Action, require


@dataclass(frozen=True)
class ReconsiderationInput:
    about: str
    grounds: str


def request_reconsideration(person: Person, cmd: ReconsiderationInput, actor) -> Reconsideration:
    require(actor, Action.REQUEST_RECONSIDERATION, person)
    p = Problems()
    if cmd.about not in Reconsideration.About.values:
        p.add("about", "Choose the decision to reconsider")
    if not (cmd.grounds or "").strip():
        p.add("grounds", "Say why the decision should be looked at again")
    p.raise_if_any()
    with transaction.atomic():
        r = Reconsideration.objects.create(
            person=person,
            about=cmd.about,
            grounds=cmd.grounds.strip(),
            requested_on=clock.today(),
            requested_by=actor,
        )
        audit.created(actor, r, ("about",), object_repr=f"Reconsideration for {person.reference}")
    return r


@dataclass(frozen=True)
class DecideInput:
    outcome: str
    reasons: str


def decide_reconsideration(r: Reconsideration, cmd: DecideInput, actor) -> Reconsideration:
    """Reasons must be given (SI 2013/2354)."""
    require(actor, Action.MANAGE_RECORD, r.person)
    p = Problems()
    if r.outcome != Reconsideration.Outcome.PENDING:
        p.add(NON_FIELD, "This request has already been decided")
    if cmd.outcome not in (Reconsideration.Outcome.UPHELD, Reconsideration.Outcome.CHANGED):
        p.add("outcome", "Choose the outcome")
    if not (cmd.reasons or "").strip():
        p.add("reasons", "Give the reasons for the outcome")
    p.raise_if_any()
    label = f"Reconsideration for {r.person.reference}"
    with transaction.atomic(), audit.changing(actor, r, ("outcome",), object_repr=label):
        r.outcome, r.outcome_reasons = cmd.outcome, cmd.reasons.strip()
        r.decided_on, r.decided_by = clock.today(), actor
        r.save(update_fields=["outcome", "outcome_reasons", "decided_on", "decided_by"])
    return r
