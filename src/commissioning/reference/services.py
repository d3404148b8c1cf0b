"""Ingest reference data: validate the whole file, then store it in one transaction.

Idempotent and recorded (the pattern of OpenPrescribing's ``IngestedFile``): a file whose
content was ingested before is recognised by its SHA-256 and changes nothing; rows are
upserted by their natural key, so a new file with the same rows changes nothing either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from django.db import transaction

from commissioning.audit import chain as audit
from commissioning.bulk import UpsertCounts, upsert_by_key
from commissioning.organisations.permissions import Action, require
from commissioning.organisations.services import OrganisationData, upsert_organisation_unchecked
from commissioning.organisations.vocabulary import OrganisationType
from commissioning.specifications.models import OutcomeIndicator

from . import parsers
from .fetchers import sha256_of
from .models import AEAttendance, IngestedFile, PopulationEstimate


@dataclass(frozen=True)
class IngestReport:
    kind: str
    filename: str
    rows: int
    created: int
    updated: int
    unchanged: int
    already_ingested: bool = False

    def summary(self) -> str:
        if self.already_ingested:
            return f"{self.filename}: already ingested; nothing changed."
        return (
            f"{self.filename}: {self.rows:,} rows; {self.created:,} new, "
            f"{self.updated:,} updated, {self.unchanged:,} unchanged."
        )


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
    """Ingest one fetched file of the given kind (``trusts``, ``ae``, ``population`` or
    ``outcomes``)."""
    require(actor, Action.INGEST_REFERENCE_DATA)
    kind = IngestedFile.Kind(kind).value
    path = Path(path)
    digest = sha256_of(path)
    if IngestedFile.objects.filter(kind=kind, sha256=digest).exists():
        return IngestReport(kind, path.name, 0, 0, 0, 0, already_ingested=True)

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
