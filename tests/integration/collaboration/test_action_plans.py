"""The pooled fund manager's action plan for a forecast overspend, decided by the partners
(docs/domain.md section 5): agreed when every partner agrees, rejected when any does not, and an
agreed plan's cuts come off the forecast."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from commissioning import clock
from commissioning.audit.models import Revision
from commissioning.collaboration import pooled
from commissioning.collaboration.models import ActionPlan

from .test_commitments import NOVEMBER, year  # noqa: F401

pytestmark = pytest.mark.django_db


def _partners(bcf):
    icb, council = bcf.pool.partners.all()
    return icb, council


def test_an_agreed_plan_takes_its_cuts_off_the_forecast(bcf, year):  # noqa: F811
    manager, icb_lead = bcf.people["XL001"], bcf.people["XC001"]
    icb, council = _partners(bcf)
    with clock.recorded_as(NOVEMBER):
        plan = pooled.propose_action_plan(
            bcf.pool,
            pooled.ActionPlanInput("Stop the spring step-down beds", {year.care.pk: 300_000}),
            manager,
        )
        assert plan.forecast_overspend_pence == 1_200_000 and plan.status == "proposed"
        assert pooled.forecast(bcf.pool, 2025).settlement.total_overspend == 1_200_000
        plan = pooled.decide_action_plan(plan, icb, True, "", icb_lead)
        assert plan.status == "proposed"  # the council has not decided yet
        plan = pooled.decide_action_plan(plan, council, True, "", manager)
        assert plan.status == "agreed" and plan.decided_at is not None
        f = pooled.forecast(bcf.pool, 2025)
    care = f.schemes[0]
    assert (care.forecast_pence, care.uncommitted_pence) == (6_900_000, 0)
    assert f.cuts_pence == 300_000
    assert f.settlement.total_overspend == 900_000
    assert f.settlement.partners_pay == {"XC001": 900_000, "XL001": 0}
    revisions = Revision.objects.filter(object_type="collaboration.actionplan").order_by("seq")
    assert [r.diff.get("status") for r in revisions] == [
        [None, "proposed"],
        None,  # the ICB agreed: still waiting for the council
        ["proposed", "agreed"],
    ]
    assert [r.diff["partner"][1] for r in revisions[1:]] == ["XC001", "XL001"]


def test_one_partner_disagreeing_rejects_the_plan_with_its_reasons(bcf, year):  # noqa: F811
    manager, icb_lead = bcf.people["XL001"], bcf.people["XC001"]
    icb, council = _partners(bcf)
    with clock.recorded_as(NOVEMBER):
        plan = pooled.propose_action_plan(
            bcf.pool, pooled.ActionPlanInput("The ICB meets the overspend", {}), manager
        )
        with pytest.raises(ValidationError) as exc:
            pooled.decide_action_plan(plan, icb, False, " ", icb_lead)
        assert exc.value.message_dict == {"reasons": ["Give the reasons for disagreeing"]}
        plan = pooled.decide_action_plan(plan, icb, False, "Not without cuts first", icb_lead)
        assert plan.status == "rejected"
        with pytest.raises(ValidationError, match="The plan has been decided: Rejected"):
            pooled.decide_action_plan(plan, council, True, "", manager)
        # With the last one rejected, the manager may propose again.
        again = pooled.propose_action_plan(
            bcf.pool,
            pooled.ActionPlanInput("Cut spring beds", {year.care.pk: 100_000}),
            manager,
        )
    assert again.status == "proposed"
    assert pooled.agreed_cuts(bcf.pool, 2025) == {}


def test_proposals_are_refused_by_field_and_only_the_fund_manager_proposes(bcf, year):  # noqa: F811
    manager, icb_lead = bcf.people["XL001"], bcf.people["XC001"]
    icb, _ = _partners(bcf)
    with clock.recorded_as(NOVEMBER):
        with pytest.raises(PermissionDenied):
            pooled.propose_action_plan(bcf.pool, pooled.ActionPlanInput("x", {}), icb_lead)
        with pytest.raises(ValidationError) as exc:
            pooled.propose_action_plan(
                bcf.pool,
                pooled.ActionPlanInput(
                    " ", {year.care.pk: 300_001, year.adaptations.pk: 1, 999_999: 5}
                ),
                manager,
            )
        problems = exc.value.message_dict
        assert problems["actions"] == ["Say what will be done about the forecast overspend"]
        assert problems[f"cuts.{year.care.pk}"] == [
            "At most its uncommitted spending, £3,000.00: committed money cannot be cut"
        ]
        assert f"cuts.{year.adaptations.pk}" in problems and "cuts.999999" in problems
        plan = pooled.propose_action_plan(bcf.pool, pooled.ActionPlanInput("Plan A", {}), manager)
        with pytest.raises(ValidationError, match="already waiting for the partners"):
            pooled.propose_action_plan(bcf.pool, pooled.ActionPlanInput("Plan B", {}), manager)
        with pytest.raises(PermissionDenied):  # the ICB's lead cannot decide for the council
            pooled.decide_action_plan(plan, _partners(bcf)[1], True, "", icb_lead)
        pooled.decide_action_plan(plan, icb, True, "", icb_lead)
        with pytest.raises(ValidationError, match="has already decided"):
            pooled.decide_action_plan(plan, icb, True, "", icb_lead)
    assert ActionPlan.objects.count() == 1
    with clock.recorded_as(dt.datetime(2025, 4, 20, 12)), pytest.raises(ValidationError):
        pooled.propose_action_plan(bcf.pool, pooled.ActionPlanInput("Too early", {}), manager)


def test_the_plan_is_proposed_and_decided_through_the_pages(client, bcf, year):  # noqa: F811
    manager, icb_lead = bcf.people["XL001"], bcf.people["XC001"]
    pool_url = f"/together/pools/{bcf.pool.pk}/"
    with clock.recorded_as(NOVEMBER):
        client.force_login(manager)
        assert "Propose an action plan" in client.get(pool_url).content.decode()
        url = pool_url + "action-plan/"
        refused = client.post(url, {"actions": "Cut beds", f"cut_{year.care.pk}": "3,000.01"})
        assert "At most its uncommitted spending, £3,000.00" in refused.content.decode()
        page = client.post(
            url, {"actions": "Cut beds", f"cut_{year.care.pk}": "3,000"}, follow=True
        ).content.decode()
        assert "The action plan is proposed to the partners." in page
        assert "Intermediate care: £3,000 of uncommitted spending not made" in page
        plan = ActionPlan.objects.get()
        client.force_login(icb_lead)
        page = client.get(pool_url).content.decode()
        assert "Propose an action plan" not in page and "Decide on this plan" in page
        decide = f"{pool_url}action-plans/{plan.pk}/decide/"
        refused = client.post(decide, {"agrees": "no", "reasons": ""}).content.decode()
        assert "Give the reasons for disagreeing" in refused
        page = client.post(decide, {"agrees": "yes"}, follow=True).content.decode()
        assert "The plan is now: Proposed: waiting for the partners." in page
        assert "Decide on this plan" not in page
        client.force_login(manager)
        page = client.post(decide, {"agrees": "yes"}, follow=True).content.decode()
        assert "The plan is now: Agreed by every partner." in page
        assert "already counts £3,000 of uncommitted spending that agreed action plans stop" in page
        client.force_login(icb_lead)
        assert client.get(url).status_code == 403  # only the fund manager proposes
