"""Clarification questions and answers as every bidder sees them: answered ones only, and
never who asked (the asking provider also sees its own unanswered questions)."""

from __future__ import annotations

from commissioning.organisations.permissions import organisations_of

from ..models import Clarification, SelectionProcess


def clarifications_for_bidders(process: SelectionProcess, viewer) -> list[dict]:
    mine = organisations_of(viewer)
    rows = []
    for c in Clarification.objects.filter(process=process).order_by("asked_at", "id"):
        if c.answered_at is None and c.asked_for_id not in mine:
            continue
        rows.append(
            {
                "id": c.pk,
                "question": c.question,
                "answer": c.answer,
                "asked_on": c.asked_at.date(),
                "answered_on": c.answered_at.date() if c.answered_at else None,
                "yours": c.asked_for_id in mine,
            }
        )
    return rows
