"""Conflicts of interest in provider selection.

Source: the Provider Selection Regime (SI 2023/1348), regulation 24: the decision record sets
out any conflicts of interest and how they were managed (docs/domain.md section 11). The rest
is the platform's policy, not a rule in the docs: everyone who evaluates proposals or decides
declares their interests (or that they have none) before taking part, and a declared interest
is managed before the person takes part, by excluding them from the whole process, by
excluding them from anything to do with the provider concerned, or by recording why they may
take part.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Management(StrEnum):
    UNMANAGED = ""
    PROCEED = "proceed"
    EXCLUDE_PROVIDER = "exclude_provider"
    EXCLUDE_PROCESS = "exclude_process"

    @property
    def label(self) -> str:
        return {
            Management.UNMANAGED: "Not yet managed",
            Management.PROCEED: "May take part (the interest is recorded with the reason)",
            Management.EXCLUDE_PROVIDER: "Excluded from anything to do with that provider",
            Management.EXCLUDE_PROCESS: "Excluded from the whole process",
        }[self]


@dataclass(frozen=True)
class Declaration:
    has_interest: bool
    provider_id: int | None = None
    management: Management = Management.UNMANAGED


def may_take_part(
    declarations: Iterable[Declaration], provider_id: int | None = None
) -> tuple[bool, str]:
    """Whether a person may evaluate (or decide about) the proposal of ``provider_id``
    (``None``: the process as a whole), and if not, why."""
    declarations = list(declarations)
    if not declarations:
        return False, "Declare your interests (or that you have none) before you take part."
    for d in declarations:
        if not d.has_interest:
            continue
        if d.management is Management.UNMANAGED:
            return False, (
                "An interest you declared has not yet been managed by the commissioner; you can "
                "take part once it has."
            )
        if d.management is Management.EXCLUDE_PROCESS:
            return False, "You are excluded from this process because of a declared interest."
        if d.management is Management.EXCLUDE_PROVIDER and (
            provider_id is None or d.provider_id == provider_id
        ):
            return False, (
                "You are excluded from this provider's proposal because of a declared interest."
                if provider_id is not None
                else "You are excluded from a bidding provider because of a declared interest, "
                "so you cannot take part in the decision between them."
            )
    return True, ""


def excluded(declarations: Iterable[Declaration], provider_id: int | None) -> bool:
    """Whether the commissioner has excluded the person from this provider's proposal (or from
    the whole process). Someone who has not yet declared, or whose interest is not yet managed,
    is not excluded: they are still expected to take part once they have."""
    return any(
        d.has_interest
        and (
            d.management is Management.EXCLUDE_PROCESS
            or (d.management is Management.EXCLUDE_PROVIDER and d.provider_id == provider_id)
        )
        for d in declarations
    )
