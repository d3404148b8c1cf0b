"""The proof of issue 7: every attempt on another person's record, statement and documents,
by URL and by API, as a budget holder, a representative, a coordinator of another caseload, a
provider, a finance lead and someone with no role, is refused and logged, and the response
says nothing about the other person. The same refusal for a record that does not exist."""

from __future__ import annotations

import re

import pytest

from commissioning.api.tokens import issue_token
from commissioning.organisations.permissions import SYSTEM
from commissioning.personal_budgets import services as phb
from commissioning.personal_budgets.models import Access

pytestmark = pytest.mark.django_db


def _web_urls(pk: int, version: int = 1) -> list[tuple[str, str]]:
    base = f"/budgets/people/{pk}"
    return [
        ("GET", f"{base}/"),
        ("GET", f"{base}/plans/{version}/"),
        ("GET", f"{base}/plans/{version}/plan.csv"),
        ("GET", f"{base}/statements/2026-07/"),
        ("GET", f"{base}/statements/2026-07.csv"),
        ("GET", f"{base}/payments/new/"),
        ("POST", f"{base}/payments/new/"),
        ("GET", f"{base}/assessment/"),
        ("GET", f"{base}/plans/new/"),
        ("POST", f"{base}/plans/{version}/"),
        ("GET", f"{base}/reviews/new/"),
        ("GET", f"{base}/repayment/new/"),
        ("GET", f"{base}/repayment/1/repaid/"),
        ("POST", f"{base}/repayment/1/repaid/"),
        ("GET", f"{base}/stop/"),
        ("GET", f"{base}/reconsideration/new/"),
        ("GET", f"{base}/sign-in/"),
    ]


def _api_urls(pk: int) -> list[tuple[str, str]]:
    base = f"/api/v1/budgets/people/{pk}"
    return [
        ("GET", base),
        ("GET", f"{base}/plans/1"),
        ("GET", f"{base}/statements/2026/7"),
        ("POST", f"{base}/payments"),
    ]


def _secrets(person) -> list[str]:
    balance = person.budget_account.balance_pence
    return [
        person.name,
        person.name.split()[-1],
        person.nhs_number,
        person.nhs_number_display,
        person.reference,
        f"{balance // 100:,}",
        "Seaside Respite",
        "Respite weekends",
    ]


ATTACKERS = ("holder", "representative", "coordinator", "provider", "finance", "stranger")


def _attacker(programme, who):
    return {
        "holder": programme.holder,
        "representative": programme.representative,
        "coordinator": programme.coordinator,
        "provider": programme.provider,
        "finance": programme.finance,
        "stranger": programme.stranger,
    }[who]


@pytest.mark.parametrize("who", ATTACKERS)
def test_every_attempt_by_url_is_refused_logged_and_leaks_nothing(client, programme, who):
    target = programme.other  # on the other caseload, with its own holder
    client.force_login(_attacker(programme, who))
    for pk in (target.pk, 999_999):
        for method, url in _web_urls(pk):
            before = Access.objects.filter(person_id=pk, allowed=False).count()
            response = (
                client.get(url) if method == "GET" else client.post(url, {"amount_pence": "1"})
            )
            assert response.status_code == 403, (who, method, url, response.status_code)
            body = response.content.decode()
            for secret in _secrets(target):
                assert secret not in body, (who, url, secret)
            assert Access.objects.filter(person_id=pk, allowed=False).count() == before + 1, url
    assert target.payments.count() == 1  # nothing was paid by any attempt


