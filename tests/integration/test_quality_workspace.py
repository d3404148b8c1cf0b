"""The quality workspace and escalation: services, the role × action matrix, pages and exports."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from commissioning.audit.models import Revision
from commissioning.engine.quality.shmi import ShmiOptions, shmi
from commissioning.organisations.permissions import SYSTEM
from commissioning.quality import rules
from commissioning.quality import services as q
from commissioning.quality.models import EscalationCase, MortalityAlert
from commissioning.quality.permissions import Action, can, visible_cases
from commissioning.reference.models import AEAttendance
from tests.cycle import DAY0, at

pytestmark = pytest.mark.django_db
ROLES = ["commissioner", "contract_manager", "quality_lead", "finance_lead", "clinical_adviser",
         "provider", "rival", "budget_holder", "care_coordinator", "auditor",
         "administrator"]  # fmt: skip


@pytest.fixture(scope="module")
def spells(tmp_path_factory):
    from commissioning.engine.synth import Injection
    from tests.synth import write_economy

    out = write_economy(
        tmp_path_factory.mktemp("quality"),
        spells_per_year=200_000,
        years=1,
        seed=4,
        areas=400,
        diagnosis_groups=5,
        injections=(Injection(provider="RJE", start=dt.date(2021, 6, 1), odds_ratio=4),),
    )
    options = ShmiOptions()
    return shmi(out / "spells", options), options


@pytest.fixture
def loaded(economy, spells):
    for code, base in (("RJE", 0.10), ("RWE", 0.20)):
        for m in range(24):
            breaches = int(10_000 * (base + (0.15 if code == "RJE" and m >= 20 else 0)))
            AEAttendance.objects.create(
                period=dt.date(2022 + m // 12, m % 12 + 1, 1),
                org_code=code,
                department_type="1",
                attendances=10_000,
                breaches=breaches + (m % 3) * 40,
                admissions=2_000,
            )
    run = q.load_mortality(*spells, "test spells", SYSTEM)
    return economy, run


def test_loading_mortality_keeps_every_provider_and_the_alerts_and_is_audited(loaded):
    economy, run = loaded
    rje = run.results.get(provider_code="RJE")
    assert rje.provider == economy.rje
    assert rje.band == "higher than expected" and rje.shmi > 1.5
    assert run.alerts.filter(provider_code="RJE").exists()
    assert not run.alerts.filter(provider_code="RJE", month__lt=dt.date(2021, 6, 1)).exists()
    assert Revision.objects.filter(object_type="quality.mortalityrun", action="event").count() == 1
    assert run.results.count() == 140 and run.spells == 200_000


def test_the_escalation_process_end_to_end(loaded):
    economy, run = loaded
    alert = run.alerts.filter(provider_code="RJE").first()
    with at(DAY0):
        case = q.raise_concern(
            q.ConcernInput(economy.rje.pk, "alert", "Mortality alert at RJE", alert.description,
                           alert_id=alert.pk),
            economy.quality_lead,
        )  # fmt: skip
        assert case.reference == f"QC-{DAY0.year}-0001" and case.status == "open"
        with pytest.raises(ValidationError, match="Issue a contract performance notice"):
            q.agree_plan(case, q.PlanInput("Plan", [q.MilestoneInput("Review", DAY0)]),
                         economy.commissioner)  # fmt: skip
        q.issue_notice(
            case, q.NoticeInput("Mortality above expected", DAY0 + dt.timedelta(days=10)),
            economy.contract_manager,
        )  # fmt: skip
        plan = q.agree_plan(
            case,
            q.PlanInput(
                "Independent mortality review and daily senior review",
                [q.MilestoneInput("Review of every death", DAY0 + dt.timedelta(days=30)),
                 q.MilestoneInput("Consultant cover at weekends", DAY0 + dt.timedelta(days=60))],
            ),
            economy.commissioner,
        )  # fmt: skip
        case.refresh_from_db()
        assert case.status == "plan_agreed" and plan.milestones.count() == 2
        with pytest.raises(ValidationError, match="2 milestones of the remedial action plan"):
            q.close_case(case, "Resolved", economy.commissioner)
        for m in plan.milestones.all():
            q.complete_milestone(m, DAY0, economy.quality_lead)
        q.close_case(case, "Mortality back within expected limits", economy.commissioner)
    case.refresh_from_db()
    assert case.status == "closed" and case.closed_on == DAY0
    revisions = Revision.objects.filter(
        object_type="quality.escalationcase", object_id=str(case.pk)
    ).order_by("seq")
    assert [r.action for r in revisions] == ["create", "update", "update", "update"]
    assert [r.diff.get("status", [None, None])[1] for r in revisions] == [
        "open",
        "notice_issued",
        "plan_agreed",
        "closed",
    ]
    assert Revision.objects.filter(object_type="quality.milestone", action="update").count() == 2
    with pytest.raises(ValidationError, match="already closed"):
        q.escalate_case(case, "NHS England", "Still worried", economy.commissioner)


def test_bad_input_names_the_field_and_saves_nothing(loaded):
    economy, _ = loaded
    with pytest.raises(ValidationError) as caught:
        q.raise_concern(q.ConcernInput(None, "rumour", " ", ""), economy.commissioner)
    assert set(caught.value.message_dict) == {"provider_id", "source", "summary", "description"}
    with pytest.raises(ValidationError) as caught:
        q.raise_concern(q.ConcernInput(economy.rje.pk, "alert", "From nowhere", "No alert"),
                        economy.commissioner)  # fmt: skip
    assert "source" in caught.value.message_dict
    case = q.raise_concern(
        q.ConcernInput(economy.rje.pk, "patient_feedback", "Complaints about discharge",
                       "Twelve complaints in a month"), economy.commissioner)  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        q.issue_notice(case, q.NoticeInput("", None), economy.commissioner)
    assert set(caught.value.message_dict) == {"matters", "meeting_by"}
    q.issue_notice(case, q.NoticeInput("Discharge", dt.date(2099, 1, 1)), economy.commissioner)
    with pytest.raises(ValidationError) as caught:
        milestones = [q.MilestoneInput("Review", None), q.MilestoneInput("", dt.date(2099, 1, 1))]
        q.agree_plan(case, q.PlanInput("Plan", milestones), economy.commissioner)
    assert caught.value.message_dict["milestones"] == [
        "Milestone 1: enter the date it is due",
        "Milestone 2: describe what will be done",
    ]
    case.refresh_from_db()
    assert case.status == "notice_issued" and not hasattr(case, "plan")


def test_rules_of_the_process():
    assert rules.may_issue_notice("open") is None
    assert rules.may_issue_notice("notice_issued")
    assert rules.may_agree_plan("notice_issued") is None
    assert rules.may_close("open", 0) is None
    assert rules.may_close("plan_agreed", 1).startswith("1 milestone of")
    assert rules.may_escalate("plan_agreed") is None and rules.may_escalate("closed")


EXPECTED = {
    # action: roles that may (Y) — the role × action matrix
    Action.VIEW_QUALITY: {"commissioner", "contract_manager", "quality_lead", "finance_lead",
                          "clinical_adviser", "provider", "rival", "auditor", "administrator"},
    Action.RAISE_CONCERN: {"commissioner", "contract_manager", "quality_lead",
                           "clinical_adviser"},
    Action.VIEW_CASE: {"commissioner", "contract_manager", "quality_lead", "finance_lead",
                       "provider", "auditor", "administrator"},
    Action.MANAGE_CASE: {"commissioner", "contract_manager", "quality_lead"},
    Action.REPORT_PROGRESS: {"provider"},  # the case's provider's, not a rival's
    Action.LOAD_MORTALITY: {"quality_lead", "administrator"},
}  # fmt: skip


def test_role_by_action_matrix(loaded):
    economy, _ = loaded
    case = q.raise_concern(
        q.ConcernInput(economy.rje.pk, "clinician", "Sepsis screening", "Missed screens"),
        economy.clinical_adviser,
    )
    for action, allowed in EXPECTED.items():
        got = {
            role
            for role in ROLES
            if can(economy.users[role], action,
                   *((case,) if action in (Action.VIEW_CASE, Action.MANAGE_CASE,
                                           Action.REPORT_PROGRESS) else ()))
        }  # fmt: skip
        assert got == allowed, action
    # The case list's query gives the same answer as the rule, case by case, for everyone.
    other = q.raise_concern(
        q.ConcernInput(economy.rwe.pk, "commissioner", "Discharge letters", "Late letters"),
        economy.commissioner,
    )
    for user in economy.users.values():
        listed = set(visible_cases(user, EscalationCase.objects.all()))
        assert listed == {c for c in (case, other) if can(user, Action.VIEW_CASE, c)}, user
    assert set(visible_cases(economy.provider, EscalationCase.objects.all())) == {case}
    # Services refuse as the policy says.
    with pytest.raises(PermissionDenied):
        q.issue_notice(case, q.NoticeInput("x", dt.date(2099, 1, 1)), economy.clinical_adviser)
    with pytest.raises(PermissionDenied):
        q.raise_concern(q.ConcernInput(economy.rje.pk, "clinician", "x", "y"), economy.provider)
    with pytest.raises(PermissionDenied):
        q.close_case(case, "x", economy.budget_holder)


def test_pages_charts_and_exports(client, loaded):
    economy, run = loaded
    client.force_login(economy.quality_lead)
    page = client.get(reverse("quality"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "A&amp;E four-hour standard" in body and economy.rje.display_name in body
    assert "open a case from this alert" in body
    ae = client.get(reverse("quality-ae", args=["RJE"]))
    assert (
        ae.status_code == 200
        and "Concern: A point outside the process limits" in ae.content.decode()
    )
    svg = client.get(reverse("quality-ae-chart", args=["RJE", "svg"]))
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content[:500]
    png = client.get(reverse("quality-ae-chart", args=["RJE", "png"]))
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get(reverse("quality-ae-chart", args=["RJE", "gif"])).status_code == 404
    csv = client.get(reverse("quality-ae-csv", args=["RJE"])).content.decode()
    table = pl.read_csv(csv.encode())
    assert table.height == 24 and table["point_type"][-1] == "special_cause_concern"
    funnel = client.get(reverse("quality-funnel"), {"month": "2023-12", "overdispersion": "none"})
    assert funnel.status_code == 200 and "December 2023" in funnel.content.decode()
    fcsv = pl.read_csv(client.get(reverse("quality-funnel-csv"), {"month": "2023-12"}).content)
    assert fcsv["org_code"].sort().to_list() == ["RJE", "RWE"]
    assert fcsv.filter(pl.col("org_code") == "RJE")["numerator"][0] == 2580
    assert client.get(reverse("quality-funnel-chart", args=["png"])).content[:4] == b"\x89PNG"
    mort = client.get(reverse("quality-mortality")).content.decode()
    assert "Higher than expected" in mort and "Synthetic data" in mort
    mcsv = pl.read_csv(client.get(reverse("quality-mortality-csv")).content)
    assert mcsv.height == run.results.count()
    assert b"<svg" in client.get(reverse("quality-mortality-chart", args=["svg"])).content[:500]
    prov = client.get(reverse("quality-provider", args=["RJE"]))
    assert prov.status_code == 200 and "SHMI" in prov.content.decode()
    assert client.get(reverse("quality-ae-summary-csv")).status_code == 200


def test_raising_and_managing_a_case_through_the_pages(client, loaded):
    economy, _ = loaded
    alert = MortalityAlert.objects.filter(provider_code="RJE").first()
    client.force_login(economy.quality_lead)
    form = client.get(reverse("quality-case-new"), {"alert": alert.pk})
    assert "From the alert" in form.content.decode()
    bad = client.post(reverse("quality-case-new"), {"alert": alert.pk, "source": "alert"})
    assert bad.status_code == 200 and "There is a problem" in bad.content.decode()
    assert not EscalationCase.objects.exists()
    done = client.post(
        reverse("quality-case-new"),
        {"alert": alert.pk, "provider_id": economy.rje.pk, "source": "alert",
         "summary": "Mortality alert", "description": alert.description},
    )  # fmt: skip
    case = EscalationCase.objects.get()
    assert done.status_code == 302 and case.alert == alert
    step = client.post(
        reverse("quality-case-step", args=[case.pk, "notice"]),
        {"notice-matters": "Mortality", "notice-meeting_by": "2099-01-01"},
    )
    assert step.status_code == 302
    case.refresh_from_db()
    assert case.status == "notice_issued"
    refused = client.post(reverse("quality-case-step", args=[case.pk, "escalate"]),
                          {"escalate-escalated_to": "", "escalate-outcome": ""})  # fmt: skip
    assert refused.status_code == 200 and "Say who the case is escalated to" in (
        refused.content.decode()
    )
    client.force_login(economy.rival)
    assert client.get(reverse("quality-case", args=[case.pk])).status_code == 403
    client.force_login(economy.provider)
    assert client.get(reverse("quality-case", args=[case.pk])).status_code == 200
    assert client.post(reverse("quality-case-step", args=[case.pk, "close"]),
                       {"close-outcome": "x"}).status_code == 403  # fmt: skip
    client.force_login(economy.budget_holder)
    assert client.get(reverse("quality")).status_code == 403
    client.logout()
    assert client.get(reverse("quality")).status_code == 302
