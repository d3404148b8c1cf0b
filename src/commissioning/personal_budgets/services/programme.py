"""A commissioner's programme totals, disclosed without identifying anyone."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Sum

from commissioning.engine import disclosure
from commissioning.ledger.models import Account
from commissioning.organisations.models import Organisation

from ..models import (
    Entitlement,
    Person,
    Plan,
)
from ..permissions import Action, require
from ..rules.holding import Mode


@dataclass(frozen=True)
class ProgrammeCounts:
    """A commissioner's programme counted exactly: for services and tests, never shown as it
    is (``programme`` applies disclosure control)."""

    people: int
    by_entitlement: dict[str, int]  # every basis, 0 where none
    agreed_plans: int
    by_mode: dict[str, int]  # every way of holding, 0 where none
    integrated: int
    allocated_pence: int
    spent_pence: int  # net of spending recovered by repayments (the spend accounts' balances)
    people_with_spending: int


def programme_counts(org: Organisation) -> ProgrammeCounts:
    people = Person.objects.filter(commissioner=org)
    plans = Plan.objects.filter(person__commissioner=org, status=Plan.Status.AGREED)
    by_entitlement = dict.fromkeys(Entitlement.values, 0) | dict(
        people.values_list("entitlement").annotate(n=Count("pk")).order_by()
    )
    by_mode = dict.fromkeys(Mode, 0) | {
        Mode(m): n for m, n in plans.values_list("mode").annotate(n=Count("pk")).order_by()
    }
    spent = Account.objects.filter(pk__in=people.values("spend_account")).exclude(balance_pence=0)
    return ProgrammeCounts(
        people=people.count(),
        by_entitlement={Entitlement(k).label: n for k, n in by_entitlement.items()},
        agreed_plans=sum(by_mode.values()),
        by_mode={m.label: n for m, n in by_mode.items()},
        integrated=plans.exclude(pool=None).count(),
        allocated_pence=plans.aggregate(s=Sum("amount_pence"))["s"] or 0,
        spent_pence=spent.aggregate(s=Sum("balance_pence"))["s"] or 0,
        people_with_spending=spent.count(),
    )


@dataclass(frozen=True)
class Programme:
    """The programme as it may be shown to those who may not see any person's record."""

    people: disclosure.Shown
    by_entitlement: dict[str, disclosure.Shown]
    agreed_plans: disclosure.Shown
    by_mode: dict[str, disclosure.Shown]
    integrated: disclosure.Shown
    allocated_pence: disclosure.Shown
    spent_pence: disclosure.Shown


def programme(org: Organisation, actor) -> Programme:
    """The commissioner's programme without personal data: people by basis and by way of
    holding, the money allocated and spent, under statistical disclosure control
    (``commissioning.engine.disclosure``: counts of 7 or fewer are not shown, others are
    rounded to the nearest 5; a total of money only when more than 7 people are behind it),
    so that no person can be picked out, even in a small programme."""
    require(actor, Action.VIEW_PROGRAMME, org.pk)
    c = programme_counts(org)
    count = disclosure.shown_count
    return Programme(
        people=count(c.people),
        by_entitlement={k: count(n) for k, n in c.by_entitlement.items()},
        agreed_plans=count(c.agreed_plans),
        by_mode={k: count(n) for k, n in c.by_mode.items()},
        integrated=count(c.integrated),
        allocated_pence=disclosure.shown_total(c.allocated_pence, c.agreed_plans),
        spent_pence=disclosure.shown_total(c.spent_pence, c.people_with_spending),
    )
