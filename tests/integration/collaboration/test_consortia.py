"""Consortia: formed by commissioners under a collaborative commissioning agreement, with
their negotiating weight with each provider against each member alone."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from commissioning.collaboration import services
from commissioning.market import data
from commissioning.organisations.models import Membership, Organisation, User
from tests.synth import write_economy

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    return write_economy(tmp_path_factory.mktemp("consortia"), spells_per_year=20_000,
                         years=1, seed=3, areas=400, diagnosis_groups=3)  # fmt: skip


@pytest.fixture
def members(settings, synth):
    settings.SYNTH_DIR = synth
    market = data.load_market()
    codes = (market.areas.group_by("commissioner_code").agg(pl.col("population").sum())
             .sort("population", descending=True)["commissioner_code"].to_list()[:2])  # fmt: skip
    orgs = [Organisation.objects.create(code=c, name=f"NHS {c} ICB", org_type="icb")
            for c in codes]  # fmt: skip
    lead = User.objects.create(username="lead-commissioner")
    Membership.objects.create(user=lead, organisation=orgs[0], role="commissioner")
    return market, orgs, lead


def consortium_input(orgs, **changes):
    values = dict(name="Elective orthopaedics consortium", scope="service",
                  co_ordinating_id=orgs[0].pk, member_ids=[o.pk for o in orgs],
                  decision_rules="Unanimity on scope; majority by population on the rest",
                  agreement_date=dt.date(2026, 4, 1), service="Elective orthopaedics")  # fmt: skip
    return services.ConsortiumInput(**{**values, **changes})


def test_the_consortium_weighs_more_than_any_member_alone(members):
    market, orgs, lead = members
    consortium = services.form_consortium(consortium_input(orgs), lead)
    table = services.negotiating_weight(consortium, market)
    assert len(table) > 0
    codes = [o.code for o in orgs]
    expected = (market.flows.join(market.areas, on="area")
                .filter(pl.col("commissioner_code").is_in(codes))
                .group_by("provider").agg(pl.col("patients").sum()))  # fmt: skip
    for row in table.iter_rows(named=True):
        mine = expected.filter(pl.col("provider") == row["provider"])["patients"][0]
        assert row["consortium_patients"] == mine
        assert row["activity_share"] >= row["largest_member_share"] > 0
        assert 0 < row["population_share"] <= 1
        assert row["largest_member"] in codes


def test_a_consortium_is_refused_with_the_field_named(members):
    _, orgs, lead = members
    with pytest.raises(ValidationError) as refused:
        services.form_consortium(consortium_input(orgs[:1], decision_rules=" ", service=""),
                                 lead)  # fmt: skip
    assert set(refused.value.message_dict) == {"member_ids", "decision_rules", "service"}
    outsider = User.objects.create(username="outsider")
    Membership.objects.create(user=outsider, organisation=orgs[1], role="commissioner")
    with pytest.raises(PermissionDenied):
        services.form_consortium(consortium_input(orgs), outsider)


def test_the_consortium_page_and_its_csv(members, client):
    market, orgs, lead = members
    consortium = services.form_consortium(consortium_input(orgs), lead)
    client.force_login(lead)
    page = client.get(f"/together/consortia/{consortium.pk}/").content.decode()
    assert "Negotiating weight" in page and "Largest member alone" in page
    csv = client.get(f"/together/consortia/{consortium.pk}/weight.csv").content.decode()
    header, first = csv.splitlines()[:2]
    assert header.startswith("provider,name,patients,consortium_patients,activity_share")
    table = services.negotiating_weight(consortium, market)
    assert first.split(",")[0] == table["provider"][0]
