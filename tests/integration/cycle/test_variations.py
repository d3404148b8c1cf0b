"""Contract variations: the co-ordinating commissioner signs as agent of the associate
commissioners only after every associate has approved."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from commissioning.audit.models import Revision
from commissioning.contracts import services as contracts
from commissioning.contracts.models import ContractVariation

pytestmark = pytest.mark.django_db


@pytest.fixture
def variation(cycle):
    cycle.signed()
    v = contracts.propose_variation(
        cycle.contract,
        contracts.VariationInput("Extend the service to weekends", 250_000_00),
        cycle.e.contract_manager,
    )
    return cycle, v


def test_the_co_ordinating_commissioner_cannot_sign_before_every_associate_approves(variation):
    cycle, v = variation
    with pytest.raises(ValidationError) as refused:
        contracts.sign_variation(v, cycle.e.commissioner)
    assert "waiting for: NHS Synthetic Neighbour ICB" in refused.value.messages[0]
    assert ContractVariation.objects.get(pk=v.pk).status == "proposed"
    value = cycle.contract.value_pence
    contracts.approve_variation(v, cycle.e.other_commissioner)
    signed = contracts.sign_variation(v, cycle.e.commissioner)
    assert signed.status == "signed" and signed.signed_by == cycle.e.commissioner
    cycle.contract.refresh_from_db()
    assert cycle.contract.value_pence == value + 250_000_00
    assert Revision.objects.filter(object_type="contracts.variationapproval").count() == 1


def test_only_an_associates_commissioner_approves_and_only_the_co_ordinator_signs(variation):
    cycle, v = variation
    for outsider in (cycle.e.commissioner, cycle.e.provider, cycle.e.contract_manager):
        with pytest.raises(PermissionDenied):
            contracts.approve_variation(v, outsider)
    contracts.approve_variation(v, cycle.e.other_commissioner)
    with pytest.raises(ValidationError, match="already approved"):
        contracts.approve_variation(v, cycle.e.other_commissioner)
    for outsider in (cycle.e.other_commissioner, cycle.e.provider, cycle.e.contract_manager):
        with pytest.raises(PermissionDenied):
            contracts.sign_variation(v, outsider)


def test_a_variation_needs_a_signed_contract_and_a_description(cycle):
    cycle.contracted()
    with pytest.raises(ValidationError, match="once it has been signed"):
        contracts.propose_variation(
            cycle.contract, contracts.VariationInput("x"), cycle.e.contract_manager
        )
    cycle.contract.status = "signed"
    with pytest.raises(ValidationError) as refused:
        contracts.propose_variation(
            cycle.contract, contracts.VariationInput(" "), cycle.e.contract_manager
        )
    assert refused.value.message_dict == {"description": ["Describe the variation"]}


def test_the_contract_page_takes_a_variation_from_proposal_to_signature(cycle, client):
    cycle.signed()
    url = f"/contracts/{cycle.contract.pk}/"
    client.force_login(cycle.e.contract_manager)
    client.post(f"{url}variations/", {"description": "Weekend clinics",
                                      "value_change_pence": "12,500"})  # fmt: skip
    client.force_login(cycle.e.commissioner)
    page = client.get(url).content.decode()
    assert "Variation 1" in page and "Waiting for: NHS Synthetic Neighbour ICB" in page
    assert "Sign variation 1" not in page  # not until the associate approves
    client.force_login(cycle.e.other_commissioner)
    done = client.post(f"{url}variations/1/approve/", follow=True).content.decode()
    assert "Your approval of variation 1 is recorded." in done
    client.force_login(cycle.e.commissioner)
    done = client.post(f"{url}variations/1/sign/", follow=True).content.decode()
    assert "Variation 1 is signed for the commissioners." in done
    assert ContractVariation.objects.get().value_change_pence == 1_250_000
