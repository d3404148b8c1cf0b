"""Parsers for what is published nationally about a provider, by ODS code: the SHMI trust-level
data file (NHS England), the CQC's latest ratings (providers and locations, each key question),
and the NHS Oversight Framework's segmentation (the league table). Pure functions: rows in,
typed rows out, no Django.

The layouts are the published ones, read by column name (each publisher has added and renamed
columns between editions; docs/decisions.md 060 lists what was confirmed against what):

- SHMI: ``TIME_PERIOD`` (``APR22_MAR23``), ``PROVIDER_CODE``, ``PROVIDER_NAME``,
  ``SHMI_VALUE``, ``SHMI_BANDING`` (1 higher than expected, 2 as expected, 3 lower than
  expected; "1.0" read as 1), ``OBSERVED``, ``EXPECTED``; ``SPELLS`` and the overdispersion
  limits ``OD_LL`` and ``OD_UL`` when present.
- CQC: the ``Providers`` and ``Locations`` sheets; ``Provider ID``, ``Provider ODS Code``
  (providers), ``Location ID`` and ``Location ODS Code`` (locations), ``Service / Population
  Group``, ``Domain`` (or ``Key Question`` in older files), ``Latest Rating``, ``Publication
  Date``; ``Provider Type`` is ``NHS Healthcare Organisation`` for an NHS trust.
- Oversight Framework league table: ``Trust_code``, ``Trust_name``, ``Reporting_date``,
  ``Segment``; ``Quarter``, ``Average_score``, ``Trust_in_financial_deficit`` and ``Rank``
  when present.

A value the publisher suppressed (``*``, ``**``, ``-`` or blank) is kept as missing, never as
zero. Every other problem names its line (the header is line 1) and column, and a file with any
problem is refused whole (``parsers.IngestError``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .parsers import ODS_CODE_RE, IngestError, LineError, _Errors

SUPPRESSED = {"", "*", "**", "-", "n/a", "na", ".", ":"}
SHMI_BANDS = {1: "higher than expected", 2: "as expected", 3: "lower than expected"}
MONTHS = {
    m: i
    for i, m in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1
    )
}
PERIOD_RE = re.compile(r"^([A-Z]{3})(\d{2})[_-]([A-Z]{3})(\d{2})$")
KEY_QUESTIONS = ("Overall", "Safe", "Effective", "Caring", "Responsive", "Well-led")
RATINGS = ("Outstanding", "Good", "Requires improvement", "Inadequate")
NHS_PROVIDER = "NHS Healthcare Organisation"
SEGMENTS = (1, 2, 3, 4, 5)  # fmt: skip


class Headed:
    """The rows of a table whose header row names its columns (found by name, case and
    spacing ignored; the header may sit below a banner row)."""

    def __init__(self, kind: str, rows: Iterable[Sequence[object]], required: Sequence[str],
                 optional: Sequence[str] = (), aliases: dict[str, str] | None = None,
                 marker: str | None = None):  # fmt: skip
        self.kind = kind
        rows = iter(rows)
        header: list[str] = []
        self.header_line = 0
        for self.header_line, row in enumerate(rows, start=1):
            header = [_key(c) for c in row]
            if marker is None or _key(marker) in header:
                break
            if self.header_line >= 20:
                break
        aliases = {_key(k): _key(v) for k, v in (aliases or {}).items()}
        header = [aliases.get(h, h) for h in header]
        missing = [c for c in required if _key(c) not in header]
        if missing:
            raise IngestError([LineError(0, "file", f"is not {kind}: it has no column "
                                         f"{', '.join(missing)}")])  # fmt: skip
        self.index = {c: header.index(_key(c)) for c in (*required, *optional)
                      if _key(c) in header}  # fmt: skip
        self.rows = rows

    def __iter__(self):
        for line, row in enumerate(self.rows, start=self.header_line + 1):
            cells = ["" if c is None else str(c).strip() for c in row]
            if not any(cells):
                continue
            yield line, {c: (cells[i] if i < len(cells) else "") for c, i in self.index.items()}


def _key(text: object) -> str:
    return re.sub(r"\s+", " ", str(text or "").replace("\ufeff", "")).strip().lower()


def _number(raw: str, line: int, column: str, errors: _Errors, *, whole: bool = False):
    """A number, or None if suppressed; anything else is a problem on its line."""
    text = raw.replace(",", "").strip()
    if text.lower() in SUPPRESSED:
        return None
    try:
        value = float(text)
    except ValueError:
        errors.add(line, column, f"must be a number or suppressed (* or blank) (got {raw!r})")
        return None
    if value != value or value < 0:
        errors.add(line, column, f"must be a number of 0 or more (got {raw!r})")
        return None
    if whole and value != int(value):
        errors.add(line, column, f"must be a whole number (got {raw!r})")
        return None
    return int(value) if whole else value


def _code(raw: str, line: int, column: str, errors: _Errors) -> str | None:
    code = raw.strip().upper()
    if not ODS_CODE_RE.match(code):
        errors.add(line, column, f"is not an ODS code (got {raw!r})")
        return None
    return code


def shmi_period(label: str) -> tuple[dt.date, dt.date] | None:
    """``APR22_MAR23`` → 1 April 2022 to 31 March 2023."""
    match = PERIOD_RE.match(label.strip().upper())
    if not match or match[1] not in MONTHS or match[3] not in MONTHS:
        return None
    start = dt.date(2000 + int(match[2]), MONTHS[match[1]], 1)
    end_month = dt.date(2000 + int(match[4]), MONTHS[match[3]], 1)
    end = (end_month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return (start, end) if start < end else None


# --- SHMI -------------------------------------------------------------------------------------

SHMI_REQUIRED = ("TIME_PERIOD", "PROVIDER_CODE", "PROVIDER_NAME", "SHMI_VALUE", "SHMI_BANDING",
                 "OBSERVED", "EXPECTED")  # fmt: skip
SHMI_OPTIONAL = ("SPELLS", "OD_LL", "OD_UL")


@dataclass(frozen=True)
class ShmiRow:
    period: str
    period_start: dt.date
    period_end: dt.date
    provider_code: str
    published_name: str
    spells: int | None
    observed: float | None
    expected: float | None
    shmi: float | None
    band: int | None  # None: suppressed
    lower_limit: float | None
    upper_limit: float | None


def parse_shmi(rows: Iterable[Sequence[object]], lines: dict | None = None) -> list[ShmiRow]:
    """The SHMI trust-level data file: one row per trust and 12-month period. ``lines`` is
    filled with the line each provider code is first on."""
    errors = _Errors()
    table = Headed("the SHMI trust-level data file", rows, SHMI_REQUIRED, SHMI_OPTIONAL)
    parsed: list[ShmiRow] = []
    seen: dict[tuple[str, str], int] = {}
    for line, cell in table:
        period = cell["TIME_PERIOD"].upper()
        dates = shmi_period(period)
        if dates is None:
            errors.add(line, "TIME_PERIOD", f"must be a 12-month period like APR22_MAR23 "
                       f"(got {cell['TIME_PERIOD']!r})")  # fmt: skip
        code = _code(cell["PROVIDER_CODE"], line, "PROVIDER_CODE", errors)
        if code and lines is not None:
            lines.setdefault(code, line)
        if not cell["PROVIDER_NAME"]:
            errors.add(line, "PROVIDER_NAME", "is empty")
        observed = _number(cell["OBSERVED"], line, "OBSERVED", errors)
        expected = _number(cell["EXPECTED"], line, "EXPECTED", errors)
        value = _number(cell["SHMI_VALUE"], line, "SHMI_VALUE", errors)
        band = _number(cell["SHMI_BANDING"], line, "SHMI_BANDING", errors)
        if band is not None and band not in SHMI_BANDS:
            errors.add(line, "SHMI_BANDING", f"must be 1, 2 or 3 (got {cell['SHMI_BANDING']!r})")
            band = None
        if expected == 0:
            errors.add(line, "EXPECTED", "must be more than 0")
        spells = _number(cell.get("SPELLS", ""), line, "SPELLS", errors, whole=True)
        limits = [_number(cell.get(c, ""), line, c, errors) for c in ("OD_LL", "OD_UL")]
        if code and dates:
            if (period, code) in seen:
                errors.add(line, "PROVIDER_CODE", f"{code} appears twice for {period} (first on "
                           f"line {seen[period, code]})")  # fmt: skip
            seen[period, code] = line
        if errors.total == 0 and code and dates:
            parsed.append(ShmiRow(period, *dates, code, cell["PROVIDER_NAME"], spells,
                                  observed, expected, value, int(band) if band else None,
                                  *limits))  # fmt: skip
    errors.raise_if_any()
    if not parsed:
        raise IngestError([LineError(0, "file", "contains no trusts")])
    return parsed


# --- CQC ratings ------------------------------------------------------------------------------

CQC_PROVIDER_REQUIRED = ("Provider ID", "Provider ODS Code", "Provider Name", "Provider Type",
                         "Service / Population Group", "Domain", "Latest Rating",
                         "Publication Date")  # fmt: skip
CQC_LOCATION_REQUIRED = ("Location ID", "Location ODS Code", "Location Name",
                         "Service / Population Group", "Domain", "Latest Rating",
                         "Publication Date", "Provider ID")  # fmt: skip
CQC_OPTIONAL = ("Report Type", "URL")
CQC_ALIASES = {"Key Question": "Domain"}


@dataclass(frozen=True)
class CqcRow:
    level: str  # "provider" or "location"
    cqc_id: str
    ods_code: str
    name: str
    provider_cqc_id: str
    service_group: str
    key_question: str
    rating: str  # one of RATINGS, or "" where the file gives no rating
    published_on: dt.date | None
    report_type: str
    url: str


def _date(raw: str, line: int, column: str, errors: _Errors) -> dt.date | None:
    text = raw.strip()
    if not text:
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    errors.add(line, column, f"must be a date like 01/09/2026 (got {raw!r})")
    return None


def _cqc_rows(
    level: str, table: Headed, errors: _Errors, nhs_ids: set[str] | None, lines: dict | None = None
):
    id_col, ods_col, name_col = (("Provider ID", "Provider ODS Code", "Provider Name")
                                 if level == "provider" else
                                 ("Location ID", "Location ODS Code", "Location Name"))  # fmt: skip
    codes: dict[str, str] = {}
    for line, cell in table:
        provider_id = cell["Provider ID"]
        if level == "provider" and cell["Provider Type"] != NHS_PROVIDER:
            continue  # care homes, GPs, independent providers: not the trusts commissioned here
        if level == "location" and provider_id not in (nhs_ids or set()):
            continue
        code = _code(cell[ods_col], line, ods_col, errors) if cell[ods_col] else None
        if code and level == "provider" and lines is not None:
            lines.setdefault(code, line)
        if code and level == "provider":
            first = codes.setdefault(cell[id_col], code)
            if first != code:
                errors.add(line, ods_col, f"{code} differs from {first}, given for provider "
                           f"{cell[id_col]} on an earlier line")  # fmt: skip
        if level == "provider" and code is None and not cell[ods_col]:
            errors.add(line, ods_col, "is empty for an NHS healthcare organisation")
        question = cell["Domain"]
        if question not in KEY_QUESTIONS:
            errors.add(line, "Domain", f"must be one of {', '.join(KEY_QUESTIONS)} (got "
                       f"{question!r})")  # fmt: skip
        rating = cell["Latest Rating"]
        rating = rating if rating in RATINGS else ""  # "Not Rated", "Not applicable", …
        published = _date(cell["Publication Date"], line, "Publication Date", errors)
        if errors.total == 0 and (code or level == "location"):
            yield CqcRow(level, cell[id_col], code or "", cell[name_col], provider_id,
                         cell["Service / Population Group"], question, rating, published,
                         cell.get("Report Type", ""), cell.get("URL", ""))  # fmt: skip


def parse_cqc(
    providers: Iterable[Sequence[object]],
    locations: Iterable[Sequence[object]] | None = None,
    lines: dict | None = None,
) -> list[CqcRow]:
    """The CQC's latest ratings: the NHS healthcare organisations of the ``Providers`` sheet,
    and the ``Locations`` sheet's rows for their locations (joined by ``Provider ID``)."""
    errors = _Errors()
    table = Headed("the CQC's latest ratings (Providers sheet)", providers,
                   CQC_PROVIDER_REQUIRED, CQC_OPTIONAL, CQC_ALIASES,
                   marker="Provider ID")  # fmt: skip
    parsed = list(_cqc_rows("provider", table, errors, None, lines))
    if locations is not None:
        nhs = {r.cqc_id for r in parsed}
        table = Headed("the CQC's latest ratings (Locations sheet)", locations,
                       CQC_LOCATION_REQUIRED, CQC_OPTIONAL, CQC_ALIASES,
                       marker="Location ID")  # fmt: skip
        parsed += list(_cqc_rows("location", table, errors, nhs))
    errors.raise_if_any()
    if not any(r.level == "provider" for r in parsed):
        raise IngestError([LineError(0, "file", "contains no NHS healthcare organisation")])
    return parsed


