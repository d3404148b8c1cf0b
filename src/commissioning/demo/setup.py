"""Demo set-up used by ``commissioning demo-setup``: reference data, the synthetic economy and
one account per role. Everything is idempotent: running it again keeps what is there."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import polars as pl
from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from commissioning import clock
from commissioning.audit import chain as audit
from commissioning.contracts.models import Contract
from commissioning.demo.budgets import load_demo_budgets as load_budgets
from commissioning.demo.cycles import DemoPeople, load_cycles
from commissioning.demo.together import load_demo_specialised as load_specialised
from commissioning.demo.together import load_demo_together as load_together
from commissioning.engine.quality.shmi import ShmiOptions, shmi
from commissioning.organisations.models import Membership, Organisation, User
from commissioning.organisations.permissions import SYSTEM, needs_two_factor
from commissioning.organisations.services import (
    OrganisationData,
    add_membership,
    upsert_organisation_unchecked,
)
from commissioning.organisations.synthetic import load_synthetic_economy as load_economy
from commissioning.organisations.vocabulary import OrganisationType, Role
from commissioning.quality import queries, services
from commissioning.quality.models import MortalityRun, QualityMeasurement, SoftIntelligence
from commissioning.quality.services import load_mortality
from commissioning.reference.fetchers import fetch
from commissioning.reference.services import IngestReport, ingest_file
from commissioning.web.two_factor import DEMO_DEVICE

REFERENCE_FILES = (
    ("trusts", "nhs_trusts.csv"),
    ("ae", "ae_attendances.csv"),
    ("population", "ons_uk_population_2023.csv"),
    ("outcomes", "nhs_outcomes_framework.csv"),
    # synthetic files in the published layouts (scripts/synthetic_published.py)
    ("shmi", "synthetic_shmi_trust_level.csv"),
    ("cqc", "synthetic_cqc_latest_ratings.csv"),
    ("oversight", "synthetic_oversight_league_table.csv"),
)
# University Hospitals of North Midlands, which runs Stafford's hospital (the former Mid
# Staffordshire NHS Foundation Trust, RJD) and reports A&E activity.
DEMO_PROVIDER = "RJE"
# A neighbouring trust that bids against it in the demo's selections.
DEMO_RIVAL = "RTG"
# Strategic clinical networks and a clinical senate for the demo. Real networks are hosted by
# NHS England regions and have no codes in the shipped data, so these are synthetic (XN, XS).
CLINICAL_BODIES = (
    ("XN001", "Cardiovascular Strategic Clinical Network", OrganisationType.CLINICAL_NETWORK),
    ("XN002", "Cancer Strategic Clinical Network", OrganisationType.CLINICAL_NETWORK),
    (
        "XN003",
        "Mental Health, Dementia and Neurological Conditions Strategic Clinical Network",
        OrganisationType.CLINICAL_NETWORK,
    ),
    (
        "XN004",
        "Maternity and Children Strategic Clinical Network",
        OrganisationType.CLINICAL_NETWORK,
    ),
    ("XS001", "Clinical Senate", OrganisationType.CLINICAL_SENATE),
)


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


def load_demo_mortality(synth_dir: Path) -> str:
    """Run the SHMI pipeline on the demo spells and load it for the quality workspace, once."""
    run = MortalityRun.objects.first()
    if run is None:
        options = ShmiOptions()
        run = load_mortality(
            shmi(synth_dir / "spells", options), options, "the demo's synthetic spells", SYSTEM
        )
    alerts = run.alerts.count()
    return f"Mortality: {run}, {run.results.count()} providers, {alerts} mortality alerts."


def load_synthetic_economy(synth_dir: Path) -> str:
    counts = load_economy(synth_dir, SYSTEM)
    changed = counts["organisations_changed"] + counts["areas_changed"]
    return (
        f"Synthetic economy: {counts['commissioners']} commissioners, {counts['practices']:,} GP "
        f"practices, {counts['areas']:,} small areas ({changed:,} changed)."
    )


def _home_commissioner(synth_dir: Path | None = None) -> Organisation:
    """The synthetic commissioner whose area includes the demo provider, else the first."""
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


def create_clinical_bodies() -> dict[str, Organisation]:
    with transaction.atomic():
        return {
            code: upsert_organisation_unchecked(
                OrganisationData(code=code, name=name, org_type=org_type, is_synthetic=True), SYSTEM
            ).organisation
            for code, name, org_type in CLINICAL_BODIES
        }


def _person(username: str, password: str, last_name: str, org: Organisation, role: Role, **flags):
    with transaction.atomic():
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, first_name="Demo", last_name=last_name, **flags)
            user.set_password(password)
            user.save()
            audit.created(SYSTEM, user, ("username", "is_staff"), demo=True)
        if not Membership.objects.filter(user=user, organisation=org, role=role.value).exists():
            add_membership(user, org, role, SYSTEM)
    return user


def create_demo_accounts() -> list[DemoAccount]:
    """One account per role: the clinical adviser works for the cardiovascular network, the
    provider representative for the demo provider, everyone else for the home commissioner."""
    commissioner = _home_commissioner()
    provider = Organisation.objects.filter(code=DEMO_PROVIDER).first() or commissioner
    network = create_clinical_bodies()["XN001"]
    accounts = []
    for role in Role:
        org = {Role.PROVIDER_REPRESENTATIVE: provider, Role.CLINICAL_ADVISER: network}.get(
            role, commissioner
        )
        username = role.value.replace("_", "-")
        password = f"demo-{username}"
        _person(
            username,
            password,
            role.label,
            org,
            role,
            is_staff=role is Role.ADMINISTRATOR,
            is_superuser=role is Role.ADMINISTRATOR,
        )
        accounts.append(DemoAccount(role.label, username, password, org.display_name))
    return accounts


def create_other_people() -> list[DemoAccount]:
    """The people the demo's cycles need besides one per role."""
    bodies = create_clinical_bodies()
    rival = Organisation.objects.get(code=DEMO_RIVAL)
    people = [
        ("bidder", "Bidder", rival, Role.PROVIDER_REPRESENTATIVE),
        ("senate-adviser", "Senate adviser", bodies["XS001"], Role.CLINICAL_ADVISER),
    ]
    for username, last_name, org, role in people:
        _person(username, f"demo-{username}", last_name, org, role)
    return [DemoAccount(role.label, u, f"demo-{u}", org.display_name) for u, _, org, role in people]


