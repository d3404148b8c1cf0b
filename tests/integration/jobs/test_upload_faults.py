"""Issue 19's fourth fault: the disk or the upload limit reached during an upload. The person is
told which file or which limit, in words, on a page of the site (never a server error), and
nothing is stored: no record, no document, no file left on the server's disk.

- Everywhere, through Django's test client: the directory uploads are written to is gone, so the
  server cannot write the file at all. The proposal's form and a quality schedule's upload form
  come back naming the file, with what was typed kept.
- On PostgreSQL, for real: gunicorn started with a limit on the size of the files it may write
  (``RLIMIT_FSIZE``, with ``SIGXFSZ`` ignored: a write past it fails with EFBIG, as a write to a
  full disk fails with ENOSPC), its temporary directory one of the test's own. A proposal with a
  small document and one larger than the limit comes back naming the large one; nothing is in
  the database or the directory. Through the same form, a request larger than the platform's
  105 MB declares its length and is refused from it: 413 and a page naming the limit. The same
  server then saves a proposal whose file it can write.
- Everywhere: each of the platform's other upload limits (files in one request, bytes of form
  fields or of an API body) is a page, or for the API a JSON answer, naming it."""

from __future__ import annotations

import html
import resource
import signal
from http.client import HTTPConnection

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from commissioning.api.tokens import issue_token
from commissioning.quality.models import QualityMeasurement
from commissioning.selection.models import Document, Proposal

from . import live

NEW = "/proposals/new/"
PDF = b"%PDF-1.4\n%%EOF\n"
LIMIT = 1024 * 1024  # bytes the live server may write to any one file


def _form(economy) -> dict:
    return {"title": "Virtual ward", "description": "40 beds at home", "capacity": "1400",
            "total_price": "3,600,000", "provider_id": economy.rje.pk,
            "addressed_to_id": economy.icb.pk}  # fmt: skip


def _text(body: bytes | str) -> str:
    return html.unescape(body.decode() if isinstance(body, bytes) else body)


@pytest.mark.django_db
def test_a_document_the_server_cannot_write_is_named_on_the_form_and_nothing_is_saved(
    client, economy, settings, tmp_path
):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "gone")  # no such directory
    client.force_login(economy.provider)
    files = [SimpleUploadedFile("plan.pdf", PDF), SimpleUploadedFile("costs.pdf", PDF)]
    page = client.post(reverse("proposal-unsolicited-new"), _form(economy) | {"documents": files})
    assert page.status_code == 200
    text = _text(page.content)
    assert "There is a problem" in text
    assert (
        "plan.pdf could not be received: the server could not write it. Nothing was saved. "
        "Try again later, and tell the platform's administrator if it happens again."
    ) in text
    assert 'value="Virtual ward"' in text  # what was typed is kept
    assert not Proposal.objects.exists() and not Document.objects.exists()


@pytest.mark.django_db
def test_a_file_of_figures_the_server_cannot_write_is_named_and_nothing_is_recorded(
    client, cycle, settings, tmp_path
):
    contract = cycle.signed().contract
    item = contract.quality_schedule.get(title="Brain imaging within 1 hour of arrival")
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "gone")
    client.force_login(cycle.e.provider)
    upload = SimpleUploadedFile("figures.csv", b"month,value\n2025-01,92\n")
    page = client.post(reverse("quality-item", args=[item.pk]), {"form": "upload", "file": upload})
    assert page.status_code == 200
    text = _text(page.content)
    assert "figures.csv could not be received: the server could not write it." in text
    assert "The submitted file is empty" not in text  # the one true message, not Django's
    assert not QualityMeasurement.objects.exists()


