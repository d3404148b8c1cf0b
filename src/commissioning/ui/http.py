"""Small helpers shared by the web views: permission refusals people understand, downloads
(CSV and files), and reading ids from a form."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils.http import content_disposition_header

REFUSED = (
    "Your role does not give you access to this. Ask your administrator if you think you need it."
)


def guard(allowed: bool, message: str = REFUSED) -> None:
    if not allowed:
        raise PermissionDenied(message)


def download(content, content_type: str, filename: str, *, attachment: bool = True):
    """A file to download: its name in ``Content-Disposition`` as RFC 6266 says (an ASCII
    ``filename`` and, for any other name, a UTF-8 ``filename*``; quotes and line breaks cannot
    break out of the header), and ``nosniff`` so a browser never guesses another type. Every
    download of the platform (CSV, PDF, PNG, documents) is built here."""
    return _named(HttpResponse(content, content_type=content_type), filename, attachment)


def _named(response, filename: str, attachment: bool):
    header = content_disposition_header(attachment, filename)
    if header:
        response["Content-Disposition"] = header
    response["X-Content-Type-Options"] = "nosniff"
    return response


# A spreadsheet runs a cell that begins with one of these as a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A CSV cell a spreadsheet will not run: text beginning with a formula character gets a
    leading apostrophe, which spreadsheets show as text. Numbers (and text that is a plain
    number, such as ``-12.50``) are left as they are, so a spreadsheet can still sum them."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    try:
        float(value)
    except ValueError:
        return "'" + value
    return value if value.strip() == value else "'" + value


class SafeWriter:
    """``csv.writer`` with every cell through ``safe_cell``."""

    def __init__(self, stream) -> None:
        self._writer = csv.writer(stream)

    def writerow(self, row):
        return self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_response(filename: str):
    """A CSV download (UTF-8) and a writer for it. Money goes in as plain numbers, so a
    spreadsheet can sum it; text that a spreadsheet would run as a formula is neutralised."""
    response = download(b"", "text/csv; charset=utf-8", filename)
    return response, SafeWriter(response)


class _Line:
    """A file-like that hands back what is written: csv.writer then yields each line."""

    def write(self, value: str) -> str:
        return value


def csv_stream(filename: str, header: Sequence, rows: Iterable[Sequence]) -> StreamingHttpResponse:
    """A CSV download written a row at a time as ``rows`` yields them (a long register never
    sits in memory), with the same cells and headers as ``csv_response``."""
    writer = csv.writer(_Line())

    def lines():
        yield writer.writerow([safe_cell(v) for v in header])
        for row in rows:
            yield writer.writerow([safe_cell(v) for v in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    return _named(response, filename, True)


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
