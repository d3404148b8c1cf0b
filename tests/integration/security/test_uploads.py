"""Issue 16, finding 9: one request with 60 files of 10 MB raised the server's memory by about
570 MB. A request with more files than a form allows is refused before any file is read, a
request larger than the cap is refused from its declared length, and a file over its form's
limit is refused by its size without its bytes being read."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from commissioning.selection.documents import MAX_DOCUMENT_BYTES, check_document
from commissioning.selection.forms import documents_from
from commissioning.selection.models import Proposal

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%%EOF\n"
FIELDS = {"title": "Virtual ward", "description": "40 beds at home", "capacity": "1400",
          "total_price": "3,600,000"}  # fmt: skip


def _fields(economy):
    return FIELDS | {"provider_id": economy.rje.pk, "addressed_to_id": economy.icb.pk}


def test_more_files_than_a_form_allows_are_refused_before_any_is_read(client, economy):
    client.force_login(economy.provider)
    files = [SimpleUploadedFile(f"d{i}.pdf", PDF) for i in range(11)]
    response = client.post(reverse("proposal-unsolicited-new"),
                           _fields(economy) | {"documents": files})  # fmt: skip
    assert response.status_code == 400
    assert not Proposal.objects.exists()
    ten = [SimpleUploadedFile(f"d{i}.pdf", PDF) for i in range(10)]
    client.post(reverse("proposal-unsolicited-new"), _fields(economy) | {"documents": ten})
    assert Proposal.objects.get().documents.count() == 10


def test_a_request_larger_than_the_cap_is_refused_from_its_declared_length(client, economy):
    client.force_login(economy.provider)
    response = client.post(
        reverse("proposal-unsolicited-new"),
        _fields(economy) | {"documents": [SimpleUploadedFile("a.pdf", PDF)]},
        CONTENT_LENGTH=str(106 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert "larger than 105 MB, the most the platform accepts" in response.content.decode()
    assert not Proposal.objects.exists()


class _Unreadable(SimpleUploadedFile):
    def read(self, *args):  # pragma: no cover - the point is that it is never called
        raise AssertionError("a file over the limit was read")


def test_a_file_over_the_limit_is_refused_by_its_size_without_being_read():
    big = _Unreadable("plan.pdf", b"%PDF-")
    big.size = MAX_DOCUMENT_BYTES + 1
    (doc,) = documents_from([big])
    assert doc.content == b"" and doc.length == MAX_DOCUMENT_BYTES + 1
    assert check_document(doc) == (None, "plan.pdf is larger than 10 MB")


def test_a_file_over_the_limit_gets_a_message_on_the_form(client, economy):
    client.force_login(economy.provider)
    big = SimpleUploadedFile("plan.pdf", PDF + b"x" * MAX_DOCUMENT_BYTES)
    page = client.post(reverse("proposal-unsolicited-new"), _fields(economy) | {"documents": [big]})
    assert "plan.pdf is larger than 10 MB" in page.content.decode()
    assert not Proposal.objects.exists()
