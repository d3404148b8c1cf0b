"""The record of the existing provider's contract, for the evidence behind direct award C.

Contracts and their quality figures live in apps above this one (``contracts``, ``quality``).
Rather than import them, this app asks the function the quality app registers when Django is
ready (its ``AppConfig.ready``) for the record of the contract between a commissioner and the
existing provider, as plain facts (``rules.incumbent.ContractRecord``)."""

from __future__ import annotations

from collections.abc import Callable

from .rules.incumbent import ContractRecord

_record_of: list[Callable[[int, int], ContractRecord | None]] = []


def register(record_of: Callable[[int, int], ContractRecord | None]) -> None:
    _record_of[:] = [record_of]


def record_for(commissioner_id: int, incumbent_id: int) -> ContractRecord | None:
    """The latest contract of the commissioner with the existing provider, as its record says
    it is going (``None`` where the platform holds none, or nothing registered)."""
    return _record_of[0](commissioner_id, incumbent_id) if _record_of else None
