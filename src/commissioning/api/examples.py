"""An example for every request body in the OpenAPI document, made from the body's fields so
that no example can drift from what the body accepts (a test validates each one against its
body). Values come from the names the platform uses for things (an ODS code, an amount in
pence, a date in the contract year) and otherwise from the field's type: a reader sees a
plausible request, and a client generator gets one it can send."""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
from decimal import Decimal

from pydantic import BaseModel

# Values by field name: what a commissioning team would send.
BY_NAME: dict[str, object] = {
    "provider_code": "RJE",  # University Hospitals of North Midlands NHS Trust
    "incumbent_code": "RJE",
    "addressed_to_code": None,
    "commissioner_code": "QNC",  # NHS Staffordshire and Stoke-on-Trent ICB
    "organisation_code": "QNC",
    "budget_code": "QNC-2026-ACUTE",
    "host": "QNC",
    "lead": "QNC",
    "code": "BCF-2026-XC001",
    "title": "Hyper-acute stroke service",
    "name": "Staffordshire Better Care Fund",
    "service_description": "A hyper-acute stroke unit open 24 hours, with thrombectomy on site.",
    "population": "Adults registered with a practice in Staffordshire and Stoke-on-Trent",
    "area": "Staffordshire and Stoke-on-Trent",
    "activity_unit": "spells",
    "annual_activity": 1200,
    "population_size": 1_150_000,
    "term_months": 60,
    "capacity": 1300,
    "username": "clinician.rje",
    "clinician_username": None,
    "fund_manager": "finance.qnc",
    "nhs_number": "9434765919",
    "date_of_birth": "1958-06-14",
    "filename": "proposal.pdf",
    "content_base64": "JVBERi0xLjQK",
    "measurement": "Quarterly, from SSNAP",
    "threshold": "At least 95% each month",
    "requirement": "Patients are scanned within an hour of arrival",
    "method_of_measurement": "SSNAP audit, monthly extract",
    "question": "Must thrombectomy be on the same site?",
    "rationale": "The proposal scored highest on quality and access, within the envelope.",
    "reason": "Recorded in the minutes of the committee of 14 May 2027.",
    "summary": "We support the proposal with the changes below.",
    "organisation": "QNC",
    "partner": "QNC",
    "provider": "RJE",
    "commissioner": "QNC",
    "account": "BCF-2026-XC001",
    "description": "Reablement at home, April 2027",
    "key": "invoice-2027-0412",
    "start_date": "2027-04-01",
    "end_date": "2028-03-31",
    "month": "2027-04",  # a quality figure's month
    "members": ["QNC", "QHL"],  # a consortium of two ICBs
    "year_start": 2027,
}

_DAY = dt.date(2027, 4, 1)


def _every(kind) -> list:
    """Every value of a closed set (a mapping keyed by the five key criteria has five keys)."""
    if typing.get_origin(kind) is typing.Literal:
        return list(typing.get_args(kind))
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return [member.value for member in kind]
    return []


def _for_type(name: str, kind, depth: int):
    origin = typing.get_origin(kind)
    args = [a for a in typing.get_args(kind) if a is not type(None)]
    if origin in (typing.Union, types.UnionType):
        return _for_type(name, args[0], depth) if args else None
    if origin is typing.Literal:
        return typing.get_args(kind)[0]
    if origin is typing.Annotated:
        return _for_type(name, args[0], depth)
    if origin in (list, tuple, set, frozenset) or (
        origin is not None and issubclass(origin, typing.Sequence)  # type: ignore[arg-type]
    ):
        return [_for_type(name.removesuffix("s"), args[0], depth + 1)] if args else []
    if origin is dict or (origin is not None and issubclass(origin, typing.Mapping)):  # type: ignore[arg-type]
        key, value = args
        keys = _every(key) or [_for_type(name, key, depth + 1)]
        return {k: _for_type(name, value, depth + 1) for k in keys}
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return example(kind, depth + 1)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return next(iter(kind)).value
    if kind is bool:
        return False
    if kind is int:
        if name.endswith("_pence") or name == "pence":
            return 1_250_000  # £12,500.00
        return 1
    if kind in (Decimal, float):
        return "72.5"
    if kind is dt.date:
        return _DAY.isoformat()
    if kind is dt.datetime:
        return "2027-04-01T09:00:00+01:00"
    if kind is str:
        if name.endswith("_code"):
            return "QNC"
        return name.replace("_", " ").capitalize()
    return None


def _fits(value, kind) -> bool:
    """Whether a named value is of the field's kind (``month`` is text in one body, a date in
    another)."""
    if value is None:
        return True
    args = [a for a in typing.get_args(kind) if a is not type(None)]
    if typing.get_origin(kind) in (typing.Union, types.UnionType) and args:
        kind = args[0]
    base = typing.get_origin(kind) or kind
    if base is dt.date:
        try:
            dt.date.fromisoformat(str(value))
        except ValueError:
            return False
        return True
    return isinstance(base, type) and isinstance(value, base)


def example(model: type[BaseModel], depth: int = 0) -> dict:
    """A request ``model`` accepts: every field, named values where the platform has them."""
    out: dict = {}
    for name, info in model.model_fields.items():
        if depth > 3:
            break
        named = name in BY_NAME and _fits(BY_NAME[name], info.annotation)
        value = BY_NAME[name] if named else _for_type(name, info.annotation, depth)
        if value is None and info.is_required() and not named:
            continue
        out[name] = value
    return out


def add_example(schema: dict, model: type[BaseModel]) -> None:
    """``json_schema_extra`` for request bodies: the body's schema carries its example."""
    schema["examples"] = [example(model)]
