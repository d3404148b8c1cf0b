"""Importing what is published nationally about each trust (issue 21, part 3): the SHMI
trust-level data file, the CQC's latest ratings and the NHS Oversight Framework's league table.
Good files, and files broken in each way a real download can be: a missing column, a suppressed
value, a renamed trust, a provider code that does not exist. Fetch is separate from ingest,
the same file twice changes nothing, a bad file stores nothing, and the SHMI bands are
recomputed from the published deaths with the agreement reported."""

from __future__ import annotations

import csv
import zipfile

import pytest
from typer.testing import CliRunner

from commissioning.cli import app
from commissioning.organisations.permissions import SYSTEM
from commissioning.reference.models import (
    CqcRating,
    IngestedFile,
    OversightSegment,
    PublishedShmi,
)
from commissioning.reference.parsers import IngestError
from commissioning.reference.services import ingest_file

pytestmark = pytest.mark.django_db

SHMI_HEADER = ["TIME_PERIOD", "PROVIDER_CODE", "PROVIDER_NAME", "SHMI_VALUE", "SHMI_BANDING",
               "SPELLS", "OBSERVED", "EXPECTED"]  # fmt: skip


def write(path, header, rows):
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        out.writerows(rows)
    return path


def shmi_rows(reference_dir, n=None):
    with (reference_dir / "synthetic_shmi_trust_level.csv").open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))[1:]
    return rows[:n] if n else rows


def test_the_shmi_file_is_ingested_and_its_bands_recomputed(trusts, reference_dir):
    report = ingest_file("shmi", reference_dir / "synthetic_shmi_trust_level.csv", SYSTEM,
                         source="synthetic demo file")  # fmt: skip
    assert report.rows == PublishedShmi.objects.count() == 392
    assert report.agreement.compared == 392
    # the synthetic bands were made with the platform's own funnel: they must all agree
    assert report.agreement.agreed == 392
    assert "392 of 392 agree (100.0%)" in report.summary()
    latest = PublishedShmi.objects.get(provider_code="RJE", period="APR25_MAR26")
    assert (latest.band, latest.recomputed_band, latest.synthetic) == (1, 1, True)
    assert latest.period_start.isoformat() == "2025-04-01"
    assert latest.period_end.isoformat() == "2026-03-31"
    again = ingest_file("shmi", reference_dir / "synthetic_shmi_trust_level.csv", SYSTEM)
    assert again.already_ingested


def test_a_band_that_disagrees_is_reported_not_hidden(trusts, reference_dir, tmp_path):
    rows = shmi_rows(reference_dir)
    flipped = next(i for i, r in enumerate(rows) if r[4] == "2")
    rows[flipped][4] = "1.0"  # as the publisher sometimes writes it
    report = ingest_file("shmi", write(tmp_path / "shmi.csv", SHMI_HEADER, rows), SYSTEM)
    assert (report.agreement.compared, report.agreement.agreed) == (392, 391)
    period, code = rows[flipped][0], rows[flipped][1]
    assert report.agreement.differing == ((period, code, 1, 2),)
    assert f"{code} {period} (published 1, ours 2)" in report.summary()


def test_suppressed_values_are_kept_missing_and_left_out_of_the_recomputation(
    trusts, reference_dir, tmp_path
):
    rows = shmi_rows(reference_dir)
    rows[0][3:8] = ["*", "*", "*", "**", ""]
    report = ingest_file("shmi", write(tmp_path / "shmi.csv", SHMI_HEADER, rows), SYSTEM)
    kept = PublishedShmi.objects.get(period=rows[0][0], provider_code=rows[0][1])
    assert (kept.observed, kept.expected, kept.shmi, kept.band, kept.recomputed_band) == (
        None, None, None, None, None
    )  # fmt: skip
    assert report.agreement.compared == 391


