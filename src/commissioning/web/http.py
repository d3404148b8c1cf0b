"""Small helpers shared by the web views: permission refusals people understand, CSV
downloads, and reading ids from a form."""

from __future__ import annotations

import csv
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect

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


def act(request, call: Callable[[], object], success, then: str) -> HttpResponse:
    """Take a POSTed action through its service and go back to ``then``: a success message,
    or the service's reason for refusing (nothing was changed)."""
    try:
        result = call()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success(result) if callable(success) else success)
    return redirect(then)


def submit(request, form, call: Callable[[], object], success, then, rename=None):
    """If a bound form is valid, pass it to its service: on success, a message and a redirect
    to ``then(result)``; on refusal, the service's problems go on the form's fields and ``None``
    is returned so the view shows the form again."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = call()
    except ValidationError as exc:
        form.add_service_errors(exc, rename)
        return None
    messages.success(request, success(result) if callable(success) else success)
    return redirect(then(result) if callable(then) else then)
