"""The ledger in the JSON API: an account (read as its policy allows), idempotent transactions,
statements and verification. Money is integer pence; the same services and permission checks as
the web pages.
"""

import datetime as dt

from ninja import Field, Router, Schema

from commissioning.ledger import services as ledger
from commissioning.ledger.permissions import Action as LedgerAction
from commissioning.ledger.permissions import can as can_ledger
from commissioning.ledger.reading import readable_account
from commissioning.ledger.rules import Entry, Leg
from commissioning.ledger.verify import verify_ledger

from .common import _allow
from .types import RequestBody

router = Router()


class AccountOut(Schema):
    code: str
    name: str
    kind: str
    owner_code: str | None
    floor_pence: int | None
    balance_pence: int


class LegIn(RequestBody):
    account: str
    pence: int


class TransactionIn(RequestBody):
    key: str
    description: str
    kind: str = "transfer"
    value_date: dt.date | None = None
    legs: list[LegIn]


class TransactionOut(Schema):
    id: int
    key: str
    created: bool
    value_date: dt.date


class VerifyOut(Schema):
    ok: bool
    transactions: int
    postings: int
    accounts: int
    statements: int
    violation: str


@router.get("/ledger/accounts/{code}", response=AccountOut, tags=["ledger"])
def get_account(request, code: str):
    """An account and its balance (the sum of its postings)."""
    a = readable_account(request.user, code, "api")
    return AccountOut(
        code=a.code,
        name=a.name,
        kind=a.kind,
        owner_code=a.owner.code if a.owner else None,
        floor_pence=a.floor_pence,
        balance_pence=a.balance_pence,
    )


@router.post(
    "/ledger/transactions", response={200: TransactionOut, 201: TransactionOut}, tags=["ledger"]
)
def post_transaction(request, body: TransactionIn):
    """Post a balanced transaction once. Sending it again with the same ``key`` returns the
    transaction already posted (200) instead of posting it twice; a new one is 201. A
    transaction that would take a budget below its limit is refused whole (422)."""
    entry = Entry(
        body.key,
        body.description,
        tuple(Leg(leg.account, leg.pence) for leg in body.legs),
        body.kind,
    )
    posted = ledger.post(entry, request.user, value_date=body.value_date)
    t = posted.transaction
    out = TransactionOut(id=t.pk, key=t.key, created=posted.created, value_date=t.value_date)
    return (201 if posted.created else 200), out


@router.get("/ledger/verify", response=VerifyOut, tags=["ledger"])
def verify(request):
    """Every invariant of the ledger; ``violation`` names the first one broken."""
    _allow(can_ledger(request.user, LedgerAction.VERIFY_LEDGER), "verify the ledger")
    r = verify_ledger()
    return VerifyOut(
        ok=r.ok,
        transactions=r.transactions,
        postings=r.postings,
        accounts=r.accounts,
        statements=r.statements,
        violation=r.violation,
    )


class StatementIn(RequestBody):
    month: dt.date = Field(description="Any day of the month the statement is for (ended)")


class IssuedStatementOut(Schema):
    account: str
    period_start: dt.date
    period_end: dt.date
    opening_pence: int
    closing_pence: int


@router.post(
    "/ledger/accounts/{code}/statements", response={201: IssuedStatementOut}, tags=["ledger"]
)
def issue_statement(request, code: str, payload: StatementIn):
    """Issue (and so close) an account's statement for a month that has ended."""
    a = readable_account(request.user, code, "api")
    start = payload.month.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    s = ledger.issue_statement(a, start, end, request.user)
    return 201, {"account": a.code, "period_start": s.period_start, "period_end": s.period_end,
                 "opening_pence": s.opening_pence, "closing_pence": s.closing_pence}  # fmt: skip
