"""Bulk upsert by natural key, for loaders that write thousands of rows in one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class UpsertCounts:
    created: int
    updated: int
    unchanged: int


def upsert_by_key(
    model,
    rows: Iterable[Mapping[str, Any]],
    key_fields: tuple[str, ...],
    value_fields: tuple[str, ...],
    fixed: Mapping[str, Any] | None = None,
) -> UpsertCounts:
    """Create rows whose key is new, update rows whose values differ, leave the rest alone.

    ``fixed`` values (e.g. the year of an estimate) are part of every row and of the lookup.
    Must be called inside the caller's transaction.
    """
    fixed = dict(fixed or {})
    existing = {
        tuple(getattr(obj, k) for k in key_fields): obj
        for obj in model.objects.filter(**fixed).only("pk", *key_fields, *value_fields)
    }
    to_create, to_update, total = [], [], 0
    for row in rows:
        total += 1
        key = tuple(row[k] for k in key_fields)
        values = {f: row[f] for f in value_fields}
        obj = existing.get(key)
        if obj is None:
            to_create.append(model(**dict(zip(key_fields, key, strict=True)), **values, **fixed))
        elif any(getattr(obj, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(obj, f, v)
            to_update.append(obj)
    model.objects.bulk_create(to_create, batch_size=2000)
    model.objects.bulk_update(to_update, value_fields, batch_size=2000)
    return UpsertCounts(len(to_create), len(to_update), total - len(to_create) - len(to_update))
