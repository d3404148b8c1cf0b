"""Issue 16, findings 1 and 2: ledger reads are scoped to the account's owner (or a pool's
partners); a person's personal budget accounts follow the personal budget policy, with every
read on their access log; money leaves an account only on its owner's authority (or a
service's, for the accounts the service names); and ``ledger verify`` names a transaction
that drew on an account without that authority."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from commissioning.ledger import services as ledger
from commissioning.ledger.models import Account, Transaction
from commissioning.ledger.permissions import OnBehalf
from commissioning.ledger.reading import CITIZEN, posted_by
from commissioning.ledger.rules import Entry, Leg
from commissioning.ledger.verify import verify_ledger
from commissioning.organisations.models import Membership, Organisation, User
from commissioning.personal_budgets.models import Access
from tests.integration.collaboration.conftest import bcf  # noqa: F401
from tests.integration.personal_budgets.conftest import programme  # noqa: F401

pytestmark = pytest.mark.django_db
TOKEN = re.compile(rb'value="[A-Za-z0-9]{64}"|nonce="[A-Za-z0-9+/=]+"')


def _pages(code):
    return [f"/ledger/accounts/{code}/", f"/ledger/accounts/{code}/postings.csv",
            f"/api/v1/ledger/accounts/{code}"]  # fmt: skip


def test_a_persons_budget_accounts_follow_the_personal_budget_policy(client, programme):  # noqa: F811
    p = programme.person
    codes = [p.budget_account.code, p.spend_account.code]
    # The ICB's own finance lead, another coordinator, a provider, the other person's
    # holder: refused, as the personal budget policy refuses them the record.
    for user in (programme.finance, programme.other_coordinator, programme.provider,
                 programme.other_holder, programme.stranger):  # fmt: skip
        client.force_login(user)
        for code in codes:
            for url in _pages(code):
                response = client.get(url)
                assert response.status_code == 403, (user.username, url)
                body = response.content.decode()
                assert "Physiotherapy" not in body and "12,000" not in body
                assert "1200000" not in body and "budget of plan" not in body
        logged = Access.objects.filter(person_id=p.pk, user_id=user.pk, allowed=False)
        assert logged.count() == 6 and set(logged.values_list("what", flat=True)) == {
            "ledger account"}  # fmt: skip
    # The auditor at the commissioner reads it (read only), and it is logged.
    client.force_login(programme.auditor)
    for url in _pages(p.budget_account.code):
        assert client.get(url).status_code == 200, url
    assert Access.objects.filter(person_id=p.pk, user_id=programme.auditor.pk, allowed=True,
                                 what="ledger account").count() == 3  # fmt: skip


def test_walking_account_codes_learns_nothing(client, programme):  # noqa: F811
    client.force_login(programme.finance)
    exists = client.get(f"/ledger/accounts/{programme.person.budget_account.code}/")
    missing = client.get("/ledger/accounts/PHB-999999/")
    assert exists.status_code == missing.status_code == 403
    assert TOKEN.sub(b"", exists.content) == TOKEN.sub(b"", missing.content)
    api = [client.get(f"/api/v1/ledger/accounts/{code}")
           for code in (programme.person.budget_account.code, "PHB-999999")]  # fmt: skip
    assert [r.status_code for r in api] == [403, 403] and api[0].json() == api[1].json()


def test_reads_are_scoped_to_the_owner_or_the_pools_partners(client, bcf):  # noqa: F811
    elsewhere = Organisation.objects.create(code="XC009", name="Elsewhere ICB", org_type="icb")
    outsider = User.objects.create(username="finance-elsewhere")
    Membership.objects.create(user=outsider, organisation=elsewhere, role="finance_lead")
    icb_finance, council_finance = bcf.people["XC001"], bcf.people["XL001"]
    pool, scheme = bcf.pool.pool_account.code, bcf.pool.schemes.first().spend_account.code
    expect = {
        (icb_finance, "XC001-BCF"): 200, (icb_finance, "XL001-BCF"): 403,
        (council_finance, "XL001-BCF"): 200, (council_finance, "XC001-FUND"): 403,
        # The pool is hosted by the council; the ICB is a partner the agreement names.
        (icb_finance, pool): 200, (icb_finance, scheme): 200, (council_finance, pool): 200,
        (outsider, pool): 403, (outsider, "XC001-BCF"): 403, (outsider, scheme): 403,
    }  # fmt: skip
    for (user, code), status in expect.items():
        client.force_login(user)
        for url in _pages(code):
            assert client.get(url).status_code == status, (user.username, url)


def test_a_finance_lead_cannot_take_another_organisations_allocation(client, bcf):  # noqa: F811
    client.force_login(bcf.people["XL001"])  # the council's finance lead
    before = Account.objects.get(code="XC001-FUND").balance_pence
    response = client.post(
        "/api/v1/ledger/transactions",
        {"key": "take-1", "description": "Take the ICB's allocation",
         "legs": [{"account": "XC001-FUND", "pence": -100_000_000},
                  {"account": "XL001-BCF", "pence": 100_000_000}]},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 403
    assert Account.objects.get(code="XC001-FUND").balance_pence == before
    assert not Transaction.objects.filter(key="take-1").exists()
    assert verify_ledger().ok


def test_verify_names_a_draw_that_had_no_authority(bcf, monkeypatch):  # noqa: F811
    """What the probe did (a 201 for money out of another organisation's allocation) with the
    ledger's check switched off: the transaction is recorded, correctly chained, and verify
    names it."""
    from commissioning.ledger import services

    monkeypatch.setattr(services, "_may_draw", lambda actor, account: None)
    monkeypatch.setattr(services, "keeper_organisations", lambda actor: (True, []))
    ledger.post(Entry("take-2", "Take", (Leg("XC001-FUND", -1_000), Leg("XL001-BCF", 1_000))),
                bcf.people["XL001"])  # fmt: skip
    report = verify_ledger()
    assert not report.ok
    assert report.violation == (
        "transaction take-2 drew on XC001-FUND but finance-xl001 was not a finance lead of its "
        "owner on " + str(timezone.localdate(Transaction.objects.get(key="take-2").posted_at))
    )


def test_a_service_draws_only_on_the_accounts_it_names_and_verify_asks_it_again(programme):  # noqa: F811
    p = programme.person
    fund = Account.objects.get(code=f"PHB-FUND-{programme.icb.pk}")
    other_budget = programme.other.budget_account.code
    acting = OnBehalf(programme.holder, "personal_budgets", p.pk, [p.budget_account.code])
    with pytest.raises(PermissionDenied):  # not one of the accounts it named
        ledger.post(Entry("x-1", "Take", (Leg(other_budget, -100), Leg(fund.code, 100))),
                    acting)  # fmt: skip
    # A service that names an account its app does not confirm: posted, and verify names it.
    wrong = OnBehalf(programme.holder, "personal_budgets", p.pk, [other_budget])
    ledger.post(Entry("x-2", "Take", (Leg(other_budget, -100), Leg(fund.code, 100))), wrong)
    assert verify_ledger().violation == (
        f"transaction x-2 drew on {other_budget}, which its service may not draw on for what it "
        "acted for"
    )


def test_who_posted_is_not_told_where_the_reader_is_not_entitled_to_the_person(programme):  # noqa: F811
    fund = Account.objects.get(code=f"PHB-FUND-{programme.icb.pk}")
    holder_tx = SimpleNamespace(pk=1, actor_id=programme.holder.pk, actor_username="holder-a")
    staff_tx = SimpleNamespace(pk=2, actor_id=programme.coordinator.pk, actor_username="coord-a")
    system_tx = SimpleNamespace(pk=3, actor_id=None, actor_username="system")
    assert posted_by(fund, [holder_tx, staff_tx, system_tx]) == {
        1: CITIZEN, 2: "coord-a", 3: "system"}  # fmt: skip
    own = programme.person.budget_account  # read only by those entitled to the record
    assert posted_by(own, [holder_tx]) == {1: "holder-a"}
