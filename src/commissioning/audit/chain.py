"""Recording and verifying the hash-chained audit log."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from . import stored
from .models import ChainHead, Revision

GENESIS_HASH = "0" * 64


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The audited state of a model instance: concrete field values, JSON-ready."""
    names = fields or [f.attname for f in instance._meta.concrete_fields]
    return {name: _jsonable(getattr(instance, name)) for name in names}


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, list]:
    """Fields whose value changed, as ``{field: [before, after]}``."""
    before = before or {}
    after = after or {}
    changed = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            changed[key] = [old, new]
    return changed


def revision_hash(
    *,
    seq: int,
    created_at: str,
    actor_id: int | None,
    actor_username: str,
    action: str,
    object_type: str,
    object_id: str,
    object_repr: str,
    diff: Mapping[str, Any],
    prev_hash: str,
) -> str:
    payload = json.dumps(
        [
            seq,
            created_at,
            actor_id,
            actor_username,
            action,
            object_type,
            object_id,
            object_repr,
            diff,
            prev_hash,
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _hash_of(rev: Revision) -> str:
    return revision_hash(
        seq=rev.seq,
        created_at=rev.created_at.astimezone(dt.UTC).isoformat(),
        actor_id=rev.actor_id,
        actor_username=rev.actor_username,
        action=rev.action,
        object_type=rev.object_type,
        object_id=rev.object_id,
        object_repr=rev.object_repr,
        diff=rev.diff,
        prev_hash=rev.prev_hash,
    )


def record(
    actor,
    action: str,
    obj: models.Model | None = None,
    *,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    object_repr: str | None = None,
) -> Revision:
    """Append one revision. Must run inside the service's ``transaction.atomic()``.

    ``actor`` is a user, or ``None`` for the system (e.g. a scheduled ingest).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must be called inside the service's transaction")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:300]
    if not object_type or object_id is None:
        raise ValueError("An audit revision needs an object type and id")
    changes = diff(before, after)
    ChainHead.objects.get_or_create(id=1)  # the first revision ever creates the head
    head = ChainHead.objects.select_for_update().get(id=1)
    # Microseconds are dropped so the stored value and the hashed value are identical on every
    # database backend.
    now = timezone.now().astimezone(dt.UTC).replace(microsecond=0)
    seq = head.last_seq + 1
    actor_id = getattr(actor, "pk", None)
    actor_username = getattr(actor, "username", None) or "system"
    rev = Revision(
        seq=seq,
        created_at=now,
        actor_id=actor_id,
        actor_username=actor_username,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_repr=(object_repr or "")[:300],
        diff=changes,
        prev_hash=head.last_hash,
    )
    rev.hash = _hash_of(rev)
    rev.save()
    ChainHead.objects.filter(id=1).update(last_seq=seq, last_hash=rev.hash)
    stored.moved()
    return rev


def created(
    actor,
    obj: models.Model,
    fields: Iterable[str],
    *,
    action: str = "create",
    object_repr: str | None = None,
    **also: Any,
) -> Revision:
    """Record that ``obj`` was made: the named fields as they now are, and ``also`` for what the
    record does not hold itself (the ids of the proposals a decision awards, say).
    ``object_repr`` names the record where ``str(obj)`` would not say enough."""
    after = {**snapshot(obj, fields), **_jsonable_all(also)}
    return record(actor, action, obj, after=after, object_repr=object_repr)


def _jsonable_all(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _jsonable(value) for name, value in values.items()}


@dataclass
class Change:
    """What ``changing`` saw before the block ran; ``also`` adds what the record does not hold."""

    before: dict[str, Any]
    extra_before: dict[str, Any] = field(default_factory=dict)
    extra_after: dict[str, Any] = field(default_factory=dict)

    def also(self, name: str, before: Any, after: Any) -> None:
        self.extra_before[name] = _jsonable(before)
        self.extra_after[name] = _jsonable(after)


@contextmanager
def changing(
    actor,
    obj: models.Model,
    fields: Iterable[str],
    *,
    action: str = "update",
    object_repr: str | None = None,
) -> Iterator[Change]:
    """Snapshot ``fields`` of ``obj`` before the block and after it, and record the difference,
    so that a revision says what the record held rather than what the code expected it to hold.

    Nothing is recorded if the block raises (the service's transaction is rolled back anyway).
    """
    names = tuple(fields)
    change = Change(before=snapshot(obj, names))
    yield change
    record(
        actor,
        action,
        obj,
        before={**change.before, **change.extra_before},
        after={**snapshot(obj, names), **change.extra_after},
        object_repr=object_repr,
    )


@contextmanager
def saving(actor, obj: models.Model, fields: Iterable[str]) -> Iterator[None]:
    """Record the save of ``obj`` in the block, when ``obj`` may be new or an edited copy of a
    stored record (an admin form's instance, a record found or made): its "before" is the row
    as the database holds it, read before the block, so the revision is a creation or an update
    with what really changed."""
    names = tuple(fields)
    stored = type(obj)._default_manager.filter(pk=obj.pk).first() if obj.pk else None
    before = snapshot(stored, names) if stored is not None else None
    yield
    action = "update" if stored is not None else "create"
    record(actor, action, obj, before=before, after=snapshot(obj, names))


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str = ""


def verify_chain(batch_size: int = 2000) -> ChainReport:
    """Walk the chain in order and report the first broken link, if any."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for rev in Revision.objects.order_by("seq").iterator(chunk_size=batch_size):
        if rev.seq != expected_seq:
            return ChainReport(False, checked, expected_seq, f"revision {expected_seq} is missing")
        if rev.prev_hash != expected_prev:
            return ChainReport(
                False, checked, rev.seq, "its previous-hash does not match the revision before it"
            )
        if _hash_of(rev) != rev.hash:
            return ChainReport(
                False, checked, rev.seq, "its contents do not match its hash (it was altered)"
            )
        expected_prev = rev.hash
        expected_seq += 1
        checked += 1
    head = ChainHead.objects.filter(id=1).first()
    if head is not None and head.last_seq != checked:
        return ChainReport(
            False, checked, checked + 1, f"the chain head expects {head.last_seq} revisions"
        )
    return ChainReport(True, checked)
