"""The demo's personal health budgets, on the care coordinator's caseload at the home ICB:
a continuing healthcare budget held as a direct payment by the demo budget holder (months of
spending, one purchase outside the plan waiting for review, a review held); a child's
continuing care budget paid to a parent as representative (its first review overdue, a
reconsideration request waiting); a section 117 after-care budget held by an independent
third party. The people are fictional and their NHS numbers are in the 999 range, which the
NHS keeps for testing. Built through the services; run again, it changes nothing."""

from __future__ import annotations

import datetime as dt

from commissioning import clock
from commissioning.organisations.models import Organisation, User
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
    return (
        "3 people on the care coordinator's caseload (a direct payment with "
        f"{mary.payments.count()} payments, one outside the plan; a child's budget paid to a "
        "representative, review overdue; a third-party budget)"
    )
