"""Parsers for the reference data files. Pure functions: text in, typed rows out, no Django.

Every parser reads the whole file before anything is stored and reports each problem with its
line number (as a spreadsheet shows it: the header is line 1) and the field. A file with any
problem is rejected whole.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

MAX_REPORTED_ERRORS = 50
# What a file of each kind is, as a refusal says it: the kinds the platform fetches and ingests.
EXPECTED = {
    "trusts": "an ODS etr file of NHS trusts (no header row; the ODS code, name, region, "
    "address, postcode and YYYYMMDD dates in its first 12 of 27 columns) nor the trusts "
    "sample (a header row with the etr's columns by name: org_code, name, …, close_date)",
    "ae": "a file of monthly A&E attendances (a header row with period, org_code, type, "
    "attendances, breaches and admissions)",
    "population": "an ONS file of population estimates (a header row with sex, code, name, "
    "geography, age and count)",
    "outcomes": "an NHS Outcomes Framework file (a header row with framework_year, domain, "
    "code, title, direction, unit, confirmed and source)",
    "shmi": "the SHMI trust-level data file (TIME_PERIOD, PROVIDER_CODE, PROVIDER_NAME, "
    "SHMI_VALUE, SHMI_BANDING, OBSERVED, EXPECTED)",
    "cqc": "the CQC's latest ratings (a Providers sheet, and a Locations sheet, or a CSV of the "
    "Providers sheet)",
    "oversight": "an NHS Oversight Framework league table (Trust_code, Trust_name, "
    "Reporting_date, Segment)",
}
KINDS = tuple(EXPECTED)
ODS_CODE_RE = re.compile(r"^[A-Z0-9]{3,10}$")
# British National Grid (EPSG:27700) extent in metres.
EASTING_MAX, NORTHING_MAX = 700_000, 1_300_000


@dataclass(frozen=True)
class LineError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        return f"{where}, field '{self.field}': {self.message}"


class IngestError(Exception):
    """A file was rejected; ``errors`` says where and why. Nothing from it was stored."""

    def __init__(self, errors: list[LineError], total: int | None = None):
        self.errors = errors
        self.total = total if total is not None else len(errors)
        more = f" (and {self.total - len(errors)} more)" if self.total > len(errors) else ""
        lines = "; ".join(str(e) for e in errors[:5])
        super().__init__(f"{self.total} problem(s): {lines}{more}")


class WrongLayout(IngestError):
    """The file is not of the kind it was given as (the population file given as trusts): one
    problem, said once, rather than one per row or per column."""

    def __init__(self, kind: str, why: str):
        self.kind = kind
        self.expected = EXPECTED[kind]
        self.why = why
        super().__init__([LineError(0, "file", f"is not {self.expected} ({why})")])

    def __str__(self) -> str:
        return f"is not {self.expected}: {self.why}"


class _Errors:
    def __init__(self) -> None:
        self.items: list[LineError] = []
        self.total = 0

    def add(self, line: int, field: str, message: str) -> None:
        self.total += 1
        if len(self.items) < MAX_REPORTED_ERRORS:
            self.items.append(LineError(line, field, message))

    def raise_if_any(self) -> None:
        if self.total:
            raise IngestError(self.items, self.total)


def _count(raw: str, line: int, field: str, errors: _Errors) -> int | None:
    text = raw.strip()
    try:
        value = float(text)
    except ValueError:
        errors.add(line, field, f"must be a number (got {text!r})")
        return None
    if value != value or value in (float("inf"), float("-inf")):
        errors.add(line, field, f"must be a number (got {text!r})")
        return None
    if value < 0:
        errors.add(line, field, f"must not be negative (got {text})")
        return None
    if value != int(value):
        errors.add(line, field, f"must be a whole number (got {text})")
        return None
    return int(value)


def _ods_code(raw: str, line: int, field: str, errors: _Errors) -> str | None:
    code = raw.strip().upper()
    if not ODS_CODE_RE.match(code):
        errors.add(line, field, f"is not a valid ODS code (got {raw.strip()!r})")
        return None
    return code


def _date_yyyymmdd(raw: str, line: int, field: str, errors: _Errors) -> dt.date | None:
    text = raw.strip()
    if not text:
        return None
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        errors.add(line, field, f"must be a date written YYYYMMDD (got {text!r})")
        return None


def _grid(raw: str, line: int, field: str, upper: int, errors: _Errors) -> int | None:
    text = raw.strip()
    if not text:
        return None
    try:
        value = int(float(text))
    except ValueError:
        errors.add(line, field, f"must be a whole number of metres (got {text!r})")
        return None
    if not 0 <= value <= upper:
        errors.add(line, field, f"must be between 0 and {upper:,} metres (got {value})")
        return None
    return value


def _require_columns(kind: str, header: list[str], required: Iterable[str]) -> None:
    """A header row without every column of the kind: the file is of another kind (or none),
    refused in one line that says which columns are missing."""
    missing = [c for c in required if c not in header]
    if missing:
        raise WrongLayout(kind, f"its header row has no column {', '.join(missing)}")


def _headed_rows(
    kind: str, lines: Iterable[str], columns: tuple[str, ...], errors: _Errors
) -> Iterator[tuple[int, list[str], dict[str, int]]]:
    """Rows of a CSV whose first line names its columns: (line number, cells, column index).

    Refuses a file without every column (``WrongLayout``); skips blank lines; reports short rows.
    """
    reader = csv.reader(lines)
    header = [c.strip().lower() for c in next(reader, [])]
    _require_columns(kind, header, columns)
    idx = {c: header.index(c) for c in columns}
    for line, row in enumerate(reader, start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) < len(header):
            errors.add(line, "row", f"has {len(row)} columns; the header has {len(header)}")
            continue
        yield line, row, idx


# --- NHS trusts (ODS "etr") -------------------------------------------------------------------

TRUST_COLUMNS = (
    "org_code",
    "name",
    "nhs_region_code",
    "ha_code",
    "address_1",
    "address_2",
    "address_3",
    "town",
    "county",
    "postcode",
    "open_date",
    "close_date",
)
# The raw ODS etr.csv has no header; these are its column positions (0-based) for the fields
# the platform keeps. Source: NHS Digital ODS data files, "etr" record layout (27 columns).
ODS_ETR_POSITIONS = {
    "org_code": 0,
    "name": 1,
    "nhs_region_code": 2,
    "ha_code": 3,
    "address_1": 4,
    "address_2": 5,
    "address_3": 6,
    "town": 7,
    "county": 8,
    "postcode": 9,
    "open_date": 10,
    "close_date": 11,
}
ODS_ETR_MIN_COLUMNS = 12


def _looks_like_etr(rows: list[list[str]]) -> None:
    """A file without a header is read as ODS etr only if its first row is one: at least 12
    columns, an ODS code first, a name second, an opening date (YYYYMMDD) eleventh."""
    first = next((row for row in rows if any(c.strip() for c in row)), [])
    if len(first) < ODS_ETR_MIN_COLUMNS:
        raise WrongLayout(
            "trusts", f"its first row has {len(first)} columns; an etr row has at least "
            f"{ODS_ETR_MIN_COLUMNS} and no header row has org_code"
        )  # fmt: skip
    code, name, opened = (
        first[ODS_ETR_POSITIONS[k]].strip() for k in ("org_code", "name", "open_date")
    )
    if not ODS_CODE_RE.match(code.upper()) or not name or not re.fullmatch(r"(\d{8})?", opened):
        raise WrongLayout(
            "trusts", f"its first row does not start with an ODS code and a name, or has no "
            f"YYYYMMDD opening date in column 11 (got {', '.join(first[:3])}, …)"
        )  # fmt: skip


@dataclass(frozen=True)
class TrustRow:
    line: int
    code: str
    name: str
    nhs_region_code: str
    ha_code: str
    address: str
    postcode: str
    open_date: dt.date | None
    close_date: dt.date | None
    easting: int | None
    northing: int | None
    has_location: bool


def parse_trusts(lines: Iterable[str]) -> list[TrustRow]:
    """Parse NHS trusts from the sample layout (header row, with easting/northing) or the raw
    ODS etr.csv layout (no header, no coordinates)."""
    rows = list(csv.reader(lines))
    errors = _Errors()
    if not rows:
        raise IngestError([LineError(0, "file", "the file is empty")])
    first = [c.strip().lower() for c in rows[0]]
    if "org_code" in first:
        header = first
        _require_columns("trusts", header, TRUST_COLUMNS)
        index = {name: header.index(name) for name in header}
        body = enumerate(rows[1:], start=2)
        has_location = "easting" in index and "northing" in index
    else:
        _looks_like_etr(rows)
        index = dict(ODS_ETR_POSITIONS)
        body = enumerate(rows, start=1)
        has_location = False

    parsed: list[TrustRow] = []
    seen: dict[str, int] = {}
    for line, row in body:
        if not any(c.strip() for c in row):
            continue
        if len(row) < max(index.values()) + 1 and len(row) < ODS_ETR_MIN_COLUMNS:
            errors.add(
                line, "row", f"has {len(row)} columns; expected at least {ODS_ETR_MIN_COLUMNS}"
            )
            continue

        def get(name: str, row=row) -> str:
            pos = index.get(name)
            return row[pos].strip() if pos is not None and pos < len(row) else ""

        code = _ods_code(get("org_code"), line, "org_code", errors)
        name = get("name")
        if not name:
            errors.add(line, "name", "is empty")
        open_date = _date_yyyymmdd(get("open_date"), line, "open_date", errors)
        close_date = _date_yyyymmdd(get("close_date"), line, "close_date", errors)
        if open_date and close_date and close_date < open_date:
            errors.add(line, "close_date", "is before the open date")
        easting = northing = None
        if has_location:
            easting = _grid(get("easting"), line, "easting", EASTING_MAX, errors)
            northing = _grid(get("northing"), line, "northing", NORTHING_MAX, errors)
        if code:
            if code in seen:
                errors.add(line, "org_code", f"{code} appears twice (first on line {seen[code]})")
            seen[code] = line
        address = ", ".join(
            p
            for p in (get(k) for k in ("address_1", "address_2", "address_3", "town", "county"))
            if p
        )
        if code and name:
            parsed.append(
                TrustRow(
                    line,
                    code,
                    name,
                    get("nhs_region_code"),
                    get("ha_code"),
                    address,
                    get("postcode"),
                    open_date,
                    close_date,
                    easting,
                    northing,
                    has_location,
                )
            )
    errors.raise_if_any()
    if not parsed:
        raise IngestError([LineError(0, "file", "contains no trusts")])
    return parsed


# --- Monthly A&E attendances -----------------------------------------------------------------

AE_COLUMNS = ("period", "org_code", "type", "attendances", "breaches", "admissions")
AE_DEPARTMENT_TYPES = ("1", "2", "other")


@dataclass(frozen=True)
class AERow:
    period: dt.date
    org_code: str
    department_type: str
    attendances: int
    breaches: int
    admissions: int


def parse_ae(lines: Iterable[str]) -> list[AERow]:
    errors = _Errors()
    parsed: list[AERow] = []
    seen: dict[tuple, int] = {}
    for line, row, idx in _headed_rows("ae", lines, AE_COLUMNS, errors):
        raw_period = row[idx["period"]].strip()
        try:
            period = dt.date.fromisoformat(raw_period)
            if period.day != 1:
                errors.add(line, "period", f"must be the first day of a month (got {raw_period})")
                period = None
        except ValueError:
            errors.add(line, "period", f"must be a date written YYYY-MM-DD (got {raw_period!r})")
            period = None
        code = _ods_code(row[idx["org_code"]], line, "org_code", errors)
        dept = row[idx["type"]].strip().lower()
        if dept not in AE_DEPARTMENT_TYPES:
            errors.add(line, "type", f"must be 1, 2 or other (got {dept!r})")
        counts = {c: _count(row[idx[c]], line, c, errors) for c in AE_COLUMNS[3:]}
        if (
            counts["attendances"] is not None
            and counts["breaches"] is not None
            and counts["breaches"] > counts["attendances"]
        ):
            errors.add(line, "breaches", "is greater than attendances")
        key = (period, code, dept)
        if period and code and key in seen:
            errors.add(line, "period", f"duplicates line {seen[key]} for {code} type {dept}")
        seen[key] = line
        if period and code and dept in AE_DEPARTMENT_TYPES and None not in counts.values():
            parsed.append(AERow(period, code, dept, **counts))
    errors.raise_if_any()
    return parsed


# --- ONS population estimates by age and sex -------------------------------------------------

POPULATION_COLUMNS = ("sex", "code", "name", "geography", "age", "count")
SEXES = {
    "males": "male",
    "male": "male",
    "m": "male",
    "females": "female",
    "female": "female",
    "f": "female",
}
OLDEST_AGE = 90  # ONS publishes single years to 89 and an open band "90+"


@dataclass(frozen=True)
class PopulationRow:
    geography_code: str
    geography_name: str
    geography_level: str
    sex: str
    age: int
    count: int


def parse_population(lines: Iterable[str]) -> list[PopulationRow]:
    errors = _Errors()
    parsed: list[PopulationRow] = []
    seen: dict[tuple, int] = {}
    for line, row, idx in _headed_rows("population", lines, POPULATION_COLUMNS, errors):
        sex = SEXES.get(row[idx["sex"]].strip().lower())
        if sex is None:
            errors.add(line, "sex", f"must be males or females (got {row[idx['sex']].strip()!r})")
        code = row[idx["code"]].strip().upper()
        if not re.match(r"^[A-Z][0-9]{8}$", code):
            errors.add(line, "Code", f"is not an ONS geography code like E92000001 (got {code!r})")
        raw_age = row[idx["age"]].strip()
        age: int | None
        if raw_age == f"{OLDEST_AGE}+":
            age = OLDEST_AGE
        elif raw_age.isdigit() and int(raw_age) < OLDEST_AGE:
            age = int(raw_age)
        else:
            errors.add(line, "age", f"must be 0 to 89 or 90+ (got {raw_age!r})")
            age = None
        count = _count(row[idx["count"]], line, "count", errors)
        key = (code, sex, age)
        if key in seen and None not in key:
            errors.add(line, "age", f"duplicates line {seen[key]} for {code} {sex} age {raw_age}")
        seen[key] = line
        if sex and age is not None and count is not None:
            parsed.append(
                PopulationRow(
                    code,
                    row[idx["name"]].strip(),
                    row[idx["geography"]].strip(),
                    sex,
                    age,
                    count,
                )
            )
    errors.raise_if_any()
    return parsed


def read_lines(path) -> Iterator[str]:
    """Lines of a CSV file, accepting UTF-8 with or without a byte-order mark, or Latin-1."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return iter(text.splitlines())


