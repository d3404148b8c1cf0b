"""Monthly figures against a contract's quality schedule: the target rule, recording and
uploading (all or nothing, audited), the role × action matrix, and the SPC pages and exports
checked against the reference SPC engine."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from commissioning import clock
from commissioning.audit.models import Revision
from commissioning.engine.quality.spc import SpcOptions, spc_reference
from commissioning.quality import services as q
from commissioning.quality.models import QualityMeasurement
from commissioning.quality.permissions import Action, can

pytestmark = pytest.mark.django_db
MONTHS = [dt.date(2024 + (10 + i) // 12, (10 + i) % 12 + 1, 1) for i in range(24)]  # Nov 24 on


@pytest.fixture
def schedule(cycle):
    contract = cycle.signed().contract
    # a contract in its third year, so that two years of monthly figures fall within its term
    type(contract).objects.filter(pk=contract.pk).update(start_date=dt.date(2024, 4, 1))
    contract.refresh_from_db()
    imaging = contract.quality_schedule.get(title="Brain imaging within 1 hour of arrival")
    return cycle.e, contract, imaging


def _rows(values):
    return [q.MeasurementInput(m, Decimal(str(v))) for m, v in zip(MONTHS, values, strict=False)]


def test_recording_correcting_and_the_audit_trail(schedule):
    e, _, item = schedule
    counts = q.record_measurements(item, _rows([93.1, 94.0]), "entered", e.provider)
    assert counts == {"added": 2, "corrected": 0, "unchanged": 0}
    counts = q.record_measurements(item, _rows([93.1, 91.5]), "entered", e.contract_manager)
    assert counts == {"added": 0, "corrected": 1, "unchanged": 1}
    m = QualityMeasurement.objects.get(item=item, period=MONTHS[1])
    assert m.value == Decimal("91.500") and m.recorded_by == e.contract_manager
    change = Revision.objects.filter(object_type="quality.qualitymeasurement",
                                     object_id=str(m.pk), action="update").get()  # fmt: skip
    assert change.diff["value"] == ["94.000", "91.500"]


def test_one_bad_row_refuses_the_whole_upload(schedule):
    e, _, item = schedule
    with pytest.raises(ValidationError) as refused:
        q.record_measurements(
            item,
            [*_rows([90, 91]), q.MeasurementInput(MONTHS[0], Decimal(92)),
             q.MeasurementInput(dt.date(2099, 1, 1), Decimal(1))],
            "uploaded",
            e.provider,
        )  # fmt: skip
    text = " ".join(refused.value.messages)
    assert "November 2024 is given more than once" in text
    assert "January 2099 has not ended yet" in text
    assert not QualityMeasurement.objects.exists()
    with pytest.raises(ValidationError, match="Enter the figure as a number"):
        q.record_measurements(item, [q.MeasurementInput(MONTHS[0], None)], "entered", e.provider)


def test_a_file_of_figures_is_read_or_refused_naming_row_and_column():
    rows = q.parse_measurements("\ufeffMonth,Value\n2025-01,91.5\n2025-02-01, 92 \n\n2025-03,88%\n")
    assert [(r.period, r.value) for r in rows] == [
        (dt.date(2025, 1, 1), Decimal("91.5")),
        (dt.date(2025, 2, 1), Decimal("92")),
        (dt.date(2025, 3, 1), Decimal("88")),
    ]
    with pytest.raises(ValidationError) as bad:
        q.parse_measurements("month,value\n2025-13,91\n2025-02,ninety\n2025-03,NaN\n")
    messages = bad.value.message_dict["file"]
    assert messages == [
        "In row 2 (the header is row 1), column month: 2025-13 is not a month (write it as "
        "2026-04)",
        "In row 3 (the header is row 1), column value: ninety is not a number",
        "In row 4 (the header is row 1), column value: NaN is not a number",
    ]
    with pytest.raises(ValidationError, match="missing: value"):
        q.parse_measurements("month,figure\n2025-01,1\n")
    with pytest.raises(ValidationError, match="no rows"):
        q.parse_measurements("month,value\n")


RECORDERS = {
    "commissioner",
    "deputy",
    "contract_manager",
    "quality_lead",
    "provider",
    "other_commissioner",
}


def test_who_may_record_a_contracts_figures(schedule):
    e, _, item = schedule
    for role, user in e.users.items():
        allowed = can(user, Action.RECORD_MEASUREMENT, item)
        assert allowed == (role in RECORDERS), role
        if not allowed:
            with pytest.raises(PermissionDenied):
                q.record_measurements(item, _rows([90]), "entered", user)
    assert not QualityMeasurement.objects.exists()


def test_pages_show_the_spc_of_the_schedule_and_export_it(client, schedule):
    e, contract, item = schedule
    values = [94, 95, 93.5, 94.5, 95, 94, 93, 95.5, 94, 94.5, 95, 94, 93.5, 94, 95, 94.5, 86,
              85.5, 86, 85, 86.5, 85, 84.5, 86]  # fmt: skip
    q.record_measurements(item, _rows(values), "uploaded", e.provider)
    client.force_login(e.finance_lead)  # may look, may not record
    page = client.get(reverse("quality-contract", args=[contract.pk])).content.decode()
    assert "Needs attention" in page and "Brain imaging within 1 hour of arrival" in page
    detail = client.get(reverse("quality-item", args=[item.pk])).content.decode()
    assert "Record figures" not in detail
    assert "Target read from the threshold" in detail
    # Eight months in a row below the mean from March 2026: a shift the wrong way. The limits
    # are not recalculated onto it (that would make the fall common cause): it stays a concern.
    assert "Special cause variation: concern" in detail
    assert "The process has changed" not in detail
    assert client.post(reverse("quality-item", args=[item.pk]),
                       {"month": "2026-11", "value": "1"}).status_code == 403  # fmt: skip
    exported = pl.read_csv(client.get(reverse("quality-item-csv", args=[item.pk])).content,
                           try_parse_dates=True)  # fmt: skip
    reference, _ = spc_reference([("x", m, float(v)) for m, v in zip(MONTHS, values, strict=True)],
                                 SpcOptions(improvement="increase", target=90.0,
                                            recalculate_on_shift=True))  # fmt: skip
    assert exported["mean"].to_list() == pytest.approx([p.mean for p in reference])
    assert exported["upl"].to_list() == pytest.approx([p.upl for p in reference])
    assert exported["point_type"].to_list() == [p.point_type for p in reference]
    assert exported["phase"].to_list() == [1] * 24
    assert exported["target"].unique().to_list() == [90.0]
    whole = pl.read_csv(client.get(reverse("quality-contract-csv", args=[contract.pk])).content)
    assert whole.filter(pl.col("line") == item.pk).height == 24
    svg = client.get(reverse("quality-item-chart", args=[item.pk, "svg"]))
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content[:500]
    png = client.get(reverse("quality-item-chart", args=[item.pk, "png"]))
    assert png.content[:4] == b"\x89PNG"
    empty = contract.quality_schedule.exclude(pk=item.pk).first()
    assert client.get(reverse("quality-item-chart", args=[empty.pk, "svg"])).status_code == 404


def test_recording_and_uploading_on_the_page(client, schedule):
    e, _, item = schedule
    url = reverse("quality-item", args=[item.pk])
    client.force_login(e.provider)
    bad = client.post(url, {"form": "entry", "month": "October", "value": "x"})
    body = bad.content.decode()
    assert bad.status_code == 200 and "There is a problem" in body
    assert "Enter the month as year and month" in body and "Enter the figure as a number" in body
    future = client.post(url, {"form": "entry", "month": "2099-01", "value": "9"}).content.decode()
    assert "January 2099 has not ended yet" in future
    done = client.post(url, {"form": "entry", "month": "2025-01", "value": "91.5"}, follow=True)
    assert "Figures recorded: 1 added" in done.content.decode()
    upload = SimpleUploadedFile("figures.csv", b"month,value\n2025-01,92\n2025-02,bad\n")
    refused = client.post(url, {"form": "upload", "file": upload}).content.decode()
    assert "In row 3 (the header is row 1), column value: bad is not a number" in refused
    assert QualityMeasurement.objects.get(item=item).value == Decimal("91.5")  # nothing changed
    upload = SimpleUploadedFile("figures.csv", b"month,value\n2025-01,92\n2025-02,93\n")
    done = client.post(url, {"form": "upload", "file": upload}, follow=True).content.decode()
    assert "Figures recorded: 1 added, 1 corrected" in done
    assert QualityMeasurement.objects.filter(item=item, source="uploaded").count() == 2


def test_a_rival_bidder_never_sees_another_providers_contract_quality(client, schedule):
    """Issue 16, finding 3: the contract was refused to a rival provider but its quality pages,
    figures and exports were not. They follow the contract's own policy now."""
    e, contract, item = schedule
    q.record_measurements(item, _rows([93.1, 94.0, 92.2]), "entered", e.provider)
    pages = [
        reverse("quality-contract", args=[contract.pk]),
        reverse("quality-contract-csv", args=[contract.pk]),
        reverse("quality-item", args=[item.pk]),
        reverse("quality-item-csv", args=[item.pk]),
        reverse("quality-item-chart", args=[item.pk, "svg"]),
        reverse("quality-item-chart", args=[item.pk, "png"]),
    ]
    client.force_login(e.rival)
    assert client.get(reverse("contract", args=[contract.pk])).status_code == 403
    for url in pages:
        response = client.get(url)
        assert response.status_code == 403, url
        assert contract.reference not in response.content.decode(errors="replace"), url
    provider_page = client.get(reverse("quality-provider", args=[e.rje.code])).content.decode()
    assert contract.reference not in provider_page
    assert client.post(pages[2], {"month": "2025-01", "value": "1"}).status_code == 403
    for user in (e.provider, e.contract_manager, e.quality_lead):
        client.force_login(user)
        for url in pages:
            assert client.get(url).status_code == 200, (user.username, url)
        page = client.get(reverse("quality-provider", args=[e.rje.code])).content.decode()
        assert contract.reference in page


