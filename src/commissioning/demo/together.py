"""The demo's commissioning together: a consortium of the home ICB and its neighbour, the
home ICB's delegated primary care co-commissioning with a decision taken under it, and a
Better Care Fund pool with the home ICB and a synthetic county council, a year of
contributions and spending, settled at year end, and this year's pool part-way through, with
commitments and a forecast. Built through the services; run again, it
changes nothing."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from commissioning import clock
from commissioning.collaboration import pooled, services
from commissioning.collaboration.models import PooledBudget
from commissioning.collaboration.rules.cocommissioning import SHAREABLE
from commissioning.collaboration.rules.risk_share import Bearer, Policy
from commissioning.ledger import services as ledger
from commissioning.ledger.models import Account
from commissioning.ledger.rules import Entry, Leg
from commissioning.organisations.models import Organisation, User
from commissioning.organisations.permissions import SYSTEM
from commissioning.organisations.services import OrganisationData, upsert_organisation_unchecked
from commissioning.organisations.vocabulary import OrganisationType, Role
from commissioning.specialised import services as specialised
from commissioning.specialised.models import LineBudget

POOL_CODE = "BCF-2025-XL001"
SCHEMES = [  # name, lead ("icb" or "council"), budget in pounds, monthly spend in pounds
    ("Intermediate care and reablement", "icb", 3_600_000, 318_000),
    ("Disabled facilities grant: home adaptations", "council", 1_200_000, 91_500),
    ("Carers' breaks and support", "council", 600_000, 50_000),
]


AGREEMENT = dict(
    aims_and_outcomes="Fewer emergency admissions of people over 65; people home from hospital "
    "sooner; more people still at home 91 days after reablement",
    functions_covered="NHS: community health services; council: adult social care and the "
    "disabled facilities grant",
    people_and_services="Adults at risk of admission or delayed discharge, and carers",
    resources_provided="The council hosts the pool and its accounts; the ICB seconds two "
    "discharge co-ordinators",
    management_and_monitoring="Monthly to a joint management group; quarterly and annually to "
    "the Health and Wellbeing Board",
    variation_and_termination="Contributions varied by agreement of both partners; six months' "
    "notice to end",
)


def _bcf(year: int, home, council, council_finance) -> pooled.PoolInput:
    """The demo's Better Care Fund agreement for a financial year (the same each year)."""
    leads = {"icb": home, "council": council}
    return pooled.PoolInput(
        code=f"BCF-{year}-XL001",
        name=f"Better Care Fund {year}/{(year + 1) % 100:02d}",
        kind="bcf",
        host_id=council.pk,
        fund_manager_id=council_finance.pk,
        **AGREEMENT,
        start_date=dt.date(year, 4, 1),
        end_date=dt.date(year + 1, 3, 31),
        review_dates=[dt.date(year, 10, 1)],
        partners=[
            pooled.PartnerInput(home.pk, 3_300_000_00, f"{home.code}-BCF"),
            pooled.PartnerInput(council.pk, 2_100_000_00, "XL001-BCF"),
        ],
        schemes=[
            pooled.SchemeInput(n, leads[lead].pk, budget * 100) for n, lead, budget, _ in SCHEMES
        ],
        policy=Policy(risk_pool_pence=50_000_00, overspend_bearer=Bearer.OWN),
        overdraft_pence=200_000_00,
    )


def _org(code, name, org_type) -> Organisation:
    data = OrganisationData(
        code=code, name=name, org_type=OrganisationType(org_type), is_synthetic=True
    )
    with transaction.atomic():  # the service records the change in the audit trail
        return upsert_organisation_unchecked(data, SYSTEM).organisation


