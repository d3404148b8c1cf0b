"""Contracts in the JSON API: made from an award, signed by both sides.

Every endpoint calls the same service as the web page does, so permissions, rules, audit and
all-or-nothing writes are the same. A service's field-level problems come back as 422 with one
entry per field (``loc`` ends with the field's name); a refusal is 403 with the reason.
"""

import datetime as dt
from decimal import Decimal

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from commissioning.contracts import services as contract_services
from commissioning.contracts.models import Contract
from commissioning.contracts.permissions import Action as ContractAction
from commissioning.contracts.permissions import can as can_contract
from commissioning.contracts.permissions import visible_contracts

from .commands import body_for, command_from
from .common import _allow, _org
from .pagination import Pagination
from .selection import _decision
from .types import Id

router = Router()


ContractIn = body_for(
    contract_services.ContractInput,
    "ContractIn",
    exclude=("associate_ids",),
    associate_codes=(list[str], Field(default_factory=list, max_length=50)),
)


class ScheduleItemOut(Schema):
    kind: str
    dimension: str
    title: str
    indicator_code: str | None = None
    baseline: Decimal | None
    target: Decimal | None
    target_date: dt.date | None
    threshold: str
    method_of_measurement: str
    consequence_of_breach: str
    frequency: str

    @staticmethod
    def resolve_indicator_code(obj):
        return obj.indicator.code if obj.indicator_id else None


class ContractOut(Schema):
    id: int
    reference: str
    status: str
    form: str
    decision_id: int
    proposal_id: int
    specification_id: int
    provider_code: str = Field(alias="provider.code")
    co_ordinating_commissioner_code: str
    associate_codes: list[str]
    value_pence: int
    start_date: dt.date
    end_date: dt.date
    provider_signed_by: str | None = None
    commissioner_signed_by: str | None = None
    quality_schedule: list[ScheduleItemOut]

    @staticmethod
    def resolve_co_ordinating_commissioner_code(obj):
        return obj.co_ordinating_commissioner.code

    @staticmethod
    def resolve_associate_codes(obj):
        return [o.code for o in obj.associates]

    @staticmethod
    def resolve_provider_signed_by(obj):
        return obj.provider_signed_by.username if obj.provider_signed_by_id else None

    @staticmethod
    def resolve_commissioner_signed_by(obj):
        return obj.commissioner_signed_by.username if obj.commissioner_signed_by_id else None

    @staticmethod
    def resolve_quality_schedule(obj):
        return list(obj.quality_schedule.select_related("indicator"))


def _contract(request, pk: Id) -> Contract:
    contract = get_object_or_404(
        Contract.objects.select_related("provider").prefetch_related("parties__organisation"), pk=pk
    )
    _allow(can_contract(request.user, ContractAction.VIEW_CONTRACT, contract), "see this contract")
    return contract


@router.post("/decisions/{decision_id}/contracts", response={201: ContractOut}, tags=["contracts"])
def create_contract(request, decision_id: Id, payload: ContractIn):
    """Make the contract for an awarded proposal, once standstill allows."""
    associates = [
        _org(code, f"associate_codes.{i}") for i, code in enumerate(payload.associate_codes)
    ]
    contract = contract_services.create_contract(
        _decision(request, decision_id),
        command_from(
            payload,
            contract_services.ContractInput,
            associate_ids=tuple(o.pk for o in associates),
        ),
        request.user,
    )
    return 201, _contract(request, contract.pk)


@router.get("/contracts", response=list[ContractOut], tags=["contracts"])
@paginate(Pagination)
def list_contracts(request):
    """Contracts you may see: your organisation's, as a party or as the provider."""
    _allow(can_contract(request.user, ContractAction.VIEW_CONTRACT), "see contracts")
    qs = Contract.objects.select_related("provider").prefetch_related("parties__organisation")
    return visible_contracts(request.user, qs).order_by("-created_at")


