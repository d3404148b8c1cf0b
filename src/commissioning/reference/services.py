"""Ingest reference data: validate the whole file, then store it in one transaction.

Idempotent and recorded (the pattern of OpenPrescribing's ``IngestedFile``): a file whose
content was ingested before is recognised by its SHA-256 and changes nothing; rows are
upserted by their natural key, so a new file with the same rows changes nothing either.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from django.db import transaction

from commissioning.audit import chain as audit
from commissioning.bulk import UpsertCounts, upsert_by_key
from commissioning.engine.quality.constants import Method, Overdispersion
from commissioning.engine.quality.funnel import AS_EXPECTED, HIGHER, LOWER, funnel_numpy
from commissioning.organisations.models import Organisation
from commissioning.organisations.permissions import Action, require
from commissioning.organisations.services import OrganisationData, upsert_organisation_unchecked
from commissioning.organisations.vocabulary import OrganisationType
from commissioning.specifications.models import OutcomeIndicator

from . import parsers, published
from .fetchers import sha256_of
from .models import (
    AEAttendance,
    CqcRating,
    IngestedFile,
    OversightSegment,
    PopulationEstimate,
    PublishedShmi,
)


@dataclass(frozen=True)
class IngestReport:
    kind: str
    filename: str
    rows: int
    created: int
    updated: int
    unchanged: int
    already_ingested: bool = False
    agreement: ShmiAgreement | None = None

    def summary(self) -> str:
        if self.already_ingested:
            return f"{self.filename}: already ingested; nothing changed."
        said = (
            f"{self.filename}: {self.rows:,} rows; {self.created:,} new, "
            f"{self.updated:,} updated, {self.unchanged:,} unchanged."
        )
        return f"{said} {self.agreement.summary()}" if self.agreement else said


def trust_type(name: str) -> OrganisationType:
    return (
        OrganisationType.FOUNDATION_TRUST
        if "FOUNDATION TRUST" in name.upper()
        else OrganisationType.NHS_TRUST
    )


def _store_trusts(rows: list[parsers.TrustRow], actor) -> UpsertCounts:
    created = updated = unchanged = 0
    for row in rows:
        keep = frozenset() if row.has_location else frozenset({"easting", "northing"})
        result = upsert_organisation_unchecked(
            OrganisationData(
                code=row.code,
                name=row.name,
                org_type=trust_type(row.name),
                open_date=row.open_date,
                close_date=row.close_date,
                address=row.address,
                postcode=row.postcode,
                easting=row.easting,
                northing=row.northing,
                nhs_region_code=row.nhs_region_code,
                ha_code=row.ha_code,
                # The trust file says nothing about parents; keep any set by other sources.
                keep=keep | {"parent_code"},
            ),
            actor,
        )
        created += result.created
        updated += result.changed and not result.created
        unchanged += not result.changed
    return UpsertCounts(created, updated, unchanged)


def ingest_file(
    kind: str, path: Path, actor, *, source: str = "", year: int = 2023
) -> IngestReport:
    """Ingest one fetched file of the given kind (``trusts``, ``ae``, ``population``,
    ``outcomes``, or a published indicator: ``shmi``, ``cqc``, ``oversight``)."""
    require(actor, Action.INGEST_REFERENCE_DATA)
    kind = IngestedFile.Kind(kind).value
    path = Path(path)
    digest = sha256_of(path)
    if IngestedFile.objects.filter(kind=kind, sha256=digest).exists():
        return IngestReport(kind, path.name, 0, 0, 0, 0, already_ingested=True)

    if kind in PUBLISHED:
        return _ingest_published(kind, path, digest, actor, source)
    lines = parsers.read_lines(path)
    # Parse (and so validate) everything before the transaction: a bad file stores nothing.
    rows: Sequence[parsers.TrustRow | parsers.AERow | parsers.OutcomeRow | parsers.PopulationRow]
    trusts: list[parsers.TrustRow] = []
    if kind == IngestedFile.Kind.TRUSTS:
        rows = trusts = parsers.parse_trusts(lines)
    elif kind == IngestedFile.Kind.AE:
        rows = parsers.parse_ae(lines)
    elif kind == IngestedFile.Kind.OUTCOMES:
        rows = parsers.parse_outcomes(lines)
    else:
        rows = parsers.parse_population(lines)

    with transaction.atomic():
        if kind == IngestedFile.Kind.TRUSTS:
            counts = _store_trusts(trusts, actor)
        elif kind == IngestedFile.Kind.AE:
            counts = upsert_by_key(
                AEAttendance,
                (asdict(r) for r in rows),
                ("period", "org_code", "department_type"),
                ("attendances", "breaches", "admissions"),
            )
        elif kind == IngestedFile.Kind.OUTCOMES:
            counts = upsert_by_key(
                OutcomeIndicator,
                (asdict(r) for r in rows),
                ("framework_year", "code"),
                ("domain", "title", "direction", "unit", "confirmed", "source"),
            )
        else:
            counts = upsert_by_key(
                PopulationEstimate,
                (asdict(r) for r in rows),
                ("geography_code", "sex", "age"),
                ("geography_name", "geography_level", "count"),
                fixed={"year": year},
            )
        created, updated, unchanged = counts.created, counts.updated, counts.unchanged
        record = IngestedFile.objects.create(
            kind=kind,
            sha256=digest,
            filename=path.name,
            source=source or str(path),
            rows=len(rows),
            created=created,
            updated=updated,
            unchanged=unchanged,
            ingested_by=getattr(actor, "username", "system"),
        )
        audit.created(
            actor,
            record,
            ("kind", "sha256", "filename", "rows", "created", "updated", "unchanged"),
            action="event",
        )
    return IngestReport(kind, path.name, len(rows), created, updated, unchanged)


# --- What is published nationally about a provider ---------------------------------------------

PUBLISHED = (IngestedFile.Kind.SHMI, IngestedFile.Kind.CQC, IngestedFile.Kind.OVERSIGHT)
BAND_OF = {HIGHER: 1, AS_EXPECTED: 2, LOWER: 3}


@dataclass(frozen=True)
class ShmiAgreement:
    """How the bands the platform recomputes compare with those published."""

    compared: int
    agreed: int
    differing: tuple[tuple[str, str, int, int], ...]  # (period, provider, published, ours)

    def summary(self) -> str:
        if not self.compared:
            return "No published band could be recomputed (all suppressed)."
        share = f"{100 * self.agreed / self.compared:.1f}%"
        said = (f"SHMI bands recomputed from the published observed and expected deaths: "
                f"{self.agreed:,} of {self.compared:,} agree ({share})")  # fmt: skip
        if self.differing:
            said += "; differing: " + ", ".join(
                f"{code} {period} (published {theirs}, ours {ours})"
                for period, code, theirs, ours in self.differing[:10]
            )
        return said + "."


def recompute_shmi_bands(rows: Sequence[published.ShmiRow]) -> dict[tuple[str, str], int]:
    """Each trust's band, period by period, from the published observed and expected deaths with
    the platform's SHMI funnel (log scale, 10% truncated at each end, additive random effects;
    banded on the 95% limits: docs/decisions.md 060). Suppressed rows get no band."""
    by_period: dict[str, list[published.ShmiRow]] = {}
    for row in rows:
        if row.observed is not None and row.expected:
            by_period.setdefault(row.period, []).append(row)
    bands: dict[tuple[str, str], int] = {}
    for period, kept in by_period.items():
        result = funnel_numpy([r.provider_code for r in kept],
                              [float(r.observed or 0) for r in kept],
                              [float(r.expected or 0) for r in kept], Method.RATIO,
                              Overdispersion.SHMI, target=1.0)  # fmt: skip
        for r in result.rows:
            bands[period, str(r.group)] = BAND_OF[r.band_95]
    return bands


def shmi_agreement(rows: Sequence[published.ShmiRow], ours: dict) -> ShmiAgreement:
    compared = agreed = 0
    differing = []
    for row in rows:
        mine = ours.get((row.period, row.provider_code))
        if row.band is None or mine is None:
            continue
        compared += 1
        if mine == row.band:
            agreed += 1
        else:
            differing.append((row.period, row.provider_code, row.band, mine))
    return ShmiAgreement(compared, agreed, tuple(differing))


def _known_codes(codes: set[str], column: str, where: dict[str, int]) -> None:
    """Every provider code must be an organisation in the directory (ODS): an unknown code is
    a problem on its line, and the file is refused whole."""
    known = set(Organisation.objects.filter(code__in=codes).values_list("code", flat=True))
    errors = [parsers.LineError(where[c], column, f"{c} is not an organisation in the ODS "
                                "directory (ingest the latest ODS file of trusts first)")
              for c in sorted(codes - known)]  # fmt: skip
    if errors:
        raise parsers.IngestError(errors[: parsers.MAX_REPORTED_ERRORS], len(errors))


def _sheets(path: Path) -> dict[str, list]:
    """A spreadsheet's sheets as rows (OpenDocument or Excel, read with python-calamine); a
    CSV is one sheet named after the file."""
    if path.suffix.lower() in (".ods", ".xlsx", ".xls"):
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(path))
        return {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False)
                for name in book.sheet_names}  # fmt: skip
    lines = list(parsers.read_lines(path))
    return {path.stem: [list(row) for row in csv.reader(lines)]}


def _cqc_sheets(path: Path) -> tuple[list, list | None]:
    sheets = _sheets(path)
    if len(sheets) == 1:
        return next(iter(sheets.values())), None
    named = {k.strip().lower(): v for k, v in sheets.items()}
    if "providers" not in named:
        raise parsers.IngestError([parsers.LineError(0, "file", "has no sheet named Providers "
                                   f"(its sheets are {', '.join(sheets)})")])  # fmt: skip
    return named["providers"], named.get("locations")


def _dedupe_cqc(rows: list[published.CqcRow]) -> list[published.CqcRow]:
    """CQC notes that a provider or location may have two ratings published on the same date,
    and shows both: the later publication is kept, and of two on one date the worse."""
    worst = {r: i for i, r in enumerate(published.RATINGS)}
    kept: dict[tuple, published.CqcRow] = {}
    for row in rows:
        key = (row.level, row.cqc_id, row.service_group, row.key_question)
        other = kept.get(key)
        order = (row.published_on or dt.date.min, worst.get(row.rating, -1))
        if other is None or order > (other.published_on or dt.date.min,
                                     worst.get(other.rating, -1)):  # fmt: skip
            kept[key] = row
    return list(kept.values())


def _ingest_published(kind: str, path: Path, digest: str, actor, source: str) -> IngestReport:
    synthetic = "synthetic" in (source or path.name).lower()
    agreement = None
    model: type[PublishedShmi] | type[CqcRating] | type[OversightSegment]
    key: tuple[str, ...]
    records: list[dict]
    if kind == IngestedFile.Kind.SHMI:
        first: dict[str, int] = {}
        shmi_rows = published.parse_shmi(csv.reader(parsers.read_lines(path)), first)
        _known_codes({r.provider_code for r in shmi_rows}, "PROVIDER_CODE", first)
        ours = recompute_shmi_bands(shmi_rows)
        agreement = shmi_agreement(shmi_rows, ours)
        records = [{**asdict(r), "recomputed_band": ours.get((r.period, r.provider_code)),
                    "synthetic": synthetic} for r in shmi_rows]  # fmt: skip
        model, key = PublishedShmi, ("period", "provider_code")
    elif kind == IngestedFile.Kind.CQC:
        providers, locations = _cqc_sheets(path)
        first = {}
        cqc_rows = _dedupe_cqc(published.parse_cqc(providers, locations, first))
        code_of = {r.cqc_id: r.ods_code for r in cqc_rows if r.level == "provider"}
        _known_codes(set(code_of.values()), "Provider ODS Code", first)
        records = []
        for r in cqc_rows:
            fields = asdict(r)
            fields["provider_code"] = code_of[r.provider_cqc_id]
            del fields["provider_cqc_id"]
            records.append({**fields, "synthetic": synthetic})
        model, key = CqcRating, ("level", "cqc_id", "service_group", "key_question")
    else:
        first = {}
        oversight_rows = published.parse_oversight(csv.reader(parsers.read_lines(path)), first)
        _known_codes({r.trust_code for r in oversight_rows}, "Trust_code", first)
        records = [{**{k: v for k, v in asdict(r).items() if k != "trust_code"},
                    "provider_code": r.trust_code, "synthetic": synthetic}
                   for r in oversight_rows]  # fmt: skip
        model, key = OversightSegment, ("provider_code", "reporting_date", "quarter")
    values = tuple(k for k in records[0] if k not in key)
    with transaction.atomic():
        counts = upsert_by_key(model, iter(records), key, values)
        record = IngestedFile.objects.create(
            kind=kind, sha256=digest, filename=path.name, source=source or str(path),
            rows=len(records), created=counts.created, updated=counts.updated,
            unchanged=counts.unchanged, ingested_by=getattr(actor, "username", "system"),
        )  # fmt: skip
        audit.created(actor, record, ("kind", "sha256", "filename", "rows", "created", "updated",
                                      "unchanged"), action="event")  # fmt: skip
    return IngestReport(kind, path.name, len(records), counts.created, counts.updated,
                        counts.unchanged, agreement=agreement)  # fmt: skip
