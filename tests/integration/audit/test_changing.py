"""``audit.changing`` and ``audit.created``: a revision says what the record held, snapshotted
from the record, rather than what the code expected it to hold."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from commissioning.audit import chain as audit
from commissioning.audit.models import Revision
from commissioning.audit.reconcile import reconcile
from commissioning.organisations.models import Organisation
from commissioning.organisations.services import OrganisationData, save_organisation
from commissioning.organisations.vocabulary import OrganisationType
from commissioning.selection import services as sel
from commissioning.selection.models import SelectionProcess

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_user):
    return make_user("administrator")


@pytest.fixture
def trust(admin) -> Organisation:
    data = OrganisationData("RXX", "TEST TRUST", OrganisationType.NHS_TRUST)
    return save_organisation(data, admin).organisation


def _last() -> Revision:
    return Revision.objects.order_by("seq").last()


def test_changing_records_what_the_record_held_not_what_the_code_expected(admin, trust):
    Organisation.objects.filter(pk=trust.pk).update(name="RENAMED BEHIND THE TRAIL")
    org = Organisation.objects.get(pk=trust.pk)
    with transaction.atomic(), audit.changing(admin, org, ("name", "code")):
        org.name = "RENAMED TRUST"
        org.save()
    rev = _last()
    assert (rev.action, rev.object_type, rev.object_id) == (
        "update",
        "organisations.organisation",
        str(trust.pk),
    )
    # The true prior name; the code (unchanged) is not in the diff.
    assert rev.diff == {"name": ["RENAMED BEHIND THE TRAIL", "RENAMED TRUST"]}
    assert rev.actor_username == admin.username
    assert audit.verify_chain().ok


def test_a_service_records_the_status_the_process_really_had(cycle):
    """Withdrawing a decision used to write ``before={"status": "decided"}`` for the process,
    whatever it held; now the revision holds what the process held."""
    cycle.decided()
    SelectionProcess.objects.filter(pk=cycle.process.pk).update(status="closed")
    sel.withdraw_decision(cycle.decision, "An error in the scores", cycle.e.commissioner)
    process_revisions = Revision.objects.filter(
        object_type="selection.selectionprocess", object_id=str(cycle.process.pk)
    ).order_by("seq")
    assert process_revisions.last().diff == {"status": ["closed", "inviting"]}
    decision_revision = Revision.objects.filter(
        object_type="selection.decision", object_id=str(cycle.decision.pk)
    ).last()
    assert decision_revision.diff == {
        "status": ["recorded", "withdrawn"],
        "withdrawn_reason": ["", "An error in the scores"],
    }
    assert reconcile() is None  # the tracked decision's status is on the trail


def test_changing_records_nothing_when_the_block_raises(admin, trust):
    revisions = Revision.objects.count()
    org = Organisation.objects.get(pk=trust.pk)
    with transaction.atomic():
        with pytest.raises(ValueError), audit.changing(admin, org, ("name",)):
            org.name = "HALF DONE"
            raise ValueError("refused part way")
        assert Revision.objects.count() == revisions  # the service's transaction goes on
    assert Revision.objects.count() == revisions
    assert Organisation.objects.get(pk=trust.pk).name == "TEST TRUST"


def test_also_adds_what_the_record_does_not_hold(admin, trust):
    org = Organisation.objects.get(pk=trust.pk)
    with transaction.atomic(), audit.changing(admin, org, ("name",), action="event") as change:
        change.also("awarded_proposal_ids", [], [3, 1])
        change.also("released_on", None, dt.date(2026, 3, 2))
        change.also("unchanged", "same", "same")
    rev = _last()
    assert rev.action == "event"
    assert rev.diff == {
        "awarded_proposal_ids": [[], [3, 1]],
        "released_on": [None, "2026-03-02"],
    }


def test_created_records_the_fields_and_the_extras(admin):
    org = Organisation.objects.create(
        code="RYY", name="NEW TRUST", org_type=OrganisationType.NHS_TRUST, is_synthetic=True
    )
    with transaction.atomic():
        audit.created(
            admin,
            org,
            ("code", "name", "parent_id"),
            object_repr="A trust made in a test",
            source="trusts.csv",
            loaded_on=dt.date(2026, 3, 2),
        )
    rev = _last()
    assert (rev.action, rev.object_id, rev.object_repr) == (
        "create",
        str(org.pk),
        "A trust made in a test",
    )
    # parent_id is None, as it was before the trust existed: not in the diff.
    assert rev.diff == {
        "code": [None, "RYY"],
        "name": [None, "NEW TRUST"],
        "source": [None, "trusts.csv"],
        "loaded_on": [None, "2026-03-02"],
    }


def test_created_takes_another_action(admin, trust):
    with transaction.atomic():
        audit.created(admin, trust, ("code",), action="event")
    assert (_last().action, _last().object_repr) == ("event", str(trust)[:300])
