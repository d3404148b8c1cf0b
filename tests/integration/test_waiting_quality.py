"""What quality monitoring puts in each person's work queue (``quality.waiting``): the items each
role sees, and that every item's link answers that person."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import polars as pl
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commissioning.organisations.permissions import SYSTEM
from commissioning.quality import services as q
from commissioning.quality.waiting import waiting_for
from commissioning.ui.worklist import Item
from tests.cycle import at
from tests.worklist import follow

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 7, 10)  # the contract started on 1 May 2026: June is the month just ended
JUNE = dt.date(2026, 6, 1)
RJE = "University Hospitals of North Midlands NHS Trust"
NOBODY = ["finance_lead", "clinical_adviser", "senate_adviser", "rival", "provider_clinician",
          "budget_holder", "care_coordinator", "auditor", "administrator"]  # fmt: skip
MANAGERS = ["commissioner", "deputy", "contract_manager", "quality_lead", "other_commissioner"]


@pytest.fixture
def contract(cycle):
    return cycle.signed().contract


def _followed(client, user, items):
    """Every item's link answers this person."""
    client.force_login(user)
    for item in items:
        follow(client, item)


def _work(e, role):
    with at(DAY):
        return waiting_for(e.users[role])


def test_figures_due_are_the_providers_to_do_and_the_commissioners_wait(client, cycle, contract):
    e = cycle.e
    lines = list(contract.quality_schedule.order_by("pk"))
    assert len(lines) == 4 and all(line.frequency == "monthly" for line in lines)
    everyone = {role: _work(e, role) for role in e.users}
    url = reverse("quality-contract", args=[contract.pk])
    detail = (
        f"Contract {contract.reference}: no figure yet for 4 of 4 monthly lines of the quality "
        "schedule"
    )
    first = reverse("quality-item", args=[lines[0].pk])
    assert everyone["provider"] == [
        Item("Record the June 2026 quality figures for Hyper-acute stroke unit", first,
             f"{detail}; this opens the first, {lines[0].title}", action="Record the figure")
    ]  # fmt: skip
    for role in ("quality_lead", "contract_manager"):
        (item,) = everyone[role]
        assert (item.title, item.url, item.due, item.waiting_on) == (
            "June 2026 quality figures for Hyper-acute stroke unit", url, None, RJE
        )  # fmt: skip
    for role in ("commissioner", "deputy", "other_commissioner", *NOBODY):
        assert everyone[role] == [], role
    for role in ("provider", "quality_lead", "contract_manager"):
        _followed(client, e.users[role], everyone[role])

    # Three lines reported: the one left is linked to directly; a figure for May is not June's.
    with at(DAY):
        for line in lines[:3]:
            q.record_measurements(line, [q.MeasurementInput(JUNE, Decimal(91))], "entered",
                                  e.provider)  # fmt: skip
        q.record_measurements(lines[3], [q.MeasurementInput(dt.date(2026, 5, 1), Decimal(91))],
                              "entered", e.provider)  # fmt: skip
    (item,) = _work(e, "provider")
    assert item.url == reverse("quality-item", args=[lines[3].pk])
    assert "1 of 4 monthly lines" in item.detail
    _followed(client, e.provider, [item])
    with at(DAY):
        q.record_measurements(lines[3], [q.MeasurementInput(JUNE, Decimal(90))], "entered",
                              e.quality_lead)  # fmt: skip
    assert _work(e, "provider") == [] and _work(e, "quality_lead") == []


def test_figures_are_not_due_before_the_contract_starts(cycle, contract):
    with at(dt.date(2026, 5, 20)):  # April is before the contract's first day
        assert waiting_for(cycle.e.provider) == []


def _case_items(e, role):
    return [i for i in _work(e, role) if "quality case" in i.title]


