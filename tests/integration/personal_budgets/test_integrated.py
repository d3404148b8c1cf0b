"""Integrated personal commissioning: an integrated budget blends NHS, social care and
education funding through a pooled budget; the money moves from the pooled fund to the
person's budget on the ledger when the plan is agreed, as spending of the pool's scheme the
plan is charged to (in the pool's reports and its year-end settlement)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError

from commissioning import clock
from commissioning.collaboration import pooled
from commissioning.ledger.models import Account
from commissioning.ledger.verify import verify_ledger
from commissioning.organisations.models import Membership, User
from commissioning.personal_budgets import services as phb
from tests.integration.collaboration.conftest import bcf  # noqa: F401

from .conftest import plan_input, valid_nhs_number

pytestmark = pytest.mark.django_db


def _funded_pool_and_person(fixture, number: int, name: str, born: dt.date):
    """Both partners pay their contributions in; a care coordinator of the ICB records a
    person on the long-term conditions basis."""
    icb_partner, council_partner = fixture.pool.partners.all()
    pooled.contribute(icb_partner, 6_000_000, "c-icb", fixture.people["XC001"], dt.date(2025, 4, 1))
    pooled.contribute(
        council_partner, 4_000_000, "c-la", fixture.people["XL001"], dt.date(2025, 4, 1)
    )
    coord = User.objects.create_user(username="coord", password="x")
    Membership.objects.create(user=coord, organisation=fixture.icb, role="care_coordinator")
    person = phb.record_person(
        phb.PersonInput(fixture.icb.pk, valid_nhs_number(number), name, born, "ltc"), coord
    )
    return coord, person


def test_integrated_budget_through_a_pooled_budget(bcf, client):  # noqa: F811
    pool = bcf.pool
    _, adaptations = pool.schemes.all()
    coord, person = _funded_pool_and_person(bcf, 700800900, "Young person", dt.date(2009, 5, 1))
    before = Account.objects.get(pk=pool.pool_account_id).balance_pence
    with pytest.raises(ValidationError) as exc:
        phb.draft_plan(
            person,
            plan_input(
                mode="notional",
                scheme_id=adaptations.pk,
                funding={"nhs": 600_000, "social_care": 400_000},
            ),
            coord,
        )
    assert "add up to the budget" in exc.value.message_dict["funding"][0]
    with pytest.raises(ValidationError) as exc:
        phb.draft_plan(person, plan_input(mode="notional", funding={"nhs": 1_200_000}), coord)
    assert "pooled budget" in exc.value.message_dict["scheme_id"][0]
    with pytest.raises(ValidationError) as exc:
        phb.draft_plan(
            person, plan_input(mode="notional", scheme_id=10**6, funding={"nhs": 1_200_000}), coord
        )
    assert "schemes" in exc.value.message_dict["scheme_id"][0]
    funding = {"nhs": 600_000, "social_care": 400_000, "education": 200_000}
    plan = phb.draft_plan(
        person, plan_input(mode="notional", scheme_id=adaptations.pk, funding=funding), coord
    )
    phb.agree_plan(plan, phb.AgreeInput("person"), coord)
    assert Account.objects.get(pk=pool.pool_account_id).balance_pence == before - 1_200_000
    assert Account.objects.get(pk=person.budget_account_id).balance_pence == 1_200_000
    assert phb.programme_counts(bcf.icb).integrated == 1
    assert plan.funding_lines == [
        ("NHS", 600_000),
        ("Social care", 400_000),
        ("Education", 200_000),
    ]
    assert verify_ledger().ok
    client.force_login(coord)
    page = client.get(f"/budgets/people/{person.pk}/plans/1/").content.decode()
    assert "NHS £6,000 · Social care £4,000 · Education £2,000" in page
    assert "charged to its scheme Home adaptations" in page
    assert plan.pool_id == pool.pk
    api = client.get(f"/api/v1/budgets/people/{person.pk}/plans/1").json()
    assert (api["pooled_budget"], api["scheme"]) == ("Better Care Fund 2025/26", "Home adaptations")
    assert api["funding"][0] == {"source": "NHS", "pence": 600_000}
    # The plan form offers each pool's schemes; shares without a scheme are refused by name.
    url = f"/budgets/people/{person.pk}/plans/new/"
    blank = client.get(url).content.decode()
    assert "Better Care Fund 2025/26: Home adaptations" in blank
    # The next version starts from this one: still charged to its scheme, with its shares.
    assert re.search(rf'<option value="{adaptations.pk}" selected>', blank)
    assert 'name="funding_education" value="2,000.00"' in blank
    form = {
        "start_date": "2026-10-01",
        "needs": "College",
        "outcomes": "Go to college",
        "risks": "Seizures",
        "contingency": "Family",
        "mode": "notional",
        "amount_pence": "12,000",
        "service_0_name": "Personal assistant",
        "service_0_category": "personal_care",
        "service_0_annual_cost_pence": "12,000",
        "funding_nhs": "7,000",
        "funding_social_care": "5,000",
    }
    refused = client.post(url, form).content.decode()
    assert "choose the scheme it is charged to" in refused
    assert person.plans.count() == 1
    saved = client.post(url, form | {"scheme_id": str(adaptations.pk)})
    assert saved.status_code == 302
    assert person.plans.get(version=2).scheme_id == adaptations.pk


def test_an_integrated_budget_is_spending_of_its_scheme_in_the_reports_and_settlement(
    bcf,  # noqa: F811
    client,
):
    """Before plans were charged to a scheme, the money left the fund unreported: the quarterly
    report's spend did not reconcile with the fund, and a settlement returning underspend
    would have tried to return money the fund no longer held."""
    pool = bcf.pool
    pool.risk_policy = {**pool.risk_policy, "underspend": "return_pro_rata"}
    pool.save()
    care, adaptations = pool.schemes.all()
    host = bcf.people["XL001"]
    coord, person = _funded_pool_and_person(bcf, 700800901, "Young person", dt.date(2009, 5, 1))
    pooled.record_spend(care, 5_000_000, "s-1", "Placements", host, dt.date(2025, 6, 30))
    first = phb.draft_plan(
        person,
        plan_input(
            mode="notional",
            start_date=dt.date(2025, 7, 1),
            scheme_id=adaptations.pk,
            funding={"nhs": 700_000, "social_care": 500_000},
        ),
        coord,
    )
    phb.agree_plan(first, phb.AgreeInput("person", dt.date(2025, 7, 1)), coord)
    # A new plan with a smaller budget: the difference goes back to the pool, charged back.
    second = phb.draft_plan(
        person,
        plan_input(
            amount=1_100_000,
            mode="notional",
            start_date=dt.date(2025, 10, 1),
            scheme_id=adaptations.pk,
            funding={"nhs": 600_000, "social_care": 500_000},
            reduction_reasons="Physiotherapy now from the community team",
        ),
        coord,
    )
    phb.agree_plan(second, phb.AgreeInput("person", dt.date(2025, 10, 1)), coord)

    assert pooled.scheme_spend(adaptations) == 1_100_000
    assert pooled.integrated_budgets(adaptations) == 1_100_000
    client.force_login(host)
    page = client.get(f"/together/pools/{pool.pk}/").content.decode()
    assert "of which integrated personal budgets £11,000" in page
    figures = client.get(f"/together/pools/{pool.pk}/figures.csv").content.decode()
    assert "scheme,Home adaptations,XL001,4000000,1100000,2900000,1100000" in figures
    api = client.get(f"/api/v1/pools/{pool.pk}").json()
    assert api["schemes"][1]["integrated_personal_budgets_pence"] == 1_100_000
    quarters = pooled.report(pool, 2025)
    assert [q.spend_by_scheme["Home adaptations"] for q in quarters] == [0, 1_200_000, -100_000, 0]
    assert [q.spend_by_scheme["Intermediate care"] for q in quarters] == [5_000_000, 0, 0, 0]
    # The report reconciles: what is in the fund is what came in less what was spent.
    for q in quarters:
        assert q.balance_at_end == 10_000_000 - q.spend_to_date

    # Underspends: intermediate care 1,000,000, home adaptations 2,900,000; returned 60:40
    # and the fund is left empty (without counting the integrated budget, 5,000,000 would
    # have been asked of a fund holding 3,900,000).
    settlement = pooled.settle_year(pool, 2025, host)
    spend = {s["name"]: s["spend_pence"] for s in settlement.figures["schemes"]}
    assert spend == {"Intermediate care": 5_000_000, "Home adaptations": 1_100_000}
    returned = {c: p["returned_pence"] for c, p in settlement.figures["partners"].items()}
    assert returned == {"XC001": 2_340_000, "XL001": 1_560_000}
    assert Account.objects.get(pk=pool.pool_account_id).balance_pence == 0
    assert verify_ledger().ok


def test_money_repaid_on_an_integrated_budget_goes_back_to_the_pool_and_its_scheme(bcf):  # noqa: F811
    pool = bcf.pool
    _, adaptations = pool.schemes.all()
    coord, person = _funded_pool_and_person(bcf, 700800902, "Young adult", dt.date(2004, 5, 1))
    plan = phb.draft_plan(
        person,
        plan_input(scheme_id=adaptations.pk, funding={"nhs": 700_000, "social_care": 500_000}),
        coord,
    )
    phb.agree_plan(plan, phb.AgreeInput("person"), coord)
    assert pooled.scheme_spend(adaptations) == 1_200_000
    fund = Account.objects.get(pk=pool.pool_account_id).balance_pence
    notice = phb.issue_repayment_notice(
        person,
        phb.RepaymentInput(
            "substantial_unused_balance",
            "Unspent for six months",
            200_000,
            clock.today() + dt.timedelta(days=28),
            "patient",
        ),
        coord,
    )
    phb.record_repayment(notice, phb.RepaidInput(200_000, clock.today(), "r"), coord)
    assert Account.objects.get(pk=pool.pool_account_id).balance_pence == fund + 200_000
    assert pooled.scheme_spend(adaptations) == 1_000_000
    assert verify_ledger().ok
