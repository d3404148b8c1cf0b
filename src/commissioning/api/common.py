"""What the API's modules for the commissioning cycle share: refusals, organisations named by ODS
code in a body, and documents travelling as base64.
"""

import base64
import binascii

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import Field, Schema

from commissioning.organisations.models import Organisation
from commissioning.selection.documents import DocumentInput

from .types import RequestBody


def _allow(allowed: bool, what: str) -> None:
    if not allowed:
        raise PermissionDenied(f"You do not have permission to {what}.")


def _org(code: str | None, field: str, required: bool = True) -> Organisation | None:
    """The organisation a body names by ODS code: a missing required one, or an unknown one,
    is a 422 naming the field (an optional one may be left out)."""
    if not (code or "").strip():
        if required:
            raise ValidationError({field: ["Give the organisation's ODS code"]})
        return None
    org = Organisation.objects.filter(code=code.upper()).first()
    if org is None:
        raise ValidationError({field: [f"No organisation has ODS code {code}"]})
    return org


def _documents(items: "list[DocumentIn]") -> tuple[DocumentInput, ...]:
    decoded = []
    for i, item in enumerate(items):
        try:
            content = base64.b64decode(item.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError(
                {f"documents.{i}.content_base64": ["Is not valid base64"]}
            ) from None
        decoded.append(DocumentInput(item.filename, content))
    return tuple(decoded)


class DocumentIn(RequestBody):
    filename: str = Field(max_length=200)
    content_base64: str = Field(description="The file's bytes, base64-encoded (at most 10 MB)")


class DocumentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
