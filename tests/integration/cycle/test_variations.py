"""Contract variations: a variation is agreed by both parties (General Condition 13). The
provider agrees or declines it; the co-ordinating commissioner signs as agent of the associate
commissioners only after the provider has agreed and every associate has approved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from commissioning.api.tokens import issue_token
from commissioning.audit.models import Revision
from commissioning.contracts import services as contracts
from commissioning.contracts.models import ContractVariation
from commissioning.organisations.permissions import SYSTEM

pytestmark = pytest.mark.django_db

RJE = "University Hospitals of North Midlands NHS Trust"  # its display name


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
    contracts.answer_variation(v, contracts.VariationAnswer(agree=True), cycle.e.provider)
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
    # Only the provider's representative answers for the provider; a rival bidder cannot.
    for outsider in (cycle.e.commissioner, cycle.e.other_commissioner, cycle.e.rival):
        with pytest.raises(PermissionDenied):
            contracts.answer_variation(v, contracts.VariationAnswer(agree=True), outsider)


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
    assert "Variation 1" in page and (
        f"Waiting for {RJE} to agree and NHS Synthetic Neighbour ICB to approve" in page
    )
    assert "Sign variation 1" not in page  # not until the provider agrees, the associate approves
    assert "variations/1/answer/" not in page  # the provider's step, not the commissioner's
    client.force_login(cycle.e.other_commissioner)
    done = client.post(f"{url}variations/1/approve/", follow=True).content.decode()
    assert "Your approval of variation 1 is recorded." in done
    client.force_login(cycle.e.provider)
    page = client.get(url).content.decode()
    assert f'href="{url}variations/1/answer/"' in page
    done = client.post(f"{url}variations/1/answer/", {"agree": "yes"}, follow=True)
    assert f"You have agreed to variation 1 for {RJE}." in done.content.decode()
    client.force_login(cycle.e.commissioner)
    done = client.post(f"{url}variations/1/sign/", follow=True).content.decode()
    assert "Variation 1 is signed for the commissioners." in done
    assert ContractVariation.objects.get().value_change_pence == 1_250_000


def test_the_provider_must_agree_before_the_commissioner_signs(variation):
    cycle, v = variation
    contracts.approve_variation(v, cycle.e.other_commissioner)
    with pytest.raises(ValidationError) as refused:
        contracts.sign_variation(v, cycle.e.commissioner)
    assert f"waiting for: {RJE}" in refused.value.messages[0]
    answered = contracts.answer_variation(
        v, contracts.VariationAnswer(agree=True), cycle.e.provider
    )
    assert answered.provider_agreed is True and answered.provider_answered_by == cycle.e.provider
    assert contracts.sign_variation(v, cycle.e.commissioner).status == "signed"
    with pytest.raises(ValidationError, match="already been signed"):
        contracts.answer_variation(v, contracts.VariationAnswer(agree=True), cycle.e.provider)
    change = Revision.objects.get(object_type="contracts.contractvariation", action="update",
                                  actor_id=cycle.e.provider.pk)  # fmt: skip
    assert change.diff["provider_agreed"] == [None, True]


def test_a_declined_variation_needs_reasons_and_is_never_signed(variation):
    cycle, v = variation
    with pytest.raises(ValidationError) as refused:
        contracts.answer_variation(v, contracts.VariationAnswer(agree=False), cycle.e.provider)
    assert refused.value.message_dict == {
        "reasons": ["Give the reasons for declining the variation"]
    }
    contracts.answer_variation(
        v, contracts.VariationAnswer(False, "Not within the tariff"), cycle.e.provider
    )
    declined = ContractVariation.objects.get(pk=v.pk)
    assert declined.status == "declined" and declined.provider_reasons == "Not within the tariff"
    assert declined.stage == "Declined by the provider"
    with pytest.raises(ValidationError, match="already been declined"):
        contracts.sign_variation(v, cycle.e.commissioner)
    with pytest.raises(ValidationError, match="already been declined"):
        contracts.answer_variation(v, contracts.VariationAnswer(agree=True), cycle.e.provider)


def test_a_variation_to_a_contract_without_associates_never_waits_for_them(cycle, client):
    """Issue 18: a contract with no associates showed "Awaiting associates' approval"."""
    cycle.noticed()
    from tests.cycle import AFTER_STANDSTILL, at

    with at(AFTER_STANDSTILL):
        contract = contracts.create_contract(
            cycle.decision,
            contracts.ContractInput(cycle.proposal.pk, dt.date(2026, 5, 1), dt.date(2029, 4, 30)),
            cycle.e.contract_manager,
        )
        contracts.sign_contract(contract, cycle.e.provider)
        contract = contracts.sign_contract(contract, cycle.e.commissioner)
        v = contracts.propose_variation(
            contract, contracts.VariationInput("Weekend clinics"), cycle.e.contract_manager
        )
    assert v.waiting_for() == [cycle.e.rje]
    assert v.stage == f"Waiting for {RJE} to agree, then the co-ordinating commissioner signs"
    client.force_login(cycle.e.commissioner)
    page = client.get(f"/contracts/{contract.pk}/").content.decode()
    assert "associate" not in page.split("<h2>Variations</h2>")[1].lower()
    with at(AFTER_STANDSTILL):
        contracts.answer_variation(v, contracts.VariationAnswer(agree=True), cycle.e.provider)
    v = ContractVariation.objects.get(pk=v.pk)
    assert v.waiting_for() == []
    assert v.stage == "Agreed: waiting for the co-ordinating commissioner to sign"
    page = client.get(f"/contracts/{contract.pk}/").content.decode()
    assert "associate" not in page.split("<h2>Variations</h2>")[1].lower()
    assert "Sign variation 1 for the commissioners" in page
    assert contracts.sign_variation(v, cycle.e.commissioner).status == "signed"


def test_the_provider_answers_through_the_api_with_the_same_check(variation, client):
    cycle, _ = variation
    url = f"/api/v1/contracts/{cycle.contract.pk}/variations/1/provider-answer"

    def post(user, body):
        _, token = issue_token(user, "test", SYSTEM)
        return client.post(url, body, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {token}")  # fmt: skip

    refused = post(cycle.e.commissioner, {"agree": True})
    assert refused.status_code == 403
    missing = post(cycle.e.provider, {"agree": False})
    assert missing.status_code == 422
    assert "Give the reasons for declining the variation" in missing.content.decode()
    done = post(cycle.e.provider, {"agree": True})
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["provider_agreed"] is True and body["status"] == "proposed"
    assert body["stage"].startswith("Waiting for NHS Synthetic Neighbour ICB to approve")
