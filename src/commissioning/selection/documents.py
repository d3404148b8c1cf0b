"""What a document attached to advice or a proposal may be: its type, size and name.

Documents are commercially sensitive or clinical; the platform accepts the office formats
commissioners exchange, recognised by their first bytes as well as their name so that a
renamed executable is refused, and at most 10 MB each.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import PurePath

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_DOCUMENTS = 10
ZIP = b"PK\x03\x04"
# extension: (content type, the first bytes it must start with, or None for plain text)
ACCEPTED = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (ZIP,),
    ),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (ZIP,)),
    ".pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        (ZIP,),
    ),
    ".odt": ("application/vnd.oasis.opendocument.text", (ZIP,)),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", (ZIP,)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".txt": ("text/plain; charset=utf-8", None),
    ".csv": ("text/csv; charset=utf-8", None),
}
ACCEPTED_LABEL = (
    "PDF, Word (.docx), Excel (.xlsx), PowerPoint (.pptx), OpenDocument, PNG, JPEG, text or CSV"
)


@dataclass(frozen=True)
class DocumentInput:
    filename: str
    content: bytes
    size: int | None = None  # as the upload handler measured it (a file too large is not read)

    @property
    def length(self) -> int:
        return self.size if self.size is not None else len(self.content)


@dataclass(frozen=True)
class CheckedDocument:
    filename: str
    content_type: str
    size: int
    sha256: str


def safe_filename(name: str) -> str:
    """The last part of the name, with anything but letters, digits, dot, dash, underscore,
    space and brackets replaced, so it is safe in a download header."""
    base = PurePath(name.replace("\\", "/")).name.strip()
    cleaned = re.sub(r"[^\w.\- ()]", "_", base)[:200]
    return cleaned or "document"


def check_document(doc: DocumentInput) -> tuple[CheckedDocument | None, str]:
    """The document's type and fingerprint, or why it cannot be accepted."""
    name = safe_filename(doc.filename)
    suffix = PurePath(name).suffix.lower()
    if suffix not in ACCEPTED:
        return None, f"{name} is not a file type the platform accepts ({ACCEPTED_LABEL})"
    if doc.length > MAX_DOCUMENT_BYTES:
        return None, f"{name} is larger than 10 MB"
    if not doc.content:
        return None, f"{name} is empty"
    content_type, magic = ACCEPTED[suffix]
    if magic is None:
        try:
            doc.content.decode("utf-8")
        except UnicodeDecodeError:
            return None, f"{name} is not plain text (UTF-8)"
    elif not doc.content.startswith(magic):
        return None, f"{name} does not look like a {suffix[1:].upper()} file"
    return (
        CheckedDocument(
            name, content_type, len(doc.content), hashlib.sha256(doc.content).hexdigest()
        ),
        "",
    )