# --- NHS Outcomes Framework indicators ---------------------------------------------------------

OUTCOME_COLUMNS = (
    "framework_year",
    "domain",
    "code",
    "title",
    "direction",
    "unit",
    "confirmed",
    "source",
)
FRAMEWORK_YEAR_RE = re.compile(r"^(20\d\d)-(\d\d)$")
INDICATOR_CODE_RE = re.compile(r"^[1-5](?:[a-d](?:\.[ivx]+)?|(?:\.\d+)*(?:\.[ivx]+)?)$")
DIRECTIONS = ("higher", "lower")
YES_NO = {"yes": True, "no": False}


@dataclass(frozen=True)
class OutcomeRow:
    framework_year: str
    domain: int
    code: str
    title: str
    direction: str
    unit: str
    confirmed: bool
    source: str


def parse_outcomes(lines: Iterable[str]) -> list[OutcomeRow]:
    """NHS Outcomes Framework indicators: one row per edition and code.

    The code must belong to its domain (``1a.i`` and ``1.4`` are domain 1), so that a row
    cannot put an indicator under the wrong dimension of quality.
    """
    errors = _Errors()
    parsed: list[OutcomeRow] = []
    seen: dict[tuple[str, str], int] = {}
    for line, row, idx in _headed_rows("outcomes", lines, OUTCOME_COLUMNS, errors):
        cell = {c: row[idx[c]].strip() for c in OUTCOME_COLUMNS}
        year = cell["framework_year"]
        match = FRAMEWORK_YEAR_RE.match(year)
        if not match or (int(match[1]) + 1) % 100 != int(match[2]):
            errors.add(line, "framework_year", f"must be an edition like 2016-17 (got {year!r})")
        domain = int(cell["domain"]) if cell["domain"] in {"1", "2", "3", "4", "5"} else None
        if domain is None:
            errors.add(line, "domain", f"must be 1, 2, 3, 4 or 5 (got {cell['domain']!r})")
        code = cell["code"]
        if not INDICATOR_CODE_RE.match(code):
            errors.add(
                line, "code", f"is not an indicator code like 1a.i, 2.3.ii or 3b (got {code!r})"
            )
        elif domain is not None and code[0] != str(domain):
            errors.add(line, "code", f"{code} does not belong to domain {domain}")
        if not cell["title"]:
            errors.add(line, "title", "is empty")
        if cell["direction"] not in DIRECTIONS:
            errors.add(line, "direction", f"must be higher or lower (got {cell['direction']!r})")
        if not cell["unit"]:
            errors.add(line, "unit", "is empty")
        confirmed = YES_NO.get(cell["confirmed"].lower())
        if confirmed is None:
            errors.add(line, "confirmed", f"must be yes or no (got {cell['confirmed']!r})")
        key = (year, code)
        if key in seen:
            errors.add(
                line, "code", f"{code} appears twice in edition {year} (first on line {seen[key]})"
            )
        seen[key] = line
        if errors.total == 0:
            parsed.append(
                OutcomeRow(
                    year,
                    domain,
                    code,
                    cell["title"],
                    cell["direction"],
                    cell["unit"],
                    confirmed,
                    cell["source"],
                )
            )
    errors.raise_if_any()
    if not parsed:
        raise IngestError([LineError(0, "file", "contains no indicators")])
    return parsed
