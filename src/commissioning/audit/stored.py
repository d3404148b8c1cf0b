"""Results kept until the data they come from change (issue 19, decision 052).

Every change to the platform's data is one service's transaction and appends one revision to
the audit trail (``chain.record``), so the chain head's sequence number is the version of the
data: a result computed at version *v* holds until the head moves past *v*. A heavy page (the
quality workspace's SPC and funnels, the home page's work queue, the market's baseline) asks
``stored(name, compute, *key)``: the result is read from the cache while the version is
unchanged and recomputed once when it moves. The version is read once a request (one query on
the head's primary key).
What goes in the key is what the result depends on besides the data: the person it is for (a
work queue is filtered by their permissions), today's date when it says what is overdue. What
is stored must be plain data (it is pickled), never a queryset or a rendered page: permissions
are checked and templates rendered on every request. A result whose shape changes takes a new
name (a shared cache may still hold the old shape at the same version after an upgrade).

The cache is Django's (``CACHES``): memory in each process (``COMMISSIONING_CACHE_ENTRIES``
entries, 5,000 by default; the least recently read are dropped first), so each web process
computes a result once per version. A shared cache is a change of ``CACHES`` only; what is kept
then includes rows with personal data (a person's record) and must be as private as the
database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable
from contextvars import ContextVar
from typing import Any, TypeVar

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from .models import ChainHead

T = TypeVar("T")
_MISSING = object()
# Long enough for a quiet afternoon; a change of version makes the old keys unreachable, and the
# cache's own culling drops them.
TIMEOUT = 6 * 3600


# The version as this request read it; None outside a request.
_this_request: ContextVar[dict[str, int] | None] = ContextVar("data_version", default=None)


def request_started(**_kwargs) -> None:
    """Signal receiver (``audit.apps``): a request reads the version afresh."""
    _this_request.set({})


def request_finished(**_kwargs) -> None:
    _this_request.set(None)


def moved() -> None:
    """The data changed (``chain.record``): the request reads the version again, and keeps
    nothing it computes after (its transaction may yet be rolled back)."""
    if _this_request.get() is not None:
        _this_request.set({"wrote": 1})


def data_version() -> int:
    """The audit trail's length: it grows with every change to the data."""
    return _head()[0]


def _head() -> tuple[int, str]:
    """The chain head's sequence and hash, read once a request (one query)."""
    memo = _this_request.get()
    if memo is not None and "v" in memo:
        return memo["v"], memo["h"]
    head = ChainHead.objects.filter(id=1).values_list("last_seq", "last_hash").first()
    seq, last = head or (0, "")
    if memo is not None:
        memo["v"], memo["h"] = seq, last
    return seq, last


def _safe(key: tuple) -> str:
    """The key's parts as a cache key any backend takes (memcached's: ASCII, no spaces, at
    most 250 characters), and one no other parts give (a digest of their representation: the
    parts "a:b" and "a", "b" differ)."""
    return hashlib.sha256(repr(key).encode()).hexdigest()


def stored(name: str, compute: Callable[[], T], *key: Hashable, timeout: int = TIMEOUT) -> T:
    """``compute()``'s result for the data as they are now, computed once per version (and
    again after ``timeout`` seconds, for a result that may change without a revision)."""
    # The head's hash with its sequence: a database restored from a backup may reach the same
    # sequence again with other revisions.
    seq, last = _head()
    cache_key = f"stored:{name}:{seq}.{last[:16]}:{_safe(key)}"
    value = cache.get(cache_key, _MISSING)
    if value is _MISSING:
        value = compute()
        if isinstance(value, dict):  # a page's context: its querysets read now, into lists
            value = {k: list(v) if isinstance(v, QuerySet) else v for k, v in value.items()}
        if "wrote" not in (_this_request.get() or {}):
            cache.set(cache_key, value, timeout)
    return value  # type: ignore[return-value]


def stored_row(name: str, queryset: QuerySet, pk: Hashable):
    """The row of ``queryset`` with primary key ``pk`` (or ``None``), with what the queryset
    joins and prefetches, kept as ``stored`` keeps a result: for a page's subject, read on every
    request and joined to the tables around it (planning a join of many tables costs
    PostgreSQL more than running it). The caller still checks permission on what it gets. The
    key is the name and ``pk`` only: a name stands for one queryset (another takes another
    name)."""
    return stored(name, lambda: queryset.filter(pk=pk).first(), pk)


class _Counted:
    """Stands for a list of ``n`` rows in a kept page's paginator: it knows only how many."""

    ordered = True

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n


def stored_page(
    name: str,
    queryset: QuerySet,
    per_page: int,
    number,
    *key: Hashable,
    each: Callable[[Any], None] | None = None,
) -> Page:
    """Page ``number`` of ``queryset`` (as ``Paginator.get_page`` gives it: a number out of
    range is the nearest page), kept as ``stored`` keeps a result, for a list page read on every
    request. ``each`` is called on every row of the page when it is read (to work out what the
    row shows). What is kept is the page's rows and the number of rows in all; ``key`` is what
    the queryset depends on besides the data (the person, the filters)."""

    def compute() -> tuple[list, int, int]:
        page = Paginator(queryset, per_page).get_page(number)
        rows = list(page.object_list)
        for row in rows if each is not None else ():
            each(row)
        return rows, page.number, page.paginator.count

    # What is kept is plain: a Paginator carries its error messages, lazy translations that
    # cost more to unpickle than the rows.
    rows, at, count = stored(name, compute, *key, per_page, number)
    return Page(rows, at, Paginator(_Counted(count), per_page))
