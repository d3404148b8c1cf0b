"""Audit entries as people read them: the one place an audit revision is written for a page or
a document (the decision record's HTML and PDF), so that none shows a database field name, an
internal code or a bare id.

- a field is named by its model's ``verbose_name`` (``quality_innovation`` → "Quality and
  innovation" where the model says so; otherwise the name with spaces, never underscores);
- an enumerated value by its choice's label; a link to another record by what that record is;
- the record itself by its model's ``audit_name()`` when it defines one ("Northern Care
  Alliance's proposal") and it still exists, else by what was stored when it was recorded; an
  ``audit_name`` holds nothing that changes, so an old entry never names today's value;
- ids a service recorded beside the fields (``awarded_proposal_ids``) by the records they name,
  where the model maps them in ``AUDIT_LINKS``;
- a link a model lists in ``AUDIT_UNNAMED`` (a personal health budget's holder, representative
  and nominee) is never resolved to a name: it says only whether one is linked (personal data
  stays with those the budget's policy lets see it);
- money (a field ending ``_pence``, or a dict of amounts a model names in ``AUDIT_PENCE``) by
  ``commissioning.money``, figures and dates by ``commissioning.numbers``.

The models are found through Django's app registry, so this floor imports no app.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils.text import capfirst

from commissioning import money, numbers

from .models import Revision, object_type_label

_CODE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b(?!\.\w)")  # not a file's name: nhs_trusts.csv


@dataclass(frozen=True)
class Entry:
    seq: int
    recorded: str
    who: str
    what: str
    changes: list[str]


def _model(object_type: str):
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def plain_words(text: str) -> str:
    """Any snake_case code left in a text, written as words."""
    return _CODE.sub(lambda m: m.group(0).replace("_", " "), text)


# While ``entries`` writes a list: the records it names, read in one query per model, and each
# record's name worked out once (a process named by a hundred entries is read once).
_found: ContextVar[dict | None] = ContextVar("audit_readable_found", default=None)
_MISSING = object()


def _find(model, **key):
    """The record with this key, or None: an audit entry may name what is not a record's key
    (an event about "synthetic-economy", a link stored by its code)."""
    found = _found.get()
    memo_key = (model, *sorted((k, str(v)) for k, v in key.items()))
    if found is not None and (hit := found.get(memo_key, _MISSING)) is not _MISSING:
        return hit
    try:
        obj = model.objects.filter(**key).first()
    except (ValueError, TypeError, ValidationError):
        obj = None
    if found is not None:
        found[memo_key] = obj
    return obj


def name_of(obj) -> str:
    found = _found.get()
    memo_key = ("name", type(obj), obj.pk) if found is not None else None
    if memo_key is not None and (hit := found.get(memo_key, _MISSING)) is not _MISSING:  # type: ignore[union-attr]
        return hit
    namer = getattr(obj, "audit_name", None)
    name = plain_words(str(namer() if callable(namer) else obj))
    if memo_key is not None:
        found[memo_key] = name  # type: ignore[index]
    return name


def _wanted(revisions: list[Revision]) -> dict[Any, set[str]]:
    """The keys of every record the entries will name, by model: the records themselves, the
    links their changes hold, and the ids a service recorded beside them (``AUDIT_LINKS``)."""
    wanted: dict[Any, set[str]] = {}
    for rev in revisions:
        model = _model(rev.object_type)
        if model is None:
            continue
        wanted.setdefault(model, set()).add(str(rev.object_id))
        for name, change in (rev.diff or {}).items():
            values = change if isinstance(change, list) and len(change) == 2 else [change]
            linked = getattr(model, "AUDIT_LINKS", {}).get(name)
            field = _field(model, name)
            if linked:
                target = _model(linked)
            elif (
                field is not None
                and field.is_relation
                and field.related_model is not None
                and name.removesuffix("_id") not in getattr(model, "AUDIT_UNNAMED", ())
            ):
                target = field.related_model
            else:
                continue
            if target is None:
                continue
            for value in values:
                for v in value if isinstance(value, list) else [value]:
                    if isinstance(v, str | int) and not isinstance(v, bool):
                        wanted.setdefault(target, set()).add(str(v))
    return wanted


@contextmanager
def _reading(revisions: list[Revision]) -> Iterator[None]:
    found: dict = {}
    for model, keys in _wanted(revisions).items():
        pk = model._meta.pk
        valid = []
        for key in keys:
            try:
                valid.append(pk.to_python(key))
            except (ValueError, TypeError, ValidationError):
                continue
        if not valid:
            continue
        records = model.objects.in_bulk(valid)
        for key in keys:
            try:
                value = pk.to_python(key)
            except (ValueError, TypeError, ValidationError):
                continue
            record = records.get(value)
            if record is not None:  # else the code lookup is tried (a link stored by code)
                found[(model, ("pk", str(key)))] = record
    token = _found.set(found)
    try:
        yield
    finally:
        _found.reset(token)


def _field(model, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name.removesuffix("_id"))
    except Exception:
        return None


def _label(model, name: str) -> str:
    field = _field(model, name)
    verbose = str(getattr(field, "verbose_name", "") or "")
    if not verbose or (field is not None and verbose == field.name.replace("_", " ")):
        # Django's own label, from the name: say it as people do (no "_id", no "pence")
        verbose = (
            name.removesuffix("_ids").removesuffix("_id").removesuffix("_pence").replace("_", " ")
        )
    return capfirst(verbose)


_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?")


def _value(model, name: str, value) -> str:
    if value is None or value == "":
        return "(none)"
    field = _field(model, name)
    if field is not None and getattr(field, "choices", None):
        labels = {str(k): str(v) for k, v in field.flatchoices}
        if str(value) in labels:
            return labels[str(value)]
    scalar = isinstance(value, str | int) and not isinstance(value, bool)
    linked = getattr(model, "AUDIT_LINKS", {}).get(name)  # ids a service recorded beside fields
    if linked and (scalar or isinstance(value, list)):
        target = _model(linked)
        found = [_find(target, pk=v) for v in (value if isinstance(value, list) else [value])]
        return ", ".join(name_of(f) if f is not None else f"a deleted record ({v})"
                         for f, v in zip(found, value if isinstance(value, list) else [value],
                                         strict=True))  # fmt: skip
    if name.removesuffix("_id") in getattr(model, "AUDIT_UNNAMED", ()):
        return "linked"  # personal data: who it is stays with the record's own pages
    if field is not None and field.is_relation and field.related_model is not None and scalar:
        # A link is stored by its key, or (where a service chose to) by the record's code.
        target = field.related_model
        related = _find(target, pk=value)
        if related is None and any(f.name == "code" for f in target._meta.fields):
            related = _find(target, code=value)
        if related is None:
            return plain_words(str(value))
        return name_of(related)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    pence = name.endswith("_pence") or name in getattr(model, "AUDIT_PENCE", ())
    if pence and isinstance(value, int | str) and re.fullmatch(r"-?\d+", str(value)):
        return money.pounds(int(value))
    if isinstance(value, int) and "year" in name:
        return str(value)  # a year is not a quantity: 2026, not 2,026
    if isinstance(value, int | float):
        return numbers.figure(value)
    if isinstance(value, str):
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return numbers.day(dt.date.fromisoformat(value))
        if _MOMENT.fullmatch(value):
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            return f"{numbers.day(moment)} {moment:%H:%M}"
        if re.fullmatch(r"-?\d+(\.\d+)?", value):  # a figure written as text: always a Decimal
            return numbers.figure(Decimal(value))
        return plain_words(value) if _CODE.fullmatch(value) else value  # a code; text stays
    if isinstance(value, list):
        return ", ".join(_value(model, name, v) for v in value)
    if isinstance(value, dict):  # a model may say a key holds pence by key (AUDIT_PENCE)
        pence = name in getattr(model, "AUDIT_PENCE", ())
        return "; ".join(f"{plain_words(str(k).removesuffix('_pence'))}: "
                         f"{_value(None, f'{k}_pence' if pence else str(k), v)}"
                         for k, v in value.items())  # fmt: skip
    return plain_words(str(value))


def entry(rev: Revision) -> Entry:
    model = _model(rev.object_type)
    obj = _find(model, pk=rev.object_id) if model is not None else None
    about = name_of(obj) if obj is not None else plain_words(rev.object_repr)
    what = f"{rev.get_action_display()} {object_type_label(rev.object_type)}: {about}"
    changes = []
    for name, change in (rev.diff or {}).items():
        before, after = change if isinstance(change, list) and len(change) == 2 else (None, change)
        label = _label(model, name)
        if rev.action == Revision.Action.UPDATE:
            changes.append(f"{label}: {_value(model, name, before)} → {_value(model, name, after)}")
        elif after is not None or before is None:
            changes.append(f"{label}: {_value(model, name, after)}")
        else:  # what a deleted record held
            changes.append(f"{label}: was {_value(model, name, before)}")
    when = f"{numbers.day(rev.created_at)} {rev.created_at:%H:%M}"
    return Entry(rev.seq, when, rev.actor_username, what, changes)


def entries(revisions) -> list[Entry]:
    """Each revision as people read it: the records they name read in one query per model."""
    revisions = list(revisions)
    with _reading(revisions):
        return [entry(rev) for rev in revisions]
