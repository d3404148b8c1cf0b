"""The early warning in the product (issue 22, part 4): the SHMI pipeline runs its charts, the
command line offers its options, and its alerts reach the quality workspace, the risk profile,
the API and the escalation path saying which question, which chart and how sure."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from typer.testing import CliRunner

from commissioning.cli import app
from commissioning.engine.quality.shmi import ShmiOptions, shmi
from commissioning.engine.quality.warning import WarningOptions
from commissioning.organisations.permissions import SYSTEM
from commissioning.quality import services as q
from commissioning.quality.models import MortalityAlert
from tests.bearer import bearer

runner = CliRunner()


@pytest.fixture(scope="module")
def economy_dir(tmp_path_factory):
    """Two years of spells: RJE's deaths in diagnosis group 2 multiply by 6 from the second
    year's third month (a failure confined to one group, after a year of its own level)."""
    from commissioning.engine.synth import Injection
    from tests.synth import write_economy

    return write_economy(
        tmp_path_factory.mktemp("warning"), spells_per_year=150_000, years=2, seed=5, areas=400,
        diagnosis_groups=4, injections=(Injection.parse("RJE:2022-06:6:groups=2"),),
    )  # fmt: skip


@pytest.fixture(scope="module")
def result(economy_dir):
    return shmi(economy_dir / "spells", ShmiOptions())


def test_the_pipeline_runs_both_questions_on_every_chart(result):
    warning = result.warning
    assert warning is not None
    assert warning.monitored == ("2022-04", "2023-03") and warning.baseline == (
        "2021-04",
        "2022-03",
    )
    charts = warning.charts
    assert set(charts["question"]) == {"worse_than_national", "deteriorated"}
    assert set(charts["chart"]) == {"all", "admission_method", "diagnosis_group",
                                    "diagnosis_groups"}  # fmt: skip
    # The all-spells chart's observed and expected deaths are the pipeline's own.
    mine = charts.filter(provider_code="RJE", chart="all", question="worse_than_national")
    monthly = result.monthly.filter(
        (result.monthly["provider_code"] == "RJE") & (result.monthly["month"] >= "2022-04")
    )
    assert mine["observed"].item() == pytest.approx(monthly["observed"].sum())
    assert mine["expected"].item() == pytest.approx(monthly["expected"].sum())
    # RJE's group 2 is found, and said where.
    found = warning.alerts.filter(provider_code="RJE", chart="diagnosis_group", value=2)
    assert found.height >= 1 and found["sure"].min() >= 0.95
    assert found["month"].min() >= "2022-06"


@pytest.mark.django_db
def test_the_alerts_reach_the_workspace_saying_question_chart_and_how_sure(client, economy, result):
    run = q.load_mortality(result, ShmiOptions(), "test spells", SYSTEM)
    assert run.odds_ratios == "1.25, 1.5, 2, 3" and run.false_alarm_rate == 0.05
    assert run.alerts.count() == result.warning.alerts.height
    alert = run.alerts.filter(provider_code="RJE", chart="diagnosis_group", chart_value=2).first()
    assert alert is not None and alert.question in ("worse_than_national", "deteriorated")
    text = alert.description
    assert text.startswith("30-day mortality in diagnosis group 2: ")
    assert "% sure" in text and "fits best" in text
    client.force_login(economy.quality_lead)
    page = client.get(reverse("quality-mortality")).content.decode()
    assert "diagnosis group 2" in page and f"?alert={alert.pk}" in page
    # The escalation path: a case opened from the alert quotes it.
    form = client.get(reverse("quality-case-new"), {"alert": alert.pk}).content.decode()
    assert "From the alert: 30-day mortality in diagnosis group 2" in form
    # The risk profile shows it as a mortality alert of the platform's own.
    profile = client.get(reverse("quality-risk-profile", args=["RJE"])).content.decode()
    assert "Mortality alert" in profile
    # The API gives the same, field by field.
    api = client.get(f"/api/v1/quality/mortality-runs/{run.pk}", **bearer(economy.quality_lead))
    assert api.status_code == 200
    body = api.json()
    assert body["odds_ratios"] == "1.25, 1.5, 2, 3"
    row = next(a for a in body["alerts"] if a["provider_code"] == "RJE"
               and a["chart"] == "diagnosis_group" and a["chart_value"] == 2
               and a["month"] == alert.month.isoformat()
               and a["question"] == alert.question)  # fmt: skip
    assert row["sure"] == pytest.approx(alert.sure) and row["cusum"] == pytest.approx(alert.cusum)


def test_an_alert_says_which_spells_its_chart_watches():
    def where(**kw):
        return MortalityAlert(question="deteriorated", **kw).where

    assert where(chart="all") == "all spells"
    assert where(chart="admission_method", chart_value=2) == "emergency admissions"
    assert where(chart="diagnosis_group", chart_value=17) == "diagnosis group 17"
    assert (where(chart="diagnosis_groups", chart_value=7, groups="7, 17, 44")
            == "diagnosis groups 7, 17 and 44 together")  # fmt: skip
    assert where(chart="diagnosis_groups", chart_value=7, groups="7") == (
        "diagnosis group 7 among others"
    )


def test_how_sure_is_never_rounded_up_to_certainty():
    alert = MortalityAlert(sure=0.99996, question="deteriorated")
    assert alert.how_sure == "more than 99.9% sure"
    alert.sure = 0.95678
    assert alert.how_sure == "95.6% sure"


@pytest.mark.django_db
def test_a_run_without_the_early_warning_stores_the_cusum_alerts(economy, result, economy_dir):
    plain = shmi(economy_dir / "spells", ShmiOptions(warning=None))
    assert plain.warning is None
    run = q.load_mortality(plain, ShmiOptions(warning=None), "test spells", SYSTEM)
    assert run.odds_ratios == "" and run.alerts.count() == plain.alerts.height
    assert all(a.question == "" and a.description.startswith("Risk-adjusted CUSUM")
               for a in run.alerts.all())  # fmt: skip


def test_the_command_offers_the_early_warnings_options(economy_dir, tmp_path):
    out = tmp_path / "shmi.json"
    result = runner.invoke(app, ["quality", "shmi", str(economy_dir / "spells"),
                                 "--warning-rate", "0.02", "--odds-ratios", "1.5,3",
                                 "--no-by-method", "--output", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    warning = document["early_warning"]
    assert warning["false_alarm_rate"] == 0.02 and warning["odds_ratios"] == [1.5, 3.0]
    assert warning["monitored"] == {"from": "2022-04", "to": "2023-03"}
    assert {a["chart"] for a in warning["alerts"]} <= {"all", "diagnosis_group", "diagnosis_groups"}
    assert {a["odds_ratio"] for a in warning["alerts"]} <= {1.5, 3.0}
    direct = shmi(
        economy_dir / "spells",
        ShmiOptions(warning=WarningOptions(false_alarm_rate=0.02, odds_ratios=(1.5, 3.0),
                                           by_method=False)),
    )  # fmt: skip
    assert len(warning["alerts"]) == direct.warning.alerts.height


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--warning-rate", "2"], "--warning-rate: a chance per provider-year between 0 and 1"),
        (["--odds-ratios", "1,2"], "--odds-ratios: one or more odds ratios, each above 1"),
        (["--odds-ratios", "two"], "--odds-ratios: 'two' is not numbers separated by commas"),
    ],
)
def test_bad_options_are_refused_naming_the_option(economy_dir, args, message):
    result = runner.invoke(app, ["quality", "shmi", str(economy_dir / "spells"), *args])
    assert result.exit_code == 2 and message in result.stderr
