"""`commissioning demo-setup`: reference data, synthetic economy and one account per role,
and a second run that changes nothing."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from commissioning import clock
from commissioning.audit.chain import verify_chain
from commissioning.audit.models import Revision
from commissioning.audit.reconcile import reconcile
from commissioning.cli import app
from commissioning.collaboration import pooled
from commissioning.collaboration.models import PooledBudget, SchemeCommitment, YearEndSettlement
from commissioning.ledger.models import Account
from commissioning.ledger.verify import verify_ledger
from commissioning.organisations.models import Membership, Organisation, User
from commissioning.organisations.vocabulary import Role
from commissioning.quality.models import QualityMeasurement
from commissioning.specialised.models import LineBudget
from commissioning.specialised.services import position as services_position

pytestmark = pytest.mark.django_db
runner = CliRunner()


def test_demo_setup_builds_everything_and_is_idempotent(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.SYNTH_DIR = tmp_path / "synth"
    first = runner.invoke(app, ["demo-setup", "--spells", "4000", "--years", "1"])
    assert first.exit_code == 0, (first.output, repr(first.exception))
    # The accounts table names every organisation (issue 18: three rows showed ODS codes).
    assert "│ XL001" not in first.output and "│ XR001" not in first.output
    assert Organisation.objects.filter(code="RJD", is_synthetic=False).exists()
    assert Organisation.objects.filter(org_type="icb", is_synthetic=True).count() == 42
    assert (settings.SYNTH_DIR / "spells" / "2021-22.parquet").exists()
    assert {u.username for u in User.objects.all()} == {r.value.replace("_", "-") for r in Role} | {
        "bidder",
        "senate-adviser",
        "council-finance",
        "nhse-commissioner",
        "nhse-finance",
        "family-representative",
    }
    rep = Membership.objects.get(user__username="provider-representative")
    assert rep.organisation.code == "RJE"
    adviser = Membership.objects.get(user__username="clinical-adviser").organisation
    assert adviser.org_type == "clinical_network" and adviser.is_synthetic
    commissioner = Membership.objects.get(user__username="commissioner").organisation
    assert commissioner.is_synthetic and commissioner.org_type == "icb"
    assert User.objects.get(username="administrator").is_superuser
    assert User.objects.get(username="commissioner").check_password("demo-commissioner")
    assert "demo-commissioner" in first.output

    said = " ".join(first.output.split())  # Rich wraps long lines
    assert "Commissioning cycles built: Hyper-acute stroke unit; Community diabetes service" in said
    _the_demo_ships_a_completed_cycle_and_cycles_in_progress()
    assert "Quality schedule figures: 25 synthetic monthly figures on 5 lines." in said
    assert QualityMeasurement.objects.filter(source="demo").count() == 25
    assert (
        "Commissioning together: a consortium; delegated primary care co-commissioning "
        "with a decision; a Better Care Fund pool, a year of spending, settled; this year's "
        "Better Care Fund with commitments and a forecast."
    ) in said
    settlement = YearEndSettlement.objects.get()
    # Intermediate care overspends by £216,000 (12 x £318,000 against £3.6m); the other
    # schemes underspend by £102,000 and £0: the underspend, then the £50,000 risk pool,
    # then the ICB (its scheme) meet it.
    assert settlement.figures["covered"] == {
        "other_underspends": 102_000_00,
        "risk_pool": 50_000_00,
        "uncommitted_schemes": 0,
        "outside_pool": 64_000_00,
    }
    assert Account.objects.get(code="BCF-2025-XL001").balance_pence == 0  # met in full
    # This year's pool forecasts intermediate care over budget; the agreement's order meets it.
    today = clock.today()
    year = today.year if today.month >= 4 else today.year - 1
    this_year = PooledBudget.objects.get(pool_account__code=f"BCF-{year}-XL001")
    assert SchemeCommitment.objects.filter(scheme__pool=this_year).exists()
    forecast = pooled.forecast(this_year, this_year.start_date.year)
    if forecast is not None:  # after the first complete month (the year did not just end)
        result = forecast.settlement
        assert sum(result.covered.values()) == result.total_overspend > 0
        plan = this_year.action_plans.get()  # the council agreed; the ICB has to decide
        assert plan.status == "proposed" and plan.decisions.get().partner.organisation.code == (
            "XL001"
        )
    assert "Specialised commissioning: 6 specialised service lines, April to October 2026." in said
    alerts = {b.line: services_position(b).alert for b in LineBudget.objects.all()}
    assert alerts["ACC"] and not any(v for k, v in alerts.items() if k != "ACC"), alerts
    assert "Personal health budgets: 4 people on the care coordinator's caseload" in said
    assert "an integrated budget through a pooled fund" in said
    from commissioning.personal_budgets.models import Payment, Person, RefusedPayment

    assert Person.objects.count() == 4
    assert Person.objects.filter(plans__pool__isnull=False).count() == 1
    assert Payment.objects.filter(flagged=True).count() == 1
    assert RefusedPayment.objects.get().category == "gambling"  # kept, nothing paid
    ledger = verify_ledger()
    assert ledger.ok and ledger.unrecorded_authority == 0, ledger
    # Every record decisions and money rest on is in step with the audit trail.
    assert reconcile() is None

    revisions = Revision.objects.count()
    second = runner.invoke(app, ["demo-setup", "--spells", "4000", "--years", "1"])
    assert second.exit_code == 0, second.output
    assert "already ingested; nothing changed" in second.output
    again = " ".join(second.output.split())
    assert "Commissioning cycles: already there; nothing changed." in again
    assert "Quality schedule figures: already there; nothing changed." in again
    assert "Commissioning together: already there." in again
    assert "Specialised commissioning: already there." in again
    assert "Personal health budgets: already there." in again
    assert Revision.objects.count() == revisions
    assert verify_chain().ok


def test_fetch_then_ingest_from_the_landing_area(settings, tmp_path, reference_dir):
    settings.DATA_DIR = tmp_path
    fetched = runner.invoke(app, ["fetch", "ae", str(reference_dir / "ae_attendances.csv")])
    assert fetched.exit_code == 0, fetched.output
    landed = next((tmp_path / "landing" / "ae").iterdir())
    ingested = runner.invoke(app, ["ingest", "ae", str(landed)])
    assert ingested.exit_code == 0 and "12,765 new" in ingested.output


def test_fetch_of_a_missing_file_is_explained(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    result = runner.invoke(app, ["fetch", "ae", str(tmp_path / "nope.csv")])
    assert result.exit_code == 1 and "No file at" in result.output


def test_ingest_refuses_an_unknown_kind(tmp_path):
    (tmp_path / "x.csv").write_text("a\n")
    result = runner.invoke(app, ["ingest", "prescribing", str(tmp_path / "x.csv")])
    assert result.exit_code == 1 and "must be one of trusts, ae, population" in result.output


def test_api_token_is_shown_once_and_works(client, make_user):
    make_user("commissioner")
    result = runner.invoke(app, ["api-token", "create", "commissioner"])
    assert result.exit_code == 0
    raw = result.output.split(": ", 1)[1].split()[0]
    response = client.get("/api/v1/organisations", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert runner.invoke(app, ["api-token", "create", "nobody"]).exit_code == 1


def _the_demo_ships_a_completed_cycle_and_cycles_in_progress():
    from commissioning import clock
    from commissioning.contracts.models import Contract
    from commissioning.selection.models import AdviceRequest, Proposal, SelectionProcess
    from commissioning.selection.services import state_of

    stroke = Contract.objects.get(specification__title="Hyper-acute stroke unit")
    assert stroke.status == "signed" and stroke.provider.code == "RJE"
    # The public register has its notice of intention (Schedule 10) and its award notice
    # (Schedule 11), and its OCDS record validates (issue 20).
    from commissioning.ocds.validate import problems
    from commissioning.register.queries import record_of
    from commissioning.selection.models import Notice

    published = Notice.objects.filter(decision=stroke.decision).order_by("published_at")
    assert [n.schedule for n in published] == [10, 11]
    record = record_of(stroke.decision.process_id)
    assert problems(record) == []
    assert record["compiledRelease"]["contracts"][0]["id"].endswith(stroke.reference)
    assert stroke.quality_schedule.count() == 5
    assert state_of(stroke.decision).contract_may_be_made
    # An urgent award under regulation 14: its one notice is Schedule 13's, its contract signed.
    urgent = Contract.objects.get(specification__title="Interim stroke rehabilitation beds")
    assert urgent.status == "signed" and urgent.decision.process.route == "urgent_award"
    assert [n.schedule for n in Notice.objects.filter(decision=urgent.decision)] == [13]
    assert problems(record_of(urgent.decision.process_id)) == []
    # Every OCDS document the demo has: each notice's release package, and each process's
    # record package (the register serves both), validate with zero errors.
    from commissioning.ocds import releases as ocds
    from commissioning.register.queries import release

    for notice in Notice.objects.all():
        package = ocds.release_package([release(notice)], "urn:test", "2026-12-05T00:00:00Z",
                                       {"name": "test"})  # fmt: skip
        assert problems(package) == [], notice
    for process_id in set(Notice.objects.values_list("process_id", flat=True)):
        package = ocds.record_package([record_of(process_id)], "urn:test",
                                      "2026-12-05T00:00:00Z", {"name": "test"})  # fmt: skip
        assert problems(package) == [], process_id
    diabetes = SelectionProcess.objects.get(specification__title="Community diabetes service")
    assert diabetes.status == "inviting" and diabetes.proposals_deadline < clock.today()
    assert diabetes.proposals.filter(status="submitted").count() == 2
    assert diabetes.route == "competitive" and diabetes.recommended_route == "direct_award_c"
    heart = SelectionProcess.objects.get(specification__title__startswith="Heart failure")
    assert heart.proposals_deadline > clock.today()
    assert AdviceRequest.objects.filter(
        specification=heart.specification, advice__isnull=True
    ).exists()
    assert Proposal.objects.filter(process__isnull=True, status="submitted").count() == 1
    # A variation waits for the provider's agreement (GC13), on its representative's queue.
    from commissioning.organisations.models import User
    from commissioning.ui.worklist import work_for

    rep = User.objects.get(username="provider-representative")
    assert "Agree or decline variation 1 to the contract for Hyper-acute stroke unit" in [
        i.title for i in work_for(rep).to_do
    ]
