"""What personal health budgets put in each person's work queue (``personal_budgets.queries.
waiting``): the care coordinator's caseload work, and the holder's and representative's own, in
plain words; each item's link answers that person; nobody else sees anything, and every record
shown is on the access log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commissioning import clock
from commissioning.personal_budgets import services as phb
from commissioning.personal_budgets.models import Access
from commissioning.personal_budgets.queries.waiting import waiting_for
from commissioning.ui.worklist import Item
from tests.worklist import follow

from .conftest import plan_input

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 8, 10)  # Ada's plan started on 1 June 2026: the first review is due 1 September
FIRST_REVIEW = dt.date(2026, 9, 1)
DEADLINE = dt.date(2026, 9, 7)


def on(day: dt.date):
    return clock.recorded_as(timezone.make_aware(dt.datetime.combine(day, dt.time(10))))


def _work(user, day=DAY):
    with on(day):
        return waiting_for(user)


def _followed(client, user, items, day=DAY):
    client.force_login(user)
    with on(day):
        for item in items:
            follow(client, item)


def _page(p, name="phb-person", **kw):
    return reverse(name, kwargs={"pk": p.pk, **kw})


@pytest.fixture
def busy(programme):
    """Ada's record with a new plan drafted, a payment outside the plan, a request for
    reconsideration and a repayment notice, all on ``DAY``."""
    p, coord = programme.person, programme.coordinator
    with on(DAY):
        draft = phb.draft_plan(p, plan_input(start_date=dt.date(2026, 9, 1)), coord)
        phb.record_payment(
            p,
            phb.PaymentInput("a-1", 4_500, "equipment", "Mobility Shop", "A perching stool"),
            programme.holder,
        )
        request = phb.request_reconsideration(
            p, phb.ReconsiderationInput("reduction", "The new plan cuts my hours"), programme.holder
        )
        notice = phb.issue_repayment_notice(
            p,
            phb.RepaymentInput(
                "substantial_unused_balance", "Not used for months", 120_000, DEADLINE, "patient"
            ),
            coord,
        )
    return draft, request, notice


def test_the_coordinator_sees_their_caseloads_work_and_only_theirs(client, programme, busy):
    p, coord = programme.person, programme.coordinator
    draft, request, notice = busy
    items = _work(coord)
    assert items == [
        Item("Review Ada Lovelace's care and support plan", _page(p, "phb-review"), p.reference,
             FIRST_REVIEW, "Review due", action="Record the review"),
        Item("Agree Ada Lovelace's care and support plan (version 2)",
             _page(p, "phb-plan", version=draft.version),
             f"{p.reference}: drafted, to agree with the person (or their representative)",
             dt.date(2026, 9, 1), "Plan starts", action="Agree the plan"),
        Item("Review 1 payment outside Ada Lovelace's plan", _page(p),
             f"{p.reference}: £45 paid for what is not in the plan", action="Mark reviewed"),
        Item("Decide Ada Lovelace's request for reconsideration",
             _page(p, "phb-decide", rid=request.pk),
             f"{p.reference}: a reduction in the budget, asked on 10 August 2026",
             action="Record the decision"),
        Item("Repayment of £1,200 under the notice to Ada Lovelace",
             _page(p, "phb-repaid", notice=notice.pk), f"{p.reference}: notice of 10 August 2026",
             DEADLINE, "Repay by", waiting_on="Ada Lovelace"),
    ]  # fmt: skip
    _followed(client, coord, items)
    other = programme.other
    assert _work(programme.other_coordinator) == [
        Item("Review Grace Hopper's care and support plan", _page(other, "phb-review"),
             other.reference, FIRST_REVIEW, "Review due", action="Record the review"),
    ]  # fmt: skip
    for user in (programme.auditor, programme.provider, programme.finance, programme.stranger):
        assert _work(user) == [], user.username

    # Decided, cleared and past the deadline: what is left is following up the repayment.
    with on(DAY):
        phb.decide_reconsideration(request, phb.DecideInput("changed", "Hours restored"), coord)
        phb.clear_flag(p.payments.get(flagged=True), coord)
        phb.agree_plan(draft, phb.AgreeInput("person", DAY), coord)
    after = DEADLINE + dt.timedelta(days=1)
    titles = [i.title for i in _work(coord, after)]
    assert titles == [
        "Review Ada Lovelace's care and support plan",
        "Follow up Ada Lovelace's repayment: £1,200 not repaid by the deadline",
    ]
    (late,) = [i for i in _work(coord, after) if i.title.startswith("Follow up")]
    assert (late.url, late.due, late.waiting_on) == (_page(p), DEADLINE, "")
    _followed(client, coord, [late], after)


def test_the_holder_is_spoken_to_and_the_representative_reads_the_persons_name(
    client, programme, busy
):
    p = programme.person
    assert _work(programme.holder) == [
        Item("Your care and support plan is due for review on 1 September 2026", _page(p),
             "The care coordinator arranges the review with you", FIRST_REVIEW, "Review due",
             waiting_on="The care coordinator"),
        Item("Look at your statement for July 2026", _page(p, "phb-statement", year=2026, month=7),
             "What was paid from the budget that month, and what is left"),
        Item("Your request for reconsideration", _page(p),
             "A reduction in the budget: asked on 10 August 2026",
             waiting_on="The care coordinator"),
        Item("Repay £1,200 of your direct payment by 7 September 2026", _page(p),
             "The repayment notice of 10 August 2026 gives the reasons", DEADLINE, "Repay by"),
    ]  # fmt: skip
    _followed(client, programme.holder, _work(programme.holder))
    representative = _work(programme.representative)
    assert [(i.title, i.waiting_on) for i in representative] == [
        (
            "Ada Lovelace's care and support plan is due for review on 1 September 2026",
            "The care coordinator",
        ),
        ("Look at Ada Lovelace's statement for July 2026", ""),
        ("The request for reconsideration for Ada Lovelace", "The care coordinator"),
    ]  # the holder repays, not the representative
    _followed(client, programme.representative, representative)
    assert [i.title for i in _work(programme.other_holder)] == [
        "Your care and support plan is due for review on 1 September 2026",
        "Look at your statement for July 2026",
    ]

    _, request, _ = busy
    with on(DAY):
        phb.decide_reconsideration(
            request, phb.DecideInput("upheld", "The hours match the assessed need"),
            programme.coordinator,
        )  # fmt: skip
    later = FIRST_REVIEW + dt.timedelta(days=3)
    (decided,) = [i for i in _work(programme.holder, later) if "reconsideration" in i.title]
    assert (decided.title, decided.detail, decided.waiting_on) == (
        "Your request for reconsideration has been decided",
        "A reduction in the budget: original decision upheld",
        "",
    )
    review = _work(programme.holder, later)[0]
    assert review.title == "Your care and support plan was due for review on 1 September 2026"
    # A decision stays in the queue for 28 days.
    assert not [i for i in _work(programme.holder, DAY + dt.timedelta(days=29))
                if "reconsideration" in i.title]  # fmt: skip


def test_no_review_is_in_the_queue_until_it_is_near(programme):
    assert _work(programme.coordinator, dt.date(2026, 8, 3)) == []  # 29 days before
    assert [i.title for i in _work(programme.holder, dt.date(2026, 6, 20))] == []


def test_every_record_shown_is_on_the_access_log_by_id(programme, busy):
    before = Access.objects.count()
    _work(programme.coordinator)
    logged = list(Access.objects.order_by("pk")[before:])
    assert [(a.person_id, a.what, a.allowed) for a in logged] == [
        (programme.person.pk, "work queue", True)
    ]
    assert _work(programme.stranger) == [] and Access.objects.count() == before + 1


def test_the_queue_takes_a_few_queries(programme, busy):
    for user, most in ((programme.stranger, 2), (programme.finance, 2),
                       (programme.holder, 5), (programme.coordinator, 7)):  # fmt: skip
        with on(DAY), CaptureQueriesContext(connection) as queries:
            waiting_for(user)
        assert len(queries) <= most, (user.username, len(queries))
