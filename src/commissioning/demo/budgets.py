"""The demo's personal health budgets, on the care coordinator's caseload at the home ICB:
a continuing healthcare budget held as a direct payment by the demo budget holder (months of
spending, one purchase outside the plan waiting for review, a review held); a child's
continuing care budget paid to a parent as representative (its first review overdue, a
reconsideration request waiting); a section 117 after-care budget held by an independent
third party; a young person's integrated budget blending NHS, social care and education
money through a Section 75 pool hosted by the demo council. The people are fictional and
their NHS numbers are in the 999 range, which the NHS keeps for testing. Built through the
services; run again, it changes nothing."""

from __future__ import annotations

import contextlib
import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from commissioning import clock
from commissioning.collaboration import pooled
from commissioning.ledger import services as ledger
from commissioning.ledger.rules import Entry, Leg
from commissioning.organisations.models import Organisation, User
from commissioning.organisations.permissions import SYSTEM
from commissioning.organisations.vocabulary import Role
from commissioning.personal_budgets import services as phb
from commissioning.personal_budgets.models import Person
from commissioning.personal_budgets.rules import eligibility, nhs_number
from commissioning.personal_budgets.rules.reviews import add_months


def _number(seed: int) -> str:
    n = seed
    while nhs_number.check_digit(f"{n:09d}") is None:
        n += 1
    return f"{n:09d}{nhs_number.check_digit(f'{n:09d}')}"


def _ratings(**levels) -> dict[str, int]:
    return {d: 0 for d in eligibility.DOMAINS} | levels


def _plan(person, coord, start, amount, services, mode, recipient="", third_party=""):
    plan = phb.draft_plan(
        person,
        phb.PlanInput(
            start_date=start,
            needs="Support at home day and night; help with breathing equipment",
            outcomes="Stay living at home; keep up with friends and the allotment",
            risks="Equipment failure overnight: a spare is kept and the supplier has a 4-hour line",
            contingency="The agency covers when the personal assistant is ill or on leave",
            mode=mode,
            amount_pence=amount,
            services=tuple(phb.ServiceLine(n, c, p, prov) for n, c, p, prov in services),
            recipient=recipient,
            third_party_name=third_party,
            third_party_independent=bool(third_party),
        ),
        coord,
    )
    agreed_by = "representative" if recipient == "representative" else "person"
    return phb.agree_plan(plan, phb.AgreeInput(agreed_by, start), coord)


