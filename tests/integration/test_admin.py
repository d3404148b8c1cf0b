"""The admin: people and memberships are edited there and audited; audited data is read-only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from commissioning.audit.models import Revision
from commissioning.organisations.models import Membership, Organisation, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user("administrator", is_staff=True, is_superuser=True))
    return client


def test_adding_a_person_with_a_membership_is_audited(admin_client, trusts):
    rje = Organisation.objects.get(code="RJE")
    response = admin_client.post(
        reverse("admin:organisations_user_add"),
        {
            "username": "new-lead",
            "password1": "a-long-unusual-passphrase-91",
            "password2": "a-long-unusual-passphrase-91",
            "usable_password": "true",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-organisation": rje.pk,
            "memberships-0-role": "provider_representative",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="new-lead")
    membership = Membership.objects.get(user=user)
    created = Revision.objects.filter(object_type="organisations.user", object_id=str(user.pk))
    assert created.get().diff["username"] == [None, "new-lead"]
    assert "password" not in str(created.get().diff)
    rev = Revision.objects.get(object_type="organisations.membership", object_id=str(membership.pk))
    assert rev.diff["role"] == [None, "provider_representative"]


def test_organisations_and_revisions_are_read_only_in_the_admin(admin_client, trusts):
    rjd = Organisation.objects.get(code="RJD")
    page = admin_client.get(reverse("admin:organisations_organisation_change", args=[rjd.pk]))
    assert page.status_code == 200
    assert 'name="name"' not in page.content.decode()  # shown, not editable
    assert admin_client.get(reverse("admin:organisations_organisation_add")).status_code == 403
    assert admin_client.get(reverse("admin:audit_revision_add")).status_code == 403


def test_the_admin_is_for_staff_only(client, make_user):
    client.force_login(make_user("commissioner"))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_an_administrator_records_delegated_authority_and_it_is_audited(client, economy):
    import datetime as dt

    from commissioning.organisations.models import DelegatedAuthority

    client.force_login(economy.administrator)
    url = reverse("admin:organisations_delegatedauthority_add")
    form = {
        "budget": economy.budget.pk,
        "limit_pence": "500000000",
        "start_date": "2026-04-01",
        "reference": "Board minute 26/14",
    }
    refused = client.post(url, {**form, "user": economy.quality_lead.pk})
    assert refused.status_code == 200
    assert "is not a commissioner at NHS Synthetic Test ICB" in refused.content.decode()
    assert client.post(url, {**form, "user": economy.deputy.pk}).status_code == 302
    delegation = DelegatedAuthority.objects.get(user=economy.deputy)
    assert delegation.start_date == dt.date(2026, 4, 1)
    rev = Revision.objects.get(
        object_type="organisations.delegatedauthority", object_id=str(delegation.pk)
    )
    assert rev.actor_username == "administrator" and rev.diff["limit_pence"] == [None, 500_000_000]
    delete = reverse("admin:organisations_delegatedauthority_delete", args=[delegation.pk])
    assert client.get(delete).status_code == 403


def test_nobody_records_authority_for_themselves(economy):
    from django.core.exceptions import ValidationError

    from commissioning.organisations.models import DelegatedAuthority, Membership
    from commissioning.organisations.services import save_delegated_authority

    Membership.objects.create(
        user=economy.administrator, organisation=economy.icb, role="commissioner"
    )
    mine = DelegatedAuthority(
        user=economy.administrator,
        budget=economy.budget,
        limit_pence=1,
        start_date=economy.budget.organisation.open_date or __import__("datetime").date(2026, 1, 1),
    )
    with pytest.raises(ValidationError, match="Nobody records delegated authority for themselves"):
        save_delegated_authority(mine, economy.administrator)


def test_a_finance_lead_sets_a_budget_through_the_service(economy):
    from django.core.exceptions import PermissionDenied

    from commissioning.organisations.models import Budget
    from commissioning.organisations.services import save_budget

    budget = Budget(
        organisation=economy.icb,
        code="XC001-CHC-2026",
        name="Continuing healthcare",
        financial_year=2026,
        amount_pence=80_000_000_00,
    )
    save_budget(budget, economy.finance_lead)
    assert Revision.objects.filter(
        object_type="organisations.budget", object_id=str(budget.pk)
    ).exists()
    with pytest.raises(PermissionDenied):
        save_budget(budget, economy.commissioner)
