"""The hash-chained audit trail: appends, refuses edits, and names the first broken link."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from commissioning.audit.chain import record, verify_chain
from commissioning.audit.models import Revision
from commissioning.organisations.models import Organisation
from commissioning.organisations.permissions import SYSTEM
from commissioning.organisations.services import OrganisationData, save_organisation
from commissioning.organisations.vocabulary import OrganisationType

pytestmark = pytest.mark.django_db


def _events(n: int) -> None:
    for i in range(n):
        with transaction.atomic():
            record(SYSTEM, "event", object_type="test.thing", object_id=str(i), after={"i": i})


def test_a_change_through_a_service_appends_a_revision_with_actor_and_diff(make_user):
    admin = make_user("administrator")
    save_organisation(OrganisationData("RXX", "TEST TRUST", OrganisationType.NHS_TRUST), admin)
    save_organisation(OrganisationData("RXX", "RENAMED TRUST", OrganisationType.NHS_TRUST), admin)
    create, update = Revision.objects.filter(object_type="organisations.organisation")
    assert (create.action, update.action) == ("create", "update")
    assert update.actor_username == admin.username and update.actor_id == admin.pk
    assert update.diff == {"name": ["TEST TRUST", "RENAMED TRUST"]}
    assert update.prev_hash == create.hash
    assert verify_chain().ok


def test_saving_the_same_values_records_nothing(make_user):
    admin = make_user("administrator")
    data = OrganisationData("RXX", "TEST TRUST", OrganisationType.NHS_TRUST)
    save_organisation(data, admin)
    before = Revision.objects.count()
    result = save_organisation(data, admin)
    assert not result.changed
    assert Revision.objects.count() == before


def test_revisions_cannot_be_edited_or_deleted_through_the_orm():
    _events(2)
    rev = Revision.objects.first()
    rev.object_repr = "changed"
    with pytest.raises(PermissionError):
        rev.save()
    with pytest.raises(PermissionError):
        rev.delete()
    with pytest.raises(PermissionError):
        Revision.objects.filter(seq=1).update(object_repr="x")
    with pytest.raises(PermissionError):
        Revision.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the service's transaction"):
        record(SYSTEM, "event", object_type="x", object_id="1")


def _bypass_database_guard() -> None:
    """Drop the append-only triggers, as someone with full database rights could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER audit_revision_no_update ON audit_revision")
            cursor.execute("DROP TRIGGER audit_revision_no_delete ON audit_revision")
        else:
            cursor.execute("DROP TRIGGER audit_revision_no_update")


def test_the_database_itself_refuses_to_edit_a_revision():
    from django.db import DatabaseError

    _events(2)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"UPDATE {Revision._meta.db_table} SET object_repr = 'x'")  # noqa: S608
    assert verify_chain().ok


def test_tampering_with_a_revision_is_found_at_that_revision():
    _events(5)
    _bypass_database_guard()
    table = Revision._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET object_repr = 'forged' WHERE seq = 3")  # noqa: S608
    report = verify_chain()
    assert not report.ok
    assert report.first_broken_seq == 3
    assert report.checked == 2
    assert "altered" in report.reason


def test_a_deleted_revision_is_reported_as_missing():
    _events(4)
    _bypass_database_guard()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Revision._meta.db_table} WHERE seq = 2")  # noqa: S608
    report = verify_chain()
    assert (report.ok, report.first_broken_seq) == (False, 2)
    assert "missing" in report.reason


def test_a_rewritten_hash_breaks_the_next_link():
    _events(3)
    _bypass_database_guard()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Revision._meta.db_table} SET hash = %s WHERE seq = 2",  # noqa: S608
            ["f" * 64],
        )
    report = verify_chain()
    assert report.first_broken_seq == 2


def test_a_failed_service_call_leaves_no_revision_and_no_change(make_user):
    admin = make_user("administrator")
    before = Revision.objects.count()
    with pytest.raises(Exception, match="close"):
        save_organisation(
            OrganisationData(
                "RXY",
                "BAD DATES",
                OrganisationType.NHS_TRUST,
                open_date=__import__("datetime").date(2020, 1, 1),
                close_date=__import__("datetime").date(2019, 1, 1),
            ),
            admin,
        )
    assert Revision.objects.count() == before
    assert not Organisation.objects.filter(code="RXY").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_unbroken_chain():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency guarantees are tested on PostgreSQL")
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(25):
                with transaction.atomic():
                    record(SYSTEM, "event", object_type="t", object_id=f"{n}-{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = verify_chain()
    assert report.ok and report.checked == 100
