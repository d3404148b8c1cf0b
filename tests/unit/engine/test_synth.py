"""The synthetic economy generator: structure, determinism, and the known model."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commissioning.engine.synth import (
    Injection,
    SynthConfig,
    generate,
    load_age_sex_structure,
    load_providers,
)
from commissioning.engine.synth.constants import AGE_BAND_LABELS, age_band_of
from commissioning.engine.synth.spells import conditional_table, draw_conditional


@pytest.fixture(scope="module")
def inputs(request):
    from tests.conftest import REFERENCE

    providers = load_providers(REFERENCE / "nhs_trusts.csv", REFERENCE / "ae_attendances.csv")
    age_sex = load_age_sex_structure(REFERENCE / "ons_uk_population_2023.csv")
    return providers, age_sex


def small(**kw) -> SynthConfig:
    base = {"spells_per_year": 20_000, "years": 2, "seed": 7, "areas": 400, "chunk_size": 7_000}
    return SynthConfig(**(base | kw))


@pytest.fixture(scope="module")
def economy_dir(inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    generate(small(), *inputs, out)
    return out


def spells(path) -> pl.DataFrame:
    return pl.read_parquet(path / "spells" / "*.parquet").with_columns(
        pl.col(pl.Categorical).cast(pl.Utf8)
    )


def test_providers_are_real_acute_trusts_with_locations(inputs):
    providers, age_sex = inputs
    codes = {p.code for p in providers}
    assert len(providers) == 140
    assert "RJE" in codes  # University Hospitals of North Midlands, type 1 A&E
    assert all(0 < p.easting < 700_000 and 0 < p.northing < 1_300_000 for p in providers)
    assert age_sex.shape == (len(AGE_BAND_LABELS), 2)
    assert age_sex.sum() == pytest.approx(1.0)


def test_age_bands_follow_shmi_shape():
    assert [age_band_of(a) for a in (0, 1, 4, 5, 9, 10, 89, 90)] == [0, 1, 1, 2, 2, 3, 18, 19]
    assert AGE_BAND_LABELS[0] == "0" and AGE_BAND_LABELS[-1] == "90+"


def test_writes_every_spell_with_the_documented_columns(economy_dir):
    frame = spells(economy_dir)
    assert frame.height == 40_000
    assert frame["spell_id"].to_list() == list(range(1, 40_001))
    assert sorted(p.name for p in (economy_dir / "spells").iterdir()) == [
        "2021-22.parquet",
        "2022-23.parquet",
    ]
    assert frame["period"].min() == dt.date(2021, 4, 1)
    assert frame["period"].max() == dt.date(2023, 3, 1)
    assert set(frame["sex"].unique()) == {1, 2}
    assert set(frame["admission_method"].unique()) == {1, 2}
    assert frame["charlson_band"].is_between(0, 3).all()
    assert frame["diagnosis_group"].is_between(1, 142).all()
    assert frame["deprivation_decile"].is_between(1, 10).all()


def test_areas_are_lsoa_sized_and_nest_in_practices_and_commissioners(economy_dir):
    areas = pl.read_parquet(economy_dir / "areas.parquet")
    practices = pl.read_parquet(economy_dir / "practices.parquet")
    assert areas.height == 400
    assert 1300 < areas["population"].mean() < 1700
    # The age-sex breakdown adds up to each area's population.
    totals = [sum(m) + sum(f) for m, f in zip(areas["male"], areas["female"], strict=True)]
    assert totals == areas["population"].to_list()
    joined = areas.join(practices, left_on="practice_code", right_on="code", suffix="_p")
    assert (joined["commissioner_code"] == joined["commissioner_code_p"]).all()


def test_spell_geography_is_consistent_with_the_area_tables(economy_dir):
    frame = spells(economy_dir)
    areas = pl.read_parquet(economy_dir / "areas.parquet").select(
        pl.col("code").alias("area_code"),
        pl.col("practice_code").alias("p"),
        pl.col("commissioner_code").alias("c"),
    )
    joined = frame.join(areas, on="area_code")
    assert joined.height == frame.height
    assert (joined["practice_code"] == joined["p"]).all()
    assert (joined["commissioner_code"] == joined["c"]).all()


def test_outcomes_are_calibrated_to_the_true_risk(economy_dir):
    frame = spells(economy_dir)
    observed = frame["died_30d"].sum()
    expected = frame["true_risk"].sum()
    # Bernoulli draws: observed within 4 standard deviations of expected.
    sd = float(np.sqrt((frame["true_risk"] * (1 - frame["true_risk"])).sum()))
    assert abs(observed - expected) < 4 * sd
    assert 0.02 < frame["died_30d"].mean() < 0.06


def test_same_seed_same_data(inputs, tmp_path):
    generate(small(spells_per_year=5_000, years=1), *inputs, tmp_path / "a")
    generate(small(spells_per_year=5_000, years=1), *inputs, tmp_path / "b")
    assert spells(tmp_path / "a").equals(spells(tmp_path / "b"))
    generate(small(spells_per_year=5_000, years=1, seed=8), *inputs, tmp_path / "c")
    assert not spells(tmp_path / "a").equals(spells(tmp_path / "c"))


def test_injected_failure_multiplies_the_odds_exactly_from_its_start(inputs, tmp_path):
    base = small(spells_per_year=30_000, years=2)
    injected = small(
        spells_per_year=30_000, years=2, injections=(Injection.parse("RJE:2022-01:2.5"),)
    )
    generate(base, *inputs, tmp_path / "base")
    generate(injected, *inputs, tmp_path / "inj")
    a, b = spells(tmp_path / "base"), spells(tmp_path / "inj")
    # Injection consumes no random numbers: the same patients, with different risks.
    assert a.drop("true_risk", "died_30d").equals(b.drop("true_risk", "died_30d"))

    def logit(p):
        p = p.cast(pl.Float64)
        return (p / (1 - p)).log()

    shift = logit(b["true_risk"]) - logit(a["true_risk"])
    affected = (a["provider_code"] == "RJE") & (a["period"] >= dt.date(2022, 1, 1))
    assert affected.sum() > 100
    np.testing.assert_allclose(shift.filter(affected).to_numpy(), np.log(2.5), atol=2e-4)
    np.testing.assert_allclose(shift.filter(~affected).to_numpy(), 0.0, atol=2e-4)


def test_a_failure_confined_to_groups_and_a_method_touches_only_those_spells(inputs, tmp_path):
    base = small(spells_per_year=30_000, years=2, diagnosis_groups=5)
    text = "RJE:2022-01:3:groups=1,2,5:method=2"
    injected = small(
        spells_per_year=30_000, years=2, diagnosis_groups=5, injections=(Injection.parse(text),)
    )
    generate(base, *inputs, tmp_path / "base")
    generate(injected, *inputs, tmp_path / "inj")
    a, b = spells(tmp_path / "base"), spells(tmp_path / "inj")
    assert a.drop("true_risk", "died_30d").equals(b.drop("true_risk", "died_30d"))

    def logit(p):
        p = p.cast(pl.Float64)
        return (p / (1 - p)).log()

    shift = logit(b["true_risk"]) - logit(a["true_risk"])
    affected = (
        (a["provider_code"] == "RJE")
        & (a["period"] >= dt.date(2022, 1, 1))
        & a["diagnosis_group"].is_in([1, 2, 5])
        & (a["admission_method"] == 2)
    )
    assert affected.sum() > 20
    np.testing.assert_allclose(shift.filter(affected).to_numpy(), np.log(3), atol=2e-4)
    np.testing.assert_allclose(shift.filter(~affected).to_numpy(), 0.0, atol=2e-4)


def test_a_confined_injection_is_read_and_checked():
    inj = Injection.parse("rje:2022-01:2:groups=5,3,5:method=1")
    assert (inj.provider, inj.groups, inj.method, inj.confined) == ("RJE", (3, 5), 1, True)
    assert not Injection.parse("RJE:2022-01:2").confined
    with pytest.raises(ValueError, match="there are 142"):
        small(injections=(Injection.parse("RJE:2022-01:2:groups=143"),))


def test_manifest_records_the_true_model(economy_dir):
    manifest = json.loads((economy_dir / "manifest.json").read_text())
    assert manifest["counts"]["spells"] == 40_000
    model = manifest["true_model"]
    assert model["admission_method"]["1"] < 0  # elective admissions are lower risk
    assert len(model["diagnosis_group"]) == 142
    assert "RJE" in model["provider"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("RJE:2022-10", "PROVIDER:YYYY-MM:ODDS_RATIO"),
        ("RJE:10/2022:2", "YYYY-MM"),
        ("RJE:2022-13:2", "not a month"),
        ("RJE:2022-10:x", "must be a number"),
        ("RJE:2022-10:-1", "positive"),
        ("RJE:2022-10:2:groups=a", "is not groups=N"),
        ("RJE:2022-10:2:method=3", "1 elective, 2 emergency"),
        ("RJE:2022-10:2:groups=0", "numbered from 1"),
    ],
)
def test_bad_injections_are_explained(text, problem):
    with pytest.raises(ValueError, match=problem):
        Injection.parse(text)


def test_injection_outside_the_window_is_refused():
    with pytest.raises(ValueError, match="outside the simulated months"):
        small(injections=(Injection.parse("RJE:2030-01:2"),))


def test_unknown_provider_is_refused(inputs, tmp_path):
    with pytest.raises(ValueError, match="not one of the synthetic economy's acute providers"):
        generate(small(injections=(Injection.parse("ZZZ:2022-01:2"),)), *inputs, tmp_path)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    probs=st.lists(
        st.lists(st.floats(0.0, 1.0), min_size=3, max_size=3).filter(lambda r: sum(r) > 1e-3),
        min_size=1,
        max_size=6,
    ),
    data=st.data(),
)
def test_conditional_draw_matches_a_naive_inverse_cdf(probs, data):
    """The vectorised draw agrees with a row-by-row inverse-CDF for every group and u."""
    table = conditional_table(np.array(probs))
    n = 50
    group = np.array(data.draw(st.lists(st.integers(0, len(probs) - 1), min_size=n, max_size=n)))
    u = np.array(data.draw(st.lists(st.floats(0.0, 0.999999), min_size=n, max_size=n)))
    got = draw_conditional(table, 3, group, u)
    for g, x, k in zip(group, u, got, strict=True):
        row = np.array(probs[g]) / sum(probs[g])
        cum = np.cumsum(row)
        cum[-1] = 1.0
        naive = next(i for i, c in enumerate(cum) if c > x)
        # Exact ties at a boundary may round either way by one ulp.
        assert k == naive or abs(cum[min(k, naive)] - x) < 1e-12
        assert row[k] > 0