def load_demo_budgets(home: Organisation, person) -> str:
    """``person(username, last_name, org, role)`` makes (or finds) a demo account."""
    first = _number(999_100_000)
    if Person.objects.filter(nhs_number=first).exists():
        return "already there"
    coord = User.objects.get(username="care-coordinator")
    holder = User.objects.get(username="budget-holder")
    parent = person("family-representative", "Parent (representative)", home, Role.BUDGET_HOLDER)
    today = clock.today()
    start = add_months(today.replace(day=1), -5)

    # 1. Continuing healthcare, a direct payment to the person.
    mary = phb.record_person(
        phb.PersonInput(home.pk, first, "Margaret Example", dt.date(1952, 4, 2), "chc"), coord
    )
    phb.assess(
        mary,
        phb.AssessmentInput(
            start - dt.timedelta(days=20),
            _ratings(breathing=5, mobility=3),
            "eligible",
            "A Priority need in breathing; the team agrees",
        ),
        coord,
    )
    phb.link_sign_in(mary, "holder", holder.username, coord)
    plan = _plan(
        mary,
        coord,
        start,
        1_400_000,
        [
            ("Personal assistant, 15 hours a week", "personal_care", 1_000_000, "Self-employed PA"),
            ("Physiotherapy, fortnightly", "therapy", 250_000, "Community Physio Ltd"),
            ("Respite, two weekends a year", "respite", 120_000, "Seaview Respite"),
        ],
        "direct_payment",
        "patient",
    )
    pa, physio, _ = plan.services.all()
    month = start
    m = 0
    while month <= today:
        day = month.replace(day=min(25, 28))
        if day <= today:
            phb.record_payment(
                mary,
                phb.PaymentInput(
                    f"demo-pa-{m}",
                    83_000,
                    "personal_care",
                    "Self-employed PA",
                    "Personal assistant hours",
                    day,
                    pa.pk,
                ),
                holder,
            )
            phb.record_payment(
                mary,
                phb.PaymentInput(
                    f"demo-physio-{m}",
                    20_000,
                    "therapy",
                    "Community Physio Ltd",
                    "Two physiotherapy sessions",
                    day,
                    physio.pk,
                ),
                holder,
            )
        month = add_months(month, 1)
        m += 1
    phb.record_payment(
        mary,
        phb.PaymentInput(
            "demo-chair",
            8_900,
            "equipment",
            "Mobility Shop",
            "Perching stool for the kitchen",
            start + dt.timedelta(days=40),
        ),
        holder,
    )
    # A purchase the rules refuse: kept on the record for the coordinator to see.
    with contextlib.suppress(ValidationError):
        phb.record_payment(
            mary,
            phb.PaymentInput(
                "demo-refused",
                4_500,
                "gambling",
                "Online bingo",
                "Bingo credits",
                start + dt.timedelta(days=45),
            ),
            holder,
        )
    phb.record_review(
        mary,
        phb.ReviewInput(
            add_months(start, 2) + dt.timedelta(days=20),
            True,
            "The PA arrangement works well; physiotherapy goals half met",
        ),
        coord,
    )

    # 2. Children's continuing care, paid to a parent as representative; review overdue.
    daniel = phb.record_person(
        phb.PersonInput(
            home.pk, _number(999_100_100), "Daniel Example", dt.date(2014, 9, 12), "ccc"
        ),
        coord,
    )
    phb.assess(
        daniel,
        phb.AssessmentInput(
            start - dt.timedelta(days=30),
            _ratings(behaviour=4, cognition=4),
            "eligible",
            "Severe needs in behaviour and cognition",
        ),
        coord,
    )
    phb.link_sign_in(daniel, "representative", parent.username, coord)
    kid_start = add_months(start, -1)
    _plan(
        daniel,
        coord,
        kid_start,
        900_000,
        [
            ("Specialist short breaks", "respite", 600_000, "Short Breaks Service"),
            ("Speech and language therapy", "therapy", 240_000, "Independent SLT"),
        ],
        "direct_payment",
        "representative",
    )
    phb.request_reconsideration(
        daniel,
        phb.ReconsiderationInput(
            "service_left_out",
            "Music therapy helps with his behaviour and was left out of the plan",
        ),
        parent,
    )

    # 3. Section 117 after-care held by an independent third party.
    priya = phb.record_person(
        phb.PersonInput(
            home.pk, _number(999_100_200), "Priya Example", dt.date(1988, 1, 30), "s117"
        ),
        coord,
    )
    _plan(
        priya,
        coord,
        add_months(today.replace(day=1), -1),
        600_000,
        [
            ("Peer support worker", "personal_care", 400_000, "Recovery College"),
            ("Gym membership and travel", "other", 60_000, "Leisure Trust"),
        ],
        "third_party",
        third_party="Independent Living Trust (synthetic)",
    )
    # 4. An integrated personal budget: NHS, social care and education money blended
    # through a Section 75 pooled fund hosted by the council.
    integrated = _integrated_budget(home, coord, today)
    return (
        "4 people on the care coordinator's caseload (a direct payment with "
        f"{mary.payments.count()} payments, one outside the plan; a child's budget paid to a "
        "representative, review overdue; a third-party budget"
        + ("; an integrated budget through a pooled fund)" if integrated else ")")
    )


