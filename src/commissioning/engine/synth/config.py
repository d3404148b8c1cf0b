"""Validated settings for one run of the generator."""

from __future__ import annotations

import datetime as dt
import math
import re

from pydantic import BaseModel, Field, field_validator, model_validator

from .constants import DEFAULT_DIAGNOSIS_GROUPS, ENGLAND_ICBS


class Injection(BaseModel, frozen=True):
    """A quality failure: from ``start`` the provider's odds of death are multiplied."""

    provider: str
    start: dt.date
    odds_ratio: float = Field(gt=0)

    @classmethod
    def parse(cls, text: str) -> Injection:
        """Parse ``PROVIDER:YYYY-MM:ODDS_RATIO``, e.g. ``RJE:2022-10:2.0``."""
        parts = text.split(":")
        if len(parts) != 3:
            raise ValueError(
                f"{text!r}: write an injected failure as PROVIDER:YYYY-MM:ODDS_RATIO, "
                "for example RJE:2022-10:2.0"
            )
        code, month, ratio = (p.strip() for p in parts)
        if not re.fullmatch(r"\d{4}-\d{2}", month):
            raise ValueError(f"{text!r}: the start month must be written YYYY-MM (got {month!r})")
        year, mon = int(month[:4]), int(month[5:])
        if not 1 <= mon <= 12:
            raise ValueError(f"{text!r}: {month} is not a month")
        try:
            odds = float(ratio)
        except ValueError:
            raise ValueError(f"{text!r}: the odds ratio must be a number (got {ratio!r})") from None
        if not math.isfinite(odds) or odds <= 0:
            raise ValueError(f"{text!r}: the odds ratio must be a positive number")
        return cls(provider=code.upper(), start=dt.date(year, mon, 1), odds_ratio=odds)


class SynthConfig(BaseModel, frozen=True):
    spells_per_year: int = Field(gt=0, le=100_000_000)
    years: int = Field(ge=1, le=20)
    seed: int = Field(ge=0)
    start: dt.date = dt.date(2021, 4, 1)
    areas: int | None = Field(default=None, ge=1, le=200_000)
    commissioners: int = Field(default=ENGLAND_ICBS, ge=1)
    diagnosis_groups: int = Field(default=DEFAULT_DIAGNOSIS_GROUPS, ge=1, le=1000)
    chunk_size: int = Field(default=1_000_000, ge=1_000)
    injections: tuple[Injection, ...] = ()

    @field_validator("start")
    @classmethod
    def _first_of_month(cls, value: dt.date) -> dt.date:
        if value.day != 1:
            raise ValueError("the start must be the first day of a month")
        return value

    @model_validator(mode="after")
    def _injections_in_window(self) -> SynthConfig:
        end = self.month_start(self.years * 12)
        for inj in self.injections:
            if not self.start <= inj.start < end:
                last = self.month_start(self.years * 12 - 1)
                raise ValueError(
                    f"the injected failure at {inj.provider} starts {inj.start:%Y-%m}, outside "
                    f"the simulated months {self.start:%Y-%m} to {last:%Y-%m}"
                )
        return self

    @property
    def n_areas(self) -> int:
        # About one small area per 400 spells a year (1,500 people at ~0.27 admissions each),
        # capped at England's scale.
        return self.areas or max(50, min(40_000, self.spells_per_year // 400))

    @property
    def n_months(self) -> int:
        return self.years * 12

    def month_start(self, index: int) -> dt.date:
        months = self.start.year * 12 + self.start.month - 1 + index
        return dt.date(months // 12, months % 12 + 1, 1)

    def month_index(self, day: dt.date) -> int:
        return (day.year - self.start.year) * 12 + day.month - self.start.month

    def year_label(self, year_index: int) -> str:
        first = self.month_start(year_index * 12)
        last = self.month_start(year_index * 12 + 11)
        if first.year == last.year:
            return str(first.year)
        return f"{first.year}-{str(last.year)[2:]}"