@pytest.mark.parametrize("who", ATTACKERS)
def test_every_attempt_by_api_is_refused_logged_and_leaks_nothing(client, programme, who):
    target = programme.other
    _, token = issue_token(_attacker(programme, who), "test", SYSTEM)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    payment = {
        "key": "x",
        "amount_pence": 100,
        "category": "respite",
        "payee": "A",
        "description": "B",
    }
    for pk in (target.pk, 999_999):
        for method, url in _api_urls(pk):
            before = Access.objects.filter(person_id=pk, allowed=False, channel="api").count()
            if method == "GET":
                response = client.get(url, **headers)
            else:
                response = client.post(url, payment, content_type="application/json", **headers)
            assert response.status_code == 403, (who, url, response.status_code)
            body = response.content.decode()
            for secret in _secrets(target):
                assert secret not in body, (who, url, secret)
            after = Access.objects.filter(person_id=pk, allowed=False, channel="api").count()
            assert after == before + 1, url
    listed = client.get("/api/v1/budgets/people", **headers).json()
    assert target.pk not in [p["id"] for p in listed]
    assert target.payments.count() == 1


def test_refusal_is_identical_for_a_record_that_exists_and_one_that_does_not(client, programme):
    client.force_login(programme.holder)
    a = client.get(f"/budgets/people/{programme.other.pk}/")
    b = client.get("/budgets/people/999999/")
    # The sign-out form's CSRF token and the page's script nonce differ on every response.
    token = re.compile(rb'value="[A-Za-z0-9]{64}"|nonce="[A-Za-z0-9+/=]+"')
    assert a.status_code == b.status_code == 403
    assert token.sub(b"", a.content) == token.sub(b"", b.content)


def test_each_sees_what_they_are_entitled_to_and_access_is_logged(client, programme):
    p = programme.person
    for user, expected in (
        (programme.holder, 200),
        (programme.representative, 200),
        (programme.coordinator, 200),
        (programme.auditor, 200),
    ):
        client.force_login(user)
        before = Access.objects.filter(person_id=p.pk, user_id=user.pk, allowed=True).count()
        response = client.get(f"/budgets/people/{p.pk}/")
        assert response.status_code == expected
        assert p.reference in response.content.decode()
        assert (
            Access.objects.filter(person_id=p.pk, user_id=user.pk, allowed=True).count()
            == before + 1
        )
    # The auditor reads but cannot change.
    client.force_login(programme.auditor)
    assert client.get(f"/budgets/people/{p.pk}/reviews/new/").status_code == 403
    assert client.get(f"/budgets/people/{p.pk}/payments/new/").status_code == 403


def test_holder_view_is_in_plain_language(client, programme):
    client.force_login(programme.holder)
    response = client.get(f"/budgets/people/{programme.person.pk}/")
    body = response.content.decode()
    assert (
        "Your personal health budget" in body and "You have <strong>£12,000</strong> left" in body
    )
    assert "NHS number" not in body  # the holder's view is about the money and the plan
    listed = client.get("/budgets/", follow=True)  # one record: straight to it
    assert listed.redirect_chain[-1][0] == f"/budgets/people/{programme.person.pk}/"


def test_coordinator_caseload_shows_only_their_people(client, programme):
    client.force_login(programme.coordinator)
    body = client.get("/budgets/").content.decode()
    assert programme.person.name in body and programme.other.name not in body


def test_programme_totals_have_no_personal_data(client, programme):
    client.force_login(programme.finance)
    body = client.get(f"/budgets/programme/{programme.icb.code}/").content.decode()
    assert "People with a budget record" in body
    for secret in (programme.person.name, programme.other.name, programme.person.reference):
        assert secret not in body
    client.force_login(programme.provider)
    assert client.get(f"/budgets/programme/{programme.icb.code}/").status_code == 403
    assert phb.programme_counts(programme.icb).people == 2


def test_the_auditor_sees_who_looked_and_who_was_refused(client, programme):
    client.force_login(programme.other_holder)
    client.get(f"/budgets/people/{programme.person.pk}/")
    client.force_login(programme.auditor)
    body = client.get(f"/budgets/people/{programme.person.pk}/").content.decode()
    assert "Who has looked at this record" in body
    assert "holder-b" in body and "Refused" in body
    client.force_login(programme.holder)
    assert (
        "Who has looked"
        not in client.get(f"/budgets/people/{programme.person.pk}/").content.decode()
    )
