"""Small helpers shared by the web views: permission refusals people understand, CSV
downloads, and reading ids from a form."""

from __future__ import annotations

import csv

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse

REFUSED = (
    "Your role does not give you access to this. Ask your administrator if you think you need it."
)


def guard(allowed: bool, message: str = REFUSED) -> None:
    if not allowed:
        raise PermissionDenied(message)


def csv_response(filename: str):
    """A CSV download (UTF-8) and a writer for it. Money goes in as plain numbers, so a
    spreadsheet can sum it."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response, csv.writer(response)
