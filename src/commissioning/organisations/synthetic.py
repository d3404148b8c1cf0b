"""Load the synthetic health economy's organisations and small areas into the database."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from django.db import transaction

from commissioning.audit import chain as audit
from commissioning.bulk import upsert_by_key

from .models import Organisation, SmallArea
from .permissions import Action, require
from .services import OrganisationData, upsert_organisation_unchecked
from .vocabulary import OrganisationType


def load_synthetic_economy(synth_dir: Path, actor) -> dict[str, int]:
    """Upsert the synthetic commissioners, GP practices and small areas; idempotent."""
    require(actor, Action.LOAD_SYNTHETIC_ECONOMY)
    synth_dir = Path(synth_dir)
    commissioners = pl.read_parquet(synth_dir / "commissioners.parquet")
    practices = pl.read_parquet(synth_dir / "practices.parquet")
    areas = pl.read_parquet(synth_dir / "areas.parquet")
    changed = 0
    with transaction.atomic():
        orgs: dict[str, Organisation] = {}
        for table, org_type in (
            (commissioners, OrganisationType.ICB),
            (practices, OrganisationType.GP_PRACTICE),  # after their commissioners
        ):
            for row in table.iter_rows(named=True):
                result = upsert_organisation_unchecked(
                    OrganisationData(
                        code=row["code"],
                        name=row["name"],
                        org_type=org_type,
                        easting=row["easting"],
                        northing=row["northing"],
                        parent_code=row.get("commissioner_code"),
                        is_synthetic=True,
                    ),
                    actor,
                    parents=orgs,
                )
                orgs[row["code"]] = result.organisation
                changed += result.changed

        area_fields = (
            "commissioner_id",
            "practice_id",
            "easting",
            "northing",
            "population",
            "deprivation_decile",
            "population_by_age_sex",
            "is_synthetic",
        )
        area_counts = upsert_by_key(
            SmallArea,
            (
                {
                    "code": row["code"],
                    "commissioner_id": orgs[row["commissioner_code"]].pk,
                    "practice_id": orgs[row["practice_code"]].pk,
                    "easting": row["easting"],
                    "northing": row["northing"],
                    "population": row["population"],
                    "deprivation_decile": row["deprivation_decile"],
                    "population_by_age_sex": {"male": row["male"], "female": row["female"]},
                    "is_synthetic": True,
                }
                for row in areas.iter_rows(named=True)
            ),
            ("code",),
            area_fields,
        )
        changed_areas = area_counts.created + area_counts.updated
        if changed_areas:
            audit.record(
                actor,
                "event",
                object_type="organisations.smallarea",
                object_id="synthetic-economy",
                object_repr=f"Synthetic small areas from {synth_dir.name}",
                after={
                    "areas_created": area_counts.created,
                    "areas_updated": area_counts.updated,
                },
            )
    return {
        "commissioners": commissioners.height,
        "practices": practices.height,
        "areas": areas.height,
        "organisations_changed": changed,
        "areas_changed": changed_areas,
    }
