"""Demo set-up used by ``commissioning demo-setup``: reference data, the synthetic economy and
one account per role. Everything is idempotent: running it again keeps what is there."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
from django.db import transaction

from commissioning.audit import chain as audit
from commissioning.organisations.models import Membership, Organisation, User
from commissioning.organisations.permissions import SYSTEM
from commissioning.organisations.services import add_membership
from commissioning.organisations.synthetic import load_synthetic_economy as load_economy
from commissioning.organisations.vocabulary import Role
from commissioning.reference.fetchers import fetch
from commissioning.reference.services import IngestReport, ingest_file

REFERENCE_FILES = (
    ("trusts", "nhs_trusts.csv"),
    ("ae", "ae_attendances.csv"),
    ("population", "ons_uk_population_2023.csv"),
    ("outcomes", "nhs_outcomes_framework.csv"),
)
# University Hospitals of North Midlands, which runs Stafford's hospital (the former Mid
# Staffordshire NHS Foundation Trust, RJD) and reports A&E activity.
DEMO_PROVIDER = "RJE"


@dataclass(frozen=True)
class DemoAccount:
    role: str
    username: str
    password: str
    organisation: str


def load_reference_data(reference_dir: Path, landing_dir: Path) -> list[IngestReport]:
    reports = []
    for kind, name in REFERENCE_FILES:
        fetched = fetch(kind, reference_dir / name, landing_dir)
        reports.append(ingest_file(kind, fetched.path, SYSTEM, source=fetched.source))
    return reports


def load_synthetic_economy(synth_dir: Path) -> str:
    counts = load_economy(synth_dir, SYSTEM)
    changed = counts["organisations_changed"] + counts["areas_changed"]
    return (
        f"Synthetic economy: {counts['commissioners']} commissioners, {counts['practices']:,} GP "
        f"practices, {counts['areas']:,} small areas ({changed:,} changed)."
    )


def _home_commissioner(synth_dir: Path | None = None) -> Organisation:
    """The synthetic commissioner whose area includes the demo provider, else the first."""
    from django.conf import settings

    providers = Path(synth_dir or settings.SYNTH_DIR) / "providers.parquet"
    if providers.exists():
        match = pl.read_parquet(providers).filter(pl.col("code") == DEMO_PROVIDER)
        if match.height:
            org = Organisation.objects.filter(code=match["commissioner_code"][0]).first()
            if org:
                return org
    org = Organisation.objects.filter(org_type="icb").order_by("code").first()
    if org is None:
        raise RuntimeError("Load the synthetic economy before creating demo accounts")
    return org


def create_demo_accounts() -> list[DemoAccount]:
    commissioner = _home_commissioner()
    provider = Organisation.objects.filter(code=DEMO_PROVIDER).first() or commissioner
    accounts = []
    for role in Role:
        org = provider if role is Role.PROVIDER_REPRESENTATIVE else commissioner
        username = role.value.replace("_", "-")
        password = f"demo-{username}"
        with transaction.atomic():
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(
                    username=username,
                    first_name="Demo",
                    last_name=role.label,
                    is_staff=role is Role.ADMINISTRATOR,
                    is_superuser=role is Role.ADMINISTRATOR,
                )
                user.set_password(password)
                user.save()
                audit.record(
                    SYSTEM,
                    "create",
                    user,
                    after={"username": username, "is_staff": user.is_staff, "demo": True},
                )
            if not Membership.objects.filter(user=user, organisation=org, role=role.value).exists():
                add_membership(user, org, role, SYSTEM)
        accounts.append(DemoAccount(role.label, username, password, org.display_name))
    return accounts