def test_a_renamed_trust_is_matched_by_its_code(trusts, reference_dir, tmp_path):
    rows = shmi_rows(reference_dir, 5)
    rows[0][2] = "A NEW NAME AFTER A MERGER NHS TRUST"
    ingest_file("shmi", write(tmp_path / "shmi.csv", SHMI_HEADER, rows), SYSTEM)
    row = PublishedShmi.objects.get(provider_code=rows[0][1], period=rows[0][0])
    assert row.published_name == "A NEW NAME AFTER A MERGER NHS TRUST"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda header, rows: (header[:-1], [r[:-1] for r in rows]),
         "it has no column EXPECTED"),
        (lambda header, rows: (header, [["APR22_MAR23", "ZZZ99", "NOBODY", "1", "2", "1", "1",
                                         "1"], *rows]),
         "line 2, field 'PROVIDER_CODE': ZZZ99 is not an organisation in the ODS directory"),
        (lambda header, rows: (header, [[*rows[0][:6], "many", rows[0][7]], *rows[1:]]),
         "line 2, field 'OBSERVED': must be a number or suppressed"),
        (lambda header, rows: (header, [[*rows[0][:4], "4", *rows[0][5:]], *rows[1:]]),
         "line 2, field 'SHMI_BANDING': must be 1, 2 or 3"),
        (lambda header, rows: (header, [["2023", *rows[0][1:]], *rows[1:]]),
         "line 2, field 'TIME_PERIOD': must be a 12-month period like APR22_MAR23"),
        (lambda header, rows: (header, [rows[0], rows[0], *rows[1:]]),
         "line 3, field 'PROVIDER_CODE'"),
    ],
)  # fmt: skip
def test_a_broken_shmi_file_is_refused_whole_naming_line_and_column(
    trusts, reference_dir, tmp_path, change, expected
):
    header, rows = change(list(SHMI_HEADER), shmi_rows(reference_dir, 10))
    with pytest.raises(IngestError) as refused:
        ingest_file("shmi", write(tmp_path / "shmi.csv", header, rows), SYSTEM)
    assert expected in str(refused.value)
    assert not PublishedShmi.objects.exists()
    assert not IngestedFile.objects.filter(kind="shmi").exists()


CQC_HEADER = ["Provider ID", "Provider ODS Code", "Provider Name", "Provider Type",
              "Provider Primary Inspection Category", "Service / Population Group", "Domain",
              "Latest Rating", "Publication Date", "Report Type", "URL"]  # fmt: skip
LOCATION_HEADER = ["Location ID", "Location ODS Code", "Location Name", "Care Home?",
                   "Service / Population Group", "Domain", "Latest Rating", "Publication Date",
                   "Report Type", "Inherited Rating (Y/N)", "URL", "Provider ID",
                   "Provider Name"]  # fmt: skip


def cqc_providers():
    return [
        ["RJE-ID", "RJE", "University Hospitals of North Midlands", "NHS Healthcare Organisation",
         "NHS Acute", "Overall", q, r, "14/03/2025", "Provider", ""]
        for q, r in (("Overall", "Requires improvement"), ("Safe", "Inadequate"),
                     ("Effective", "Good"), ("Caring", "Good"), ("Responsive", "Good"),
                     ("Well-led", "Requires improvement"))
    ] + [
        ["CH-1", "", "A care home", "Social Care Org", "Residential", "Overall", "Overall", "Good",
         "01/02/2024", "Location", ""],
        ["RTG-ID", "RTG", "Derby Teaching Hospitals", "NHS Healthcare Organisation", "NHS Acute",
         "Overall", "Overall", "Not Rated", "01/02/2024", "Provider", ""],
    ]  # fmt: skip


def ods(path, sheets: dict[str, list[list[str]]]):
    """A minimal OpenDocument spreadsheet (what the CQC publishes), written by hand."""

    def cell(v):
        return (
            f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>'
        )

    tables = "".join(
        f'<table:table table:name="{name}">'
        + "".join("<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>"
                  for row in rows)
        + "</table:table>"
        for name, rows in sheets.items()
    )  # fmt: skip
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type='
        '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
        'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content)
        z.writestr("META-INF/manifest.xml", manifest)
    return path


def test_the_cqc_spreadsheet_gives_each_trusts_and_locations_ratings(trusts, tmp_path):
    banner = ["Latest ratings, 1 September 2026"]  # a banner row above the header
    locations = [
        ["RJE-L1", "RJE01", "Royal Stoke University Hospital", "N", "Urgent and emergency care",
         "Safe", "Requires improvement", "14/03/2025", "Location", "N", "", "RJE-ID", "UHNM"],
        ["CH-L1", "", "A care home site", "Y", "Overall", "Overall", "Good", "01/02/2024",
         "Location", "N", "", "CH-1", "A care home"],
    ]  # fmt: skip
    path = ods(tmp_path / "01_September_2026_Latest_ratings.ods", {
        "Providers": [banner, CQC_HEADER, *cqc_providers()],
        "Locations": [LOCATION_HEADER, *locations],
    })  # fmt: skip
    report = ingest_file("cqc", path, SYSTEM)
    rje = CqcRating.objects.filter(provider_code="RJE", level="provider")
    assert dict(rje.values_list("key_question", "rating")) == {
        "Overall": "Requires improvement", "Safe": "Inadequate", "Effective": "Good",
        "Caring": "Good", "Responsive": "Good", "Well-led": "Requires improvement",
    }  # fmt: skip
    site = CqcRating.objects.get(level="location")
    assert (site.ods_code, site.provider_code, site.rating) == (
        "RJE01",
        "RJE",
        "Requires improvement",
    )
    assert CqcRating.objects.get(provider_code="RTG").rating == ""  # "Not Rated"
    assert not CqcRating.objects.filter(name__icontains="care home").exists()
    assert report.rows == 8


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda rows: [r[:7] + r[8:] for r in rows], "it has no column Latest Rating"),
        (lambda rows: [rows[0], *[[r[0], "XX999" if r[1] == "RJE" else r[1], *r[2:]]
                                  for r in rows[1:]]],
         "line 2, field 'Provider ODS Code': XX999 is not an organisation in the ODS directory"),
        (lambda rows: [rows[0], rows[1], [rows[2][0], "RTG", *rows[2][2:]], *rows[3:]],
         "line 3, field 'Provider ODS Code': RTG differs from RJE"),
        (lambda rows: [rows[0], [*rows[1][:6], "Kind", *rows[1][7:]], *rows[2:]],
         "line 2, field 'Domain'"),
        (lambda rows: [rows[0], [*rows[1][:8], "March 2025", *rows[1][9:]], *rows[2:]],
         "line 2, field 'Publication Date'"),
    ],
)  # fmt: skip
def test_a_broken_cqc_file_is_refused_whole(trusts, tmp_path, change, expected):
    rows = change([CQC_HEADER, *cqc_providers()])
    path = tmp_path / "ratings.csv"
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    with pytest.raises(IngestError) as refused:
        ingest_file("cqc", path, SYSTEM)
    assert expected in str(refused.value)
    assert not CqcRating.objects.exists()


