"""The pool's year: its months and quarters, the quarterly report, the year-end settlement by the
risk share and each partner's share of an overspend."""

from __future__ import annotations

import datetime as dt
from calendar import monthrange
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from commissioning import clock
from commissioning.audit import chain as audit
from commissioning.ledger import services as ledger
from commissioning.ledger.models import Posting
from commissioning.ledger.rules import Entry, Leg
from commissioning.validation import refuse

from ..models import (
    PooledBudget,
    PoolPartner,
    YearEndSettlement,
)
from ..rules import risk_share
from .agreement import policy_from_json
from .money import scheme_spend, spend_by_month


def pool_year(pool: PooledBudget) -> int:
    """The financial year (its first calendar year) the pool's agreement starts in."""
    return pool.start_date.year if pool.start_date.month >= 4 else pool.start_date.year - 1


def financial_year(year_start: int) -> tuple[dt.date, dt.date]:
    return dt.date(year_start, 4, 1), dt.date(year_start + 1, 3, 31)


def settle_year(pool: PooledBudget, year_start: int, actor) -> YearEndSettlement:
    """Apply the agreement's risk share to the year's spending by scheme, move the money the
    host controls on the ledger (the risk pool into the fund; returned underspend out to the
    partners) and keep the settlement, with what each partner owes towards the overspend
    (each pays it from its own budget: ``pay_share``). Each movement has an idempotency key,
    so a retry moves nothing twice."""
    start, end = financial_year(year_start)
    if end >= clock.today():
        raise refuse("year_start", "The year is settled once it has ended")
    policy = policy_from_json(pool.risk_policy)
    partners = list(pool.partners.select_related("organisation", "account"))
    by_code = {p.organisation.code: p for p in partners}
    schemes = []
    for s in pool.schemes.select_related("pool", "lead__organisation", "spend_account"):
        schemes.append(
            risk_share.Scheme(
                s.name, s.lead.organisation.code, s.budget_pence, scheme_spend(s, start, end)
            )
        )
    result = risk_share.settle(
        policy, {c: p.contribution_pence for c, p in by_code.items()}, schemes
    )
    settle_day = end
    prefix = f"pool-{pool.pk}-{year_start}"
    with transaction.atomic():
        if YearEndSettlement.objects.filter(pool=pool, year_start=year_start).exists():
            raise refuse("year_start", "This year has already been settled")
        fund = pool.pool_account.code
        moves = []
        risk = result.covered.get(risk_share.Step.RISK_POOL, 0)
        if risk and pool.risk_pool_account:
            moves.append(
                (
                    f"{prefix}-risk",
                    "Overspend covered from the risk pool",
                    pool.risk_pool_account.code,
                    fund,
                    risk,
                )
            )
        for code, pence in result.returned.items():
            if pence:
                moves.append(
                    (
                        f"{prefix}-return-{code}",
                        f"Underspend returned to {code}",
                        fund,
                        by_code[code].account.code,
                        pence,
                    )
                )
        for key, description, source, target, pence in moves:
            try:
                ledger.post(
                    Entry(
                        key, description, (Leg(source, -pence), Leg(target, pence)), "risk_share"
                    ),
                    actor,
                    value_date=settle_day,
                    metadata={"pool": pool.pk, "year": year_start},
                )
            except ValidationError as exc:
                raise refuse(
                    "year_start",
                    f"The settlement could not move {description.lower()}"
                    f": {'; '.join(exc.messages)}",
                ) from exc
        figures = {
            "schemes": [
                {
                    "name": s.name,
                    "lead": s.lead,
                    "budget_pence": s.budget_pence,
                    "spend_pence": s.spend_pence,
                }
                for s in schemes
            ],
            "total_overspend": result.total_overspend,
            "total_underspend": result.total_underspend,
            "covered": {k.value: v for k, v in result.covered.items()},
            "partners": {
                c: {
                    "contribution_pence": p.contribution_pence,
                    "pays_pence": result.partners_pay.get(c, 0),
                    "returned_pence": result.returned.get(c, 0),
                }
                for c, p in by_code.items()
            },
            "retained": result.retained,
        }
        settlement = YearEndSettlement.objects.create(
            pool=pool, year_start=year_start, figures=figures, settled_at=clock.now()
        )
        audit.record(actor, "create", settlement, after=figures)
    return settlement


