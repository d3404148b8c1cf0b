"""Direct award B awards every provider that meets the requirements (issue 20): its award
notice (Schedule 2) names each, the OCDS award lists each as a supplier, the register finds the
notice by any of them, and a later notice about one provider's contract names that provider."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.test import Client

from commissioning.contracts import services as contracts
from commissioning.ocds.validate import problems as validate
from commissioning.organisations.models import DelegatedAuthority
from commissioning.organisations.permissions import SYSTEM
from commissioning.organisations.services import save_delegated_authority
from commissioning.selection import services as sel
from commissioning.selection.models import Notice
from tests.cycle import AFTER_STANDSTILL, DEADLINE, at

pytestmark = pytest.mark.django_db

B = dict(route="", patients_choose_provider=True, providers_unrestricted=True,
         all_qualifying_providers_awarded=True)  # fmt: skip


def test_every_provider_awarded_under_b_is_named_and_found(cycle):
    cycle.declared(**B)
    assert cycle.process.route == "direct_award_b"
    save_delegated_authority(DelegatedAuthority(  # both contracts together: £21.5m
        user=cycle.e.commissioner, budget=cycle.e.budget, limit_pence=30_000_000_00,
        start_date=dt.date(2026, 1, 1)), SYSTEM)  # fmt: skip
    with at(DEADLINE + dt.timedelta(days=2)):
        decision = sel.decide(cycle.process, sel.DecisionInput(
            outcome="award", rationale="Both providers meet the requirements; patients choose.",
            awarded_proposal_ids=(cycle.proposal.pk, cycle.rival_proposal.pk)),
            cycle.e.commissioner)  # fmt: skip
        sel.publish_notice(decision, cycle.e.commissioner)
    notice = Notice.objects.get(process=cycle.process)
    assert notice.schedule == 2
    who = {i["heading"]: i["text"] for i in notice.items}["Name and address of the provider"]
    assert cycle.e.rje.display_name in who and cycle.e.rwe.display_name in who

    anyone = Client()
    record = json.loads(anyone.get(f"/register/processes/{cycle.process.pk}/ocds.json").content)
    assert validate(record) == []
    compiled = record["records"][0]["compiledRelease"]
    (award,) = compiled["awards"]
    assert [s["id"] for s in award["suppliers"]] == ["GB-NHS-RJE", "GB-NHS-RWE"]
    assert {p["id"] for p in compiled["parties"] if "supplier" in p["roles"]} == {
        "GB-NHS-RJE", "GB-NHS-RWE"}  # fmt: skip
    for code in ("RJE", "RWE"):
        listing = anyone.get("/register/", {"provider": code}).content.decode()
        assert cycle.spec.title in listing, code
    rows = list(
        csv.DictReader(io.StringIO(anyone.get("/register/notices.csv").getvalue().decode()))
    )
    assert rows[0]["provider_code"] == "RJE; RWE"

    # The second provider's contract, modified: the notice names that provider only.
    with at(AFTER_STANDSTILL):
        contract = contracts.create_contract(decision, contracts.ContractInput(
            proposal_id=cycle.rival_proposal.pk, start_date=AFTER_STANDSTILL,
            end_date=AFTER_STANDSTILL.replace(year=AFTER_STANDSTILL.year + 2)),
            cycle.e.contract_manager)  # fmt: skip
        contracts.sign_contract(contract, cycle.e.rival)
        contract = contracts.sign_contract(contract, cycle.e.commissioner)
        v = contracts.propose_variation(contract, contracts.VariationInput(
            "Weekend clinics added", 600_000_00, "authority_decision",
            attributable_to_authority=True), cycle.e.contract_manager)  # fmt: skip
        contracts.answer_variation(v, contracts.VariationAnswer(agree=True), cycle.e.rival)
        contracts.sign_variation(v, cycle.e.commissioner)
    modification = Notice.objects.get(stage="modification")
    assert [o["code"] for o in modification.facts["suppliers"]] == ["RWE"]
    record = json.loads(anyone.get(f"/register/processes/{cycle.process.pk}/ocds.json").content)
    assert validate(record) == []
