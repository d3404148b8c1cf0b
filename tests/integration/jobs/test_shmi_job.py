"""An SHMI run is a job (issue 19): a quality lead starts it from the mortality page on the
synthetic economy's spells, the worker runs the pipeline and its CUSUM detection with the
stage and progress on the job's page, and stores the results once, as the engine gives them;
cancelled, it stores nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from commissioning.audit.models import Revision
from commissioning.engine.quality.shmi import ShmiOptions, shmi
from commissioning.engine.synth.config import Injection
from commissioning.jobs import progress as job_progress
from commissioning.jobs import services as jobs
from commissioning.jobs.models import Job
from commissioning.quality import services as q
from commissioning.quality.models import MortalityAlert, MortalityResult, MortalityRun
from tests.bearer import bearer, post
from tests.jobrun import run_queued_jobs
from tests.synth import write_economy

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def shmi_synth(tmp_path_factory):
    """A year of spells with a failure injected at RJE, so the CUSUM has something to find."""
    return write_economy(
        tmp_path_factory.mktemp("shmi"), spells_per_year=60_000, years=1, seed=3, areas=600,
        diagnosis_groups=3, injections=(Injection.parse("RJE:2021-10:4.0"),),
    )  # fmt: skip


@pytest.fixture
def spells(settings, shmi_synth):
    settings.SYNTH_DIR = shmi_synth
    return shmi_synth / "spells"


def test_a_quality_lead_starts_a_run_from_the_mortality_page_and_the_worker_stores_it_once(
    client, economy, spells
):
    e = economy
    client.force_login(e.quality_lead)
    page = client.get(reverse("quality-mortality")).content.decode()
    assert f'action="{reverse("quality-mortality-run")}" method="post"' in page
    started = client.post(reverse("quality-mortality-run"))
    job = Job.objects.get()
    assert started.status_code == 302 and started["Location"] == reverse("job", args=[job.pk])
    assert (job.kind, job.state, job.started_by) == ("quality.shmi", "queued", e.quality_lead)
    # While it waits, the mortality page says so instead of offering another run.
    page = client.get(reverse("quality-mortality")).content.decode()
    assert "An SHMI run is under way" in page and reverse("quality-mortality-run") not in page
    assert f'href="{reverse("job", args=[job.pk])}"' in page
    assert not MortalityRun.objects.exists()

    run_queued_jobs()
    job.refresh_from_db()
    assert job.state == "done" and job.done == job.total > 0 and job.finished_at
    assert job.result_url == reverse("quality-mortality")
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    run = MortalityRun.objects.get()
    assert run.loaded_by == e.quality_lead and run.source == "the synthetic economy's spells"
    # The results are those of the engine on the same spells, detection included.
    options = ShmiOptions()
    direct = shmi(spells, options)
    assert run.spells == direct.spells and job.total == 2 * direct.spells
    stored = {r.provider_code: r.shmi for r in MortalityResult.objects.filter(run=run)}
    expected = {r["provider_code"]: r["shmi"] for r in direct.providers.iter_rows(named=True)
                if r["shmi"] is not None}  # fmt: skip
    assert stored == pytest.approx(expected)
    alerts = sorted(MortalityAlert.objects.filter(run=run).values_list("provider_code", "month"))
    # The early warning's alerts (decision 062) are the ones stored.
    assert len(alerts) == direct.warning.alerts.height and "RJE" in {code for code, _ in alerts}
    assert Revision.objects.filter(object_type="quality.mortalityrun",
                                   actor_id=e.quality_lead.pk).count() == 1  # fmt: skip

    # The job's page links to the result; the same job run again stores nothing more.
    page = client.get(reverse("job", args=[job.pk])).content.decode()
    assert f'href="{reverse("quality-mortality")}">See the mortality results' in page
    queued = DBTaskResult.objects.get()
    queued.status = "READY"
    queued.save()
    run_queued_jobs()
    assert MortalityRun.objects.count() == 1 and MortalityAlert.objects.count() == len(alerts)


def test_a_run_cancelled_part_way_stores_nothing(economy, spells, monkeypatch):
    monkeypatch.setattr(job_progress, "EVERY", 0.005)
    job = q.start_shmi_run(economy.quality_lead)
    stages = []

    def cancel_once_under_way(sender, job, done, stage, **kwargs):
        stages.append(stage)
        if done:  # the quality lead presses Cancel while the spells are read
            jobs.cancel_job(job, economy.quality_lead)

    job_progress.reported.connect(cancel_once_under_way)
    try:
        run_queued_jobs()
    finally:
        job_progress.reported.disconnect(cancel_once_under_way)
    job.refresh_from_db()
    assert job.state == "cancelled" and job.cancel_requested and job.done < job.total
    assert stages[0] == "Counting spells and deaths per risk cell"
    assert not MortalityRun.objects.exists() and not MortalityResult.objects.exists()


def test_a_run_cancelled_while_it_waits_never_runs(economy, spells):
    job = q.start_shmi_run(economy.quality_lead)
    jobs.cancel_job(job, economy.administrator)  # the quality policy lets administrators
    run_queued_jobs()
    job.refresh_from_db()
    assert job.state == "cancelled" and job.started_at is None
    assert not MortalityRun.objects.exists()


def test_runs_are_refused_to_others_without_spells_and_while_one_is_under_way(
    economy, settings, tmp_path, spells
):
    with pytest.raises(PermissionDenied):
        q.start_shmi_run(economy.commissioner)
    first = q.start_shmi_run(economy.quality_lead)
    with pytest.raises(ValidationError, match="under way already"):
        q.start_shmi_run(economy.administrator)
    jobs.cancel_job(first, economy.quality_lead)
    settings.SYNTH_DIR = tmp_path / "nothing"
    with pytest.raises(ValidationError, match="no spells to run it on"):
        q.start_shmi_run(economy.quality_lead)
    assert Job.objects.count() == 1 and DBTaskResult.objects.count() == 1


def test_the_run_stores_as_its_starter_and_fails_if_they_may_no_longer(economy, spells):
    job = q.start_shmi_run(economy.quality_lead)
    economy.quality_lead.memberships.update(role="commissioner")
    run_queued_jobs()
    job.refresh_from_db()
    assert job.state == "failed" and "permission to load mortality results" in job.error
    assert not MortalityRun.objects.exists()


def test_the_mortality_page_offers_a_run_only_to_whom_may_start_one(client, economy, spells):
    url = reverse("quality-mortality")
    for user, offered in ((economy.quality_lead, True), (economy.administrator, True),
                          (economy.commissioner, False), (economy.provider, False)):  # fmt: skip
        client.force_login(user)
        page = client.get(url).content.decode()
        assert (reverse("quality-mortality-run") in page) is offered, user
        started = client.post(reverse("quality-mortality-run"))
        assert started.status_code == (302 if offered else 403), user
        Job.objects.update(state="cancelled")  # the next may start one too


def test_an_analyst_starts_a_run_through_the_api_and_reads_its_result(client, economy, spells):
    e = economy
    refused = post(client, "/api/v1/quality/shmi-runs", {}, e.commissioner)
    assert refused.status_code == 403 and not Job.objects.exists()
    started = post(client, "/api/v1/quality/shmi-runs", {}, e.quality_lead)
    assert started.status_code == 201, started.content
    job = started.json()
    assert (job["kind"], job["state"], job["result_api_url"]) == ("quality.shmi", "queued", None)
    again = post(client, "/api/v1/quality/shmi-runs", {}, e.administrator)
    assert again.status_code == 422 and "under way already" in again.json()["detail"][0]["msg"]
    run_queued_jobs()
    done = client.get(f"/api/v1/jobs/{job['id']}", **bearer(e.provider)).json()
    assert done["state"] == "done" and done["result_url"] == reverse("quality-mortality")
    run = MortalityRun.objects.get()
    assert done["result_api_url"] == f"/api/v1/quality/mortality-runs/{run.pk}"
    read = client.get(done["result_api_url"], **bearer(e.provider)).json()
    assert read["spells"] == run.spells and len(read["providers"]) == run.results.count()
    assert {a["provider_code"] for a in read["alerts"]} == set(
        run.alerts.values_list("provider_code", flat=True)
    )
    assert client.get(done["result_api_url"], **bearer(e.care_coordinator)).status_code == 403
