"""Contracts as selection's sequel to a decision (``selection.sequels``)."""

from __future__ import annotations

from commissioning.selection.sequels import Sequel

from .models import Contract, ContractParty, QualityScheduleItem
from .permissions import Action, can
from .services import may_make_now


def _ids(qs) -> list[str]:
    return [str(pk) for pk in qs.values_list("pk", flat=True)]


def audit_objects(decisions) -> dict[str, list[str]]:
    contracts = Contract.objects.filter(decision__in=decisions)
    return {
        "contracts.contract": _ids(contracts),
        "contracts.contractparty": _ids(ContractParty.objects.filter(contract__in=contracts)),
        "contracts.qualityscheduleitem": _ids(
            QualityScheduleItem.objects.filter(contract__in=contracts)
        ),
    }


CONTRACTS = Sequel(
    name="contract",
    may_make=may_make_now,
    may_view=lambda user, contract: can(user, Action.VIEW_CONTRACT, contract),
    audit_objects=audit_objects,
)
