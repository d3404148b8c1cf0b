"""What personal health budgets have waiting for a person, for the home page's work queue
(``ui.worklist``). Entitlement follows the person (``permissions.relationship``), so each item is
about a record the person may see, and links to a page that person may open.

For a **care coordinator**, about the people on their caseload (they coordinate the person's
budget at the commissioner where they hold the role, and are not themselves the holder,
representative or nominee):

- a review due within ``rules.reviews`` warning days, or overdue (the person's page);
- the newest version of a plan, drafted and not yet agreed (the plan's page, where it is
  agreed);
- payments outside the plan flagged and not yet reviewed (the person's page, where each is
  marked reviewed);
- a request for reconsideration to decide (its decision page);
- a repayment notice not repaid in full: waited for until its deadline (the page recording
  money repaid), then to follow up (the person's page).

For **the budget holder, their representative and their nominee**, in plain words (the holder
is "you"; the others read the person's name, as their pages show it):

- the plan's review, when it is due within the warning days or overdue;
- the statement for the month just ended, once a plan was agreed before it began;
- a request for reconsideration decided in the last ``RECENT`` days, and one still waiting
  for the care coordinator;
- a repayment notice this person must repay (its repayer), not repaid in full.

Names are shown only to those entitled to the record, and each record shown is logged on the
access log (ids only, as every read of a record is). Nothing here writes personal data to
the application's logs.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse

from commissioning import clock, money
from commissioning.organisations.permissions import current_memberships, is_live
from commissioning.organisations.vocabulary import Role
from commissioning.ui.worklist import Item

from ..models import Payment, Person, Plan, Reconsideration, RepaymentNotice, Review
from ..rules import reviews
from ..rules.holding import Recipient
from ..services import log_access

RECENT = 28  # days a decided reconsideration stays in the person's queue
OWN = ("holder", "representative", "nominee")
REPAYER = {Recipient.PATIENT: "holder", Recipient.REPRESENTATIVE: "representative",
           Recipient.NOMINEE: "nominee"}  # fmt: skip


def _day(day: dt.date) -> str:
    return f"{day:%-d %B %Y}"


def _people(user, coordinating: list[int]):
    first_agreed = Plan.objects.filter(person=OuterRef("pk")).exclude(agreed_on=None)
    first_agreed = first_agreed.order_by("agreed_on", "pk")
    last_review = Review.objects.filter(person=OuterRef("pk")).order_by("-held_on", "-pk")
    linked = Q(holder=user) | Q(representative=user) | Q(nominee=user)
    return list(
        Person.objects.filter(linked | Q(coordinator=user, commissioner_id__in=coordinating))
        .only("name", "holder_id", "representative_id", "nominee_id")  # no more than is shown
        .annotate(
            first_start=Subquery(first_agreed.values("start_date")[:1]),
            first_agreed_on=Subquery(first_agreed.values("agreed_on")[:1]),
            last_review=Subquery(last_review.values("held_on")[:1]),
        )
        .order_by("name", "pk")
    )


def _relationship(user, person) -> str:
    """``permissions.relationship`` for the people ``_people`` found (the coordinator's role at
    the commissioner is in the query)."""
    for rel in OWN:
        if getattr(person, f"{rel}_id") == user.pk:
            return rel
    return "coordinator"


def _review_due(person, today: dt.date) -> tuple[dt.date, reviews.ReviewStatus] | None:
    """``services.next_review`` from the query's annotations, and how it stands today."""
    if person.first_start is None:
        return None
    due = reviews.next_review_due(person.first_start, person.last_review)
    status = reviews.status(due, today)
    return (due, status) if status is not reviews.ReviewStatus.NOT_DUE else None


def waiting_for(user) -> list[Item]:
    if not is_live(user):
        return []
    coordinating = [
        m.organisation_id for m in current_memberships(user) if m.role == Role.CARE_COORDINATOR
    ]
    people = _people(user, coordinating)
    if not people:
        return []
    today = clock.today()
    rel = {p.pk: _relationship(user, p) for p in people}
    caseload = [p for p in people if rel[p.pk] == "coordinator"]
    own = [p for p in people if rel[p.pk] != "coordinator"]
    requests = list(
        Reconsideration.objects.filter(person_id__in=rel)
        .filter(
            Q(outcome=Reconsideration.Outcome.PENDING)
            | Q(decided_on__gte=today - dt.timedelta(days=RECENT))
        )
        .order_by("requested_on", "pk")
    )
    notices = list(
        RepaymentNotice.objects.filter(person_id__in=rel)
        .annotate(repaid=Coalesce(Sum("repayments__amount_pence"), 0))
        .filter(amount_pence__gt=F("repaid"))
        .order_by("deadline", "pk")
    )
    about = _for_coordinator(caseload, requests, notices, today) + _for_the_person(
        own, rel, requests, notices, today
    )
    if about:  # the records shown, each once
        log_access(user, list(dict.fromkeys(pk for pk, _ in about)), "work queue", "web", True)
    return [item for _, item in about]


def _url(person, name="phb-person", **kw) -> str:
    return reverse(name, kwargs={"pk": person.pk, **kw})


