"""FHIR R4 for the quality schedule (issue 21): each line a Measure, each figure a summary
MeasureReport, both ways through the API, as a provider's quality system would send them.

Every resource the platform writes is checked with the FHIR models of ``fhir.resources``; the
reports a provider sends are recorded by the same service as the page and the CSV upload, so
the same report twice stores one figure and a correction keeps the old value in the audit
trail."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
import time_machine
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.measure import Measure
from fhir.resources.R4B.measurereport import MeasureReport

from commissioning.audit.models import Revision
from commissioning.quality import fhir
from commissioning.quality.models import QualityMeasurement
from tests.bearer import bearer

pytestmark = pytest.mark.django_db
TODAY = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)
MEDIA = "application/fhir+json"


@pytest.fixture
def signed(cycle):
    contract = cycle.signed().contract
    return cycle.e, contract


def send(client, body, user):
    return client.post("/api/v1/fhir/MeasureReport", json.dumps(body), content_type=MEDIA,
                       **bearer(user))  # fmt: skip


def report(item, month: str, score=None, numerator=None, denominator=None, **changes) -> dict:
    year, number = (int(x) for x in month.split("-"))
    end = (dt.date(year + number // 12, number % 12 + 1, 1) - dt.timedelta(days=1)).isoformat()
    group: dict = {}
    if score is not None:
        group["measureScore"] = {"value": score}
    population = [(code, count) for code, count in (("numerator", numerator),
                  ("denominator", denominator)) if count is not None]  # fmt: skip
    if population:
        group["population"] = [
            {"code": {"coding": [{"system": fhir.POPULATION, "code": code}]}, "count": count}
            for code, count in population
        ]
    resource = {
        "resourceType": "MeasureReport",
        "status": "complete",
        "type": "summary",
        "measure": fhir.measure_url(item),
        "reporter": {"identifier": {"system": fhir.ODS_SYSTEM, "value": "RJE"}},
        "period": {"start": f"{month}-01", "end": end},
        "group": [group],
    }
    resource.update(changes)
    return resource


def bundle(*reports) -> dict:
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": r} for r in reports]}  # fmt: skip


def expressions(answer) -> list[str]:
    body = answer.json()
    assert body["resourceType"] == "OperationOutcome"
    return [e for issue in body["issue"] for e in issue.get("expression", [])]


def test_the_models_are_r4s_elements_exactly():
    """fhir.resources has no R4 package; its R4B Measure and MeasureReport must have exactly
    R4's elements, or what we write could stop being R4 unnoticed (decision 058)."""
    for model, name in ((Measure, "Measure"), (MeasureReport, "MeasureReport")):
        fields = {f.alias or n for n, f in model.model_fields.items()}
        elements = {
            f
            for f in fields
            if not f.endswith("__ext") and not f.startswith("_") and f != "fhir_comments"
        }
        elements -= {"resourceType"}
        assert elements == fhir.R4_ELEMENTS[name], name


def test_each_schedule_line_is_a_valid_measure_and_the_contract_a_bundle(client, signed):
    e, contract = signed
    answer = client.get(f"/api/v1/fhir/Measure?contract={contract.pk}", **bearer(e.quality_lead))
    assert answer.status_code == 200 and answer["Content-Type"] == MEDIA
    found = Bundle.model_validate(answer.json())
    lines = list(contract.quality_schedule.order_by("pk"))
    assert found.type == "searchset" and found.total == len(lines) > 0
    for entry, item in zip(found.entry, lines, strict=True):
        measure = Measure.model_validate(entry.resource.model_dump())
        assert measure.url == fhir.measure_url(item) == entry.fullUrl
        assert measure.title == item.title
        assert str(measure.effectivePeriod.start) == contract.start_date.isoformat()
        assert str(measure.effectivePeriod.end) == contract.end_date.isoformat()
        assert measure.scoring.coding[0].system == fhir.SCORING
    imaging = contract.quality_schedule.get(title="Brain imaging within 1 hour of arrival")
    one = client.get(f"/api/v1/fhir/Measure/quality-schedule-line-{imaging.pk}",
                     **bearer(e.commissioner)).json()  # fmt: skip
    # "at least 90%": higher is better, and the target is the threshold's number
    assert one["improvementNotation"]["coding"][0]["code"] == "increase"
    assert one["extension"] == [{"url": fhir.target_extension(), "valueQuantity": {"value": 90}}]
    assert "at least 90%" in one["guidance"]