# --- NHS Oversight Framework segmentation -----------------------------------------------------

OVERSIGHT_REQUIRED = ("Trust_code", "Trust_name", "Reporting_date", "Segment")
OVERSIGHT_OPTIONAL = ("Quarter", "Region", "Trust_type", "Average_score",
                      "Trust_in_financial_deficit", "Rank")  # fmt: skip


@dataclass(frozen=True)
class OversightRow:
    trust_code: str
    published_name: str
    reporting_date: str
    quarter: str
    segment: int
    average_score: float | None
    in_deficit: bool | None
    rank: int | None


def parse_oversight(
    rows: Iterable[Sequence[object]], lines: dict | None = None
) -> list[OversightRow]:
    """The NHS Oversight Framework's league table: each trust's segment (1 to 4, or 5 for the
    Recovery Support Programme) for a reporting date."""
    errors = _Errors()
    table = Headed("an NHS Oversight Framework league table", rows, OVERSIGHT_REQUIRED,
                   OVERSIGHT_OPTIONAL)  # fmt: skip
    parsed: list[OversightRow] = []
    seen: dict[tuple[str, str, str], int] = {}
    for line, cell in table:
        code = _code(cell["Trust_code"], line, "Trust_code", errors)
        if code and lines is not None:
            lines.setdefault(code, line)
        segment = _number(cell["Segment"], line, "Segment", errors, whole=True)
        if segment is None and not errors.total:
            errors.add(line, "Segment", "is missing: every trust in the table has a segment")
        elif segment is not None and segment not in SEGMENTS:
            errors.add(line, "Segment", f"must be 1 to 5 (got {cell['Segment']!r})")
        if not cell["Reporting_date"]:
            errors.add(line, "Reporting_date", "is empty")
        score = _number(cell.get("Average_score", ""), line, "Average_score", errors)
        rank = _number(cell.get("Rank", ""), line, "Rank", errors, whole=True)
        deficit = {"yes": True, "no": False}.get(cell.get("Trust_in_financial_deficit", "").lower())
        key = (code or "", cell["Reporting_date"], cell.get("Quarter", ""))
        if code and key in seen:
            errors.add(line, "Trust_code", f"{code} appears twice for {key[1]} (first on line "
                       f"{seen[key]})")  # fmt: skip
        seen[key] = line
        if errors.total == 0 and code and segment is not None:
            parsed.append(OversightRow(code, cell["Trust_name"], cell["Reporting_date"],
                                       cell.get("Quarter", ""), int(segment), score, deficit,
                                       rank))  # fmt: skip
    errors.raise_if_any()
    if not parsed:
        raise IngestError([LineError(0, "file", "contains no trusts")])
    return parsed
