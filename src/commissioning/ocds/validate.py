"""Validation of OCDS documents against the shipped OCDS 1.1.5 schemas, offline.

The package schemas refer to the release schema (and the record package schema to the
versioned release schema) by their published addresses; here every such address resolves to
the file shipped beside this module, so nothing is fetched (``referencing``: an address that is
not shipped is an error, never a download). Formats the schemas name (``date-time``, ``uri``,
``email``) are checked as the standard means them: RFC 3339 date-times with a time zone,
absolute URIs, an address with an ``@``.

A document is a release package, a record package, a release or a record; ``kind_of`` tells
which from its shape, as the standard's tools do (``releases`` or ``records`` at the top, else
a ``tag`` for a release, else ``compiledRelease`` or ``releases`` for a record).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT4

SCHEMA_DIR = Path(__file__).parent / "schema"
VERSION = "1__1__5"
PUBLISHED = f"https://standard.open-contracting.org/schema/{VERSION}/"
FILES = {
    "release": "release-schema.json",
    "release package": "release-package-schema.json",
    "record package": "record-package-schema.json",
    "versioned release": "versioned-release-validation-schema.json",
}
KINDS = ("release package", "record package", "release", "record")

# RFC 3339 (the standard's "date-time"): a date, a time, and a time zone.
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


@dataclass(frozen=True)
class Problem:
    path: str  # where, as a JSON path: $.releases[0].tender.value.amount
    message: str
    schema_path: str  # which rule of the schema, for those who read it


def _shipped(uri: str) -> Resource:
    """An address the schemas refer to, read from the shipped files (never the web)."""
    name = uri.removeprefix(PUBLISHED)
    if name == uri or name not in FILES.values():
        raise NoSuchResource(ref=uri)
    return DRAFT4.create_resource(json.loads((SCHEMA_DIR / name).read_text()))


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())

    @checker.checks("date-time")
    def date_time(value: object) -> bool:
        return not isinstance(value, str) or bool(_DATE_TIME.match(value))

    @checker.checks("uri")
    def uri(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parts = urlsplit(value)
        return bool(parts.scheme) and bool(parts.netloc or parts.path)

    @checker.checks("email")
    def email(value: object) -> bool:
        return not isinstance(value, str) or "@" in value

    return checker


@cache
def _validator(kind: str) -> Draft4Validator:
    if kind == "record":  # the record package's definition of one record
        schema = json.loads((SCHEMA_DIR / FILES["record package"]).read_text())
        schema = {**schema, "$ref": "#/definitions/record"}
        schema.pop("required", None)
        schema.pop("properties", None)
    else:
        schema = json.loads((SCHEMA_DIR / FILES[kind]).read_text())
    registry: Registry = Registry(retrieve=_shipped)  # type: ignore[call-arg]
    return Draft4Validator(schema, registry=registry, format_checker=_format_checker())


def kind_of(document: Any) -> str:
    """Which OCDS document this is, from its shape (``ValueError`` if none)."""
    if isinstance(document, dict):
        if "releases" in document and "uri" in document:
            return "release package"
        if "records" in document:
            return "record package"
        if "tag" in document:
            return "release"
        if "compiledRelease" in document or "releases" in document:
            return "record"
    raise ValueError(
        "Not an OCDS document: expected a release package (with releases), a record package "
        "(with records), a release (with a tag) or a record (with a compiled release)"
    )


def _json_path(parts) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


def problems(document: Any, kind: str | None = None) -> list[Problem]:
    """Every way ``document`` breaks the OCDS 1.1.5 schema of its kind (none when it is
    valid), in document order."""
    kind = kind or kind_of(document)
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    found = [
        Problem(_json_path(e.absolute_path), e.message, "/".join(map(str, e.schema_path)))
        for e in _validator(kind).iter_errors(document)
    ]
    return sorted(found, key=lambda p: p.path)


def validate_file(path: Path) -> tuple[str, list[Problem]]:
    """The kind of the JSON document in ``path`` and its problems."""
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    kind = kind_of(document)
    return kind, problems(document, kind)
