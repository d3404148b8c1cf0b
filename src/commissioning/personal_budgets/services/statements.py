"""Monthly statements of a person's budget."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from commissioning import clock
from commissioning.ledger import services as ledger

from ..models import (
    Person,
    Repayment,
)


@dataclass(frozen=True)
class MonthStatement:
    year: int
    month: int
    opening_pence: int
    money_in_pence: int
    money_out_pence: int
    closing_pence: int
    payments: list
    repayments: list  # money repaid from the unspent budget under a repayment notice

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def paid_pence(self) -> int:
        return sum(x.amount_pence for x in self.payments)

    @property
    def repaid_pence(self) -> int:
        return sum(x.amount_pence for x in self.repayments)


def _months(first: dt.date, last: dt.date):
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        yield y, m
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def statement(person: Person, year: int, month: int) -> MonthStatement:
    start = dt.date(year, month, 1)
    end = dt.date(year, month, calendar.monthrange(year, month)[1])
    account = person.budget_account
    assert account is not None  # opened with the person's record (record_person)
    f = ledger.statement_figures(account, start, end)
    payments = list(person.payments.filter(paid_on__gte=start, paid_on__lte=end))
    repayments = list(
        Repayment.objects.filter(
            notice__person=person,
            received_on__gte=start,
            received_on__lte=end,
            transaction__postings__account_id=account.pk,
        ).select_related("notice")
    )
    return MonthStatement(
        year,
        month,
        f.opening_pence,
        f.money_in_pence,
        f.money_out_pence,
        f.closing_pence,
        payments,
        repayments,
    )


def statements(person: Person, latest: int | None = None) -> list[MonthStatement]:
    """A statement for every month since the first plan was agreed (or only the ``latest``
    months), newest first: four queries whatever the number of months."""
    first = (
        person.plans.exclude(agreed_on=None)
        .order_by("agreed_on")
        .values_list("agreed_on", flat=True)
        .first()
    )
    if first is None:
        return []
    months = list(_months(first, clock.today()))[::-1][:latest]
    (oldest_y, oldest_m), (newest_y, newest_m) = months[-1], months[0]
    oldest, newest = dt.date(oldest_y, oldest_m, 1), dt.date(newest_y, newest_m, 1)
    account = person.budget_account
    assert account is not None  # opened with the person's record (record_person)
    figures = ledger.monthly_figures(account, oldest, newest)
    end = figures[-1].period_end
    payments: dict[tuple[int, int], list] = {}
    for paid in person.payments.filter(paid_on__gte=oldest, paid_on__lte=end):
        payments.setdefault((paid.paid_on.year, paid.paid_on.month), []).append(paid)
    repayments: dict[tuple[int, int], list] = {}
    for r in Repayment.objects.filter(
        notice__person=person, received_on__gte=oldest, received_on__lte=end,
        transaction__postings__account_id=account.pk,
    ).select_related("notice"):  # fmt: skip
        repayments.setdefault((r.received_on.year, r.received_on.month), []).append(r)
    return [
        MonthStatement(
            f.period_start.year,
            f.period_start.month,
            f.opening_pence,
            f.money_in_pence,
            f.money_out_pence,
            f.closing_pence,
            payments.get((f.period_start.year, f.period_start.month), []),
            repayments.get((f.period_start.year, f.period_start.month), []),
        )
        for f in reversed(figures)
    ]
