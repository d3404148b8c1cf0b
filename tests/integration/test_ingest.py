"""Reference-data ingest: recorded, idempotent, and all-or-nothing."""

from __future__ import annotations

import pytest

from commissioning.audit.models import Revision
from commissioning.organisations.models import Organisation
from commissioning.organisations.permissions import SYSTEM
from commissioning.reference.fetchers import fetch
from commissioning.reference.models import AEAttendance, IngestedFile, PopulationEstimate
from commissioning.reference.parsers import IngestError
from commissioning.reference.services import ingest_file

pytestmark = pytest.mark.django_db


def test_trusts_are_ingested_with_types_locations_and_audit(trusts):
    assert trusts.rows == 241 and trusts.created == 241
    rjd = Organisation.objects.get(code="RJD")
    assert rjd.org_type == "foundation_trust"
    assert rjd.display_name == "Mid Staffordshire NHS Foundation Trust"
    assert (rjd.easting, rjd.northing) == (393506, 323754)
    assert Organisation.objects.get(code="RJE").org_type == "nhs_trust"
    assert Revision.objects.filter(object_type="organisations.organisation").count() == 241
    assert IngestedFile.objects.get().rows == 241


def test_ingesting_the_same_file_twice_changes_nothing(trusts, reference_dir):
    revisions = Revision.objects.count()
    again = ingest_file("trusts", reference_dir / "nhs_trusts.csv", SYSTEM)
    assert again.already_ingested
    assert Revision.objects.count() == revisions
    assert IngestedFile.objects.count() == 1


def test_a_new_file_with_the_same_rows_changes_nothing(trusts, reference_dir, tmp_path):
    copy = tmp_path / "trusts-copy.csv"
    copy.write_text((reference_dir / "nhs_trusts.csv").read_text() + "\n")
    organisation_revisions = Revision.objects.filter(
        object_type="organisations.organisation"
    ).count()
    report = ingest_file("trusts", copy, SYSTEM)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 241)
    assert (
        Revision.objects.filter(object_type="organisations.organisation").count()
        == organisation_revisions
    )


def test_raw_ods_file_updates_dates_but_keeps_known_locations(trusts, tmp_path):
    raw = tmp_path / "etr.csv"
    row = ["RJD", "MID STAFFORDSHIRE NHS FOUNDATION TRUST", "Y55", "Q76", "STAFFORD HOSPITAL",
           "WESTON ROAD", "", "STAFFORD", "STAFFORDSHIRE", "ST16 3SA", "19930401", "20141101",
           *[""] * 15]  # fmt: skip
    raw.write_text(",".join(row) + "\n")
    report = ingest_file("trusts", raw, SYSTEM)
    assert report.updated == 1
    rjd = Organisation.objects.get(code="RJD")
    assert rjd.close_date.isoformat() == "2014-11-01"
    assert (rjd.easting, rjd.northing) == (393506, 323754)
    last = Revision.objects.filter(object_id=str(rjd.pk)).last()
    assert last.diff == {"close_date": [None, "2014-11-01"]}


def test_a_malformed_file_is_rejected_whole_with_line_and_field(tmp_path):
    bad = tmp_path / "ae.csv"
    bad.write_text(
        "period,org_code,type,attendances,breaches,admissions\n"
        "2017-03-01,RF4,1,100,10,5\n"
        "2017-04-01,RF4,1,-7,0,0\n"
    )
    with pytest.raises(IngestError) as info:
        ingest_file("ae", bad, SYSTEM)
    assert "line 3, field 'attendances'" in str(info.value)
    assert AEAttendance.objects.count() == 0
    assert IngestedFile.objects.count() == 0
    assert Revision.objects.count() == 0


def test_ae_and_population_ingest_the_real_files(reference_dir):
    ae = ingest_file("ae", reference_dir / "ae_attendances.csv", SYSTEM)
    pop = ingest_file("population", reference_dir / "ons_uk_population_2023.csv", SYSTEM, year=2023)
    assert ae.created == AEAttendance.objects.count() == 12_765
    assert pop.created == PopulationEstimate.objects.count() == 1274
    england_90 = PopulationEstimate.objects.get(geography_code="E92000001", sex="female", age=90)
    assert england_90.count > 0


def test_changed_rows_are_updated_and_counted(reference_dir, tmp_path):
    first = tmp_path / "ae1.csv"
    first.write_text(
        "period,org_code,type,attendances,breaches,admissions\n2017-03-01,RF4,1,100,10,5\n"
    )
    second = tmp_path / "ae2.csv"
    second.write_text(
        "period,org_code,type,attendances,breaches,admissions\n"
        "2017-03-01,RF4,1,120,10,5\n2017-04-01,RF4,1,90,9,4\n"
    )
    ingest_file("ae", first, SYSTEM)
    report = ingest_file("ae", second, SYSTEM)
    assert (report.created, report.updated, report.unchanged) == (1, 1, 0)
    assert AEAttendance.objects.get(period="2017-03-01").attendances == 120


def test_only_administrators_may_ingest(make_user, reference_dir):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        ingest_file("trusts", reference_dir / "nhs_trusts.csv", make_user("commissioner"))
    assert not Organisation.objects.filter(code="RJD").exists()


def test_fetch_lands_the_file_unchanged_with_its_checksum(reference_dir, tmp_path):
    fetched = fetch("trusts", reference_dir / "nhs_trusts.csv", tmp_path)
    assert fetched.path.read_bytes() == (reference_dir / "nhs_trusts.csv").read_bytes()
    assert fetched.path.name.startswith(fetched.sha256[:12])
    assert fetch("trusts", reference_dir / "nhs_trusts.csv", tmp_path).path == fetched.path