def load_demo_cycles() -> list[str]:
    """The completed, in-progress and open commissioning cycles (``demo.cycles``)."""
    accounts = {
        u.username: u
        for u in User.objects.filter(username__in=[r.value.replace("_", "-") for r in Role])
    }
    others = {u.username: u for u in User.objects.filter(username__in=["bidder", "senate-adviser"])}
    people = DemoPeople(accounts, others["bidder"], others["senate-adviser"])
    bodies = {o.code: o for o in Organisation.objects.filter(code__in=["XN001", "XS001"])}
    return load_cycles(
        _home_commissioner(),
        people,
        bodies["XN001"],
        bodies["XS001"],
        Organisation.objects.get(code=DEMO_RIVAL),
    )


def load_demo_together() -> list[str]:
    """Consortium, co-commissioning and a Better Care Fund pool (``demo.together``)."""
    return load_together(_home_commissioner(), _demo_person)


def load_demo_specialised() -> str:
    """Specialised commissioning budgets and spend (``demo.together``)."""
    return load_specialised(_demo_person)


def load_demo_budgets() -> str:
    """Personal health budgets on the care coordinator's caseload (``demo.budgets``)."""
    return load_budgets(_home_commissioner(), _demo_person)


def _demo_person(username, last_name, org, role):
    """A demo account (password ``demo-<username>``) with one membership."""
    return _person(username, f"demo-{username}", last_name, org, role)


