"""A job's page (``/jobs/<id>/``): seen by whoever started the job and by those the owning app's
policy allows (the market's for a sweep, quality's for an SHMI run), cancelled by the starter
and those the app lets run such jobs; the state, a progress bar without inline style, the
stage, the result's link when done, a Cancel button (POST) while it waits or runs, and the
status refreshed by htmx while the job is unfinished. The home page lists the person's own
unfinished jobs in one query. The sweep of every failure keeps its stress test in step."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks import task

from commissioning.jobs import progress as job_progress
from commissioning.jobs import services as jobs
from commissioning.jobs.models import Job
from commissioning.jobs.queries import running_for
from commissioning.market import services as m
from commissioning.market.models import StressTest
from tests.jobrun import run_queued_jobs

pytestmark = pytest.mark.django_db(transaction=True)


@task()
def worker_task(job_id: int) -> str:
    """A task for a job of a sort no app registers: only its starter sees it."""
    return f"job {job_id}"


def sweep(e) -> StressTest:
    return m.start_stress_test(m.StressInput(sweep=True), e.finance_lead, background=True)


def page(client, user, job: Job, **headers):
    client.force_login(user)
    return client.get(reverse("job", args=[job.pk]), **headers)


def test_who_may_see_a_sweeps_job_and_who_may_cancel_it(client, market):
    e, _ = market
    job = sweep(e).job
    # The starter; the market's viewers; its runners may cancel, its other viewers may not.
    for user, sees, cancels in (
        (e.finance_lead, True, True),
        (e.commissioner, True, True),
        (e.quality_lead, True, True),
        (e.clinical_adviser, True, False),
        (e.auditor, True, False),
        (e.provider, False, False),
        (e.budget_holder, False, False),
        (e.care_coordinator, False, False),
    ):
        response = page(client, user, job)
        assert response.status_code == (200 if sees else 403), user
        body = response.content.decode()
        button = f'action="{reverse("job-cancel", args=[job.pk])}" method="post"'
        assert (button in body) is cancels, user
        if not sees:
            assert job.title not in body
        response = client.post(reverse("job-cancel", args=[job.pk]))
        assert response.status_code == (302 if cancels else 403), user
        job.refresh_from_db()
        assert job.state == ("cancelled" if cancels else "queued"), user
        if cancels:  # put it back for the next person
            Job.objects.filter(pk=job.pk).update(state="queued", cancel_requested=False)
            StressTest.objects.filter(job=job).update(status="running")
    client.logout()
    assert client.get(reverse("job", args=[job.pk])).status_code == 302  # to sign in


def test_the_starter_sees_their_job_whatever_the_app_says(client, economy):
    job = jobs.start_job("tests.unknown", "Count sheep", economy.budget_holder,
                         lambda j: worker_task.enqueue(j.pk))  # fmt: skip
    assert page(client, economy.budget_holder, job).status_code == 200
    assert page(client, economy.commissioner, job).status_code == 403  # no app lets others in
    response = client.post(reverse("job-cancel", args=[job.pk]))
    assert response.status_code == 403
    client.force_login(economy.budget_holder)
    assert client.post(reverse("job-cancel", args=[job.pk])).status_code == 302
    job.refresh_from_db()
    assert job.state == "cancelled"


def test_the_page_while_a_job_waits_runs_and_when_it_is_done(client, market):
    e, _ = market
    test = sweep(e)
    job = test.job
    body = page(client, e.finance_lead, job).content.decode()
    assert "Waiting for a worker" in body and "No worker is running" in body
    assert f'hx-get="{reverse("job", args=[job.pk])}"' in body and 'hx-trigger="every 2s"' in body
    assert '<meta http-equiv="refresh" content="5">' in body  # inside <noscript>
    assert "style=" not in body  # the Content Security Policy forbids inline style
    # Running: its stage and how far it has got, as a <progress> element.
    Job.objects.filter(pk=job.pk).update(state="running", done=35, stage="Solving")
    status = page(client, e.finance_lead, job, HTTP_HX_REQUEST="true").content.decode()
    assert status.startswith('<div id="job-status"') and "<html" not in status
    assert f'<progress class="app-progress" max="{job.total}" value="35"' in status
    assert "Solving" in status and "Cancel the job" in status
    # Done: the result's link; no more polling, no button.
    Job.objects.filter(pk=job.pk).update(state="queued", done=0, stage="")
    run_queued_jobs()
    body = page(client, e.finance_lead, job).content.decode()
    stress_url = reverse("market-stress", args=[test.pk])
    assert f'<a href="{stress_url}">See the stress test</a>' in body
    assert "hx-get" not in body and "Cancel the job" not in body and "<progress" not in body


def test_a_sweep_cancelled_while_it_runs_stores_nothing_and_its_stress_test_says_so(
    client, market, monkeypatch
):
    e, _ = market
    monkeypatch.setattr(job_progress, "EVERY", 0.01)
    test = sweep(e)
    mirrored = []

    def cancel_once_under_way(sender, job, done, **kwargs):
        mirrored.append(StressTest.objects.get(pk=test.pk).done == done)
        if done >= 5:
            jobs.cancel_job(job, e.commissioner)

    job_progress.reported.connect(cancel_once_under_way)
    try:
        run_queued_jobs()
    finally:
        job_progress.reported.disconnect(cancel_once_under_way)
    test.refresh_from_db()
    test.job.refresh_from_db()
    assert all(mirrored) and len(mirrored) > 1  # the stress test counts with its job
    assert test.status == "cancelled" and test.results == [] and test.baseline is None
    assert test.job.state == "cancelled" and test.done < test.total
    client.force_login(e.auditor)
    body = client.get(reverse("market-stress", args=[test.pk])).content.decode()
    assert "The sweep was cancelled before it finished. Nothing was stored" in body


def test_a_sweep_cancelled_while_it_waits_is_marked_at_once(client, market):
    e, _ = market
    test = sweep(e)
    client.force_login(e.commissioner)
    body = client.get(reverse("market-stress", args=[test.pk])).content.decode()
    assert f'href="{reverse("job", args=[test.job.pk])}"' in body
    client.post(reverse("job-cancel", args=[test.job.pk]))
    test.refresh_from_db()
    assert test.status == "cancelled" and test.finished_at
    run_queued_jobs()
    test.refresh_from_db()
    assert test.status == "cancelled" and test.results == []


def test_the_home_page_lists_your_unfinished_jobs_in_one_query(client, market):
    e, _ = market
    mine = sweep(e).job
    theirs = m.start_stress_test(m.StressInput(sweep=True), e.commissioner, background=True).job
    Job.objects.filter(pk=mine.pk).update(state="running", done=14)
    with CaptureQueriesContext(connection) as queries:
        assert [j.pk for j in running_for(e.finance_lead)] == [mine.pk]
    assert len(queries.captured_queries) == 1
    client.force_login(e.finance_lead)
    home = client.get(reverse("home")).content.decode()
    section = re.search(r'<section aria-labelledby="your-jobs">.*?</section>', home, re.S)
    assert section and reverse("job", args=[mine.pk]) in section.group()
    assert f"Running: {14 * 100 // mine.total}%" in section.group()
    assert reverse("job", args=[theirs.pk]) not in home
    Job.objects.filter(pk=mine.pk).update(state="done")
    assert "your-jobs" not in client.get(reverse("home")).content.decode()