def _integrated_budget(home: Organisation, coord, today: dt.date) -> bool:
    """A young person's integrated budget, funded through an integrated personal budgets
    pool between the home ICB and the demo council (when the council is in the demo)."""
    council = Organisation.objects.filter(code="XL001").first()
    hosts = User.objects.filter(username="council-finance").first()
    icb_finance = User.objects.filter(username="finance-lead").first()
    if council is None or hosts is None or icb_finance is None:
        return False
    year = today.year if today.month >= 4 else today.year - 1
    with transaction.atomic():
        for org, pence in ((home, 90_000_00), (council, 60_000_00)):
            fund, budget = f"{org.code}-IPB-ALLOCATION", f"{org.code}-IPB"
            ledger.open_account(ledger.AccountInput(fund, "Allocation", "funding", org.pk), SYSTEM)
            ledger.open_account(
                ledger.AccountInput(budget, "Integrated personal budgets", "budget", org.pk),
                SYSTEM,
            )
            ledger.post(
                Entry(
                    f"demo-ipb-allocation-{org.code}",
                    "Integrated personal budgets allocation",
                    (Leg(fund, -pence), Leg(budget, pence)),
                ),
                SYSTEM,
                value_date=dt.date(year, 4, 1),
            )
        pool = pooled.create_pool(
            pooled.PoolInput(
                code=f"IPB-{year}-XL001",
                name=f"Integrated personal budgets {year}/{(year + 1) % 100:02d}",
                kind="section_75",
                host_id=council.pk,
                fund_manager_id=hosts.pk,
                aims_and_outcomes="One plan and one budget for people with complex needs across "
                "health, social care and education",
                functions_covered="NHS: continuing care and community services; council: adult "
                "and children's social care, special educational needs",
                people_and_services="People in the integrated personal commissioning cohort",
                resources_provided="The council hosts the fund; the ICB's care coordinators plan",
                management_and_monitoring="Quarterly to the Health and Wellbeing Board",
                variation_and_termination="By agreement of both partners; six months' notice",
                start_date=dt.date(year, 4, 1),
                end_date=dt.date(year + 1, 3, 31),
                partners=[
                    pooled.PartnerInput(home.pk, 90_000_00, f"{home.code}-IPB"),
                    pooled.PartnerInput(council.pk, 60_000_00, "XL001-IPB"),
                ],
                schemes=[pooled.SchemeInput("Integrated personal budgets", council.pk, 150_000_00)],
            ),
            hosts,
        )
        partners = {p.organisation_id: p for p in pool.partners.all()}
        pooled.contribute(
            partners[home.pk], 90_000_00, "demo-ipb-icb", icb_finance, dt.date(year, 4, 1)
        )
        pooled.contribute(
            partners[council.pk], 60_000_00, "demo-ipb-council", hosts, dt.date(year, 4, 1)
        )
    sam = phb.record_person(
        phb.PersonInput(home.pk, _number(999_100_300), "Sam Example", dt.date(2009, 2, 14), "ltc"),
        coord,
    )
    plan = phb.draft_plan(
        sam,
        phb.PlanInput(
            start_date=add_months(today.replace(day=1), -2),
            needs="Autism with complex needs and epilepsy; moving from school to college",
            outcomes="Go to college three days a week; fewer seizures; time with friends",
            risks="Seizures at college: staff trained, a rescue plan agreed",
            contingency="The family and the short breaks service cover if support falls through",
            mode="direct_payment",
            recipient="patient",
            amount_pence=2_400_000,
            services=(
                phb.ServiceLine(
                    "Epilepsy specialist nurse support", "therapy", 600_000, "Community team"
                ),
                phb.ServiceLine(
                    "Personal assistant for college days",
                    "personal_care",
                    1_200_000,
                    "Self-employed PA",
                ),
                phb.ServiceLine(
                    "Travel training and transport", "transport", 500_000, "Travel Trainers"
                ),
            ),
            scheme_id=pool.schemes.get().pk,
            funding={"nhs": 1_000_000, "social_care": 900_000, "education": 500_000},
        ),
        coord,
    )
    phb.agree_plan(plan, phb.AgreeInput("person", plan.start_date), coord)
    return True