@router.get("/contracts/{contract_id}", response=ContractOut, tags=["contracts"])
def get_contract(request, contract_id: Id):
    return _contract(request, contract_id)


@router.post("/contracts/{contract_id}/signatures", response=ContractOut, tags=["contracts"])
def sign_contract(request, contract_id: Id):
    """Sign for the side you represent (the provider, or the co-ordinating commissioner)."""
    contract_services.sign_contract(_contract(request, contract_id), request.user)
    return _contract(request, contract_id)


# --- Variations (the NHS Standard Contract's General Condition 13) ----------------------------

VariationIn = body_for(contract_services.VariationInput, "VariationIn")


class VariationOut(Schema):
    number: int
    description: str
    value_change_pence: int
    ground: str = Field(description="The ground of regulation 13, or urgent (regulation 14)")
    urgent_reasons: str = Field(description="An urgent modification: why regulation 14 applied")
    status: str
    provider_agreed: bool | None = Field(
        None, description="The provider's answer: agreed, declined, or not yet (null)"
    )
    stage: str = Field(description="Where it stands, naming whom it waits for")


def _variation_out(v) -> dict:
    return {"number": v.number, "description": v.description,
            "value_change_pence": v.value_change_pence, "ground": v.ground,
            "urgent_reasons": v.urgent_reasons, "status": v.status,
            "provider_agreed": v.provider_agreed, "stage": v.stage}  # fmt: skip


@router.post(
    "/contracts/{contract_id}/variations", response={201: VariationOut}, tags=["contracts"]
)
def propose_variation(request, contract_id: Id, payload: VariationIn):
    """Propose a variation (a commissioner party to the contract); the provider agrees to it,
    any associates approve it, then the co-ordinating commissioner signs it."""
    contract = _contract(request, contract_id)
    _allow(can_contract(request.user, ContractAction.PROPOSE_VARIATION, contract),
           "propose a variation of this contract")  # fmt: skip
    made = contract_services.propose_variation(
        contract, command_from(payload, contract_services.VariationInput), request.user
    )
    return 201, _variation_out(made)


def _variation(request, contract_id: Id, number: Id):
    contract = _contract(request, contract_id)
    return get_object_or_404(contract.variations, number=number)


@router.post(
    "/contracts/{contract_id}/variations/{number}/approval",
    response=VariationOut,
    tags=["contracts"],
)
def approve_variation(request, contract_id: Id, number: Id):
    """An associate commissioner's approval of a proposed variation."""
    variation = _variation(request, contract_id, number)
    contract_services.approve_variation(variation, request.user)
    variation.refresh_from_db()
    return _variation_out(variation)


VariationAnswerIn = body_for(contract_services.VariationAnswer, "VariationAnswerIn")


@router.post(
    "/contracts/{contract_id}/variations/{number}/provider-answer",
    response=VariationOut,
    tags=["contracts"],
)
def answer_variation(request, contract_id: Id, number: Id, payload: VariationAnswerIn):
    """The provider's answer to a proposed variation (General Condition 13: a variation is
    agreed by both parties): ``agree``, or decline with ``reasons``. Its representative
    answers."""
    variation = _variation(request, contract_id, number)
    _allow(can_contract(request.user, ContractAction.ANSWER_VARIATION, variation.contract),
           "agree or decline this variation for the provider")  # fmt: skip
    answered = contract_services.answer_variation(
        variation, command_from(payload, contract_services.VariationAnswer), request.user
    )
    return _variation_out(answered)


@router.post(
    "/contracts/{contract_id}/variations/{number}/signature",
    response=VariationOut,
    tags=["contracts"],
)
def sign_variation(request, contract_id: Id, number: Id):
    """The co-ordinating commissioner signs the variation once the provider has agreed and
    every associate has approved."""
    variation = _variation(request, contract_id, number)
    return _variation_out(contract_services.sign_variation(variation, request.user))
