"""Uploads are bounded before they are read (docs/security.md): a request may carry no more
files than a form allows (``DATA_UPLOAD_MAX_NUMBER_FILES``, refused by Django before any file
is read) and no more than ``MAX_UPLOAD_REQUEST_BYTES`` in all (refused from its declared
length, before the body is read). Files go to temporary files on disk, never whole into
memory; forms take a file's size from the upload handler and read its bytes only if it is
within the form's limit, so a file too large is refused by name and size without being read."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import TemporaryFileUploadHandler


class BoundedUploadHandler(TemporaryFileUploadHandler):
    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > settings.MAX_UPLOAD_REQUEST_BYTES:
            raise RequestDataTooBig(
                f"The upload is larger than {settings.MAX_UPLOAD_REQUEST_BYTES // 2**20} MB"
            )
        return None
