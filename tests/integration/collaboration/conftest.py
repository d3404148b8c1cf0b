"""Shared set-up: a Better Care Fund pool between an ICB and a council."""

from __future__ import annotations

import datetime as dt

import pytest

from commissioning.collaboration import pooled
from commissioning.collaboration.rules.risk_share import Policy
from commissioning.ledger import services as ledger
from commissioning.ledger.models import Account
from commissioning.ledger.rules import Entry, Leg
from commissioning.organisations.models import Membership, Organisation, User

AGREEMENT = dict(
    aims_and_outcomes="Fewer emergency admissions of older people; timely discharge",
    functions_covered="NHS: community health services; council: adult social care",
    people_and_services="Adults over 65 at risk of admission; reablement and home adaptations",
    resources_provided="The council hosts the pool; the ICB seconds two discharge nurses",
    management_and_monitoring="Monthly reports to a joint management group; quarterly and "
    "annual reports to the Health and Wellbeing Board",
    variation_and_termination="Contributions varied by agreement of both partners; six months' "
    "notice to end",
)


@pytest.fixture
def bcf(db):
    icb = Organisation.objects.create(code="XC001", name="NHS Test ICB", org_type="icb")
    council = Organisation.objects.create(
        code="XL001", name="Test Council", org_type="local_authority"
    )
    people = {}
    for org in (icb, council):
        user = User.objects.create(username=f"finance-{org.code.lower()}")
        Membership.objects.create(user=user, organisation=org, role="finance_lead")
        people[org.code] = user
        budget = ledger.open_account(
            ledger.AccountInput(f"{org.code}-BCF", "BCF budget", "budget", org.pk), user
        )
        ledger.open_account(
            ledger.AccountInput(f"{org.code}-FUND", "Allocation", "funding", org.pk), user
        )
        ledger.post(
            Entry(
                f"alloc-{org.code}",
                "Allocation",
                (Leg(f"{org.code}-FUND", -(10**8)), Leg(budget.code, 10**8)),
            ),
            user,
        )
    cmd = pooled.PoolInput(
        code="BCF-2025-XL001",
        name="Better Care Fund 2025/26",
        kind="bcf",
        host_id=council.pk,
        fund_manager_id=people["XL001"].pk,
        start_date=dt.date(2025, 4, 1),
        end_date=dt.date(2026, 3, 31),
        review_dates=[dt.date(2025, 10, 1)],
        partners=[
            pooled.PartnerInput(icb.pk, 6_000_000, "XC001-BCF"),
            pooled.PartnerInput(council.pk, 4_000_000, "XL001-BCF"),
        ],
        schemes=[
            pooled.SchemeInput("Intermediate care", icb.pk, 6_000_000),
            pooled.SchemeInput("Home adaptations", council.pk, 4_000_000),
        ],
        policy=Policy(risk_pool_pence=0),
        **AGREEMENT,
    )
    pool = pooled.create_pool(cmd, people["XL001"])
    return type("BCF", (), {"pool": pool, "icb": icb, "council": council, "people": people})


def fund(bcf, overdraft: bool = False):
    """Both partners pay in their whole contribution on 1 April 2025 (the ICB 6,000,000, the
    council 4,000,000); with ``overdraft``, the host first agrees an overdraft of 1,000,000 on
    the pool until year end. Returns the pool's partners, ICB first."""
    pool = bcf.pool
    if overdraft:
        Account.objects.filter(pk=pool.pool_account_id).update(floor_pence=-1_000_000)
    icb, council = pool.partners.all()
    pooled.contribute(icb, 6_000_000, "c-icb", bcf.people["XC001"], dt.date(2025, 4, 1))
    pooled.contribute(council, 4_000_000, "c-la", bcf.people["XL001"], dt.date(2025, 4, 1))
    return icb, council
