"""The Commissioning together pages: every figure from the ledger, CSV exports, who decides
each primary care function, recording a decision from the page."""

from __future__ import annotations

import datetime as dt

import pytest

from commissioning import clock
from commissioning.collaboration import pooled, services
from commissioning.collaboration.models import PrimaryCareDecision
from commissioning.ledger.models import Account
from commissioning.organisations.models import Membership, Organisation, User
from tests.integration.collaboration.conftest import AGREEMENT, fund

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, bcf):
    icb, _ = bcf.pool.partners.all()
    pooled.contribute(icb, 6_000_000, "c-icb", bcf.people["XC001"], dt.date(2025, 4, 1))
    care, _ = bcf.pool.schemes.all()
    pooled.record_spend(care, 1_234_567, "s-1", "Placements", bcf.people["XL001"],
                        dt.date(2025, 6, 30))  # fmt: skip
    client.force_login(bcf.people["XC001"])
    return client, bcf


def test_the_pool_page_shows_the_ledger_figures_and_exports_them(signed_in):
    client, bcf = signed_in
    page = client.get("/together/").content.decode()
    assert "Better Care Fund 2025/26" in page and "£47,654.33" in page  # 60,000 - 12,345.67
    page = client.get(f"/together/pools/{bcf.pool.pk}/").content.decode()
    assert "£60,000" in page and "£12,345.67" in page and "£40,000" in page  # due: council
    assert "Covered from other schemes&#x27; underspends" in page
    assert "Q1 (April to June)" in page
    report = client.get(f"/together/pools/{bcf.pool.pk}/report.csv").content.decode()
    rows = [r.split(",") for r in report.replace("\r", "").splitlines()]
    # Q1: £60,000 in, £12,345.67 out of intermediate care; the year row totals the quarters.
    assert rows[1][:6] == [
        "Q1 (April to June)",
        "2025-04-01",
        "2025-06-30",
        "6000000",
        "1234567",
        "0",
    ]
    assert rows[-1][0] == "Year" and rows[-1][3] == "6000000" and rows[-1][-1] == "4765433"
    csv = client.get(f"/together/pools/{bcf.pool.pk}/figures.csv").content.decode()
    assert "scheme,Intermediate care,XC001,6000000,1234567,4765433" in csv.replace("\r", "")


def test_who_decides_and_a_decision_recorded_from_the_page(client, bcf):
    nhse = Organisation.objects.create(code="Y56", name="NHS England London",
                                       org_type="nhse_region")  # fmt: skip
    boss = User.objects.create(username="nhse-commissioner")
    Membership.objects.create(user=boss, organisation=nhse, role="commissioner")
    icb_commissioner = User.objects.create(username="icb-commissioner")
    Membership.objects.create(user=icb_commissioner, organisation=bcf.icb, role="commissioner")
    arrangement = services.record_arrangement(services.ArrangementInput(
        bcf.icb.pk, nhse.pk, 2026, "delegated", [f.value for f in services.Function
                                                 if f.value != "gp_performance_management"]),
        boss)  # fmt: skip
    client.force_login(icb_commissioner)
    url = f"/together/primary-care/{arrangement.pk}/"
    page = client.get(url).content.decode()
    assert "Delegated commissioning" in page and "Record a decision" in page
    refused = client.post(url, {"function": "gp_performance_management", "subject": "A GP",
                                "decision": "Suspend"})  # fmt: skip
    assert refused.status_code == 403  # NHS England's, under every model
    done = client.post(url, {"function": "practice_mergers", "subject": "Merger of A and B",
                             "decision": "Approved"}, follow=True)  # fmt: skip
    assert "The decision is recorded." in done.content.decode()
    assert PrimaryCareDecision.objects.get().decided_as == "commissioner"


def test_people_outside_commissioning_cannot_see_the_pages(client, bcf):
    holder = User.objects.create(username="holder")
    Membership.objects.create(user=holder, organisation=bcf.icb, role="budget_holder")
    client.force_login(holder)
    assert client.get("/together/").status_code == 403
    assert client.get(f"/together/pools/{bcf.pool.pk}/figures.csv").status_code == 403


def test_the_host_records_spending_settles_and_the_partner_pays_its_share(client, bcf):
    pool = bcf.pool
    fund(bcf, overdraft=True)
    care, adaptations = pool.schemes.all()
    pooled.record_spend(
        adaptations, 4_000_000, "s-a", "Adaptations", bcf.people["XL001"], dt.date(2025, 6, 1)
    )
    client.force_login(bcf.people["XL001"])  # the council hosts the pool
    url = f"/together/pools/{pool.pk}/"
    page = client.get(url).content.decode()
    assert "Record spending from the pool" in page
    bad = client.post(
        url + "spending/",
        {
            "scheme": care.pk,
            "amount": "x",
            "value_date": "2025-05-01",
            "description": "Beds",
            "key": "w1",
        },
    )
    assert "Enter an amount in pounds" in bad.content.decode()
    done = client.post(url + "spending/", {"scheme": care.pk, "amount": "61,000",
                             "value_date": "2025-05-01", "description": "Beds", "key": "w1"},
                       follow=True)  # fmt: skip
    assert "The spending is recorded." in done.content.decode()
    again = client.post(
        url + "spending/",
        {
            "scheme": care.pk,
            "amount": "61,000",
            "value_date": "2025-05-01",
            "description": "Beds",
            "key": "w1",
        },
    )
    assert again.status_code == 302  # the same form sent twice posts once
    assert Account.objects.get(pk=care.spend_account_id).balance_pence == 6_100_000
    client.post(url + "settlement/", follow=True)
    client.force_login(bcf.people["XC001"])
    page = client.get(url).content.decode()
    # £61,000 on a £60,000 scheme, the other exactly on budget: the ICB's scheme, its £1,000.
    assert "owes £1,000 towards the overspend" in page
    done = client.post(url + "settlement/share/", follow=True).content.decode()
    assert "Your share of the overspend is paid into the pool." in done
    assert "owes £1,000" not in done
    assert Account.objects.get(pk=pool.pool_account_id).balance_pence == 0


