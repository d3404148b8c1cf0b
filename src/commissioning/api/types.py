"""What every input of the API is held to before a view sees it, so that no request can reach
the database with a number it cannot store (a 64-bit column, an amount beyond any budget):
refused as a 422 that names the field, not a 500.

- ``RequestBody``: the base of every request body. Whole numbers fit a 64-bit column; an
  amount in pence (a field named ``*_pence``) is at most £1 trillion either way.
- ``Id``, ``Year``, ``Month``: path parameters (an object's id is a positive 64-bit number).

And what every output is held to: ``OrgName``, the type of every field that gives an
organisation's name, writes it as the web does (``tidy_name``: ODS publishes capitals).
"""

from __future__ import annotations

from typing import Annotated

from ninja import Path, Schema
from pydantic import AfterValidator, ConfigDict, ValidationInfo, field_validator

from commissioning.money import MAX_PENCE, pounds
from commissioning.names import tidy_name

from .examples import add_example

MAX_ID = 2**63 - 1
Id = Annotated[int, Path(ge=1, le=MAX_ID, description="An id (a positive whole number)")]
Year = Annotated[int, Path(ge=2000, le=2100)]
Month = Annotated[int, Path(ge=1, le=12)]
OrgName = Annotated[str, AfterValidator(tidy_name)]
"""An organisation's name as people write it ("Mid Staffordshire NHS Foundation Trust"), not
in ODS capitals: the type of every output field that names an organisation."""


class RequestBody(Schema):
    model_config = ConfigDict(json_schema_extra=add_example)

    @field_validator("*", mode="after")
    @classmethod
    def _fits(cls, value, info: ValidationInfo):
        if isinstance(value, int) and not isinstance(value, bool):
            limit = MAX_PENCE if (info.field_name or "").endswith("_pence") else MAX_ID
            if not -limit <= value <= limit:
                what = pounds(MAX_PENCE) if limit == MAX_PENCE else f"{MAX_ID:,}"
                raise ValueError(f"must be at most {what} either way")
        return value