def share_key(pool: PooledBudget, year_start: int, partner_code: str) -> str:
    """The idempotency key of a partner's payment of its share of a year's overspend (one a
    year: the ledger posts it once whoever sends it again)."""
    return f"pool-{pool.pk}-{year_start}-extra-{partner_code}"


def pay_share(settlement: YearEndSettlement, partner: PoolPartner, actor) -> ledger.Posted:
    """A partner pays what the year-end settlement says it owes towards the overspend, from
    its own budget into the pool (once: the key is the settlement's and the partner's)."""
    code = partner.organisation.code
    owed = settlement.figures["partners"].get(code, {}).get("pays_pence", 0)
    if owed <= 0:
        raise refuse("partner", f"{partner.organisation.display_name} owes nothing this year")
    pool = settlement.pool
    _, end = financial_year(settlement.year_start)
    key = share_key(pool, settlement.year_start, code)
    entry = Entry(
        key,
        f"{code} meets its share of the {settlement} overspend",
        (Leg(partner.account.code, -owed), Leg(pool.pool_account.code, owed)),
        "risk_share",
    )
    return ledger.post(
        entry,
        actor,
        value_date=end,
        metadata={"pool": pool.pk, "year": settlement.year_start, "partner": code},
    )


QUARTERS = (
    "Q1 (April to June)",
    "Q2 (July to September)",
    "Q3 (October to December)",
    "Q4 (January to March)",
)


def _months(year_start: int) -> list[tuple[dt.date, dt.date]]:
    """The financial year's twelve months, April first: (first day, last day)."""
    out = []
    for n in range(12):
        year, month = year_start + (n + 3) // 12, (n + 3) % 12 + 1
        out.append((dt.date(year, month, 1), dt.date(year, month, monthrange(year, month)[1])))
    return out


def quarters(year_start: int) -> list[tuple[str, dt.date, dt.date]]:
    months = _months(year_start)
    return [(label, months[3 * n][0], months[3 * n + 2][1]) for n, label in enumerate(QUARTERS)]


@dataclass(frozen=True)
class QuarterReport:
    label: str
    start: dt.date
    end: dt.date
    contributions: int
    spend_by_scheme: dict[str, int]
    spend_to_date: int
    budget_to_date: int
    balance_at_end: int

    @property
    def spend(self) -> int:
        return sum(self.spend_by_scheme.values())

    @property
    def variance_to_date(self) -> int:
        return self.budget_to_date - self.spend_to_date


def report(pool: PooledBudget, year_start: int) -> list[QuarterReport]:
    """The pool's quarterly report for a financial year. Regulation 9 of SI 2000/617 has the
    local authority report to the NHS body quarterly and annually under delegated
    arrangements; that the pool manager has the same duty is [U] (docs/domain.md section 5),
    so quarterly reports are the platform's choice (docs/decisions.md 035): contributions
    received, spend by scheme, spend and budget to date (the schemes' budgets phased in equal
    quarters) and the fund's balance at the end of each quarter. The annual report is the four
    quarters with their totals."""
    schemes = list(pool.schemes.select_related("pool", "spend_account"))
    budget = sum(s.budget_pence for s in schemes)
    monthly = spend_by_month(pool, _months(year_start))
    out, to_date = [], 0
    for n, (label, start, end) in enumerate(quarters(year_start), start=1):
        fund = ledger.statement_figures(pool.pool_account, start, end)
        received = _contributions(pool, start, end)
        by_scheme = {s.name: sum(monthly[s.pk][3 * (n - 1) : 3 * n]) for s in schemes}
        to_date += sum(by_scheme.values())
        out.append(
            QuarterReport(
                label, start, end, received, by_scheme, to_date, budget * n // 4, fund.closing_pence
            )
        )
    return out


def _contributions(pool: PooledBudget, start: dt.date, end: dt.date) -> int:
    total = Posting.objects.filter(
        account=pool.pool_account,
        transaction__kind="contribution",
        transaction__value_date__gte=start,
        transaction__value_date__lte=end,
    ).aggregate(total=Sum("amount_pence"))["total"]
    return int(total or 0)
