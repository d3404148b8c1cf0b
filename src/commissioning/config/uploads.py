"""Uploads are bounded before they are read (docs/security.md): a request may carry no more
files than a form allows (``DATA_UPLOAD_MAX_NUMBER_FILES``, refused by Django before any file
is read) and no more than ``MAX_UPLOAD_REQUEST_BYTES`` in all (refused from its declared
length, before the body is read). Files go to temporary files on disk, never whole into
memory; forms take a file's size from the upload handler and read its bytes only if it is
within the form's limit, so a file too large is refused by name and size without being read.

A limit reached is a page that names it (``refused``: 413 for the size, 400 for the number of
files), never a bare "Bad Request". A file the server could not write to disk (the disk full,
the process's file-size limit) is dropped at once, its temporary file removed, and handed to
the form as ``ui.forms.NotStored``: the form's page names the file and says nothing was saved
(docs/deployment.md, "Faults survived")."""

from __future__ import annotations

import contextlib
import errno
import logging
import os

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.http import JsonResponse
from django.shortcuts import render
from django.views import defaults

from commissioning.ui.forms import NotStored

logger = logging.getLogger("commissioning.uploads")

WHY_NOT_STORED = {
    errno.ENOSPC: "the server's disk is full",
    errno.EDQUOT: "the server's storage quota is used up",
    errno.EFBIG: "the server cannot store a file this large",
}


class UploadTooLarge(RequestDataTooBig):
    """A request larger than ``MAX_UPLOAD_REQUEST_BYTES``, refused from its declared length."""


def _megabytes(count: int) -> str:
    return f"{count // 2**20} MB"


class BoundedUploadHandler(TemporaryFileUploadHandler):
    failure: OSError | None = None

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > settings.MAX_UPLOAD_REQUEST_BYTES:
            raise UploadTooLarge(
                f"The upload is larger than {_megabytes(settings.MAX_UPLOAD_REQUEST_BYTES)}"
            )
        return None

    def new_file(self, *args, **kwargs) -> None:
        self.failure = None
        self.file = None  # not the last file's, which the form has already
        try:
            super().new_file(*args, **kwargs)  # names the file, then opens its temporary file
        except OSError as exc:
            self._failed(exc)

    def receive_data_chunk(self, raw_data, start):
        if self.failure is None:
            try:
                self.file.write(raw_data)
            except OSError as exc:
                self._failed(exc)
        return None  # the rest of a file that could not be written is read and dropped

    def file_complete(self, file_size):
        if self.failure is None:
            try:
                return super().file_complete(file_size)  # flushes what is still buffered
            except OSError as exc:
                self._failed(exc)
        code = self.failure.errno if self.failure else None
        return NotStored(self.file_name, WHY_NOT_STORED.get(code, "the server could not write it"))

    def upload_interrupted(self) -> None:
        if getattr(self, "file", None) is not None:
            super().upload_interrupted()

    def _failed(self, exc: OSError) -> None:
        """Drop the file: its temporary file closed and removed, however far it was written."""
        self.failure = exc
        logger.warning("an uploaded file could not be written to disk: %s",
                       os.strerror(exc.errno) if exc.errno else type(exc).__name__)  # fmt: skip
        upload = getattr(self, "file", None)
        self.file = None
        if upload is not None:
            path = upload.temporary_file_path()
            with contextlib.suppress(OSError):
                upload.close()  # a buffered tail may fail to flush again; closed all the same
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)


def refused(request, exception=None):
    """``handler400``: an upload over a limit gets a page naming the limit (the API, JSON);
    any other bad request Django's own answer."""
    if isinstance(exception, RequestDataTooBig):
        status = 413
        if isinstance(exception, UploadTooLarge):
            limit = (f"larger than {_megabytes(settings.MAX_UPLOAD_REQUEST_BYTES)}, the most the "
                     "platform accepts in one upload")  # fmt: skip
        else:
            limit = (f"larger than {_megabytes(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)}, the most "
                     "the platform accepts in one form or request")  # fmt: skip
    elif isinstance(exception, TooManyFilesSent):
        status = 400
        limit = (f"more than {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files, the most the "
                 "platform accepts in one upload")  # fmt: skip
    else:
        return defaults.bad_request(request, exception)
    message = f"What you sent is {limit}. Nothing was saved."
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    return render(request, "upload_refused.html", {"message": message}, status=status)