@pytest.mark.parametrize(
    ("csv_text", "message"),
    [
        (b"month,value\n2025-01,99999999999.9999\n",
         "Enter a number between -99,999,999,999.999 and 99,999,999,999.999"),
        (b"month,value\n0001-01,5\n", "Enter a month from January 2000 onwards"),
        (b"month,value\n2025-01,5\n2025-02,\"6\0\"\n",
         "In row 3 (the header is row 1), column value: 6\x00 is not a number"),
        (b"month,value\n2025-01,5\n2025-02,\"" + b"9" * 140_000 + b"\"\n",
         "In row 3 (the header is row 1): the file is not a CSV file that can be read "
         "(field larger than field limit"),
    ],
)  # fmt: skip
def test_one_figure_cannot_break_a_contracts_quality_pages(client, schedule, csv_text, message):
    """Issue 16, finding 4: a value that rounded beyond the column's 14 digits, or a month of
    0001-01, was stored and then five quality URLs of the contract answered 500; a malformed
    CSV raised csv.Error. Each is now a message naming the row and the limit, and nothing is
    stored."""
    e, contract, item = schedule
    client.force_login(e.provider)
    url = reverse("quality-item", args=[item.pk])
    upload = SimpleUploadedFile("figures.csv", csv_text)
    refused = client.post(url, {"form": "upload", "file": upload})
    assert refused.status_code == 200
    assert message in refused.content.decode()
    assert not QualityMeasurement.objects.filter(item=item).exists()
    for page in (
        url,
        reverse("quality-contract", args=[contract.pk]),
        reverse("quality-contract-csv", args=[contract.pk]),
        reverse("quality-item-csv", args=[item.pk]),
    ):
        assert client.get(page).status_code == 200