def test_a_commissioner_records_a_consortium_and_nhs_england_an_arrangement(client, bcf):
    from commissioning.collaboration.models import CoCommissioningArrangement, Consortium

    other = Organisation.objects.create(code="XC002", name="NHS Other ICB", org_type="icb")
    commissioner = User.objects.create(username="icb-commissioner")
    Membership.objects.create(user=commissioner, organisation=bcf.icb, role="commissioner")
    client.force_login(commissioner)
    form = {
        "name": "Stroke consortium",
        "scope": "service",
        "service": "",
        "member_ids": [bcf.icb.pk, other.pk],
        "co_ordinating_id": bcf.icb.pk,
        "decision_rules": "Unanimity",
        "agreement_date": "2026-04-01",
    }
    refused = client.post("/together/consortia/new/", form).content.decode()
    assert "Name the service the consortium commissions" in refused
    assert not Consortium.objects.exists()
    done = client.post("/together/consortia/new/", {**form, "service": "Stroke"}, follow=True)
    assert "The consortium is recorded." in done.content.decode()
    assert set(Consortium.objects.get().members.values_list("code", flat=True)) == {
        "XC001",
        "XC002",
    }
    assert client.get("/together/primary-care/new/").status_code == 403  # NHS England's

    nhse = Organisation.objects.create(
        code="Y56", name="NHS England London", org_type="nhse_region"
    )
    boss = User.objects.create(username="nhse-boss")
    Membership.objects.create(user=boss, organisation=nhse, role="commissioner")
    client.force_login(boss)
    cherry = {
        "commissioner_id": other.pk,
        "year_start": 2026,
        "model": "delegated",
        "functions": ["practice_mergers"],
    }
    page = client.post("/together/primary-care/new/", cherry).content.decode()
    assert "no cherry-picking" in page
    joint = {
        "commissioner_id": other.pk,
        "year_start": 2026,
        "model": "joint",
        "functions": ["practice_mergers", "new_practices"],
        "joint_committee": [boss.pk, commissioner.pk],
    }
    done = client.post("/together/primary-care/new/", joint, follow=True)
    assert "The arrangement is recorded." in done.content.decode()
    a = CoCommissioningArrangement.objects.get()
    assert (a.model, a.nhs_england_id, a.joint_committee.count()) == ("joint", nhse.pk, 2)


def test_the_hosts_finance_lead_records_a_pooled_budget(client, bcf):
    from commissioning.collaboration.models import PooledBudget

    client.force_login(bcf.people["XL001"])
    form = {
        "code": "S75-2026-XL001",
        "name": "Learning disability pool 2026/27",
        "kind": "section_75",
        "start_date": "2026-04-01",
        "end_date": "2027-03-31",
        "review_date": "2026-10-01",
        **AGREEMENT,
        "fund_manager_id": bcf.people["XL001"].pk,
        "overdraft": "",
        "risk_pool": "10,000",
        "overspend_bearer": "pro_rata",
        "underspend": "retain",
        "partner_1": bcf.council.pk,
        "partner_1_account": "XL001-BCF",
        "partner_1_amount": "400,000",
        "partner_2": bcf.icb.pk,
        "partner_2_account": "XL001-BCF",  # not the ICB's budget
        "partner_2_amount": "600,000",
        "scheme_1": "Supported living",
        "scheme_1_lead": bcf.council.pk,
        "scheme_1_budget": "1,000,000",
    }
    page = client.post("/together/pools/new/", form).content.decode()
    assert "Choose a budget of this partner" in page
    assert PooledBudget.objects.count() == 1  # the fixture's; nothing half-saved
    done = client.post(
        "/together/pools/new/", {**form, "partner_2_account": "XC001-BCF"}, follow=True
    )
    assert "The pooled budget is recorded." in done.content.decode()
    pool = PooledBudget.objects.get(name="Learning disability pool 2026/27")
    assert pool.risk_policy["overspend_bearer"] == "pro_rata"
    assert pool.risk_pool_account.code == "S75-2026-XL001-RISK"
    assert sorted(pool.partners.values_list("contribution_pence", flat=True)) == [
        40_000_000,
        60_000_000,
    ]


def test_the_year_is_offered_for_settlement_only_once_it_has_ended(client, bcf):
    host = bcf.people["XL001"]
    client.force_login(host)
    url = f"/together/pools/{bcf.pool.pk}/"
    with clock.recorded_as(dt.datetime(2026, 3, 31, 12)):
        page = client.get(url).content.decode()
    assert "The year can be settled once it has ended, after 31 March 2026." in page
    assert "Settle 2025/26 by the risk share" not in page
    with clock.recorded_as(dt.datetime(2026, 4, 1, 12)):
        page = client.get(url).content.decode()
    assert "Settle 2025/26 by the risk share" in page
    assert "can be settled once it has ended" not in page
