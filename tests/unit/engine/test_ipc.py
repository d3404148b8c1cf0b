"""The IPC cohort engine: the cohort probability is the union of the groups', drawing one
binomial per cell has the distribution of simulating each person, totals add up."""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.stats import poisson

from commissioning.engine.ipc import (
    ASSUMPTIONS,
    CohortRule,
    area_probabilities,
    cohort_by_commissioner,
)
from commissioning.engine.ipc.cohort import BAND_MIDS


def test_cohort_probability_is_the_union_of_the_groups():
    probs = area_probabilities(np.array([1, 5, 10]))
    groups = [probs[g] for g in CohortRule().groups]
    expected = 1 - np.prod([1 - g for g in groups], axis=0)
    np.testing.assert_allclose(probs["cohort"], expected, rtol=1e-12)
    assert probs["cohort"].shape == (3, len(BAND_MIDS))


def test_multimorbidity_follows_the_poisson_tail_and_deprivation():
    probs = area_probabilities(np.array([5.5]))
    mean = ASSUMPTIONS.ltc_base + ASSUMPTIONS.ltc_top / (
        1 + np.exp(-(BAND_MIDS - ASSUMPTIONS.ltc_mid) / ASSUMPTIONS.ltc_scale)
    )
    np.testing.assert_allclose(probs["multiple_conditions"][0], poisson.sf(2, mean), rtol=1e-12)
    deprived, affluent = area_probabilities(np.array([1, 10]))["cohort"]
    assert (deprived > affluent).all()
    assert (
        area_probabilities(np.array([5]))["severe_mental_illness"][0][BAND_MIDS < 18] == 0
    ).all()


def test_one_draw_per_cell_matches_simulating_every_person():
    """Simulate 200,000 people one by one (each group drawn independently) and count the
    cohort; the engine's cell-level count has the same expectation: both within 5 standard
    errors of n * p."""
    rng = np.random.default_rng(11)
    probs = area_probabilities(np.array([3]))
    band = 16  # 75-79
    n = 200_000
    members = np.zeros(n, dtype=bool)
    for g in CohortRule().groups:
        members |= rng.random(n) < probs[g][0, band]
    p = probs["cohort"][0, band]
    sd = np.sqrt(n * p * (1 - p))
    assert abs(members.sum() - n * p) < 5 * sd
    male = [[0] * 20]
    male[0][band] = n
    areas = pl.DataFrame(
        {
            "code": ["A"],
            "commissioner_code": ["X"],
            "deprivation_decile": [3],
            "male": male,
            "female": [[0] * 20],
        }
    )
    got = cohort_by_commissioner(areas, seed=5)
    assert got["population"][0] == n
    assert abs(got["cohort"][0] - n * p) < 5 * sd


def test_totals_by_commissioner_do_not_depend_on_chunking():
    rng = np.random.default_rng(2)
    k = 120
    areas = pl.DataFrame(
        {
            "code": [f"A{i}" for i in range(k)],
            "commissioner_code": [f"X{i % 3}" for i in range(k)],
            "deprivation_decile": rng.integers(1, 11, k),
            "male": rng.integers(0, 200, (k, 20)).tolist(),
            "female": rng.integers(0, 200, (k, 20)).tolist(),
        }
    )
    whole = cohort_by_commissioner(areas, chunk=1000)
    parts = cohort_by_commissioner(areas, chunk=7)
    assert whole["population"].to_list() == parts["population"].to_list()
    people = np.asarray(areas["male"].to_list()) + np.asarray(areas["female"].to_list())
    assert whole["population"].sum() == people.sum()
    assert ((whole["share"] > 0) & (whole["share"] < 0.2)).all()
    for g in CohortRule().groups:
        assert (whole[g] <= whole["cohort"]).all()


def test_share_on_the_synthetic_economy_is_of_the_order_of_the_planning_ratio(reference_dir):
    from commissioning.engine.synth import SynthConfig, load_age_sex_structure, load_providers
    from commissioning.engine.synth.economy import build_economy
    from commissioning.engine.synth.generate import _tables

    economy = build_economy(
        SynthConfig(areas=2_000, seed=3, spells_per_year=1, years=1),
        load_providers(reference_dir / "nhs_trusts.csv", reference_dir / "ae_attendances.csv"),
        load_age_sex_structure(reference_dir / "ons_uk_population_2023.csv"),
    )
    table = cohort_by_commissioner(_tables(economy)["areas"])
    share = table["cohort"].sum() / table["population"].sum()
    assert 0.03 < share < 0.10  # IPC is meant for about 5%: reported, not tuned
