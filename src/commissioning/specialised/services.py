"""Setting specialised service line budgets and recording each month's spend and activity:
the money moves on the ledger (budget to spend, dated the last day of the month), a month
corrected later is reversed and posted again, and the month-end position is computed from
what is recorded."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from commissioning import clock
from commissioning.audit import chain as audit
from commissioning.engine.quality.spc import Improvement, SpcOptions, SpcPoint, spc_reference
from commissioning.ledger import services as ledger
from commissioning.ledger.models import Transaction
from commissioning.ledger.rules import Entry, Leg
from commissioning.validation import refuse

from . import rules
from .models import LineBudget, MonthlyActual
from .permissions import Action, require


def funding_code(commissioner_id: int) -> str:
    """The commissioner's own allocation for specialised services: every ledger account has an
    owner, and only the owner's finance leads draw on it (one national account that every
    region drew on let any finance lead anywhere take money from it)."""
    return f"SPEC-{commissioner_id}-ALLOCATION"


@dataclass(frozen=True)
class BudgetInput:
    commissioner_id: int
    line: str
    year_start: int
    budget_pence: int


def set_budget(cmd: BudgetInput, actor) -> LineBudget:
    require(actor, Action.MANAGE_FINANCE, cmd.commissioner_id)
    if cmd.line not in rules.SERVICE_LINES:
        raise refuse("line", "Choose a prescribed specialised service line")
    if cmd.budget_pence <= 0:
        raise refuse("budget_pence", "A budget is more than £0")
    code = f"SPEC-{cmd.commissioner_id}-{cmd.line}-{cmd.year_start}"
    name = f"{rules.SERVICE_LINES[cmd.line]} {cmd.year_start}/{(cmd.year_start + 1) % 100:02d}"
    with transaction.atomic():
        if LineBudget.objects.filter(
            commissioner_id=cmd.commissioner_id, line=cmd.line, year_start=cmd.year_start
        ).exists():
            raise refuse("line", "This line already has a budget that year")
        funding = funding_code(cmd.commissioner_id)
        if not ledger.Account.objects.filter(code=funding).exists():
            ledger.open_account(
                ledger.AccountInput(
                    funding,
                    "Specialised commissioning allocation",
                    "funding",
                    cmd.commissioner_id,
                ),
                actor,
            )
        # A specialised budget may be overspent (the month-end report is the control): no floor.
        budget = ledger.open_account(
            ledger.AccountInput(code, name, "budget", cmd.commissioner_id, None), actor
        )
        spend = ledger.open_account(
            ledger.AccountInput(f"{code}-SPEND", f"{name}: spend", "spend", cmd.commissioner_id),
            actor,
        )
        ledger.post(
            Entry(
                f"{code}-allocation",
                f"Budget for {name}",
                (Leg(funding, -cmd.budget_pence), Leg(code, cmd.budget_pence)),
            ),
            actor,
            value_date=dt.date(cmd.year_start, 4, 1),
        )
        line = LineBudget.objects.create(
            commissioner_id=cmd.commissioner_id,
            line=cmd.line,
            year_start=cmd.year_start,
            budget_pence=cmd.budget_pence,
            budget_account=budget,
            spend_account=spend,
        )
        audit.created(actor, line, ("line", "year_start", "budget_pence"))
    return line


def month_index(line: LineBudget, month: dt.date) -> int:
    """April = 1 ... March = 12, or 0 outside the line's financial year."""
    if dt.date(line.year_start, 4, 1) <= month <= dt.date(line.year_start + 1, 3, 31):
        return (month.month - 4) % 12 + 1
    return 0


def record_month(line: LineBudget, month: dt.date, spend_pence: int, activity: int, actor):
    """Record (or correct) a month's spend and activity for a service line."""
    require(actor, Action.MANAGE_FINANCE, line.commissioner_id)
    month = month.replace(day=1)
    if not month_index(line, month):
        raise refuse("month", f"The month is outside {line}")
    if month > clock.today():
        raise refuse(
            "month",
            f"{month:%B %Y} has not begun: record a month's actual spend "
            "once it is under way or over",
        )
    if spend_pence < 0:
        raise refuse("spend_pence", "Spend is £0 or more (record a refund as a correction)")
    if activity < 0:
        raise refuse("activity", "Activity is 0 or more")
    last_day = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    base = f"{line.budget_account.code}-{month:%Y-%m}"
    with transaction.atomic():
        existing = (
            MonthlyActual.objects.select_for_update().filter(budget=line, month=month).first()
        )
        if existing and (existing.spend_pence, existing.activity) == (spend_pence, activity):
            return existing
        version = existing.version + 1 if existing else 1
        old = existing and Transaction.objects.filter(key=existing.transaction_key).first()
        if old:  # a correction: reverse what was posted, then post the new figure
            ledger.reverse(old, f"{base}-reversal-{version}", "Corrected month-end figure", actor)
        key = f"{base}-v{version}"
        if spend_pence:
            ledger.post(
                Entry(
                    key,
                    f"{line}: spend in {month:%B %Y}",
                    (
                        Leg(line.budget_account.code, -spend_pence),
                        Leg(line.spend_account.code, spend_pence),
                    ),
                    "spend",
                ),
                actor,
                value_date=last_day,
                metadata={"activity": activity},
            )
        figures = ("spend_pence", "activity")
        if existing is None:
            actual = MonthlyActual.objects.create(
                budget=line,
                month=month,
                spend_pence=spend_pence,
                activity=activity,
                transaction_key=key,
                version=version,
            )
            audit.created(actor, actual, figures)
            return actual
        with audit.changing(actor, existing, figures):
            existing.spend_pence, existing.activity = spend_pence, activity
            existing.transaction_key, existing.version = key, version
            existing.save(update_fields=["spend_pence", "activity", "transaction_key", "version"])
    return existing


@dataclass(frozen=True)
class LinePosition:
    line: LineBudget
    months: list[MonthlyActual]
    figures: rules.MonthEnd
    spc_points: list
    variation_icon: str | None
    assurance_icon: str | None

    @property
    def alert(self) -> str:
        reasons = []
        if self.variation_icon and self.variation_icon.startswith("concern"):
            reasons.append("special cause of concern in monthly spend")
        if self.figures.forecast_variance < 0:
            reasons.append("forecast overspend")
        return "; ".join(reasons)


def position(line: LineBudget, up_to: dt.date | None = None) -> LinePosition:
    """The month-end position of a line: plan and spend to date, forecast outturn, and the
    XmR chart of monthly spend (a twelfth of the budget as the target, higher spend the
    direction of concern)."""
    months = list(line.actuals.order_by("month"))
    if up_to is not None:
        months = [m for m in months if m.month <= up_to]
    figures = rules.month_end(line.budget_pence, [m.spend_pence for m in months])
    points: list[SpcPoint] = []
    icon: str | None = None
    assurance: str | None = None
    if len(months) >= 2:
        options = SpcOptions(improvement=Improvement.DECREASE, target=line.budget_pence / 12)
        points, summary = spc_reference(
            [(line.line, m.month, m.spend_pence) for m in months], options
        )
        icon, assurance = summary[0].variation_icon, summary[0].assurance_icon
    return LinePosition(line, months, figures, points, icon, assurance)
