"""The right chart for each line (issue 21, part 2), as people and tools meet it: the command
line's ``--chart``, the line's page choosing its chart from what it measures (and a
commissioner choosing another), proportions recorded as numerator and denominator on the page
and in a CSV, and rare events recorded one per event."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from typer.testing import CliRunner

from commissioning.audit.models import Revision
from commissioning.cli import app
from commissioning.engine.quality.charts import ChartOptions, chart_reference
from commissioning.quality import queries
from commissioning.quality import services as q
from commissioning.quality.models import QualityMeasurement

TODAY = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)
ORANGE_JUICE = [12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22, 8, 10, 5, 13, 11, 20, 18,
                24, 15, 9, 12, 7, 13, 9, 6]  # fmt: skip


def test_the_command_line_draws_a_p_chart_from_numerators_and_denominators(tmp_path):
    path = tmp_path / "cans.csv"
    path.write_text("sample,bad,cans\n" + "".join(
        f"{i},{x},50\n" for i, x in enumerate(ORANGE_JUICE, start=1)))  # fmt: skip
    result = CliRunner().invoke(app, ["quality", "spc", str(path), "--value", "bad",
                                      "--denominator", "cans", "--period", "sample",
                                      "--chart", "p"])  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["options"]["chart"] == "p" and document["method"].startswith("p chart")
    first = document["points"][0]
    assert first["mean"] == pytest.approx(0.2313, abs=5e-5)
    assert first["upl"] == pytest.approx(0.4102, abs=5e-5)
    assert [p["period"] for p in document["points"] if p["rule"] == "outside_limits"] == [15, 23]


def test_the_command_line_asks_for_the_denominator_a_p_chart_needs(tmp_path):
    path = tmp_path / "cans.csv"
    path.write_text("sample,bad\n1,3\n")
    result = CliRunner().invoke(app, ["quality", "spc", str(path), "--value", "bad",
                                      "--chart", "p_prime"])  # fmt: skip
    assert result.exit_code == 2 and "--denominator" in result.output


@pytest.mark.django_db
def test_a_proportion_line_is_recorded_and_charted_as_a_p_chart(cycle, client):
    contract = cycle.signed().contract
    e = cycle.e
    item = contract.quality_schedule.get(title="Brain imaging within 1 hour of arrival")
    with pytest.raises(PermissionDenied):
        q.choose_chart(item, q.ChartChoice("proportion", 100, ""), e.provider)
    with pytest.raises(ValidationError) as refused:
        q.choose_chart(item, q.ChartChoice("value", 0, "u"), e.quality_lead)
    assert set(refused.value.message_dict) == {"per", "chart"}
    q.choose_chart(item, q.ChartChoice("proportion", 100, ""), e.quality_lead)
    item.refresh_from_db()
    assert Revision.objects.filter(object_type="contracts.qualityscheduleitem",
                                   object_id=str(item.pk), action="update").exists()  # fmt: skip

    client.force_login(e.provider)
    page = f"/quality/schedule/{item.pk}/"
    with time_machine.travel(TODAY, tick=False):
        entered = client.post(page, {"form": "entry", "month": "2026-05", "numerator": "183",
                                     "denominator": "200"}, follow=True)  # fmt: skip
        assert entered.status_code == 200
        upload = SimpleUploadedFile("figures.csv", b"month,numerator,denominator\n"
                                    b"2026-06,170,200\n2026-07,190,210\n")  # fmt: skip
        client.post(page, {"form": "upload", "file": upload})
        refused = client.post(page, {"form": "entry", "month": "2026-08", "numerator": "201",
                                     "denominator": "200"})  # fmt: skip
    assert "The numerator (201) is more than the denominator (200)" in refused.content.decode()
    stored = list(QualityMeasurement.objects.filter(item=item).order_by("period"))
    assert [(m.value, m.numerator, m.denominator) for m in stored] == [
        (Decimal("91.5"), 183, 200), (Decimal("85"), 170, 200),
        (Decimal("90.476"), 190, 210),
    ]  # fmt: skip

    points, icons, _ = queries.schedule_spc(item)
    assert icons["chart"] == "p"
    expected, _ = chart_reference(
        [("x", m.period, float(m.numerator), float(m.denominator)) for m in stored],
        ChartOptions(chart="p", improvement="increase", target=90.0, per=100),
    )
    assert [p["upl"] for p in points] == pytest.approx([p.upl for p in expected])
    assert points[0]["value"] == pytest.approx(91.5)

    client.force_login(e.quality_lead)
    shown = client.get(page).content.decode()
    assert "p chart (proportion)" in shown and "Chosen from what the line measures" in shown
    assert "Change what the line measures, or its chart" in shown
    client.force_login(e.provider)
    assert "Change what the line measures" not in client.get(page).content.decode()

    # a commissioner may choose another chart; it is said to be chosen for this line
    client.force_login(e.quality_lead)
    chosen = client.post(page, {"form": "chart", "measures": "proportion", "per": "100",
                                "chart": "p_prime"}, follow=True)  # fmt: skip
    assert "p′ chart" in chosen.content.decode() and "Chosen for this line" in (
        chosen.content.decode()
    )
    csv_text = client.get(f"/quality/schedule/{item.pk}/figures.csv").content.decode()
    assert "p′ chart" in csv_text


@pytest.mark.django_db
def test_rare_events_are_recorded_one_per_event_on_a_g_chart(cycle):
    contract = cycle.signed().contract
    e = cycle.e
    item = contract.quality_schedule.order_by("pk").first()
    q.choose_chart(item, q.ChartChoice("cases_between", 1, ""), e.quality_lead)
    item.refresh_from_db()
    rows = [q.MeasurementInput(dt.date(2026, 5, 3), Decimal(120)),
            q.MeasurementInput(dt.date(2026, 5, 20), Decimal(45)),
            q.MeasurementInput(dt.date(2026, 8, 9), Decimal(300))]  # fmt: skip
    with time_machine.travel(TODAY, tick=False):
        assert q.record_measurements(item, rows, "entered", e.provider)["added"] == 3
        with pytest.raises(ValidationError) as refused:
            q.record_measurements(
                item, [q.MeasurementInput(dt.date(2026, 11, 20), Decimal(5))], "entered", e.provider
            )
    assert "20 November 2026 is in the future" in " ".join(refused.value.messages)
    periods = list(QualityMeasurement.objects.filter(item=item).values_list("period", flat=True))
    assert periods == [dt.date(2026, 5, 3), dt.date(2026, 5, 20), dt.date(2026, 8, 9)]
    points, icons, _ = queries.schedule_spc(item)
    assert icons["chart"] == "g"
    mean = (120 + 45 + 300) / 3
    assert points[0]["mean"] == pytest.approx(mean)
    assert points[0]["upl"] == pytest.approx(mean + 3 * (mean * (mean + 1)) ** 0.5)
