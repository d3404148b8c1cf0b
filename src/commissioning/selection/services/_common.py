"""Helpers shared by the selection services."""

from __future__ import annotations

from collections.abc import Sequence

from commissioning import clock
from commissioning.audit import chain as audit
from commissioning.validation import Problems, refuse

from ..documents import MAX_DOCUMENTS, CheckedDocument, DocumentInput, check_document
from ..models import Document, SelectionProcess

DOCUMENT_FIELDS = ("advice_id", "proposal_id", "filename", "content_type", "size", "sha256")


INVITING = (SelectionProcess.Status.INVITING,)
BEFORE_DECISION = (SelectionProcess.Status.SETTING_UP, SelectionProcess.Status.INVITING)


def locked(process: SelectionProcess, open_in: Sequence[str], refusal: str) -> SelectionProcess:
    """The selection locked for the rest of the transaction, so that what is done next sees its
    status as it is (not as the caller read it); refused with ``refusal`` unless the status is
    one of ``open_in``."""
    current = SelectionProcess.objects.select_for_update().get(pk=process.pk)
    if current.status not in open_in:
        raise refuse("", refusal)
    return current


def check_documents(
    documents: Sequence[DocumentInput], problems: Problems, already: int = 0
) -> list[tuple[DocumentInput, CheckedDocument]]:
    """Validate every document before anything is written; problems go on ``documents``."""
    checked = []
    if already + len(documents) > MAX_DOCUMENTS:
        problems.add("documents", f"Attach at most {MAX_DOCUMENTS} documents")
    for doc in documents:
        result, why = check_document(doc)
        if result is None:
            problems.add("documents", why)
        else:
            checked.append((doc, result))
    return checked


def save_documents(checked, actor, **owner) -> list[Document]:
    """Store checked documents against their owner (advice or proposal) and audit each.

    The audit trail keeps each document's name, size and SHA-256, never its content.
    """
    saved = []
    for doc, meta in checked:
        document = Document.objects.create(
            filename=meta.filename,
            content_type=meta.content_type,
            size=meta.size,
            sha256=meta.sha256,
            content=doc.content,
            uploaded_by=actor,
            uploaded_at=clock.now(),
            **owner,
        )
        audit.record(actor, "create", document, after=audit.snapshot(document, DOCUMENT_FIELDS))
        saved.append(document)
    return saved


def text(value: str | None) -> str:
    return (value or "").strip()