def load_demo_together(home: Organisation, person) -> list[str]:
    """``person(username, last_name, org, role)`` makes (or finds) a demo account."""
    if PooledBudget.objects.filter(pool_account__code=POOL_CODE).exists():
        return []
    system = SYSTEM
    council = _org("XL001", "Synthetic County Council", "local_authority")
    nhse = _org("XR001", "NHS England (synthetic region)", "nhse_region")
    neighbour = (
        Organisation.objects.filter(org_type="icb", is_synthetic=True)
        .exclude(pk=home.pk)
        .order_by("code")
        .first()
    )
    commissioner = User.objects.get(username="commissioner")
    icb_finance = User.objects.get(username="finance-lead")
    council_finance = person("council-finance", "Council finance lead", council, Role.FINANCE_LEAD)
    nhse_lead = person("nhse-commissioner", "NHS England commissioner", nhse, Role.COMMISSIONER)
    built = []
    with transaction.atomic():
        if neighbour is not None:
            services.form_consortium(
                services.ConsortiumInput(
                    name="Elective orthopaedics consortium",
                    scope="service",
                    co_ordinating_id=home.pk,
                    member_ids=[home.pk, neighbour.pk],
                    decision_rules="Unanimity on the service model; otherwise a majority weighted "
                    "by population, the co-ordinating commissioner signing as agent",
                    agreement_date=dt.date(2026, 4, 1),
                    service="Elective orthopaedics",
                ),
                commissioner,
            )
            built.append("a consortium")
        arrangement = services.record_arrangement(
            services.ArrangementInput(
                home.pk, nhse.pk, 2026, "delegated", [f.value for f in SHAREABLE]
            ),
            nhse_lead,
        )
        services.decide(
            arrangement,
            services.DecisionInput(
                "practice_mergers",
                "Merger of two synthetic practices into one partnership",
                "Approved from 1 October 2026, with the list of both practices kept open",
            ),
            commissioner,
        )
        built.append("delegated primary care co-commissioning with a decision")
        for org in (home, council):
            fund = f"{org.code}-ALLOCATION"
            if not Account.objects.filter(code=fund).exists():
                ledger.open_account(
                    ledger.AccountInput(fund, "Allocation", "funding", org.pk), system
                )
                ledger.open_account(
                    ledger.AccountInput(
                        f"{org.code}-BCF", "Better Care Fund budget", "budget", org.pk
                    ),
                    system,
                )
                ledger.post(
                    Entry(
                        f"demo-allocation-{org.code}",
                        "BCF allocation 2025/26",
                        (Leg(fund, -5_000_000_00), Leg(f"{org.code}-BCF", 5_000_000_00)),
                    ),
                    system,
                    value_date=dt.date(2025, 4, 1),
                )
        pool = pooled.create_pool(_bcf(2025, home, council, council_finance), council_finance)
        partners = {p.organisation_id: p for p in pool.partners.all()}
        pooled.contribute(
            partners[home.pk], 3_300_000_00, "demo-bcf-icb", icb_finance, dt.date(2025, 4, 1)
        )
        pooled.contribute(
            partners[council.pk],
            2_100_000_00,
            "demo-bcf-council",
            council_finance,
            dt.date(2025, 4, 1),
        )
        ledger.post(
            Entry(
                "demo-bcf-risk",
                "Risk pool for 2025/26",
                (Leg("XL001-BCF", -50_000_00), Leg(f"{POOL_CODE}-RISK", 50_000_00)),
            ),
            council_finance,
            value_date=dt.date(2025, 4, 1),
        )
        for scheme, (_, _, _, monthly) in zip(pool.schemes.all(), SCHEMES, strict=True):
            for m in range(12):
                month = dt.date(2025 + (3 + m) // 12, (3 + m) % 12 + 1, 28)
                pooled.record_spend(
                    scheme,
                    monthly * 100,
                    f"demo-bcf-{scheme.pk}-{m}",
                    f"Spending in {month:%B %Y}",
                    council_finance,
                    month,
                )
        if clock.today() > dt.date(2026, 3, 31):
            settlement = pooled.settle_year(pool, 2025, council_finance)
            pooled.pay_share(settlement, partners[home.pk], icb_finance)
            built.append("a Better Care Fund pool, a year of spending, settled")
        else:
            built.append("a Better Care Fund pool and a year of spending")
        if _this_years_pool(home, council, icb_finance, council_finance):
            built.append("this year's Better Care Fund with commitments and a forecast")
    return built


# This year's schemes: monthly spend in pounds from April, and how much more each month from
# July (intermediate care under winter pressure early).
THIS_YEAR = [(318_000, 12_000), (85_000, 0), (50_000, 0)]


def _this_years_pool(home, council, icb_finance, council_finance) -> bool:
    """The current financial year's Better Care Fund, part-way through: the months complete
    so far spent, intermediate care climbing, commitments on two schemes, so that the pool
    page forecasts an overspend and shows how the agreement would meet it."""
    today = clock.today()
    year = today.year if today.month >= 4 else today.year - 1
    if year <= 2025:
        return False  # the 2025/26 pool above is the current one
    code = f"BCF-{year}-XL001"
    for org in (home, council):
        ledger.post(
            Entry(
                f"demo-allocation-{org.code}-{year}",
                f"BCF allocation {year}/{(year + 1) % 100:02d}",
                (
                    Leg(f"{org.code}-ALLOCATION", -5_000_000_00),
                    Leg(f"{org.code}-BCF", 5_000_000_00),
                ),
            ),
            SYSTEM,
            value_date=dt.date(year, 4, 1),
        )
    pool = pooled.create_pool(_bcf(year, home, council, council_finance), council_finance)
    partners = {p.organisation_id: p for p in pool.partners.all()}
    for org, pence, who in (
        (home, 3_300_000_00, icb_finance),
        (council, 2_100_000_00, council_finance),
    ):
        pooled.contribute(
            partners[org.pk], pence, f"demo-bcf-{year}-{org.code}", who, dt.date(year, 4, 1)
        )
    ledger.post(
        Entry(
            f"demo-bcf-{year}-risk",
            f"Risk pool for {year}/{(year + 1) % 100:02d}",
            (Leg("XL001-BCF", -50_000_00), Leg(f"{code}-RISK", 50_000_00)),
        ),
        council_finance,
        value_date=dt.date(year, 4, 1),
    )
    care, adaptations, carers = pool.schemes.all()
    made = dt.date(year, 6, 1) if dt.date(year, 6, 1) <= today else today
    stairlifts = pooled.commit(
        pooled.CommitmentInput(
            adaptations.pk,
            f"DFG-{year}-014",
            "Synthetic Stairlifts Ltd",
            "Stairlifts and ramps framework call-off",
            400_000_00,
            made,
            f"demo-commit-{year}-dfg",
        ),
        council_finance,
    )
    if dt.date(year, 10, 1) <= today:
        pooled.commit(
            pooled.CommitmentInput(
                care.pk,
                f"IC-{year}-007",
                "Synthetic Care Homes Ltd",
                "Winter step-down beds, November to March",
                900_000_00,
                dt.date(year, 10, 1),
                f"demo-commit-{year}-winter",
            ),
            council_finance,
        )
    for m in range(12):
        month = dt.date(year + (3 + m) // 12, (3 + m) % 12 + 1, 28)
        if month >= today:
            break
        for scheme, (monthly, rise) in zip((care, adaptations, carers), THIS_YEAR, strict=True):
            pence = (monthly + rise * max(0, m - 2)) * 100
            against = scheme == adaptations and m >= 3 and pooled.outstanding(stairlifts) >= pence
            pooled.record_spend(
                scheme,
                pence,
                f"demo-bcf-{year}-{scheme.pk}-{m}",
                f"Spending in {month:%B %Y}",
                council_finance,
                month,
                commitment=stairlifts if against else None,
            )
    f = pooled.forecast(pool, year)
    if f is not None and f.settlement.total_overspend:
        # The fund manager's action plan, waiting for the ICB's decision (the council agrees).
        cut = min(150_000_00, f.schemes[0].uncommitted_pence)
        plan = pooled.propose_action_plan(
            pool,
            pooled.ActionPlanInput(
                "Do not open the spring step-down beds that are not yet contracted; review "
                "every reablement package over six weeks; report weekly to the joint "
                "management group until the forecast is back within budget.",
                {care.pk: cut} if cut else {},
            ),
            council_finance,
        )
        pooled.decide_action_plan(plan, partners[council.pk], True, "", council_finance)
    return True


SPECIALISED = {  # line: (annual budget in £, monthly spend in £ from April, drift per month)
    "ACC": (48_000_000, 3_840_000, 150_000),  # adult critical care: climbing from August
    "CHEMO": (36_000_000, 2_880_000, 0),
    "RENAL": (30_000_000, 2_400_000, 0),
    "NICU": (18_000_000, 1_440_000, 0),
    "SECURE": (42_000_000, 3_360_000, 0),
    "CARDSURG": (24_000_000, 1_920_000, 0),
}


def load_demo_specialised(person) -> str:
    """NHS England's specialised service line budgets for 2026/27 and their spend from April
    to October 2026, adult critical care climbing from August (an SPC alert)."""
    import numpy as np

    nhse = _org("XR001", "NHS England (synthetic region)", "nhse_region")
    if LineBudget.objects.filter(commissioner=nhse).exists():
        return "already there"
    finance = person("nhse-finance", "NHS England finance lead", nhse, Role.FINANCE_LEAD)
    rng = np.random.default_rng(7)
    with transaction.atomic():
        for line, (budget, monthly, drift) in SPECIALISED.items():
            b = specialised.set_budget(
                specialised.BudgetInput(nhse.pk, line, 2026, budget * 100), finance
            )
            for m in range(7):  # April to October 2026
                climb = drift * max(0, m - 3)
                spend = int(monthly + climb + rng.normal(0, monthly * 0.015))
                specialised.record_month(
                    b, dt.date(2026, 4 + m, 1), spend * 100, int(spend / 2_000), finance
                )
    return f"{len(SPECIALISED)} specialised service lines, April to October 2026"