def test_an_escalation_case_asks_its_managers_for_the_next_step(client, cycle, contract):
    e = cycle.e
    with at(DAY):
        case = q.raise_concern(
            q.ConcernInput(e.rje.pk, "commissioner", "Door-to-needle times slipping",
                           "Three months below the threshold", contract_id=contract.pk),
            e.quality_lead,
        )  # fmt: skip
    url = reverse("quality-case", args=[case.pk])
    detail = f"{RJE}: Door-to-needle times slipping"
    for role in MANAGERS:
        items = _case_items(e, role)
        assert [(i.title, i.url, i.detail, i.due) for i in items] == [
            (f"Decide the next step on quality case {case.reference}", url, detail, None)
        ], role
        _followed(client, e.users[role], items)
    for role in ("provider", *NOBODY):
        assert _case_items(e, role) == [], role

    meeting = DAY + dt.timedelta(days=10)
    with at(DAY):
        q.issue_notice(case, q.NoticeInput("Door-to-needle times", meeting), e.contract_manager)
    (item,) = _case_items(e, "quality_lead")
    assert (item.title, item.due, item.due_label) == (
        f"Agree a remedial action plan on quality case {case.reference}",
        meeting,
        "Meeting by",
    )

    soon, later = DAY + dt.timedelta(days=20), DAY + dt.timedelta(days=90)
    with at(DAY):
        plan = q.agree_plan(
            case,
            q.PlanInput("Daily senior review", [q.MilestoneInput("Weekend cover", later),
                                                q.MilestoneInput("Audit every case", soon)]),
            e.commissioner,
        )  # fmt: skip
    (item,) = _case_items(e, "contract_manager")
    assert (item.title, item.url, item.due, item.due_label) == (
        f"Check the remedial action plan milestone on quality case {case.reference}",
        url, soon, "Milestone due",
    )  # fmt: skip
    assert item.detail == f"{RJE}: Audit every case (2 of 2 milestones still to be met)"
    _followed(client, e.contract_manager, [item])

    first = plan.milestones.get(description="Audit every case")
    with at(DAY):
        q.complete_milestone(first, DAY, e.quality_lead)
    assert _case_items(e, "quality_lead") == []  # the next one is not due for 90 days
    with at(later - dt.timedelta(days=28)):
        (item,) = [i for i in waiting_for(e.quality_lead) if "quality case" in i.title]
    assert item.due == later and "1 of 2 milestones" in item.detail

    with at(DAY):
        q.complete_milestone(plan.milestones.get(description="Weekend cover"), DAY, e.quality_lead)
    (item,) = _case_items(e, "commissioner")
    assert item.title == f"Close quality case {case.reference}: every milestone is met"
    with at(DAY):
        q.close_case(case, "Back above the threshold", e.commissioner)
    assert all(_case_items(e, role) == [] for role in MANAGERS)


def test_a_case_with_no_contract_waits_for_whoever_raised_it(client, cycle, contract):
    e = cycle.e
    with at(DAY):
        case = q.raise_concern(
            q.ConcernInput(e.rwe.pk, "patient_feedback", "Complaints about discharge",
                           "Twelve complaints in a month"),
            e.contract_manager,
        )  # fmt: skip
    (item,) = _case_items(e, "contract_manager")
    assert item.url == reverse("quality-case", args=[case.pk])
    _followed(client, e.contract_manager, [item])
    assert _case_items(e, "quality_lead") == [] and _case_items(e, "rival") == []


def _mortality(alerts):
    """A mortality run with the given alerts (provider code, month), loaded by the service."""
    providers = pl.DataFrame(
        {"provider_code": ["RJE", "RWE"], "spells": [1000, 1000], "observed": [60.0, 40.0],
         "expected": [40.0, 40.0], "shmi": [1.5, 1.0], "lower_95": [0.9, 0.9],
         "upper_95": [1.1, 1.1], "lower_998": [0.8, 0.8], "upper_998": [1.2, 1.2],
         "band": ["higher than expected", "as expected"],
         "band_998": ["higher than expected", "as expected"]}
    )  # fmt: skip
    rows = pl.DataFrame(
        {"provider_code": [a[0] for a in alerts], "month": [a[1] for a in alerts],
         "observed": [9.0] * len(alerts), "expected": [4.0] * len(alerts),
         "cusum": [5.1] * len(alerts), "threshold": [4.5] * len(alerts)}
    )  # fmt: skip
    result = SimpleNamespace(reporting_period=("2025-04", "2026-03"), spells=2000, phi=1.0,
                             tau2=0.0, kept=2, providers=providers, alerts=rows,
                             warning=None)  # fmt: skip
    options = SimpleNamespace(odds_ratio=2.0, false_alarm_rate=0.001, warning=None)
    return q.load_mortality(result, options, "test spells", SYSTEM)


def _alert_items(e, role):
    return [i for i in _work(e, role) if "alert" in i.title]


