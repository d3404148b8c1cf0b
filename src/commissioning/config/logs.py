"""Logging filters, loaded with the logging configuration (before Django's apps: no models
here). Logs never hold personal data (docs/security.md)."""

from __future__ import annotations

import logging


class RefusalLogFilter(logging.Filter):
    """Django logs a refused request (403) with the exception's traceback. Keep it to one line
    that names who was refused, by id, and what they asked for; never the traceback, which can
    hold the object's data in its locals' repr."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) != 403:
            return True
        request = getattr(record, "request", None)
        user = getattr(request, "user", None)
        actor = getattr(user, "pk", None) if user is not None else None
        method = getattr(request, "method", "?")
        path = getattr(request, "path", "?")
        record.msg = "Refused %s %s for user %s"
        record.args = (method, path, actor if actor is not None else "anonymous")
        record.exc_info = None
        record.exc_text = None
        return True
