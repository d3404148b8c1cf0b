"""Reading an account: the one loader every page, export and API answer about an account goes
through, so the ledger's policy (and the rules of the app that holds the account) apply to
each, and a refusal looks the same whether or not the account exists (walking account codes
learns nothing, not even how many people have a personal health budget)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied

from commissioning.organisations.models import Membership
from commissioning.organisations.vocabulary import Role

from .models import Account
from .permissions import Action, can, holder_of

NOT_VISIBLE = "There is no account with this code that you may see."
CITIZEN = "a personal health budget holder or their representative"


def readable_account(user, code: str, channel: str) -> Account:
    """The account, if ``user`` may read it; every read of an account an app holds for a
    person is written to that person's access log, allowed or not."""
    account = Account.objects.select_related("owner").filter(code=code).first()
    if account is None:
        raise PermissionDenied(NOT_VISIBLE)
    allowed = can(user, Action.VIEW_LEDGER, account)
    holder, obj = holder_of(account)
    if holder is not None and holder.record_read is not None:
        holder.record_read(user, obj, allowed, channel)
    if not allowed:
        raise PermissionDenied(NOT_VISIBLE)
    return account


def posted_by(account: Account, transactions: Iterable) -> dict[int, str]:
    """Who posted each transaction, as this account's readers may be told: staff by their
    username; a person who works for no organisation (a budget holder, their representative
    or nominee) only on that person's own accounts, whose readers are entitled to their record;
    elsewhere they are not identified."""
    transactions = list(transactions)
    holder, _ = holder_of(account)
    personal = holder is not None and holder.record_read is not None
    ids = {t.actor_id for t in transactions if t.actor_id is not None}
    staff = set(
        Membership.objects.filter(user_id__in=ids)
        .exclude(role=Role.BUDGET_HOLDER)
        .values_list("user_id", flat=True)
    )
    return {
        t.pk: t.actor_username if personal or t.actor_id is None or t.actor_id in staff else CITIZEN
        for t in transactions
    }
