"""Organisations' names in the capitals ODS publishes them in, found in a JSON document: the API
names them as the web does (``tidy_name``), so an answer carrying one is a fault (issue 18)."""

from __future__ import annotations

import re

from commissioning.names import tidy_name

_TWO_CAPITALS = re.compile(r"[A-Z]{2}")  # in every name ODS writes; a quick first look


def ods_capitals(names) -> set[str]:
    """Those of ``names`` that ``tidy_name`` would write otherwise."""
    return {name for name in names if tidy_name(name) != name}


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def capitals_in(document, capitals: set[str]) -> list[str]:
    """The strings of ``document`` that carry one of ``capitals``."""
    return sorted(
        {s for s in _strings(document) if _TWO_CAPITALS.search(s) for name in capitals if name in s}
    )
