"""Loading the synthetic economy's organisations and small areas: complete and idempotent."""

from __future__ import annotations

import polars as pl
import pytest
from django.core.exceptions import PermissionDenied

from commissioning.audit.chain import verify_chain
from commissioning.audit.models import Revision
from commissioning.engine.synth import (
    SynthConfig,
    generate,
    load_age_sex_structure,
    load_providers,
)
from commissioning.organisations.models import Organisation, SmallArea
from commissioning.organisations.permissions import SYSTEM
from commissioning.organisations.synthetic import load_synthetic_economy
from tests.conftest import REFERENCE

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def economy(tmp_path_factory):
    out = tmp_path_factory.mktemp("economy")
    providers = load_providers(REFERENCE / "nhs_trusts.csv", REFERENCE / "ae_attendances.csv")
    age_sex = load_age_sex_structure(REFERENCE / "ons_uk_population_2023.csv")
    generate(
        SynthConfig(spells_per_year=2_000, years=1, seed=4, areas=210), providers, age_sex, out
    )
    return out


def test_loads_commissioners_practices_and_areas(economy):
    counts = load_synthetic_economy(economy, SYSTEM)
    practices = pl.read_parquet(economy / "practices.parquet")
    assert counts["commissioners"] == Organisation.objects.filter(org_type="icb").count() == 42
    assert Organisation.objects.filter(org_type="gp_practice").count() == practices.height
    assert SmallArea.objects.count() == 210
    area = SmallArea.objects.select_related("practice", "commissioner").first()
    assert area.practice.parent == area.commissioner
    assert sum(area.population_by_age_sex["male"] + area.population_by_age_sex["female"]) == (
        area.population
    )
    assert Organisation.objects.filter(is_synthetic=False).count() == 0
    assert verify_chain().ok


def test_loading_again_changes_nothing(economy):
    load_synthetic_economy(economy, SYSTEM)
    revisions = Revision.objects.count()
    counts = load_synthetic_economy(economy, SYSTEM)
    assert counts["organisations_changed"] == 0 and counts["areas_changed"] == 0
    assert Revision.objects.count() == revisions


def test_only_administrators_may_load(economy, make_user):
    with pytest.raises(PermissionDenied):
        load_synthetic_economy(economy, make_user("quality_lead"))
    assert not SmallArea.objects.exists()