def test_a_provider_posts_a_month_of_figures_and_the_quality_lead_sees_them_charted(client, signed):
    e, contract = signed
    lines = list(contract.quality_schedule.order_by("pk"))
    months = ["2026-06", "2026-07", "2026-08", "2026-09"]
    sent = bundle(*[report(item, m, score=90 + i) for item in lines
                    for i, m in enumerate(months)])  # fmt: skip
    with time_machine.travel(TODAY, tick=False):
        first = send(client, sent, e.provider)
        figures = Revision.objects.filter(object_type="quality.qualitymeasurement")
        audited = figures.count()
        again = send(client, sent, e.provider)
    assert first.status_code == 200, first.content
    n = len(lines) * len(months)
    assert (
        f"Figures recorded: {n} added, 0 corrected, 0 unchanged"
        in (first.json()["issue"][0]["diagnostics"])
    )
    assert f"0 added, 0 corrected, {n} unchanged" in again.json()["issue"][0]["diagnostics"]
    assert QualityMeasurement.objects.filter(item__contract=contract).count() == n
    assert figures.count() == audited  # the same post twice changes nothing
    assert set(QualityMeasurement.objects.values_list("source", flat=True)) == {"fhir"}

    # the quality lead sees them on the contract's charts
    item = lines[0]
    chart = client.get(f"/api/v1/quality/schedule/{item.pk}", **bearer(e.quality_lead)).json()
    assert [p["month"] for p in chart["spc"]] == months
    assert [float(p["value"]) for p in chart["spc"]] == [90, 91, 92, 93]
    client.force_login(e.quality_lead)
    page = client.get(f"/quality/schedule/{item.pk}/")
    assert page.status_code == 200 and "Sep 2026" in page.content.decode()

    # and exported as MeasureReports, which are valid and come back unchanged
    exported = client.get(f"/api/v1/fhir/MeasureReport?measure={fhir.measure_url(item)}",
                          **bearer(e.commissioner))  # fmt: skip
    reports = Bundle.model_validate(exported.json())
    assert [str(r.resource.period.start) for r in reports.entry] == [f"{m}-01" for m in months]
    for entry in reports.entry:
        MeasureReport.model_validate(entry.resource.model_dump())
    resent = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": entry["resource"]} for entry in exported.json()["entry"]],
    }
    with time_machine.travel(TODAY, tick=False):
        back = send(client, resent, e.provider)
    assert "0 added, 0 corrected, 4 unchanged" in back.json()["issue"][0]["diagnostics"]


def test_a_correction_keeps_the_old_value_in_the_audit_trail(client, signed):
    e, contract = signed
    item = contract.quality_schedule.order_by("pk").first()
    with time_machine.travel(TODAY, tick=False):
        send(client, report(item, "2026-09", score=94), e.provider)
        corrected = send(client, report(item, "2026-09", score=91.5), e.provider)
    assert "0 added, 1 corrected, 0 unchanged" in corrected.json()["issue"][0]["diagnostics"]
    stored = QualityMeasurement.objects.get(item=item, period=dt.date(2026, 9, 1))
    assert stored.value == Decimal("91.5")
    change = Revision.objects.get(object_type="quality.qualitymeasurement",
                                  object_id=str(stored.pk), action="update")  # fmt: skip
    assert change.diff["value"] == ["94.000", "91.500"]