def test_the_largest_figure_that_fits_is_kept_exactly(schedule):
    e, _, item = schedule
    item.threshold = "Reported each month"  # a figure with no plausible range of its own
    item.save()
    q.record_measurements(
        item, [q.MeasurementInput(MONTHS[0], Decimal("99999999999.9994"))], "entered", e.provider
    )
    assert QualityMeasurement.objects.get(item=item).value == Decimal("99999999999.999")
    with pytest.raises(ValidationError) as refused:
        q.record_measurements(
            item, [q.MeasurementInput(MONTHS[1], Decimal("-99999999999.9995"))], "entered",
            e.provider,
        )  # fmt: skip
    assert "at most 11 digits before the decimal point" in str(refused.value)


def test_an_implausible_figure_or_a_month_not_yet_over_is_refused_naming_the_field(schedule):
    """Issue 18: a "% within 60 minutes" of 150, or of −5, was accepted and plotted; so was a
    figure for a month three days old."""
    e, _, item = schedule
    assert "%" in item.threshold
    for value in ("150", "-5"):
        with pytest.raises(ValidationError) as refused:
            q.record_measurements(
                item, [q.MeasurementInput(MONTHS[0], Decimal(value))], "entered", e.provider
            )
        assert list(refused.value.message_dict) == ["value"]
        assert "A percentage is from 0 to 100" in refused.value.message_dict["value"][0]
    this_month = clock.today().replace(day=1)
    with pytest.raises(ValidationError) as refused:
        q.record_measurements(
            item, [q.MeasurementInput(this_month, Decimal(90))], "entered", e.provider
        )
    assert "has not ended yet" in refused.value.message_dict["period"][0]
    assert not QualityMeasurement.objects.exists()


def test_a_bad_row_has_the_same_number_on_the_web_and_on_the_command_line(
    client, schedule, tmp_path
):
    """Issue 18: the web counted the header as row 1, the command line the first row of data.
    Both now give the row the spreadsheet shows, and say how they count."""
    from typer.testing import CliRunner

    from commissioning.cli import app

    csv_text = "month,value\n2025-01,91\n2025-02,92\n2025-03,lots\n2025-04,90\n"
    where = "row 4 (the header is row 1), column"  # the fourth line of the file
    e, _, item = schedule
    client.force_login(e.provider)
    upload = SimpleUploadedFile("figures.csv", csv_text.encode())
    page = client.post(reverse("quality-item", args=[item.pk]), {"form": "upload", "file": upload})
    assert f"In {where} value: lots is not a number" in page.content.decode()
    path = tmp_path / "figures.csv"
    path.write_text(csv_text)
    result = CliRunner().invoke(
        app, ["quality", "spc", str(path), "--value", "value", "--period", "month"]
    )
    assert result.exit_code == 2
    assert f"{where} 'value': 'lots' is not a number" in result.output
