"""Jobs through the API, as a commissioner's analyst would follow one: a sweep of every failure
started, its job polled until done (state, progress, the links to its result), cancelled, with
the same refusals as the job's page."""

from __future__ import annotations

import pytest

from commissioning.jobs.models import Job
from commissioning.market.models import StressTest
from tests.bearer import bearer, post
from tests.jobrun import run_queued_jobs

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_sweep_followed_through_its_job_to_its_result(client, market):
    e, _ = market
    started = post(client, "/api/v1/market/stress-tests", {"sweep": True}, e.commissioner)
    assert started.status_code == 201, started.content
    test = started.json()
    url = f"/api/v1/jobs/{test['job_id']}"
    job = client.get(url, **bearer(e.commissioner)).json()
    assert job == {
        "id": test["job_id"], "kind": "market.sweep", "title": "Every single-provider failure",
        "state": "queued", "done": 0, "total": test["total"], "percent": 0, "stage": "",
        "cancel_requested": False, "error": "", "created_at": job["created_at"],
        "started_at": None, "finished_at": None, "url": f"/jobs/{test['job_id']}/",
        "result_url": None, "result_api_url": None,
    }  # fmt: skip
    run_queued_jobs()
    done = client.get(url, **bearer(e.auditor)).json()  # the market's viewers see it too
    assert done["state"] == "done" and done["done"] == done["total"] and done["percent"] == 100
    assert done["result_url"] == f"/market/stress/{test['id']}/"
    assert done["result_api_url"] == f"/api/v1/market/stress-tests/{test['id']}"
    result = client.get(done["result_api_url"], **bearer(e.auditor)).json()
    assert result["status"] == "done" and len(result["results"]) == result["total"]
    again = post(client, f"{url}/cancel", {}, e.commissioner)
    assert again.status_code == 422
    assert again.json()["detail"][0]["msg"] == "The job has finished: there is nothing to cancel"


def test_a_job_is_cancelled_by_its_starter_or_whom_its_app_allows(client, market):
    e, _ = market
    started = post(client, "/api/v1/market/stress-tests", {"sweep": True}, e.finance_lead)
    url = f"/api/v1/jobs/{started.json()['job_id']}"
    assert client.get(url).status_code == 401
    assert client.get(url, **bearer(e.provider)).status_code == 403
    assert "Every single" not in client.get(url, **bearer(e.provider)).content.decode()
    assert client.get("/api/v1/jobs/999999", **bearer(e.commissioner)).status_code == 404
    assert post(client, f"{url}/cancel", {}, e.auditor).status_code == 403  # sees, may not stop
    assert Job.objects.get().state == "queued"
    cancelled = post(client, f"{url}/cancel", {}, e.quality_lead)  # who may run stress tests
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["state"] == "cancelled" and cancelled.json()["cancel_requested"]
    assert StressTest.objects.get().status == "cancelled"


def test_a_running_job_asked_to_stop_says_so(client, market):
    e, _ = market
    started = post(client, "/api/v1/market/stress-tests", {"sweep": True}, e.finance_lead)
    job_id = started.json()["job_id"]
    Job.objects.filter(pk=job_id).update(state="running", done=12, stage="Solving")
    asked = post(client, f"/api/v1/jobs/{job_id}/cancel", {}, e.finance_lead).json()
    assert asked["state"] == "running" and asked["cancel_requested"] and asked["done"] == 12
    assert asked["percent"] == 12 * 100 // asked["total"] and asked["stage"] == "Solving"
