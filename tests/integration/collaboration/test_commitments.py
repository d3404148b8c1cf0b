"""Commitments of a pooled budget's schemes, the in-year forecast and what the risk share
would do if the year ended as forecast (early warning before the year-end settlement)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from commissioning import clock
from commissioning.audit.models import Revision
from commissioning.collaboration import pooled
from commissioning.collaboration.models import SchemeCommitment
from commissioning.collaboration.rules import risk_share
from commissioning.ledger import services as ledger
from commissioning.ledger.models import Transaction
from commissioning.ledger.verify import verify_ledger
from tests.bearer import bearer

from .conftest import fund

pytestmark = pytest.mark.django_db
NOVEMBER = dt.datetime(2025, 11, 15, 12)


def _commit(scheme, reference, pence, made_on, key, actor, supplier="Supplier Ltd"):
    return pooled.commit(
        pooled.CommitmentInput(
            scheme.pk, reference, supplier, "Placements for the winter", pence, made_on, key
        ),
        actor,
    )


@pytest.fixture
def year(bcf):
    """Seven months of spending (April to October 2025): intermediate care 600,000 a month
    (budget 6,000,000), home adaptations 250,000 a month (budget 4,000,000), October's
    adaptations against their commitment HA-1 of 2,500,000; intermediate care has committed
    IC-1 of 2,700,000."""
    host = bcf.people["XL001"]
    care, adaptations = bcf.pool.schemes.all()
    with clock.recorded_as(NOVEMBER):
        fund(bcf)
        ha1 = _commit(adaptations, "HA-1", 2_500_000, dt.date(2025, 6, 1), "k-ha1", host)
        ic1 = _commit(care, "IC-1", 2_700_000, dt.date(2025, 10, 1), "k-ic1", host)
        for month in range(4, 11):
            day = dt.date(2025, month, 15)
            pooled.record_spend(care, 600_000, f"ic-{month}", "Beds", host, day)
            pooled.record_spend(
                adaptations,
                250_000,
                f"ha-{month}",
                "Adaptations",
                host,
                day,
                commitment=ha1 if month == 10 else None,
            )
    return type("Year", (), {"care": care, "adaptations": adaptations, "ha1": ha1, "ic1": ic1})


def test_spending_against_a_commitment_reduces_what_is_outstanding(bcf, year):
    assert pooled.spent_against(year.ha1) == 250_000
    assert pooled.outstanding(year.ha1) == 2_250_000
    assert pooled.committed(bcf.pool)[year.adaptations.pk] == 2_250_000
    assert pooled.committed(bcf.pool)[year.care.pk] == 2_700_000
    assert verify_ledger().ok


def test_the_forecast_counts_commitments_and_only_uncommitted_spending_can_be_cut(bcf, year):
    with clock.recorded_as(NOVEMBER):
        f = pooled.forecast(bcf.pool, 2025)
    assert (f.as_at, f.months) == (dt.date(2025, 10, 31), 7)
    care, adaptations = f.schemes
    # Care: 4,200,000 spent + 600,000 x 5 months = 7,200,000; 2,700,000 committed.
    assert (care.spent_pence, care.committed_pence, care.forecast_pence) == (
        4_200_000,
        2_700_000,
        7_200_000,
    )
    assert care.uncommitted_pence == 300_000
    # Adaptations: the run rate says 3,000,000, but 1,750,000 spent + 2,250,000 committed is more.
    assert (adaptations.forecast_pence, adaptations.uncommitted_pence) == (4_000_000, 0)
    covered = {k.value: v for k, v in f.settlement.covered.items()}
    assert f.settlement.total_overspend == 1_200_000
    assert covered == {
        "other_underspends": 0,
        "risk_pool": 0,
        "uncommitted_schemes": 300_000,
        "outside_pool": 900_000,
    }
    assert f.settlement.partners_pay == {"XC001": 900_000, "XL001": 0}

    # The intermediate care contract comes in 2,000,000 under its value: release the rest.
    with clock.recorded_as(NOVEMBER):
        released = pooled.release(
            year.ic1, "The winter contract was let for 700,000", bcf.people["XL001"]
        )
        f = pooled.forecast(bcf.pool, 2025)
    assert pooled.outstanding(released) == 0
    assert f.schemes[0].uncommitted_pence == 3_000_000
    assert f.settlement.covered[risk_share.Step.UNCOMMITTED_SCHEMES] == 1_200_000
    assert f.settlement.partners_pay == {"XC001": 0, "XL001": 0}
    revision = Revision.objects.filter(object_type="collaboration.schemecommitment").last()
    assert revision.diff["outstanding_released_pence"] == [None, 2_700_000]


def test_there_is_no_forecast_before_a_month_is_complete_or_after_the_year(bcf):
    with clock.recorded_as(dt.datetime(2025, 4, 20, 12)):
        assert pooled.forecast(bcf.pool, 2025) is None
    with clock.recorded_as(dt.datetime(2026, 4, 2, 12)):
        assert pooled.forecast(bcf.pool, 2025) is None


def test_spending_beyond_a_commitment_or_against_a_released_one_is_refused(bcf, year):
    host = bcf.people["XL001"]
    before = Transaction.objects.count()
    with pytest.raises(ValidationError) as exc:
        pooled.record_spend(
            year.adaptations, 2_250_001, "too-much", "Stairlifts", host, commitment=year.ha1
        )
    assert exc.value.message_dict["amount"] == ["Only £22,500.00 is outstanding on commitment HA-1"]
    with pytest.raises(ValidationError) as exc:
        pooled.record_spend(year.care, 1_000, "wrong", "Beds", host, commitment=year.ha1)
    assert "this scheme's commitments" in exc.value.message_dict["commitment"][0]
    pooled.release(year.ha1, "Order cancelled", host)
    with pytest.raises(ValidationError) as exc:
        pooled.record_spend(year.adaptations, 1_000, "late", "Rails", host, commitment=year.ha1)
    assert exc.value.message_dict["commitment"] == ["Commitment HA-1 has been released"]
    assert Transaction.objects.count() == before
    with pytest.raises(ValidationError, match="already released"):
        pooled.release(year.ha1, "Again", host)


def test_a_retried_spend_against_a_commitment_is_answered_once(bcf, year):
    host = bcf.people["XL001"]
    first = pooled.record_spend(
        year.adaptations, 2_250_000, "all-of-it", "Stairlifts", host, commitment=year.ha1
    )
    again = pooled.record_spend(
        year.adaptations, 2_250_000, "all-of-it", "Stairlifts", host, commitment=year.ha1
    )
    assert first.created and not again.created
    assert pooled.outstanding(year.ha1) == 0


def test_a_commitment_is_refused_by_field_and_recorded_once_per_key(bcf, year):
    host = bcf.people["XL001"]
    with clock.recorded_as(NOVEMBER):
        with pytest.raises(ValidationError) as exc:
            pooled.commit(
                pooled.CommitmentInput(
                    year.care.pk, "IC-1", " ", "", 0, dt.date(2025, 12, 1), "k-bad"
                ),
                host,
            )
        problems = exc.value.message_dict
        assert problems["reference"] == ["IC-1 is already recorded for Intermediate care"]
        assert problems["supplier"] == ["Name the supplier or provider"]
        assert problems["description"] == ["Say what the commitment is for"]
        assert problems["amount_pence"] == ["Enter the amount committed, more than £0"]
        assert problems["made_on"] == ["The date committed cannot be in the future"]
        with pytest.raises(ValidationError) as exc:
            _commit(year.care, "IC-9", 1, dt.date(2024, 1, 1), "k-old", host)
        assert "falls within the agreement" in exc.value.message_dict["made_on"][0]
        with pytest.raises(ValidationError) as exc:
            pooled.commit(
                pooled.CommitmentInput(None, "X", "Y", "Z", 1, dt.date(2025, 5, 1), "k-x"), host
            )
        assert exc.value.message_dict == {"scheme_id": ["Choose the scheme the commitment is for"]}
        count = SchemeCommitment.objects.count()
        one = _commit(year.care, "IC-2", 10_000, dt.date(2025, 11, 1), "k-twice", host)
        two = _commit(year.care, "IC-2", 10_000, dt.date(2025, 11, 1), "k-twice", host)
    assert one.pk == two.pk and SchemeCommitment.objects.count() == count + 1


def test_only_those_who_keep_the_pool_record_or_release_commitments(bcf, year):
    partner = bcf.people["XC001"]  # the ICB's finance lead pays in, but does not keep the pool
    with pytest.raises(PermissionDenied):
        _commit(year.care, "IC-3", 10_000, dt.date(2025, 5, 1), "k-icb", partner)
    with pytest.raises(PermissionDenied):
        pooled.release(year.ic1, "Not mine to release", partner)
    assert pooled.outstanding(year.ic1) == 2_700_000


def test_the_pool_page_records_commitments_and_shows_the_forecast(client, bcf, year):
    host = bcf.people["XL001"]
    client.force_login(host)
    url = f"/together/pools/{bcf.pool.pk}/"
    with clock.recorded_as(NOVEMBER):
        page = client.get(url).content.decode()
        assert "Forecast for 2025/26 at 31 October 2025" in page
        assert "Covered by cutting uncommitted scheme spending: £3,000" in page
        assert "Met by partners from outside the pool: £9,000" in page
        form = {
            "commit-scheme": year.care.pk,
            "commit-reference": "IC-4",
            "commit-supplier": "Hospice",
            "commit-description": "Night sits",
            "commit-made_on": "2025-11-01",
        }
        refused = client.post(
            url + "commitments/", form | {"commit-amount": "abc", "commit-key": "web-1"}
        ).content.decode()
        assert "There is a problem" in refused and "Amount committed: " in refused
        assert not SchemeCommitment.objects.filter(reference="IC-4").exists()
        page = client.post(
            url + "commitments/",
            form | {"commit-amount": "3000", "commit-key": "web-2"},
            follow=True,
        ).content.decode()
        assert "Commitment IC-4 is recorded." in page
        # Committing the last £3,000 leaves nothing to cut: the partners would meet it all.
        assert "Covered by cutting uncommitted scheme spending: £0" in page
        assert "Met by partners from outside the pool: £12,000" in page
        ic4 = SchemeCommitment.objects.get(reference="IC-4")
        refused = client.post(
            url + f"commitments/{ic4.pk}/release/", {"reason": ""}
        ).content.decode()
        assert "Why the commitment is released: Say why the commitment is released" in refused
        assert pooled.outstanding(ic4) == 300_000
        page = client.post(
            url + f"commitments/{ic4.pk}/release/",
            {"reason": "Sits no longer needed"},
            follow=True,
        ).content.decode()
        assert "Commitment IC-4 is released." in page
        rows = list(csv.reader(io.StringIO(client.get(url + "forecast.csv").content.decode())))
    assert rows[0] == ["Forecast at", "2025-10-31", "7 complete months"]
    assert rows[2] == [
        "Intermediate care",
        "XC001",
        "6000000",
        "4200000",
        "2700000",
        "7200000",
        "-1200000",
        "300000",
    ]
    assert ["Covered by cutting uncommitted scheme spending", "300000"] in rows
    figures = client.get(url + "figures.csv").content.decode()
    assert "commitment,HA-1: Supplier Ltd,Home adaptations,2500000,250000,2250000," in figures


def test_a_partner_sees_the_forecast_but_no_commitment_forms(client, bcf, year):
    client.force_login(bcf.people["XC001"])
    with clock.recorded_as(NOVEMBER):
        page = client.get(f"/together/pools/{bcf.pool.pk}/").content.decode()
        assert "If the year ends as forecast" in page
        assert "Record a commitment" not in page and "Release HA-1" not in page
        refused = client.post(
            f"/together/pools/{bcf.pool.pk}/commitments/{year.ha1.pk}/release/",
            {"reason": "No"},
        )
    assert refused.status_code == 403
    assert pooled.outstanding(year.ha1) == 2_250_000


def test_the_pool_api_shows_each_schemes_outstanding_commitments(client, bcf, year):

    pool = client.get(f"/api/v1/pools/{bcf.pool.pk}", **bearer(bcf.people["XC001"])).json()
    assert [s["committed_pence"] for s in pool["schemes"]] == [2_700_000, 2_250_000]


def test_a_reversed_spend_gives_the_commitment_back(bcf, year):
    october = Transaction.objects.get(key="ha-10")
    ledger.reverse(october, "rev-ha-10", "Invoice paid twice", bcf.people["XL001"])
    assert pooled.spent_against(year.ha1) == 0
    assert pooled.outstanding(year.ha1) == 2_500_000


def test_a_reference_longer_than_the_record_holds_is_refused_by_field(bcf, year):
    with clock.recorded_as(NOVEMBER), pytest.raises(ValidationError) as exc:
        _commit(year.care, "X" * 61, 1_000, dt.date(2025, 5, 1), "k-long", bcf.people["XL001"])
    assert "at most 60 characters" in exc.value.message_dict["reference"][0]
    with pytest.raises(ValidationError, match="at most 200 characters"):
        pooled.release(year.ic1, "x" * 201, bcf.people["XL001"])
    assert not SchemeCommitment.objects.filter(key="k-long").exists()


def test_the_together_page_warns_of_a_forecast_overspend(client, bcf, year):
    client.force_login(bcf.people["XC001"])
    with clock.recorded_as(NOVEMBER):
        page = client.get("/together/").content.decode()
    assert "Overspend of £12,000.00 forecast at 31 October 2025" in page
    with clock.recorded_as(dt.datetime(2025, 4, 20, 12)):
        page = client.get("/together/").content.decode()
    assert "No forecast yet" in page


def test_a_settled_year_says_so_on_the_together_page(client, bcf, year):
    with clock.recorded_as(dt.datetime(2026, 4, 2, 12)):
        pooled.settle_year(bcf.pool, 2025, bcf.people["XL001"])
        client.force_login(bcf.people["XC001"])
        page = client.get("/together/").content.decode()
    # Seven months spent: intermediate care 4,200,000 of 6,000,000, adaptations 1,750,000.
    assert "Settled: within budget" in page


def test_the_forecast_chart_exports_as_svg_and_png_for_a_board_paper(client, bcf, year):
    client.force_login(bcf.people["XC001"])
    url = f"/together/pools/{bcf.pool.pk}/forecast"
    with clock.recorded_as(NOVEMBER):
        svg = client.get(url + ".svg")
        png = client.get(url + ".png")
        assert client.get(url + ".gif").status_code == 404
        page = client.get(f"/together/pools/{bcf.pool.pk}/").content.decode()
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    assert png["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG")
    assert "forecast.png" in png["Content-Disposition"]
    assert f'src="/together/pools/{bcf.pool.pk}/forecast.svg"' in page
    with clock.recorded_as(dt.datetime(2026, 4, 2, 12)):
        assert client.get(url + ".svg").status_code == 404


def test_commitments_and_the_forecast_over_the_api(client, bcf, year):
    host, partner = bcf.people["XL001"], bcf.people["XC001"]
    url = f"/api/v1/pools/{bcf.pool.pk}"
    body = {
        "scheme_id": year.care.pk,
        "reference": "IC-5",
        "supplier": "Hospice at home",
        "description": "Night sits",
        "amount_pence": 300_000,
        "made_on": "2025-11-01",
        "key": "api-ic5",
    }
    with clock.recorded_as(NOVEMBER):
        first = client.post(
            url + "/commitments", json.dumps(body), content_type="application/json", **bearer(host)
        )
        again = client.post(
            url + "/commitments", json.dumps(body), content_type="application/json", **bearer(host)
        )
        refused = client.post(
            url + "/commitments",
            json.dumps(body | {"key": "api-x", "reference": "IC-6", "amount_pence": 0}),
            content_type="application/json",
            **bearer(host),
        )
        other_pool = client.post(
            url + "/commitments",
            json.dumps(body | {"key": "api-y", "scheme_id": 999_999}),
            content_type="application/json",
            **bearer(host),
        )
        not_keeper = client.post(
            url + "/commitments",
            json.dumps(body | {"key": "api-z", "reference": "IC-7"}),
            content_type="application/json",
            **bearer(partner),
        )
        forecast = client.get(url + "/forecast", **bearer(partner)).json()
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["outstanding_pence"] == 300_000
    assert refused.status_code == 422 and "amount_pence" in refused.content.decode()
    assert other_pool.status_code == 422 and "scheme_id" in other_pool.content.decode()
    assert not_keeper.status_code == 403
    assert not SchemeCommitment.objects.filter(reference__in=["IC-6", "IC-7"]).exists()
    assert forecast["as_at"] == "2025-10-31" and forecast["months"] == 7
    care = forecast["schemes"][0]
    assert (care["committed_pence"], care["uncommitted_pence"]) == (3_000_000, 0)
    assert forecast["covered_pence"]["outside_pool"] == 1_200_000
    assert forecast["partners"]["XC001"]["pays_pence"] == 1_200_000
    listed = client.get(url + "/commitments", **bearer(partner)).json()
    assert [c["reference"] for c in listed["items"]] == ["IC-1", "IC-5", "HA-1"]
    assert listed["items"][2]["spent_against_pence"] == 250_000
    with clock.recorded_as(dt.datetime(2026, 4, 2, 12)):
        assert client.get(url + "/forecast", **bearer(partner)).status_code == 404
