"""``/health/``, for a load balancer or a monitor: whether this server reaches the database and
whether a worker is alive to run long jobs. No sign-in, nothing about the data: 200 when both
answer, 503 (with which does not) otherwise. While the database is away each request tries a
fresh connection (the broken one is closed), so the answer is 200 again as soon as it is back,
without restarting the server."""

from __future__ import annotations

import contextlib

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.db.utils import DatabaseError, InterfaceError
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from commissioning.jobs.worker import worker_alive


@login_not_required
@never_cache
def health(request):
    database = worker = False
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            database = cursor.fetchone() == (1,)
        worker = worker_alive()
    except (DatabaseError, InterfaceError):  # refused, reset, or closed under us
        with contextlib.suppress(DatabaseError, InterfaceError):
            connection.close()  # a fresh connection next time (the database may be back)
    ok = database and worker
    body = {
        "status": "ok" if ok else "unavailable",
        "database": "ok" if database else "unreachable",
        "worker": "ok" if worker else ("unknown" if not database else "none alive"),
    }
    return JsonResponse(body, status=200 if ok else 503)
