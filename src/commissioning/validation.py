"""Field-level problems for services: collect every problem, then refuse the whole write.

Services raise ``django.core.exceptions.ValidationError`` with a dict ``{field: [messages]}``
whose keys are the names of the command's fields (nested ones as ``outcomes.1.target``), so
that the web form and the API can each put every message against the field it concerns.
Raising inside the service's ``transaction.atomic()`` undoes everything already written.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

NON_FIELD = "__all__"


class Problems:
    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.by_field.setdefault(field or NON_FIELD, []).append(message)

    def merge(self, error: ValidationError, prefix: str = "", rename: dict | None = None) -> None:
        rename = rename or {}
        if hasattr(error, "error_dict"):
            for field, errors in error.message_dict.items():
                name = rename.get(field, field)
                key = f"{prefix}{name}" if name != NON_FIELD else (prefix.rstrip(".") or NON_FIELD)
                for message in errors:
                    self.add(key, message)
        else:
            for message in error.messages:
                self.add(prefix.rstrip(".") or NON_FIELD, message)

    def check_model(
        self,
        instance: models.Model,
        *,
        prefix: str = "",
        exclude: list[str] | None = None,
        rename: dict | None = None,
        validate_unique: bool = False,
    ) -> None:
        """Run the model's own field validation and keep what it finds."""
        try:
            instance.full_clean(exclude=exclude, validate_unique=validate_unique)
        except ValidationError as exc:
            self.merge(exc, prefix, rename)

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def refuse(field: str, message: str) -> ValidationError:
    """A single-field problem, for ``raise refuse(...)``."""
    return ValidationError({field or NON_FIELD: [message]})
