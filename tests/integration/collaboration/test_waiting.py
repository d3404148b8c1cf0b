"""What commissioning together puts in each person's work queue (``collaboration.waiting``): an
action plan to decide or waited for, the year to settle and a share of an overspend to pay; each
item's link answers that person, and people with no step to take see nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commissioning import clock
from commissioning.collaboration import pooled
from commissioning.collaboration.waiting import waiting_for
from commissioning.organisations.models import Membership, User
from commissioning.ui.worklist import Item
from tests.worklist import follow

from .conftest import fund
from .test_commitments import NOVEMBER, year  # noqa: F401

pytestmark = pytest.mark.django_db
AFTER_THE_YEAR = dt.datetime(2026, 4, 10, 12)


def _url(bcf):
    return f"/together/pools/{bcf.pool.pk}/"


def _followed(client, user, items):
    client.force_login(user)
    for item in items:
        follow(client, item)


@pytest.fixture
def others(bcf):
    """A commissioner at the ICB (sees the pool, keeps no books), an administrator there (who may
    keep the books, but is not given the finance lead's work), a finance lead elsewhere and a
    person with no role."""
    from commissioning.organisations.models import Organisation

    elsewhere = Organisation.objects.create(code="XC009", name="NHS Far ICB", org_type="icb")
    people = []
    made = (
        ("icb-commissioner", bcf.icb, "commissioner"),
        ("icb-administrator", bcf.icb, "administrator"),
        ("far-finance", elsewhere, "finance_lead"),
        ("nobody", None, None),
    )
    for name, org, role in made:
        user = User.objects.create(username=name)
        if org:
            Membership.objects.create(user=user, organisation=org, role=role)
        people.append(user)
    return people


def test_an_action_plan_waits_for_each_partner_and_the_manager_waits_for_them(
    client,
    bcf,
    year,  # noqa: F811
    others,
):
    manager, icb_lead = bcf.people["XL001"], bcf.people["XC001"]
    icb, council = bcf.pool.partners.all()
    with clock.recorded_as(NOVEMBER):
        assert waiting_for(manager) == [] and waiting_for(icb_lead) == []
        plan = pooled.propose_action_plan(
            bcf.pool, pooled.ActionPlanInput("Stop the spring step-down beds", {}), manager
        )
        decide = "Decide on the action plan for Better Care Fund 2025/26"
        proposed = "proposed on 15 November 2025 for a forecast overspend of £12,000"
        decide_url = reverse("together-decide-plan", args=[bcf.pool.pk, plan.pk])
        act = "Record the decision"
        assert waiting_for(icb_lead) == [
            Item(decide, decide_url, f"For NHS Test ICB: {proposed}", action=act)
        ]
        # The manager keeps the council's budget: the council's decision is theirs to take.
        assert waiting_for(manager) == [
            Item(decide, decide_url, f"For Test Council: {proposed}", action=act)
        ]
        for user in others:
            assert waiting_for(user) == [], user.username
        _followed(client, icb_lead, waiting_for(icb_lead))
        _followed(client, manager, waiting_for(manager))

        pooled.decide_action_plan(plan, council, True, "", manager)
        (waited,) = waiting_for(manager)
        assert (waited.title, waited.url, waited.waiting_on) == (
            "Your action plan for Better Care Fund 2025/26", _url(bcf), "NHS Test ICB"
        )  # fmt: skip
        assert waited.detail == "P" + proposed[1:]
        _followed(client, manager, [waited])
        assert [i.title for i in waiting_for(icb_lead)] == [decide]

        pooled.decide_action_plan(plan, icb, True, "", icb_lead)
        assert waiting_for(manager) == [] and waiting_for(icb_lead) == []


def test_the_year_is_settled_by_the_host_and_a_share_paid_by_the_partner(client, bcf, others):
    manager, icb_lead = bcf.people["XL001"], bcf.people["XC001"]
    icb, _ = fund(bcf, overdraft=True)
    care, adaptations = bcf.pool.schemes.all()
    pooled.record_spend(care, 6_700_000, "s-1", "Placements", manager, dt.date(2025, 9, 30))
    pooled.record_spend(adaptations, 3_900_000, "s-2", "Adaptations", manager,
                        dt.date(2025, 9, 30))  # fmt: skip
    with clock.recorded_as(dt.datetime(2026, 3, 31, 12)):  # the year has not ended
        assert waiting_for(manager) == []
    with clock.recorded_as(AFTER_THE_YEAR):
        settle = Item(
            "Settle the year for Better Care Fund 2025/26",
            _url(bcf),
            "The 2025/26 year ended on 31 March 2026: apply the agreement's risk share",
            action="by the risk share",
        )
        assert waiting_for(manager) == [settle]
        assert waiting_for(icb_lead) == []  # the host settles, not the partner
        _followed(client, manager, [settle])
        settlement = pooled.settle_year(bcf.pool, 2025, manager)
        assert waiting_for(manager) == []  # the council owes nothing
        share = Item(
            "Pay NHS Test ICB's share of the Better Care Fund 2025/26 overspend",
            _url(bcf),
            "£6,000 under the year-end settlement of 2025/26",
            action="Pay £6,000 into the pool",
        )
        assert waiting_for(icb_lead) == [share]
        _followed(client, icb_lead, [share])
        for user in others:
            assert waiting_for(user) == [], user.username
        pooled.pay_share(settlement, icb, icb_lead)
        assert waiting_for(icb_lead) == []


def test_people_with_no_step_to_take_cost_a_query_or_two(bcf, others):
    commissioner, administrator, far_finance, nobody = others
    for user, most in ((nobody, 1), (commissioner, 2), (administrator, 2), (far_finance, 3)):
        with CaptureQueriesContext(connection) as queries:
            assert waiting_for(user) == []
        assert len(queries) <= most, user.username
