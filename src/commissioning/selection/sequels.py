"""What other apps make of a decision, as this app's pages and the decision record show it.

A contract is made from an award in ``contracts``, an app above this one (its models point at
decisions). The decision's page offers to make the contract and links to it, and the decision
record lists every change to it in its audit trail; rather than import the higher app, this
app asks the ``Sequel`` each such app registers when Django is ready (its ``AppConfig.ready``).
The contracts themselves are read through the reverse relation ``decision.contracts``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Sequel:
    """``may_make(user, decision)``: whether the person may make it from this decision now;
    ``may_view(user, obj)``: whether they may open one made; ``audit_objects(decisions)``: the
    audit trail's object types and ids of everything made from these decisions."""

    name: str
    may_make: Callable[[object, object], bool]
    may_view: Callable[[object, object], bool]
    audit_objects: Callable[[Iterable], dict[str, list[str]]]


_SEQUELS: dict[str, Sequel] = {}


def register(sequel: Sequel) -> None:
    _SEQUELS[sequel.name] = sequel


def sequel(name: str) -> Sequel | None:
    return _SEQUELS.get(name)


def audit_objects(decisions) -> dict[str, list[str]]:
    objects: dict[str, list[str]] = {}
    for s in _SEQUELS.values():
        objects.update(s.audit_objects(decisions))
    return objects
