"""The ``commissioning`` command: synth, ingest and audit verify."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from commissioning.cli import app

runner = CliRunner()


def test_synth_writes_parquet_and_reports(tmp_path):
    result = runner.invoke(
        app,
        ["synth", "--spells", "3000", "--years", "1", "--seed", "3", "--out", str(tmp_path),
         "--areas", "100", "--inject", "RJE:2021-06:3"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Wrote 3,000 spells" in result.output
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["config"]["injections"][0]["provider"] == "RJE"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--inject", "RJE-2021-06-3"], "PROVIDER:YYYY-MM:ODDS_RATIO"),
        (["--spells", "0"], "--spells-per-year"),
        (["--years", "0"], "--years"),
        (["--inject", "ZZZ:2021-06:2"], "not one of the synthetic economy's acute providers"),
    ],
)
def test_synth_bad_input_is_explained(tmp_path, args, message):
    result = runner.invoke(app, ["synth", "--out", str(tmp_path), "--spells", "1000", *args])
    assert result.exit_code == 1
    assert message in " ".join(result.output.split())


@pytest.mark.django_db
def test_ingest_rejects_a_bad_file_with_line_and_field(tmp_path):
    bad = tmp_path / "pop.csv"
    bad.write_text("sex,Code,Name,Geography,age,count\nmales,E92000001,ENGLAND,Country,5,-2\n")
    result = runner.invoke(app, ["ingest", "population", str(bad)])
    assert result.exit_code == 1
    assert "nothing was stored" in result.output
    assert "line 2, field 'count'" in result.output


@pytest.mark.django_db
def test_ingest_then_verify(reference_dir):
    result = runner.invoke(app, ["ingest", "trusts", str(reference_dir / "nhs_trusts.csv")])
    assert result.exit_code == 0 and "241 new" in result.output
    again = runner.invoke(app, ["ingest", "trusts", str(reference_dir / "nhs_trusts.csv")])
    assert "already ingested; nothing changed" in again.output
    verify = runner.invoke(app, ["audit", "verify"])
    assert verify.exit_code == 0 and "242 revisions checked" in verify.output


@pytest.mark.django_db
def test_verify_reports_the_first_broken_link():
    from django.db import connection, transaction

    from commissioning.audit.chain import record
    from commissioning.audit.models import Revision
    from commissioning.organisations.permissions import SYSTEM

    for i in range(3):
        with transaction.atomic():
            record(SYSTEM, "event", object_type="t", object_id=str(i))
    from tests.integration.test_audit import _bypass_database_guard

    _bypass_database_guard()
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Revision._meta.db_table} SET object_id = 'x' WHERE seq = 2")  # noqa: S608
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 2
    assert "broken at revision 2" in result.output


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "given", "expected"),
    [
        ("trusts", "ons_uk_population_2023.csv", "is not an ODS etr file of NHS trusts"),
        ("trusts", "ae_attendances.csv", "is not an ODS etr file of NHS trusts"),
        ("ae", "nhs_trusts.csv", "is not a file of monthly A&E attendances"),
        ("population", "nhs_outcomes_framework.csv", "is not an ONS file of population"),
        ("outcomes", "ae_attendances.csv", "is not an NHS Outcomes Framework file"),
    ],
)
def test_ingest_of_the_wrong_file_says_so_in_one_line_and_stores_nothing(
    reference_dir, kind, given, expected
):
    from commissioning.audit.models import Revision
    from commissioning.organisations.models import Organisation
    from commissioning.reference.models import IngestedFile

    result = runner.invoke(app, ["ingest", kind, str(reference_dir / given)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"Error: {given} {expected}")
    assert lines[0].endswith("nothing was stored")
    assert not (IngestedFile.objects.exists() or Organisation.objects.exists())
    assert not Revision.objects.exists()


def test_fetch_refuses_a_kind_it_does_not_know_and_writes_nothing(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    source = tmp_path / "widgets.csv"
    source.write_text("widget,colour\nsprocket,red\n")
    result = runner.invoke(app, ["fetch", "widgets", str(source)])
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert str(source) in message and "'widgets'" in message
    assert "it takes trusts, ae, population, outcomes" in message
    assert "nothing was written" in message
    assert not (tmp_path / "data").exists()
