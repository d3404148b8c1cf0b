"""Quality monitoring through the API, as a provider's quality system and a commissioner's
would use it: monthly figures sent (idempotent, corrections audited, refused whole with the
field named), the line's SPC data, and a concern taken through notice, plan and closure."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from commissioning.audit.models import Revision
from commissioning.quality.models import EscalationCase, QualityMeasurement
from tests.bearer import bearer, post

pytestmark = pytest.mark.django_db
TODAY = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def line(cycle):
    contract = cycle.signed().contract
    return (
        cycle.e,
        contract,
        contract.quality_schedule.get(title="Brain imaging within 1 hour of arrival"),
    )


def test_a_providers_figures_are_recorded_once_and_corrected_with_the_old_value_kept(client, line):
    e, contract, item = line
    url = f"/api/v1/quality/schedule/{item.pk}/figures"
    figures = {
        "figures": [{"month": "2026-08", "value": "93.1"}, {"month": "2026-09", "value": "94"}]
    }
    with time_machine.travel(TODAY, tick=False):
        first = post(client, url, figures, e.provider)
        again = post(client, url, figures, e.provider)
        figures["figures"][1]["value"] = "91.5"
        corrected = post(client, url, figures, e.provider)
    assert first.status_code == 200 and first.json() == {"added": 2, "corrected": 0, "unchanged": 0}
    assert again.json() == {"added": 0, "corrected": 0, "unchanged": 2}
    assert corrected.json() == {"added": 0, "corrected": 1, "unchanged": 1}
    stored = QualityMeasurement.objects.get(item=item, period=dt.date(2026, 9, 1))
    assert str(stored.value) == "91.500" and stored.source == QualityMeasurement.Source.API
    change = Revision.objects.get(
        object_type="quality.qualitymeasurement", object_id=str(stored.pk), action="update"
    )
    assert change.diff["value"] == ["94.000", "91.500"]

    read = client.get(f"/api/v1/quality/schedule/{item.pk}", **bearer(e.commissioner)).json()
    assert [(f["month"], f["value"]) for f in read["figures"]] == [
        ("2026-08", "93.100"),
        ("2026-09", "91.500"),
    ]
    assert [p["month"] for p in read["spc"]] == ["2026-08", "2026-09"]
    lines = client.get(
        f"/api/v1/quality/contracts/{contract.pk}/schedule", **bearer(e.quality_lead)
    ).json()
    assert item.pk in [row["id"] for row in lines["items"]]


def test_bad_figures_are_refused_whole_naming_the_field(client, line):
    e, _, item = line
    url = f"/api/v1/quality/schedule/{item.pk}/figures"
    body = {"figures": [{"month": "2026-08", "value": "93"}, {"month": "2099-01", "value": "1"}]}
    with time_machine.travel(TODAY, tick=False):
        refused = post(client, url, body, e.provider)
        malformed = post(client, url, {"figures": [{"month": "Aug 2026", "value": "1"}]},
                          e.provider)  # fmt: skip
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"][-2:] == [1, "period"]
    assert malformed.status_code == 422 and "month" in malformed.json()["detail"][0]["loc"]
    assert not QualityMeasurement.objects.filter(item=item).exists()


def test_a_rival_provider_neither_reads_nor_writes_another_providers_figures(client, line):
    e, _, item = line
    assert client.get(f"/api/v1/quality/schedule/{item.pk}", **bearer(e.rival)).status_code == 403
    body = {"figures": [{"month": "2026-08", "value": "93"}]}
    answer = post(client, f"/api/v1/quality/schedule/{item.pk}/figures", body, e.rival)
    assert answer.status_code == 403
    assert not QualityMeasurement.objects.filter(item=item).exists()


def test_a_concern_through_notice_plan_and_closure(client, line):
    e, contract, _ = line
    with time_machine.travel(TODAY, tick=False):
        opened = post(
            client,
            "/api/v1/quality/cases",
            {
                "provider": "RJE",
                "source": "commissioner",
                "summary": "Imaging delays",
                "description": "Brain imaging within the hour fell in September.",
                "contract_id": contract.pk,
            },
            e.commissioner,
        )
        assert opened.status_code == 201, opened.content
        case = opened.json()
        base = f"/api/v1/quality/cases/{case['id']}"
        notice = post(client, f"{base}/notice", {"matters": "Imaging", "meeting_by": "2026-11-30"},
                       e.commissioner)  # fmt: skip
        assert notice.json()["status"] == "notice_issued"
        plan = post(
            client,
            f"{base}/plan",
            {
                "summary": "A second scanner slot",
                "milestones": [{"description": "Book the slot", "due": "2026-12-15"}],
            },
            e.contract_manager,
        ).json()
        assert plan["status"] == "plan_agreed"
        milestone = plan["plan"]["milestones"][0]["id"]
        # The provider sees its case but cannot manage it.
        assert client.get(base, **bearer(e.provider)).status_code == 200
        refused = post(client, f"{base}/closure", {"outcome": "Done"}, e.provider)
        assert refused.status_code == 403
        early = post(client, f"{base}/closure", {"outcome": "Done"}, e.commissioner)
        assert early.status_code == 422  # a milestone is still open
        met = post(client, f"/api/v1/quality/milestones/{milestone}/completion",
                    {"completed_on": "2026-11-01"}, e.commissioner)  # fmt: skip
        assert met.json()["completed_on"] == "2026-11-01"
        closed = post(client, f"{base}/closure", {"outcome": "Imaging back within the hour"},
                       e.commissioner)  # fmt: skip
    assert closed.json()["status"] == "closed"
    assert EscalationCase.objects.get(pk=case["id"]).status == "closed"
    listed = client.get("/api/v1/quality/cases", **bearer(e.auditor)).json()
    assert case["reference"] in [c["reference"] for c in listed["items"]]
    assert client.get("/api/v1/quality/cases", **bearer(e.rival)).json()["items"] == []