OVERSIGHT_HEADER = ["Region", "Trust_type", "Trust_subtype", "Trust_code", "Trust_name",
                    "Reporting_date", "Average_score", "Likely_range_of_average_score",
                    "Segment", "Trust_in_financial_deficit", "Rank",
                    "Likely_range_of_rank"]  # fmt: skip


def test_the_oversight_league_table_gives_each_trusts_segment(trusts, reference_dir, tmp_path):
    report = ingest_file("oversight", reference_dir / "synthetic_oversight_league_table.csv",
                         SYSTEM)  # fmt: skip
    rje = OversightSegment.objects.get(provider_code="RJE")
    assert (rje.segment, rje.in_deficit, rje.reporting_date) == (3, True, "Q2 2025/26")
    assert report.rows == OversightSegment.objects.count() == 98
    rows = [["Midlands", "Acute trust", "", "RJE", "Renamed trust", "Q3 2025/26", "2.9", "",
             "4", "No", "70", ""]]  # fmt: skip
    ingest_file("oversight", write(tmp_path / "q3.csv", OVERSIGHT_HEADER, rows), SYSTEM)
    assert list(OversightSegment.objects.filter(provider_code="RJE").values_list(
        "reporting_date", "segment")) == [("Q2 2025/26", 3), ("Q3 2025/26", 4)]  # fmt: skip


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (["M", "Acute trust", "", "RJE", "X", "Q3 2025/26", "2.9", "", "*", "No", "70", ""],
         "line 2, field 'Segment': is missing"),
        (["M", "Acute trust", "", "RJE", "X", "Q3 2025/26", "2.9", "", "6", "No", "70", ""],
         "line 2, field 'Segment': must be 1 to 5"),
        (["M", "Acute trust", "", "QQQ", "X", "Q3 2025/26", "2.9", "", "2", "No", "70", ""],
         "QQQ is not an organisation in the ODS directory"),
    ],
)  # fmt: skip
def test_a_broken_league_table_is_refused_whole(trusts, tmp_path, row, expected):
    good = ["M", "Acute trust", "", "RTG", "Y", "Q3 2025/26", "2.1", "", "2", "No", "10", ""]
    with pytest.raises(IngestError) as refused:
        ingest_file("oversight", write(tmp_path / "q3.csv", OVERSIGHT_HEADER, [good, row][::-1]),
                    SYSTEM)  # fmt: skip
    assert expected in str(refused.value)
    assert not OversightSegment.objects.exists()
    missing = write(tmp_path / "q4.csv", OVERSIGHT_HEADER[:8], [good[:8]])
    with pytest.raises(IngestError, match="it has no column Segment"):
        ingest_file("oversight", missing, SYSTEM)


def test_fetch_then_ingest_from_the_command_line(trusts, reference_dir, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    runner = CliRunner()
    shipped = reference_dir / "synthetic_shmi_trust_level.csv"
    fetched = runner.invoke(app, ["fetch", "shmi", str(shipped)])
    assert fetched.exit_code == 0, fetched.output
    assert not PublishedShmi.objects.exists()  # fetching stores nothing
    landed = next((tmp_path / "landing" / "shmi").iterdir())
    done = runner.invoke(app, ["ingest", "shmi", str(landed)])
    assert done.exit_code == 0, done.output
    assert "392 of 392 agree" in " ".join(done.output.split())
