"""Validated settings for one run of the generator."""

from __future__ import annotations

import datetime as dt
import math
import re

from pydantic import BaseModel, Field, field_validator, model_validator

from .constants import DEFAULT_DIAGNOSIS_GROUPS, ENGLAND_ICBS


class Injection(BaseModel, frozen=True):
    """A quality failure: from ``start`` the provider's odds of death are multiplied, for all
    its spells or only those in the given diagnosis groups and of the given admission method
    (1 elective, 2 emergency), as failures concentrate in practice."""

    provider: str
    start: dt.date
    odds_ratio: float = Field(gt=0)
    groups: tuple[int, ...] = ()  # diagnosis groups (1-based); empty: every group
    method: int | None = Field(default=None, ge=1, le=2)  # admission method; None: both

    @classmethod
    def parse(cls, text: str) -> Injection:
        """Parse ``PROVIDER:YYYY-MM:ODDS_RATIO``, e.g. ``RJE:2022-10:2.0``, optionally
        followed by ``:groups=3,17,42`` and ``:method=2`` to confine the failure."""
        parts = text.split(":")
        usage = (
            f"{text!r}: write an injected failure as PROVIDER:YYYY-MM:ODDS_RATIO, "
            "for example RJE:2022-10:2.0, optionally with :groups=3,17 and :method=2"
        )
        if len(parts) < 3:
            raise ValueError(usage)
        code, month, ratio = (p.strip() for p in parts[:3])
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
        groups: tuple[int, ...] = ()
        method: int | None = None
        for extra in parts[3:]:
            name, _, value = extra.partition("=")
            name, value = name.strip(), value.strip()
            if name == "groups" and re.fullmatch(r"\d+(,\d+)*", value):
                groups = tuple(sorted({int(g) for g in value.split(",")}))
                if 0 in groups:
                    raise ValueError(f"{text!r}: diagnosis groups are numbered from 1")
            elif name == "method" and value in ("1", "2"):
                method = int(value)
            else:
                raise ValueError(
                    f"{text!r}: {extra!r} is not groups=N,N,… (diagnosis groups) or method=1|2 "
                    "(1 elective, 2 emergency)"
                )
        return cls(
            provider=code.upper(),
            start=dt.date(year, mon, 1),
            odds_ratio=odds,
            groups=groups,
            method=method,
        )

    @property
    def confined(self) -> bool:
        return bool(self.groups) or self.method is not None


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
    # One file per month, in a folder per year (spells/2024/04/part-0.parquet), as national
    # extracts are partitioned; otherwise one file per year (spells/2024-25.parquet).
    partition_by_month: bool = False

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
            if inj.groups and max(inj.groups) > self.diagnosis_groups:
                raise ValueError(
                    f"the injected failure at {inj.provider} names diagnosis group "
                    f"{max(inj.groups)}; there are {self.diagnosis_groups}"
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
