"""Reconciling records with the audit trail: the records that decisions and money rest on (an
evaluator's scores, moderation, decisions, contracts, personal budget payments, budgets) must
hold what their latest revisions say they hold.

A chain proves the trail was not edited; it cannot see a record edited in the database behind
the trail's back (a score changed from 2 to 5, a decision's rationale rewritten, a contract's
value raised). ``reconcile`` replays, for each tracked model, the changes its revisions record
(in order) and compares the result with each record now: the first difference is named, as is
a record with no revision at all (made outside the services) and one whose revisions say it
exists but which is gone.

Apps say which of their models and fields the trail must account for with ``track`` (in their
``ready``), so this module imports nothing above the audit trail.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.apps import apps

from .chain import snapshot
from .models import Revision

TRACKED: dict[str, tuple[str, ...]] = {}


def track(label: str, fields: Iterable[str]) -> None:
    """``label`` is ``app_label.model_name`` as the trail names it (``selection.score``);
    ``fields`` are attribute names (``proposal_id``) that every revision of such a record sets
    when it sets or changes them."""
    TRACKED[label] = tuple(fields)


def _normal(value):
    return json.loads(json.dumps(value, default=str))


def _replayed(label: str, fields: tuple[str, ...]) -> dict[str, dict]:
    state: dict[str, dict] = {}
    revisions = (
        Revision.objects.filter(object_type=label)
        .order_by("seq")
        .values_list("object_id", "action", "diff")
    )
    for object_id, action, diff in revisions.iterator(chunk_size=5000):
        if action == Revision.Action.DELETE:
            state.pop(object_id, None)
            continue
        record = state.setdefault(object_id, {})
        for field in fields:
            if field in diff:
                record[field] = diff[field][1]
    return state


def reconcile() -> str | None:
    """The first record that does not hold what its latest revision says, or None."""
    for label, fields in TRACKED.items():
        model = apps.get_model(label)
        name = model._meta.verbose_name
        state = _replayed(label, fields)
        for obj in model.objects.order_by("pk").iterator(chunk_size=2000):
            recorded = state.pop(str(obj.pk), None)
            if recorded is None:
                return f"{name} {obj.pk} has no revision in the audit trail (made outside it)"
            now = _normal(snapshot(obj, fields))
            for field, value in recorded.items():
                if now[field] != _normal(value):
                    return (f"{name} {obj.pk}: its {field} is {now[field]!r} but the audit "
                            f"trail's latest revision says {value!r} (changed outside the "
                            "services)")  # fmt: skip
        if state:
            object_id = min(state, key=lambda k: (len(k), k))
            return f"{name} {object_id} is in the audit trail but no longer in the database"
    return None
