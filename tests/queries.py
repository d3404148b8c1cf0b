"""No query per row (issue 19): a page asks the database the same number of questions however
many rows it shows. Results kept until the data change (``audit.stored``) would hide a query per
row behind the cache, so pages are counted with nothing kept: every read is the cold one."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

NOTHING_KEPT = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


def queries_for(client, url: str) -> int:
    """How many queries a GET of ``url`` makes, with nothing kept between requests."""
    with override_settings(CACHES=NOTHING_KEPT), CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.get("Location"))
    return len(queries)


def assert_no_query_per_row(
    client, url: str, grow: Callable[[], object], shows: Callable[[], str] | None = None
) -> None:
    """``grow()`` adds rows the page at ``url`` shows; the page then makes no more queries.
    ``shows`` (optional) names something of the added rows the page must then show, so the
    test knows the rows were there to be counted."""
    before = queries_for(client, url)
    grow()
    after = queries_for(client, url)
    if shows is not None:
        with override_settings(CACHES=NOTHING_KEPT):
            assert shows() in client.get(url).content.decode()
    assert after == before, f"{url}: {before} queries, then {after} with more rows"
