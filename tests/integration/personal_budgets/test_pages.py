"""A care coordinator works through the pages: records a person, assesses, writes and agrees
a plan; the holder pays from it and a prohibited purchase is refused with its reason."""

from __future__ import annotations

import re

import pytest

from commissioning.personal_budgets.models import Person

from .conftest import valid_nhs_number

pytestmark = pytest.mark.django_db


def _errors(response) -> str:
    return " ".join(re.findall(r'<li><a href="#[^"]*">([^<]*)</a></li>', response.content.decode()))


def test_coordinator_records_assesses_plans_and_agrees(client, programme):
    client.force_login(programme.coordinator)
    bad = client.post(
        "/budgets/people/new/",
        {"name": "", "nhs_number": "1234567890", "date_of_birth": "", "entitlement": "chc"},
    )
    assert bad.status_code == 200
    errors = _errors(bad)
    assert "Enter name" in errors and "Enter date of birth" in errors  # each field named
    assert "not a valid NHS number" in errors and "This field is required" not in errors
    assert Person.objects.count() == 2
    number = valid_nhs_number(600100200)
    done = client.post(
        "/budgets/people/new/",
        {
            "name": "Alan Turing",
            "nhs_number": number,
            "date_of_birth": "1954-06-23",
            "entitlement": "chc",
        },
    )
    person = Person.objects.get(nhs_number=number)
    assert done.status_code == 302 and done["Location"] == f"/budgets/people/{person.pk}/"
    ratings = {
        f"rating_{d}": "0"
        for d in (
            "breathing",
            "nutrition",
            "continence",
            "skin_integrity",
            "mobility",
            "communication",
            "psychological_emotional",
            "cognition",
            "behaviour",
            "drug_therapies_medication",
            "altered_states_of_consciousness",
            "other_significant_care_needs",
        )
    }
    ratings |= {"rating_mobility": "4", "rating_cognition": "4"}
    r = client.post(
        f"/budgets/people/{person.pk}/assessment/",
        {
            "assessed_on": "2026-09-01",
            **ratings,
            "decision": "eligible",
            "decision_reasons": "Severe needs in mobility and cognition",
        },
        follow=True,
    )
    assert "Severe needs in 2 domains" in r.content.decode()
    form = {
        "start_date": "2026-10-01",
        "needs": "Mobility",
        "outcomes": "Walk to the shops",
        "risks": "Falls",
        "contingency": "Agency cover",
        "mode": "direct_payment",
        "recipient": "patient",
        "amount_pence": "5,000",
        "service_0_name": "Personal assistant",
        "service_0_category": "personal_care",
        "service_0_annual_cost_pence": "4,000",
        "service_1_name": "Hydrotherapy",
        "service_1_category": "therapy",
        "service_1_annual_cost_pence": "1,500",
    }
    short = client.post(f"/budgets/people/{person.pk}/plans/new/", form)
    assert "£500.00 short" in short.content.decode()
    prohibited = client.post(
        f"/budgets/people/{person.pk}/plans/new/",
        form | {"amount_pence": "5,500", "service_1_category": "dental_optical"},
    )
    assert "dental and optical treatment cannot be bought" in _errors(prohibited)
    saved = client.post(f"/budgets/people/{person.pk}/plans/new/", form | {"amount_pence": "5,500"})
    assert saved["Location"] == f"/budgets/people/{person.pk}/plans/1/"
    agreed = client.post(
        saved["Location"], {"agreed_by": "person", "agreed_on": "2026-10-01"}, follow=True
    )
    body = agreed.content.decode()
    assert "Plan agreed" in body and "£5,500 left of £5,500 a year" in body
    csv = client.get(f"/budgets/people/{person.pk}/plans/1/plan.csv").content.decode()
    assert "Hydrotherapy" in csv and "5500.00" in csv