def test_alerts_on_the_quality_leads_providers_are_summed_up_once(client, cycle, contract):
    e = cycle.e
    run = _mortality([("RJE", "2026-01"), ("RJE", "2026-02"), ("RWE", "2026-02")])
    (item,) = _alert_items(e, "quality_lead")
    assert (item.title, item.url, item.due, item.waiting_on) == (
        "2 alerts on your providers' quality", reverse("quality"), None, ""
    )  # fmt: skip
    assert item.detail.endswith(f"with no case opened: {RJE}")
    _followed(client, e.quality_lead, [item])
    for role in ("commissioner", "contract_manager", "provider", "rival", *NOBODY):
        assert _alert_items(e, role) == [], role

    alert = run.alerts.filter(provider_code="RJE").first()
    with at(DAY):
        q.raise_concern(q.ConcernInput(e.rje.pk, "alert", "Mortality alert", alert.description,
                                       contract_id=contract.pk, alert_id=alert.pk),
                        e.quality_lead)  # fmt: skip
    (item,) = _alert_items(e, "quality_lead")
    assert item.title == "1 alert on your providers' quality"


def test_a_person_with_nothing_to_do_here_costs_one_query(cycle, contract):
    with at(DAY), CaptureQueriesContext(connection) as queries:
        assert waiting_for(cycle.e.finance_lead) == []
    assert len(queries) == 1  # their memberships


def test_the_queue_takes_a_few_queries_however_many_lines_and_cases(cycle, contract):
    e = cycle.e
    _mortality([("RJE", "2026-01")])
    with at(DAY):
        for n in range(3):
            q.raise_concern(q.ConcernInput(e.rje.pk, "commissioner", f"Concern {n}", "Detail",
                                           contract_id=contract.pk), e.quality_lead)  # fmt: skip
        with CaptureQueriesContext(connection) as queries:
            items = waiting_for(e.quality_lead)
    assert len(items) == 5  # figures, three cases, the alerts
    assert len(queries) <= 8


def test_the_provider_reports_progress_on_a_remedial_action_plan(client, cycle, contract):
    """Issue 18: a remedial action plan had no step for the provider. Its representative has
    a milestone coming due to report progress on (General Condition 9), on a page, through the
    API with the same check; the commissioners read the report on the case; it is audited."""
    from commissioning.api.tokens import issue_token
    from commissioning.audit.models import Revision
    from commissioning.quality.models import Milestone

    e = cycle.e
    soon = DAY + dt.timedelta(days=20)
    with at(DAY):
        case = q.raise_concern(
            q.ConcernInput(e.rje.pk, "commissioner", "Door-to-needle times slipping",
                           "Three months below the threshold", contract_id=contract.pk),
            e.quality_lead,
        )  # fmt: skip
        q.issue_notice(case, q.NoticeInput("Door-to-needle", DAY), e.contract_manager)
        q.agree_plan(case, q.PlanInput("Daily review", [q.MilestoneInput("Audit every case",
                                                                         soon)]),
                     e.commissioner)  # fmt: skip
    milestone = Milestone.objects.get()
    progress = reverse("quality-milestone-progress", args=[milestone.pk])
    assert [(i.title, i.url, i.due) for i in _case_items(e, "provider")] == [
        (f"Report progress on the remedial action plan of quality case {case.reference}",
         progress, soon)
    ]  # fmt: skip
    assert _case_items(e, "rival") == []
    client.force_login(e.provider)
    case_page = client.get(reverse("quality-case", args=[case.pk])).content.decode()
    assert f'href="{progress}"' in case_page
    with at(DAY):
        refused = client.post(progress, {"progress": " "})
        assert "Describe the progress made towards the milestone" in refused.content.decode()
        client.post(progress, {"progress": "Forty of sixty cases audited"})
    assert _case_items(e, "provider") == []  # reported: not asked again for 28 days
    client.force_login(e.quality_lead)
    case_page = client.get(reverse("quality-case", args=[case.pk])).content.decode()
    assert "Forty of sixty cases audited" in case_page and f'href="{progress}"' not in case_page
    assert client.get(progress).status_code == 403
    change = Revision.objects.get(object_type="quality.milestone", actor_id=e.provider.pk)
    assert change.diff["progress"] == ["", "Forty of sixty cases audited"]

    url = f"/api/v1/quality/milestones/{milestone.pk}/progress"
    for user, status in ((e.quality_lead, 403), (e.rival, 403), (e.provider, 200)):
        _, token = issue_token(user, "test", SYSTEM)
        with at(DAY + dt.timedelta(days=1)):
            answer = client.post(url, {"progress": "All sixty audited"},
                                 content_type="application/json",
                                 HTTP_AUTHORIZATION=f"Bearer {token}")  # fmt: skip
        assert answer.status_code == status, (user.username, answer.content)
    assert answer.json()["progress"] == "All sixty audited"
    with at(DAY + dt.timedelta(days=1)):
        q.complete_milestone(milestone, DAY, e.quality_lead)
    with pytest.raises(ValidationError, match="already recorded as met"):
        q.report_progress(Milestone.objects.get(), q.ProgressInput("More"), e.provider)