def load_demo_measurements(months: int = 24) -> str:
    """Synthetic monthly figures for every numeric line of the demo contracts' quality
    schedules, so that the quality workspace has SPC charts to show. Each line's figures come
    from a generator seeded by the line's title (the same every run). Outcomes move from their
    baseline towards their target; requirements run a little better than their threshold; the
    first requirement of the first contract slips below its threshold in the last seven months
    (or the second half of a contract's shorter run), so the demo has a special cause of
    concern to find. Figures start with the contract's term; a contract that started less than
    three months ago has none yet. Recorded through the service with the source marked as
    synthetic."""
    this_month = clock.today().replace(day=1)
    periods = []
    month = this_month
    for _ in range(months):
        month = (month - dt.timedelta(days=1)).replace(day=1)
        periods.append(month)
    periods.reverse()
    recorded = lines = 0
    slipping = None
    for contract in Contract.objects.order_by("pk"):
        if contract.start_date > this_month - dt.timedelta(days=90):
            continue  # too new to have figures (the demo's urgent award)
        for item in contract.quality_schedule.select_related("indicator"):
            target = queries.schedule_target(item)
            if target.target is None or item.measurements.exists():
                continue
            if slipping is None and item.kind == item.REQUIREMENT:
                slipping = item.pk
            seed = int.from_bytes(hashlib.sha256(item.title.encode()).digest()[:4], "big")
            rng = np.random.default_rng(seed)
            # only the months of the contract's term (the service refuses any other)
            term = [p for p in periods if p >= contract.start_date.replace(day=1)]
            values = _demo_series(item, target, len(term), rng, slipping == item.pk)
            rows = [
                services.MeasurementInput(p, Decimal(f"{v:.1f}"))
                for p, v in zip(term, values, strict=True)
            ]
            services.record_measurements(item, rows, QualityMeasurement.Source.DEMO, SYSTEM)
            recorded += len(rows)
            lines += 1
    if not lines:
        return "Quality schedule figures: already there; nothing changed."
    return f"Quality schedule figures: {recorded} synthetic monthly figures on {lines} lines."


def _demo_series(item, target, n: int, rng, slipping: bool):
    if item.kind == item.OUTCOME and item.baseline is not None:
        start, goal = float(item.baseline), target.target
        spread = max(abs(goal - start) * 0.12, 0.5)
        trend = np.linspace(start, start + (goal - start) * 0.6, n)
        return trend + rng.normal(0, spread, n)
    sign = 1 if target.improvement == "increase" else -1
    level = target.target + sign * 4.0
    values = level + rng.normal(0, 1.6, n)
    if slipping:  # the last seven months, or the second half of a shorter run
        values[-min(7, max(1, n // 2)) :] -= sign * 8.0
    upper = 100.0 if target.target <= 100 else None
    return np.clip(values, 0, upper)


def load_demo_intelligence() -> str:
    """Soft intelligence about the demo's provider that the quality lead has recorded (all
    invented): two complaints about delays in the emergency department and a staff survey, so
    that its risk profile shows the three kinds of signal side by side. Once."""
    if SoftIntelligence.objects.exists():
        return "Soft intelligence: already there; nothing changed."
    provider = Organisation.objects.get(code=DEMO_PROVIDER)
    lead = User.objects.get(username="quality-lead")
    today = clock.today()
    entries = [
        ("complaint", "concern", 75, "Family complaint: a long wait for a stroke assessment in "
         "the emergency department (synthetic)"),
        ("staff_survey", "concern", 40, "Staff survey: fewer staff than last year would "
         "recommend the trust as a place to be treated (synthetic)"),
        ("complaint", "concern", 12, "Complaint through the ICB's patient advice service about "
         "discharge without a care plan (synthetic)"),
    ]  # fmt: skip
    for kind, weight, days_ago, summary in entries:
        day = today - dt.timedelta(days=days_ago)
        services.record_intelligence(
            services.IntelligenceInput(provider.pk, kind, weight, day, summary), lead
        )
    return f"Soft intelligence: {len(entries)} entries about {provider.display_name}."


def give_demo_authenticators() -> str:
    """Every demo account that must sign in in two steps gets an authenticator device, once.
    The demo (and only the demo: production refuses to start with COMMISSIONING_DEMO) shows
    its current code on the second step's page, so nobody needs an app to try the platform."""
    given = 0
    for user in User.objects.filter(first_name="Demo").prefetch_related("memberships"):
        if not needs_two_factor(user):
            continue
        if not TOTPDevice.objects.filter(user=user, name=DEMO_DEVICE).exists():
            TOTPDevice.objects.create(user=user, name=DEMO_DEVICE, confirmed=True)
            given += 1
    return (
        f"Two-step sign-in: {given} demo accounts given a demo authenticator."
        if given
        else ("Two-step sign-in: demo authenticators already there.")
    )
