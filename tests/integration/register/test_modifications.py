"""Modifications under regulation 13 (issue 20): a variation the commissioner decides that
takes the value £500,000 or more from where it was is permitted below 25% and publishes a
notice (Schedule 12) in the register and an OCDS contract amendment; one that is both
£500,000 and 25% or more is refused (a new procurement is needed)."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from commissioning.contracts import services as contracts
from commissioning.contracts.models import ContractVariation
from commissioning.ocds.validate import problems
from commissioning.selection.models import Notice

pytestmark = pytest.mark.django_db


def _agreed_and_signed(cycle, v):
    contracts.answer_variation(v, contracts.VariationAnswer(agree=True), cycle.e.provider)
    contracts.approve_variation(v, cycle.e.other_commissioner)
    return contracts.sign_variation(v, cycle.e.commissioner)


def test_a_commissioners_modification_of_600000_publishes_a_schedule_12_notice(cycle):
    cycle.signed()  # an £11m contract: 25% is £2.75m
    v = contracts.propose_variation(
        cycle.contract,
        contracts.VariationInput("Weekend thrombectomy added", 600_000_00,
                                 "authority_decision", attributable_to_authority=True),
        cycle.e.contract_manager,
    )  # fmt: skip
    _agreed_and_signed(cycle, v)
    notice = Notice.objects.get(stage="modification")
    assert notice.schedule == 12
    items = {i["heading"]: i["text"] for i in notice.items}
    assert items["Brief description of the modification"] == "Weekend thrombectomy added"
    assert items["Change in the lifetime value"].startswith("An increase of £600,000")
    record = json.loads(Client().get(f"/register/processes/{cycle.process.pk}/ocds.json").content)
    assert problems(record) == []
    (contract,) = record["records"][0]["compiledRelease"]["contracts"]
    assert contract["value"]["amount"] == (cycle.contract.value_pence + 600_000_00) // 100
    assert contract["amendments"][0]["description"] == "Weekend thrombectomy added"


def test_a_small_or_provided_for_modification_publishes_nothing(cycle):
    cycle.signed()
    for cmd in (
        contracts.VariationInput("A new reporting date", 0),
        contracts.VariationInput("Extra clinics", 499_999_00, "authority_decision",
                                 attributable_to_authority=True),
    ):  # fmt: skip
        proposed = contracts.propose_variation(cycle.contract, cmd, cycle.e.contract_manager)
        _agreed_and_signed(cycle, proposed)
    assert not Notice.objects.filter(stage="modification").exists()


def test_500000_and_25_percent_together_need_a_new_procurement(cycle):
    cycle.signed()
    with pytest.raises(ValidationError) as refused:
        contracts.propose_variation(
            cycle.contract,
            contracts.VariationInput("A second unit", 2_750_000_00, "authority_decision",
                                     attributable_to_authority=True),
            cycle.e.contract_manager,
        )  # fmt: skip
    assert "regulation 13(2)(b)" in refused.value.message_dict["ground"][0]
    assert not ContractVariation.objects.exists()
