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