def _for_coordinator(caseload, requests, notices, today: dt.date) -> list[tuple[int, Item]]:
    if not caseload:
        return []
    ids = [p.pk for p in caseload]
    by_pk = {p.pk: p for p in caseload}
    newest = Plan.objects.filter(person=OuterRef("person")).order_by("-version")
    drafts = {
        plan.person_id: plan
        for plan in Plan.objects.filter(person_id__in=ids, status=Plan.Status.DRAFT)
        .annotate(newest=Subquery(newest.values("version")[:1]))
        .filter(version=F("newest"))
    }
    flagged = {
        row["person_id"]: row
        for row in Payment.objects.filter(person_id__in=ids, flagged=True, flag_cleared=False)
        .values("person_id")
        .annotate(n=Count("pk"), pence=Sum("amount_pence"))
        .order_by()
    }
    items: list[tuple[int, Item]] = []

    def add(p, item):
        items.append((p.pk, item))

    for p in caseload:
        if review := _review_due(p, today):
            due, status = review
            late = " · overdue" if status is reviews.ReviewStatus.OVERDUE else ""
            add(
                p,
                Item(
                    f"Review {p.name}'s care and support plan",
                    _url(p, "phb-review"),
                    f"{p.reference}{late}",
                    due,
                    "Review due",
                    action="Record the review",
                ),
            )
        if plan := drafts.get(p.pk):
            add(
                p,
                Item(
                    f"Agree {p.name}'s care and support plan (version {plan.version})",
                    _url(p, "phb-plan", version=plan.version),
                    f"{p.reference}: drafted, to agree with the person (or their representative)",
                    plan.start_date,
                    "Plan starts",
                    action="Agree the plan",
                ),
            )
        if row := flagged.get(p.pk):
            n = row["n"]
            add(
                p,
                Item(
                    f"Review {n} payment{'s' if n != 1 else ''} outside {p.name}'s plan",
                    _url(p),
                    f"{p.reference}: {money.pounds(row['pence'])} paid for what is not in the plan",
                    action="Mark reviewed",
                ),
            )
    for r in requests:
        if r.person_id in by_pk and r.outcome == Reconsideration.Outcome.PENDING:
            p = by_pk[r.person_id]
            add(
                p,
                Item(
                    f"Decide {p.name}'s request for reconsideration",
                    _url(p, "phb-decide", rid=r.pk),
                    f"{p.reference}: {r.get_about_display().lower()}, asked on "
                    f"{_day(r.requested_on)}",
                    action="Record the decision",
                ),
            )
    for n in notices:
        if n.person_id not in by_pk:
            continue
        p, left = by_pk[n.person_id], money.pounds(n.amount_pence - n.repaid)
        if n.deadline >= today:
            who = {Recipient.REPRESENTATIVE: f"{p.name}'s representative",
                   Recipient.NOMINEE: f"{p.name}'s nominee"}.get(n.repayer, p.name)  # fmt: skip
            add(
                p,
                Item(
                    f"Repayment of {left} under the notice to {p.name}",
                    _url(p, "phb-repaid", notice=n.pk),
                    f"{p.reference}: notice of {_day(n.issued_on)}",
                    n.deadline,
                    "Repay by",
                    waiting_on=who,
                ),
            )
        else:
            add(
                p,
                Item(
                    f"Follow up {p.name}'s repayment: {left} not repaid by the deadline",
                    _url(p),
                    f"{p.reference}: notice of {_day(n.issued_on)}",
                    n.deadline,
                    "Repay by",
                ),
            )
    return items


def _for_the_person(own, rel, requests, notices, today: dt.date) -> list[tuple[int, Item]]:
    if not own:
        return []
    by_pk = {p.pk: p for p in own}
    month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    items: list[tuple[int, Item]] = []

    def add(p, item):
        items.append((p.pk, item))

    for p in own:
        holder = rel[p.pk] == "holder"
        whose = "your" if holder else f"{p.name}'s"
        if review := _review_due(p, today):
            due, status = review
            tense = "was" if status is reviews.ReviewStatus.OVERDUE else "is"
            add(
                p,
                Item(
                    f"{whose.capitalize() if holder else whose} care and support plan {tense} "
                    f"due for review on {_day(due)}",
                    _url(p),
                    "The care coordinator arranges the review with you",
                    due,
                    "Review due",
                    waiting_on="The care coordinator",
                ),
            )
        if p.first_agreed_on is not None and p.first_agreed_on < today.replace(day=1):
            add(
                p,
                Item(
                    f"Look at {whose} statement for {month:%B %Y}",
                    _url(p, "phb-statement", year=month.year, month=month.month),
                    "What was paid from the budget that month, and what is left",
                ),
            )
    for r in requests:
        if r.person_id not in by_pk:
            continue
        p = by_pk[r.person_id]
        request = (
            "Your request for reconsideration"
            if rel[p.pk] == "holder"
            else f"The request for reconsideration for {p.name}"
        )
        if r.outcome == Reconsideration.Outcome.PENDING:
            add(
                p,
                Item(
                    request,
                    _url(p),
                    f"{r.get_about_display()}: asked on {_day(r.requested_on)}",
                    waiting_on="The care coordinator",
                ),
            )
        else:
            add(
                p,
                Item(
                    f"{request} has been decided",
                    _url(p),
                    f"{r.get_about_display()}: {r.get_outcome_display().lower()}",
                ),
            )
    for n in notices:
        if n.person_id not in by_pk or REPAYER.get(n.repayer) != rel[n.person_id]:
            continue
        p = by_pk[n.person_id]
        whose = "your" if rel[p.pk] == "holder" else f"{p.name}'s"
        add(
            p,
            Item(
                f"Repay {money.pounds(n.amount_pence - n.repaid)} of {whose} direct payment by "
                f"{_day(n.deadline)}",
                _url(p),
                f"The repayment notice of {_day(n.issued_on)} gives the reasons",
                n.deadline,
                "Repay by",
            ),
        )
    return items