@pytest.mark.django_db
def test_every_upload_limit_is_named_and_nothing_is_saved(client, economy):
    client.force_login(economy.provider)
    eleven = [SimpleUploadedFile(f"d{i}.pdf", PDF) for i in range(11)]
    page = client.post(reverse("proposal-unsolicited-new"), _form(economy) | {"documents": eleven})
    assert page.status_code == 400
    assert ("What you sent is more than 10 files, the most the platform accepts in one upload. "
            "Nothing was saved.") in _text(page.content)  # fmt: skip
    long = _form(economy) | {"description": "x" * (15 * 2**20 + 1)}
    page = client.post(reverse("proposal-unsolicited-new"), long)
    assert page.status_code == 413
    assert "larger than 15 MB, the most the platform accepts in one form" in _text(page.content)
    _, token = issue_token(economy.provider, "uploads", economy.provider)
    body = b'{"title": "' + b"x" * (15 * 2**20) + b'"}'
    answer = client.post("/api/v1/proposals", body, content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {token}")  # fmt: skip
    assert answer.status_code == 413
    assert answer.json()["detail"].startswith("What you sent is larger than 15 MB")
    assert not Proposal.objects.exists() and not Document.objects.exists()


def _write_no_more_than(limit: int):
    def limited() -> None:  # in the server's process, before it starts
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past it fails, EFBIG

    return limited


def _post_declaring(browser: live.HTTP, path: str, fields: dict, files, length: int):
    """Start a POST whose headers declare ``length`` bytes and send only the start of its body,
    as a browser sending a very large upload has when the server answers."""
    body, content_type = live.multipart(
        {"csrfmiddlewaretoken": browser.csrf_token(path), **fields}, files
    )
    http = HTTPConnection("127.0.0.1", browser.port, timeout=30)
    try:
        http.putrequest("POST", path)
        http.putheader("Content-Type", content_type)
        http.putheader("Content-Length", str(length))
        http.putheader("Cookie", "; ".join(f"{k}={v}" for k, v in browser.cookies.items()))
        http.endheaders()
        http.send(body[: len(body) - len(b"--\r\n")])  # not the end: more was declared
        response = http.getresponse()
        return response.status, _text(response.read())
    finally:
        http.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_disk_and_the_upload_limit_reached_on_the_live_server_store_nothing(economy, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the fault tests run on PostgreSQL (CI's second run)")
    uploads = tmp_path / "uploads"  # where the server writes uploaded files (its TMPDIR)
    uploads.mkdir()
    env = live.environment(tmp_path, live.database_url(), TMPDIR=str(uploads))
    small = ("documents", "notes.pdf", PDF + b"% notes\n" * 100)
    big = ("documents", "big.pdf", PDF + b"%" + b"x" * (3 * LIMIT))  # within the form's 10 MB
    with live.web(env, tmp_path / "web.log", preexec_fn=_write_no_more_than(LIMIT)) as site:
        browser = live.HTTP(site.port)
        browser.sign_in(economy.provider)

        page = browser.post(NEW, _form(economy), [small, big])
        assert page.status == 200, page.text[:2000]
        text = _text(page.text)
        assert ("big.pdf could not be received: the server cannot store a file this large. "
                "Nothing was saved.") in text  # fmt: skip
        assert 'value="Virtual ward"' in text
        assert not Proposal.objects.exists() and not Document.objects.exists()
        assert list(uploads.iterdir()) == []
        assert "could not be written to disk: File too large" in site.output()

        status, text = _post_declaring(browser, NEW, _form(economy), [small],
                                       settings.MAX_UPLOAD_REQUEST_BYTES + 1)  # fmt: skip
        assert status == 413, text[:2000]
        assert ("What you sent is larger than 105 MB, the most the platform accepts in one "
                "upload. Nothing was saved.") in text  # fmt: skip
        assert "Your upload was not accepted" in text
        assert not Proposal.objects.exists() and list(uploads.iterdir()) == []

        saved = browser.post(NEW, _form(economy), [small])  # the server carries on
        assert saved.status == 302, saved.text[:2000]
        assert Proposal.objects.get().documents.get().filename == "notes.pdf"
        assert list(uploads.iterdir()) == []
