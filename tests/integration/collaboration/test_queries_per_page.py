"""No query per row on the Commissioning together page and a pool's page (issue 19): the same
number of queries with more pools, months of spending and commitments (tests/queries.py)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from commissioning import clock
from commissioning.collaboration import pooled
from tests.integration.collaboration.conftest import AGREEMENT, fund
from tests.integration.collaboration.test_commitments import NOVEMBER, _commit
from tests.queries import assert_no_query_per_row


def _spend(bcf, months, tag: str):
    host = bcf.people["XL001"]
    care, adaptations = bcf.pool.schemes.all()
    for month in months:
        day = dt.date(2025, month, 15)
        pooled.record_spend(care, 600_000, f"ic-{tag}-{month}", "Beds", host, day)
        pooled.record_spend(adaptations, 250_000, f"ha-{tag}-{month}", "Adaptations", host, day)
    _commit(care, f"IC-{tag}", 100_000, dt.date(2025, months[0], 1), f"k-{tag}", host)


def test_a_pool(client, bcf):
    with clock.recorded_as(NOVEMBER):
        fund(bcf)
        _spend(bcf, [4], "a")
        client.force_login(bcf.people["XL001"])
        assert_no_query_per_row(
            client,
            reverse("together-pool", args=[bcf.pool.pk]),
            lambda: _spend(bcf, [5, 6, 7], "b"),
        )


def _another_pool(bcf, code: str):
    pool = bcf.pool
    cmd = pooled.PoolInput(
        code=code, name=f"Pool {code}", kind="bcf", host_id=pool.host_id,
        fund_manager_id=pool.fund_manager_id, start_date=pool.start_date,
        end_date=pool.end_date, review_dates=[dt.date(2025, 10, 1)],
        partners=[pooled.PartnerInput(p.organisation_id, p.contribution_pence,
                                      p.account.code) for p in pool.partners.all()],
        schemes=[pooled.SchemeInput(s.name, s.lead.organisation_id, s.budget_pence)
                 for s in pool.schemes.all()],
        policy=pooled.policy_from_json(pool.risk_policy),
        **AGREEMENT,
    )  # fmt: skip
    return pooled.create_pool(cmd, bcf.people["XL001"])


def test_together(client, bcf):
    with clock.recorded_as(NOVEMBER):
        fund(bcf)
        client.force_login(bcf.people["XL001"])
        assert_no_query_per_row(
            client, reverse("together"), lambda: [_another_pool(bcf, f"BCF-X{i}") for i in range(3)]
        )


def test_the_forecasts_of_many_pools_are_each_pools_own(bcf):
    """``pooled.forecasts`` reads every pool at once and gives each the forecast it has alone
    (its own schemes, spending, commitments and agreed cuts, not its neighbours')."""
    with clock.recorded_as(NOVEMBER):
        fund(bcf)
        _spend(bcf, [4, 5], "a")
        other = _another_pool(bcf, "BCF-Y")  # nothing spent from it yet
        year = pooled.pool_year(bcf.pool)
        both = pooled.forecasts([(bcf.pool, year), (other, year)])
        alone = {p.pk: pooled.forecast(p, year) for p in (bcf.pool, other)}
        assert both == alone
        assert both[bcf.pool.pk] != both[other.pk]


def test_money_moved_shows_at_once_though_it_is_not_a_revision(client, bcf):
    """A spend is a ledger posting, not a revision of the audit trail: the pool's page (kept
    until the data change) and the Together page are kept by the pool's postings too
    (``pooled.postings_of``), so the next read shows the new balance."""
    from commissioning.ledger.models import Account

    with clock.recorded_as(NOVEMBER):
        fund(bcf)
        client.force_login(bcf.people["XL001"])
        url = reverse("together-pool", args=[bcf.pool.pk])
        client.get(url)
        balance = Account.objects.get(pk=bcf.pool.pool_account_id).balance_text
        assert balance in client.get(url).content.decode()  # read again from what was kept
        moved = pooled.postings_of([bcf.pool.pk])
        care, _ = bcf.pool.schemes.all()
        pooled.record_spend(care, 600_000, "late", "Beds", bcf.people["XL001"],
                            dt.date(2025, 10, 15))  # fmt: skip
        assert pooled.postings_of([bcf.pool.pk]) > moved  # what the kept pages are keyed by
        now = Account.objects.get(pk=bcf.pool.pool_account_id).balance_text
        page = client.get(url).content.decode()
        assert now != balance and now in page and balance not in page