def test_holder_pays_and_a_prohibited_purchase_is_refused_with_its_reason(client, programme):
    p = programme.person
    client.force_login(programme.holder)
    form = client.get(f"/budgets/people/{p.pk}/payments/new/").content.decode()
    key = re.search(r'name="key" value="([0-9a-f]+)"', form).group(1)
    refused = client.post(
        f"/budgets/people/{p.pk}/payments/new/",
        {
            "key": key,
            "category": "gambling",
            "payee": "Bookmaker",
            "description": "A bet",
            "amount_pence": "20",
            "paid_on": "2026-07-01",
        },
    )
    assert "a personal health budget cannot be used for gambling" in _errors(refused)
    assert p.payments.count() == 0
    paid = client.post(
        f"/budgets/people/{p.pk}/payments/new/",
        {
            "key": key,
            "category": "equipment",
            "payee": "Shop",
            "description": "Shower chair",
            "amount_pence": "120",
            "paid_on": "2026-07-01",
        },
        follow=True,
    )
    assert "flagged for the care coordinator to review" in paid.content.decode()
    statement = client.get(f"/budgets/people/{p.pk}/statements/2026-07/").content.decode()
    assert "Shower chair" in statement and "£11,880" in statement
    csv = client.get(f"/budgets/people/{p.pk}/statements/2026-07.csv").content.decode()
    assert "Shower chair" in csv and "11880.00" in csv
    # The coordinator sees the flag and marks it reviewed.
    client.force_login(programme.coordinator)
    assert "1 payment outside a plan to review" in client.get("/budgets/").content.decode()
    payment = p.payments.get()
    client.post(f"/budgets/people/{p.pk}/payments/{payment.pk}/reviewed")
    payment.refresh_from_db()
    assert payment.flag_cleared
    # The refused bet was kept: the coordinator and the holder both see it, nothing was paid.
    record = client.get(f"/budgets/people/{p.pk}/").content.decode()
    assert "Refused payment attempts" in record and "Bookmaker" in record
    assert "a personal health budget cannot be used for gambling" in record
    client.force_login(programme.holder)
    record = client.get(f"/budgets/people/{p.pk}/").content.decode()
    assert "Payments that were refused" in record and "Nothing was paid for these" in record


def test_reconsideration_review_repayment_and_stopping_pages(client, programme):
    p = programme.person
    client.force_login(programme.holder)
    r = client.post(
        f"/budgets/people/{p.pk}/reconsideration/new/",
        {"about": "reduction", "grounds": "My needs have not changed"},
        follow=True,
    )
    assert "Your request has been sent" in r.content.decode()
    client.force_login(programme.coordinator)
    rid = p.reconsiderations.get().pk
    bad = client.post(
        f"/budgets/people/{p.pk}/reconsideration/{rid}/decide/",
        {"outcome": "upheld", "reasons": ""},
    )
    assert "Enter reasons, for the person" in bad.content.decode()
    client.post(
        f"/budgets/people/{p.pk}/reconsideration/{rid}/decide/",
        {"outcome": "upheld", "reasons": "Needs reassessed"},
    )
    assert p.reconsiderations.get().outcome == "upheld"
    client.post(
        f"/budgets/people/{p.pk}/reviews/new/",
        {"held_on": "2026-08-20", "needs_met": "on", "notes": "Fine"},
    )
    assert p.reviews.count() == 1
    client.post(
        f"/budgets/people/{p.pk}/repayment/new/",
        {
            "ground": "substantial_unused_balance",
            "reasons": "Unspent",
            "amount_pence": "100",
            "deadline": "2099-01-01",
            "repayer": "patient",
        },
    )
    assert p.repayment_notices.count() == 1
    client.post(
        f"/budgets/people/{p.pk}/stop/",
        {"ground": "consent_absent_or_withdrawn", "reasons": "Withdrawn"},
    )
    p.refresh_from_db()
    assert p.status == "stopped"
    client.force_login(programme.holder)
    body = client.get(f"/budgets/people/{p.pk}/").content.decode()
    assert "Direct payments have stopped" in body and "Record a payment" not in body
