"""A small personal health budget programme at one ICB: two coordinators with a caseload
each, a budget holder with a direct payment, a representative, an auditor, a provider and a
finance lead; and a second person on the other caseload."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from commissioning.organisations.models import Membership, Organisation, User
from commissioning.personal_budgets import services as phb
from commissioning.personal_budgets.rules import eligibility, nhs_number


def valid_nhs_number(seed: int) -> str:
    """The first valid NHS number at or after a nine-digit seed (Modulus 11)."""
    n = seed
    while True:
        first = f"{n:09d}"
        check = nhs_number.check_digit(first)
        if check is not None:
            return first + str(check)
        n += 1


ELIGIBLE = {d: 0 for d in eligibility.DOMAINS} | {"breathing": 5}


def plan_input(amount=1_200_000, mode="direct_payment", recipient="patient", **extra):
    services = extra.pop(
        "services",
        (
            phb.ServiceLine("Personal assistant, 10 hours a week", "personal_care", 900_000),
            phb.ServiceLine("Physiotherapy", "therapy", 200_000),
        ),
    )
    return phb.PlanInput(
        start_date=extra.pop("start_date", dt.date(2026, 6, 1)),
        needs="Help to breathe safely at night and to get out each day",
        outcomes="Stay at home; go to the allotment twice a week",
        risks="Ventilator failure: a spare is kept at home",
        contingency="The agency covers if the personal assistant is ill",
        mode=mode,
        recipient=recipient if mode == "direct_payment" else "",
        amount_pence=amount,
        services=services,
        **extra,
    )


@dataclass
class Programme:
    icb: Organisation
    coordinator: User
    other_coordinator: User
    holder: User
    representative: User
    other_holder: User
    auditor: User
    provider: User
    finance: User
    stranger: User
    person: object
    other: object


def _user(username, org=None, role=None):
    user = User.objects.create_user(username=username, password="correct-horse-battery")
    if org and role:
        Membership.objects.create(user=user, organisation=org, role=role)
    return user


@pytest.fixture
def programme(db) -> Programme:
    icb = Organisation.objects.create(code="XC001", name="NHS Test ICB", org_type="icb")
    trust = Organisation.objects.create(code="XT001", name="Test Trust", org_type="nhs_trust")
    coord = _user("coord-a", icb, "care_coordinator")
    other_coord = _user("coord-b", icb, "care_coordinator")
    holder = _user("holder-a", icb, "budget_holder")
    representative = _user("rep-a")
    other_holder = _user("holder-b", icb, "budget_holder")
    auditor = _user("auditor", icb, "auditor")
    provider = _user("provider", trust, "provider_representative")
    finance = _user("finance", icb, "finance_lead")
    stranger = _user("stranger")
    person = phb.record_person(
        phb.PersonInput(
            icb.pk, valid_nhs_number(943476591), "Ada Lovelace", dt.date(1960, 3, 1), "chc"
        ),
        coord,
    )
    phb.assess(
        person, phb.AssessmentInput(dt.date(2026, 5, 1), ELIGIBLE, "eligible", "MDT agreed"), coord
    )
    phb.link_sign_in(person, "holder", "holder-a", coord)
    phb.link_sign_in(person, "representative", "rep-a", coord)
    plan = phb.draft_plan(person, plan_input(), coord)
    phb.agree_plan(plan, phb.AgreeInput("person", dt.date(2026, 6, 1)), coord)
    other = phb.record_person(
        phb.PersonInput(
            icb.pk, valid_nhs_number(401023456), "Grace Hopper", dt.date(1970, 12, 9), "ltc"
        ),
        other_coord,
    )
    phb.link_sign_in(other, "holder", "holder-b", other_coord)
    plan_b = phb.draft_plan(
        other,
        plan_input(
            amount=500_000, services=(phb.ServiceLine("Respite weekends", "respite", 400_000),)
        ),
        other_coord,
    )
    phb.agree_plan(plan_b, phb.AgreeInput("person", dt.date(2026, 7, 1)), other_coord)
    phb.record_payment(
        other,
        phb.PaymentInput(
            "b-1",
            10_000,
            "respite",
            "Seaside Respite Ltd",
            "A weekend in July",
            dt.date(2026, 7, 10),
            plan_b.services.first().pk,
        ),
        other_holder,
    )
    person.refresh_from_db()
    other.refresh_from_db()
    return Programme(
        icb,
        coord,
        other_coord,
        holder,
        representative,
        other_holder,
        auditor,
        provider,
        finance,
        stranger,
        person,
        other,
    )
