"""Field-level problems for services: collect every problem, then refuse the whole write.

Services raise ``django.core.exceptions.ValidationError`` with a dict ``{field: [messages]}``
whose keys are the names of the command's fields (nested ones as ``outcomes.1.target``), so
that the web form and the API can each put every message against the field it concerns.
Raising inside the service's ``transaction.atomic()`` undoes everything already written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

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
        unchecked: Mapping[str, object] | None = None,
    ) -> None:
        """Run the model's own field validation and keep what it finds. ``unchecked`` are a
        command's values not yet validated (a blank is ``None``), set on the instance for the
        model to judge: "This field cannot be null" against the field, as for any other
        problem."""
        for name, value in (unchecked or {}).items():
            setattr(instance, name, value)
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


def save_or_refuse(record: models.Model, field: str, message: str) -> None:
    """Save ``record``, or refuse with ``message`` on ``field`` if the database's unique
    constraint says it exists already (someone made it at the same moment): the constraint, not
    an earlier look, decides, so two people at once cannot both succeed."""
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        raise refuse(field, message) from None


def stored_decimal(value: Decimal, field: models.DecimalField) -> Decimal:
    """``value`` as the database will keep it: rounded to the field's decimal places (half up,
    as people round). Raises ``ValueError`` with a message naming the limit when the rounded
    value does not fit the field's digits (99999999999.9999 rounds up to 100000000000.000,
    which does not fit 14 digits with 3 after the point), so a check is made on what is
    stored, not on what was typed."""
    places = field.decimal_places
    whole_digits = field.max_digits - places
    limit = Decimal(10) ** whole_digits
    try:
        rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        rounded = None
    if rounded is None or not rounded.is_finite() or abs(rounded) >= limit:
        raise ValueError(
            f"Enter a number between -{limit - 1:,}.{'9' * places} and {limit - 1:,}.{'9' * places}"
            f" (at most {whole_digits} digits before the decimal point)"
        )
    return rounded


# The months and dates the platform records figures for: nothing before the NHS's records
# in this platform could begin, nothing so far ahead that date arithmetic (a standstill, a
# statement's month end) could run off the calendar.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)
EARLIEST_MONTH = dt.date(2000, 1, 1)


def date_problem(value: dt.date | None, earliest: dt.date = EARLIEST_DATE,
                 latest: dt.date = LATEST_DATE) -> str | None:  # fmt: skip
    """Why a date is outside the range the platform records, or None."""
    if value is None:
        return None
    if value < earliest:
        return f"Enter a date on or after {earliest.day} {earliest:%B %Y}"
    if value > latest:
        return f"Enter a date on or before {latest.day} {latest:%B %Y}"
    return None
