"""An account's page: its balance, every posting with the running balance (so each figure on
the other pages can be traced to the postings that make it), its statements, and issuing a
statement for a month that has ended. Postings export as CSV."""

from __future__ import annotations

import calendar
import datetime as dt

from django.core.paginator import Paginator
from django.db.models import F, Sum, Window
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from commissioning import clock, money
from commissioning.ui.http import act, csv_response, guard

from . import services
from .models import Posting
from .permissions import Action, can
from .reading import posted_by, readable_account


def _account(request, code):
    return readable_account(request.user, code, "web")


def _postings(account):
    return (
        Posting.objects.filter(account=account)
        .select_related("transaction")
        .annotate(
            running=Window(
                Sum("amount_pence"), order_by=[F("transaction__value_date").asc(), F("id").asc()]
            )
        )
        .order_by("-transaction__value_date", "-id")
    )


def account(request, code):
    a = _account(request, code)
    page = Paginator(_postings(a), 50).get_page(request.GET.get("page"))
    who = posted_by(a, (p.transaction for p in page))
    for p in page:
        p.posted_by = who[p.transaction_id]
    today = clock.today()
    last_month_end = today.replace(day=1) - dt.timedelta(days=1)
    return render(
        request,
        "ledger/account.html",
        {
            "a": a,
            "page": page,
            "statements": a.statements.order_by("-period_start"),
            "may_issue": can(request.user, Action.ISSUE_STATEMENT, a),
            "last_month": last_month_end.replace(day=1),
        },
    )


def account_csv(request, code):
    a = _account(request, code)
    response, writer = csv_response(f"ledger-{a.code}.csv")
    writer.writerow(
        [
            "value date",
            "transaction",
            "description",
            "amount (pence)",
            "balance after (pence)",
            "posted at",
            "posted by",
        ]
    )
    postings = _postings(a).order_by("transaction__value_date", "id")
    for chunk in _chunks(postings.iterator(chunk_size=2000), 2000):
        who = posted_by(a, (p.transaction for p in chunk))
        for p in chunk:
            _row(writer, p, who[p.transaction_id])
    return response


def _chunks(items, size):
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _row(writer, p, who: str) -> None:
    t = p.transaction
    writer.writerow(
        [t.value_date, t.key, t.description, p.amount_pence, p.running, t.posted_at.isoformat(),
         who]
    )  # fmt: skip


@require_POST
def issue_statement(request, code):
    a = _account(request, code)
    guard(can(request.user, Action.ISSUE_STATEMENT, a))
    try:
        month = request.POST.get("month", "")  # "2026-10" from a month input
        start = dt.date.fromisoformat(month + "-01" if len(month) == 7 else month)
    except ValueError:
        start = clock.today()  # refused below: the period has not ended
    start = start.replace(day=1)
    end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
    return act(
        request,
        lambda: services.issue_statement(a, start, end, request.user),
        lambda s: (
            f"Statement issued for {start:%B %Y}: closing balance "
            f"{money.pounds_and_pence(s.closing_pence)}. The month is now closed to postings."
        ),
        reverse("ledger-account", args=[a.code]),
    )