def test_a_proportion_is_sent_as_numerator_and_denominator(client, signed):
    e, contract = signed
    item = contract.quality_schedule.get(title="Brain imaging within 1 hour of arrival")
    item.measures, item.per = "proportion", 100
    item.save()
    with time_machine.travel(TODAY, tick=False):
        ok = send(client, report(item, "2026-09", numerator=183, denominator=200), e.provider)
        disagrees = send(client, report(item, "2026-10", score=95, numerator=183,
                                        denominator=200), e.provider)  # fmt: skip
        missing = send(client, report(item, "2026-10", score=91.5), e.provider)
    assert ok.status_code == 200, ok.content
    stored = QualityMeasurement.objects.get(item=item)
    assert (stored.value, stored.numerator, stored.denominator) == (Decimal("91.5"), 183, 200)
    assert disagrees.status_code == 422
    assert expressions(disagrees) == ["MeasureReport.group[0].measureScore"]
    assert "does not agree with 183 of 200" in disagrees.content.decode()
    assert missing.status_code == 422 and set(expressions(missing)) == {
        "MeasureReport.group[0].population.where(code='numerator').count",
        "MeasureReport.group[0].population.where(code='denominator').count",
    }
    exported = fhir.measure_report(stored)
    assert {p["code"]["coding"][0]["code"]: p["count"] for p in exported["group"][0]["population"]
            } == {"numerator": 183, "denominator": 200}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "element", "words"),
    [
        ({"period": {"start": "2026-03-01", "end": "2026-03-31"}}, "MeasureReport.period",
         "outside the contract's term"),
        ({"period": {"start": "2026-08-01", "end": "2026-09-30"}}, "MeasureReport.period",
         "One calendar month"),
        ({"measure": "https://elsewhere.example/Measure/1"}, "MeasureReport.measure",
         "No quality schedule line"),
        ({"status": "pending"}, "MeasureReport.status", "complete"),
        ({"type": "individual"}, "MeasureReport.type", "summary"),
        ({"reporter": {"identifier": {"system": fhir.ODS_SYSTEM, "value": "RXX"}}},
         "MeasureReport.reporter", "RJE"),
        ({"period": {"start": "2026-13-01", "end": "2026-13-31"}}, "MeasureReport.period.start",
         "DateTime"),
    ],
)  # fmt: skip
def test_a_report_that_cannot_be_recorded_is_a_422_naming_the_element(
    client, signed, change, element, words
):
    e, contract = signed
    item = contract.quality_schedule.order_by("pk").first()
    with time_machine.travel(TODAY, tick=False):
        answer = send(client, report(item, "2026-09", score=90, **change), e.provider)
    assert answer.status_code == 422 and answer["Content-Type"] == MEDIA
    assert element in expressions(answer) and words in answer.content.decode()
    assert not QualityMeasurement.objects.filter(item=item).exists()


def test_one_bad_report_in_a_bundle_refuses_them_all_naming_its_entry(client, signed):
    e, contract = signed
    first, second = contract.quality_schedule.order_by("pk")[:2]
    sent = bundle(report(first, "2026-09", score=90), report(second, "2099-01", score=90))
    with time_machine.travel(TODAY, tick=False):
        answer = send(client, sent, e.provider)
    assert answer.status_code == 422
    assert expressions(answer) == ["Bundle.entry[1].resource.period"]
    assert not QualityMeasurement.objects.filter(item__contract=contract).exists()


def test_only_the_provider_records_and_only_those_entitled_see(client, signed):
    e, contract = signed
    item = contract.quality_schedule.order_by("pk").first()
    with time_machine.travel(TODAY, tick=False):
        by_finance = send(client, report(item, "2026-09", score=90), e.finance_lead)
        by_rival = send(client, report(item, "2026-09", score=90), e.rival)
    assert by_finance.status_code == 403  # sees the contract's quality, does not record it
    # a rival is refused before anything about the line is said (not its provider's code)
    assert by_rival.status_code == 403 and expressions(by_rival) == ["MeasureReport.measure"]
    assert "RJE" not in by_rival.content.decode()
    assert client.get(f"/api/v1/fhir/Measure?contract={contract.pk}",
                      **bearer(e.rival)).status_code == 403  # fmt: skip
    assert client.get(f"/api/v1/fhir/Measure/quality-schedule-line-{item.pk}",
                      **bearer(e.rival)).status_code == 403  # fmt: skip
    assert client.get("/api/v1/fhir/Measure/quality-schedule-line-999999",
                      **bearer(e.commissioner)).status_code == 404  # fmt: skip
    assert client.get("/api/v1/fhir/Measure?contract=1").status_code == 401
    assert not QualityMeasurement.objects.filter(item=item).exists()


def test_what_is_not_a_measure_report_is_refused(client, signed):
    e, _ = signed
    for body in ("not json", json.dumps({"resourceType": "Patient"}),
                 json.dumps({"resourceType": "Bundle", "entry": []})):  # fmt: skip
        answer = client.post("/api/v1/fhir/MeasureReport", body, content_type=MEDIA,
                             **bearer(e.provider))  # fmt: skip
        assert answer.status_code == 422 and answer.json()["resourceType"] == "OperationOutcome"
