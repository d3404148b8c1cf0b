"""Bad input is refused with a message naming each field, and nothing is written; the forms
for a new plan version start from the current plan; the programme page shows the IPC cohort
from the synthetic economy's areas."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from django.core.exceptions import ValidationError

from commissioning import clock
from commissioning.audit.models import Revision
from commissioning.personal_budgets import services as phb
from commissioning.personal_budgets.models import Plan

from .conftest import plan_input

pytestmark = pytest.mark.django_db


def _fields(call) -> set[str]:
    revisions = Revision.objects.count()
    with pytest.raises(ValidationError) as exc:
        call()
    assert Revision.objects.count() == revisions  # nothing written
    return set(exc.value.message_dict)


def test_each_service_names_every_field_it_refuses(programme):
    p, c = programme.person, programme.coordinator
    future = clock.today() + dt.timedelta(days=3)
    assert _fields(
        lambda: phb.assess(p, phb.AssessmentInput(future, {"breathing": "x"}, "", " "), c)
    ) >= {"assessed_on", "ratings.breathing", "decision", "decision_reasons", "ratings.nutrition"}
    bad_plan = phb.PlanInput(None, "", "", "", "", "nonsense", 0, ())
    assert _fields(lambda: phb.draft_plan(p, bad_plan, c)) >= {
        "start_date",
        "needs",
        "outcomes",
        "risks",
        "contingency",
        "mode",
        "amount_pence",
        "services",
    }
    bad_rows = plan_input(services=(phb.ServiceLine("", "nonsense", None),))
    assert _fields(lambda: phb.draft_plan(p, bad_rows, c)) >= {
        "services.0.name",
        "services.0.category",
        "services.0.annual_cost_pence",
    }
    third = plan_input(mode="third_party")
    assert _fields(lambda: phb.draft_plan(p, third, c)) == {
        "third_party_name",
        "third_party_independent",
    }
    assert _fields(
        lambda: phb.record_payment(
            p, phb.PaymentInput("", None, "nonsense", "", "", future), programme.holder
        )
    ) >= {"key", "amount_pence", "category", "payee", "description", "paid_on"}
    assert _fields(
        lambda: phb.record_payment(
            p, phb.PaymentInput("k", 100, "therapy", "A", "B", service_id=999_999), programme.holder
        )
    ) == {"service_id"}
    assert _fields(lambda: phb.record_review(p, phb.ReviewInput(future, True, ""), c)) == {
        "held_on",
        "notes",
    }
    assert _fields(lambda: phb.stop_direct_payments(p, phb.StopInput("nonsense", ""), c)) == {
        "ground",
        "reasons",
    }
    assert _fields(
        lambda: phb.request_reconsideration(
            p, phb.ReconsiderationInput("nonsense", ""), programme.holder
        )
    ) == {"about", "grounds"}
    assert _fields(lambda: phb.link_sign_in(p, "holder", "nobody-such", c)) == {"username"}
    assert _fields(lambda: phb.link_sign_in(p, "holder", c.username, c)) == {"username"}
    assert _fields(lambda: phb.link_sign_in(p, "friend", "", c)) == {"link"}
    assert _fields(
        lambda: phb.issue_repayment_notice(
            p, phb.RepaymentInput("nonsense", "r", 100, None, "representative"), c
        )
    ) >= {"ground", "deadline"}


def test_agreeing_twice_and_agreement_by_a_missing_representative_are_refused(programme):
    p, c = programme.other, programme.other_coordinator
    draft = phb.draft_plan(
        p,
        plan_input(
            amount=500_000, services=(phb.ServiceLine("Respite weekends", "respite", 400_000),)
        ),
        c,
    )
    assert _fields(lambda: phb.agree_plan(draft, phb.AgreeInput("representative"), c)) == {
        "agreed_by"
    }
    agreed = Plan.objects.get(person=p, status="agreed")
    assert _fields(lambda: phb.agree_plan(agreed, phb.AgreeInput("person"), c)) == {"__all__"}


def test_a_new_version_starts_from_the_current_plan(client, programme):
    client.force_login(programme.coordinator)
    body = client.get(f"/budgets/people/{programme.person.pk}/plans/new/").content.decode()
    assert "Help to breathe safely at night" in body and "Physiotherapy" in body
    assert "Indicative budget from the resource allocation table" in body


def test_programme_page_shows_the_ipc_cohort(client, programme, settings, tmp_path):
    settings.SYNTH_DIR = tmp_path
    pl.DataFrame(
        {
            "code": ["A1", "A2"],
            "commissioner_code": [programme.icb.code, "XC999"],
            "deprivation_decile": [2, 9],
            "male": [[500] * 20, [400] * 20],
            "female": [[500] * 20, [400] * 20],
        }
    ).write_parquet(tmp_path / "areas.parquet")
    client.force_login(programme.finance)
    body = client.get(f"/budgets/programme/{programme.icb.code}/").content.decode()
    assert "Who would benefit from integrated personal commissioning" in body
    assert "20,000" in body  # the ICB's own areas: 20 bands x 1,000 residents
    other = programme.icb.__class__.objects.create(code="XC777", name="Other ICB", org_type="icb")
    from commissioning.organisations.permissions import SystemActor
    from commissioning.organisations.services import add_membership

    # Given by the operator (at once, recorded): the person's roles are read again.
    add_membership(programme.finance, other, "finance_lead", SystemActor())
    body = client.get("/budgets/programme/XC777/").content.decode()
    assert "all synthetic commissioners" in body and "36,000" in body
