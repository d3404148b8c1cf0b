"""Integrated personal commissioning: an integrated budget blends NHS, social care and
education funding through a pooled budget; the money moves from the pooled fund to the
person's budget on the ledger when the plan is agreed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from commissioning.collaboration import pooled
from commissioning.ledger.models import Account
from commissioning.ledger.verify import verify_ledger
from commissioning.organisations.models import Membership, User
from commissioning.personal_budgets import services as phb
from tests.integration.collaboration.conftest import bcf  # noqa: F401

from .conftest import plan_input, valid_nhs_number

pytestmark = pytest.mark.django_db


def test_integrated_budget_through_a_pooled_budget(bcf, client):  # noqa: F811
    pool = bcf.pool
    icb_partner, council_partner = pool.partners.all()
    pooled.contribute(icb_partner, 6_000_000, "c-icb", bcf.people["XC001"], dt.date(2025, 4, 1))
    pooled.contribute(council_partner, 4_000_000, "c-la", bcf.people["XL001"], dt.date(2025, 4, 1))
    coord = User.objects.create_user(username="coord", password="x")
    Membership.objects.create(user=coord, organisation=bcf.icb, role="care_coordinator")
    person = phb.record_person(
        phb.PersonInput(
            bcf.icb.pk, valid_nhs_number(700800900), "Young person", dt.date(2009, 5, 1), "ltc"
        ),
        coord,
    )
    before = Account.objects.get(pk=pool.pool_account_id).balance_pence
    with pytest.raises(ValidationError) as exc:
        phb.draft_plan(
            person,
            plan_input(
                mode="notional", pool_id=pool.pk, funding={"nhs": 600_000, "social_care": 400_000}
            ),
            coord,
        )
    assert "add up to the budget" in exc.value.message_dict["funding"][0]
    with pytest.raises(ValidationError) as exc:
        phb.draft_plan(person, plan_input(mode="notional", funding={"nhs": 1_200_000}), coord)
    assert "pooled budget" in exc.value.message_dict["pool_id"][0]
    funding = {"nhs": 600_000, "social_care": 400_000, "education": 200_000}
    plan = phb.draft_plan(
        person, plan_input(mode="notional", pool_id=pool.pk, funding=funding), coord
    )
    phb.agree_plan(plan, phb.AgreeInput("person"), coord)
    assert Account.objects.get(pk=pool.pool_account_id).balance_pence == before - 1_200_000
    assert Account.objects.get(pk=person.budget_account_id).balance_pence == 1_200_000
    assert phb.programme(bcf.icb, coord)["integrated"] == 1
    assert plan.funding_lines == [
        ("NHS", 600_000),
        ("Social care", 400_000),
        ("Education", 200_000),
    ]
    assert verify_ledger().ok
    client.force_login(coord)
    page = client.get(f"/budgets/people/{person.pk}/plans/1/").content.decode()
    assert "NHS £6,000 · Social care £4,000 · Education £2,000" in page
