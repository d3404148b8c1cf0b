"""Issue 16, finding 7: access was granted without a second person. An administrator gave
themselves the auditor role in the admin and read every personal record; a care coordinator
linked the competitor trust's ``bidder`` as a person's nominee, who then read the record. Now
a role that reads personal data or moves money waits for a second administrator's approval;
nobody becomes staff or superuser in the admin; and only a person's own sign-in (no role at an
organisation) is linked to a personal budget record, and the person is told."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from commissioning.audit.models import Revision
from commissioning.organisations.models import Membership, Organisation, User
from commissioning.organisations.permissions import SYSTEM, roles_of
from commissioning.organisations.services import add_membership, approve_membership
from commissioning.organisations.vocabulary import Role
from commissioning.personal_budgets import services as phb
from commissioning.personal_budgets.models import SignInNotice
from tests.integration.personal_budgets.conftest import programme  # noqa: F401

pytestmark = pytest.mark.django_db


def _admin(username, org):
    """An administrator as the command line makes one (a superuser, on the server)."""
    user = User.objects.create_superuser(username=username, password="x")
    add_membership(user, org, Role.ADMINISTRATOR, SYSTEM)
    return User.objects.get(pk=user.pk)


def _inline_post(user, org, role, **extra):
    return {
        "username": user.username, "first_name": "", "last_name": "", "email": "",
        "is_active": "on", "memberships-TOTAL_FORMS": "1", "memberships-INITIAL_FORMS": "0",
        "memberships-0-organisation": org.pk, "memberships-0-role": role, **extra,
    }  # fmt: skip


def test_an_administrator_cannot_give_themselves_the_auditor_role(client, programme):  # noqa: F811
    icb = programme.icb
    first, second = _admin("admin-one", icb), _admin("admin-two", icb)
    client.force_login(first)
    response = client.post(reverse("admin:organisations_user_change", args=[first.pk]),
                           _inline_post(first, icb, "auditor"))  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    m = Membership.objects.get(user=first, role="auditor")
    assert m.status == "awaiting_approval" and m.requested_by == first
    first = User.objects.get(pk=first.pk)
    assert Role.AUDITOR not in roles_of(first)
    assert client.get(f"/budgets/people/{programme.person.pk}/").status_code == 403
    # Not by the one who gave it, nor the person it is for (here both).
    with pytest.raises(ValidationError, match="A second administrator must approve it"):
        approve_membership(m, first)
    changelist = reverse("admin:organisations_membership_changelist")
    client.post(changelist, {"action": "approve", "_selected_action": [m.pk]})
    m.refresh_from_db()
    assert m.status == "awaiting_approval"
    # A second administrator approves: in force from now, and audited.
    client.force_login(second)
    client.post(changelist, {"action": "approve", "_selected_action": [m.pk]})
    m.refresh_from_db()
    assert (m.status, m.approved_by) == ("active", second)
    assert Role.AUDITOR in roles_of(User.objects.get(pk=first.pk))
    change = Revision.objects.filter(object_type="organisations.membership",
                                     object_id=str(m.pk), action="update").get()  # fmt: skip
    assert change.diff["status"] == ["awaiting_approval", "active"]
    assert change.actor_id == second.pk


def test_roles_without_personal_data_or_money_are_given_at_once(programme):  # noqa: F811
    admin = _admin("admin-one", programme.icb)
    trust = Organisation.objects.get(code="XT001")
    someone = User.objects.create_user(username="someone")
    assert add_membership(someone, trust, Role.PROVIDER_REPRESENTATIVE, admin).status == "active"
    for role in (Role.FINANCE_LEAD, Role.CARE_COORDINATOR, Role.AUDITOR, Role.ADMINISTRATOR):
        assert add_membership(someone, programme.icb, role, admin).status == "awaiting_approval"


def test_a_role_given_cannot_be_turned_into_another_and_nobody_is_made_superuser(client, programme):  # noqa: F811
    icb = programme.icb
    admin = _admin("admin-one", icb)
    client.force_login(admin)
    target = programme.provider  # a provider representative at the trust
    m = target.memberships.get()
    data = _inline_post(target, m.organisation, "provider_representative") | {
        "memberships-INITIAL_FORMS": "1", "memberships-0-id": m.pk,
        "memberships-0-user": target.pk, "memberships-0-role": "auditor",
        "is_superuser": "on", "is_staff": "on",
    }  # fmt: skip
    page = client.post(reverse("admin:organisations_user_change", args=[target.pk]), data)
    assert "A role given is not changed into another" in page.content.decode()
    m.refresh_from_db()
    assert m.role == "provider_representative"
    data["memberships-0-role"] = "provider_representative"
    client.post(reverse("admin:organisations_user_change", args=[target.pk]), data)
    target.refresh_from_db()
    assert not target.is_superuser and not target.is_staff


def test_only_a_persons_own_sign_in_is_linked_to_their_record_and_they_are_told(client, programme):  # noqa: F811
    p = programme.person
    for staff in (programme.provider, programme.finance, programme.other_coordinator):
        with pytest.raises(ValidationError, match="works for an organisation"):
            phb.link_sign_in(p, "nominee", staff.username, programme.coordinator)
    # A pending or ended staff role still counts: it is someone who works there.
    pending = User.objects.create_user(username="new-auditor")
    add_membership(pending, programme.icb, Role.AUDITOR, _admin("admin-x", programme.icb))
    with pytest.raises(ValidationError, match="works for an organisation"):
        phb.link_sign_in(p, "nominee", "new-auditor", programme.coordinator)
    p.refresh_from_db()
    assert p.nominee_id is None
    citizen = User.objects.create_user(username="friend", password="x")
    phb.link_sign_in(p, "nominee", "friend", programme.coordinator)
    notice = SignInNotice.objects.get(person=p, link="nominee")
    assert (notice.username, notice.by) == ("friend", programme.coordinator)
    client.force_login(programme.holder)
    page = client.get(f"/budgets/people/{p.pk}/").content.decode()
    assert "Who has been given a sign-in to your record" in page
    assert "<strong>friend</strong> can now see your record as the nominee" in page
    assert "If you did not agree to this, ask your care coordinator to remove it." in page
    assert citizen.pk == p.__class__.objects.get(pk=p.pk).nominee_id
