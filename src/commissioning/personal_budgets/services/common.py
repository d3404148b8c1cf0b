"""What every part of the personal budget services shares: who gets a CHC-based budget and
the local resource allocation table."""

from __future__ import annotations

from django.conf import settings

from ..models import (
    Entitlement,
)
from ..rules import budget_setting

CHC_BASED = {Entitlement.CONTINUING_HEALTHCARE, Entitlement.CHILDRENS_CONTINUING_CARE}


def allocation_table() -> budget_setting.AllocationTable:
    """The local resource allocation table (settings.PHB_ALLOCATION: pence per point, floor,
    ceiling), with the default points per level of need."""
    conf = getattr(settings, "PHB_ALLOCATION", {})
    return budget_setting.AllocationTable(
        pence_per_point=conf.get("pence_per_point", 150_000),
        minimum_pence=conf.get("minimum_pence", 0),
        maximum_pence=conf.get("maximum_pence"),
    )
