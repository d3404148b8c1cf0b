"""The engines agree (docs/national-scale.md): the SHMI pipeline and the market's concentration
give the same results on the one-machine (Polars) engine and on Spark, on any spells the
generator makes and any flows. The reference engine's agreement is tested in test_shmi.py."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from commissioning.engine.market import concentration
from commissioning.engine.market import spark as market_spark
from commissioning.engine.quality import shmi as S
from commissioning.engine.quality.tables import InputError
from commissioning.engine.synth import Injection, SynthConfig, generate

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def inputs():
    from commissioning.engine.synth import load_age_sex_structure, load_providers
    from tests.conftest import REFERENCE

    providers = load_providers(REFERENCE / "nhs_trusts.csv", REFERENCE / "ae_attendances.csv")
    age_sex = load_age_sex_structure(REFERENCE / "ons_uk_population_2023.csv")
    return providers, age_sex


def agree(a: S.ShmiResult, b: S.ShmiResult) -> None:
    """Expected deaths, SHMI and bands per provider, the monthly CUSUM and the early warning's
    alerts the same (relative difference under 1e-9)."""
    joined = a.providers.join(b.providers, on="provider_code", suffix="_b")
    assert joined.height == a.providers.height == b.providers.height
    assert (joined["observed"] == joined["observed_b"]).all()
    assert (joined["spells"] == joined["spells_b"]).all()
    np.testing.assert_allclose(joined["expected"], joined["expected_b"], rtol=1e-9)
    np.testing.assert_allclose(joined["shmi"], joined["shmi_b"], rtol=1e-9)
    assert joined["band"].to_list() == joined["band_b"].to_list()
    assert joined["band_998"].to_list() == joined["band_998_b"].to_list()
    monthly = a.monthly.join(b.monthly, on=["provider_code", "month"], suffix="_b")
    assert monthly.height == a.monthly.height == b.monthly.height
    np.testing.assert_allclose(monthly["expected"], monthly["expected_b"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(monthly["cusum"], monthly["cusum_b"], rtol=1e-9, atol=1e-9)
    assert a.alerts.select("provider_code", "month").equals(
        b.alerts.select("provider_code", "month")
    )
    if a.windows is not None and b.windows is not None:
        keys = ["window_to", "provider_code"]
        left, right = a.windows.sort(keys), b.windows.sort(keys)
        assert left.select(keys).equals(right.select(keys))
        np.testing.assert_allclose(left["expected"], right["expected"], rtol=1e-9)
        assert left["band"].to_list() == right["band"].to_list()
    if a.warning is not None and b.warning is not None:
        keys = ["provider_code", "question", "chart", "value", "month"]
        left, right = (
            w.alerts.select(keys).sort(keys, nulls_last=True) for w in (a.warning, b.warning)
        )
        assert left.equals(right)


# No shrinking: each example starts Spark jobs, and a failing one is reported as it was drawn.
NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate]


@settings(
    max_examples=6, deadline=None, phases=NO_SHRINK, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    seed=st.integers(1, 10_000),
    spells=st.integers(3_000, 30_000),
    groups=st.integers(1, 6),
    years=st.integers(1, 2),
    fail=st.booleans(),
)
def test_polars_and_spark_give_the_same_shmi(inputs, spark, tmp_path_factory, seed, spells,
                                            groups, years, fail):  # fmt: skip
    out = tmp_path_factory.mktemp("engines")
    failing = Injection(provider=inputs[0][seed % 20].code, start=dt.date(2021, 7, 1), odds_ratio=2)
    injections = (failing,) if fail else ()
    config = SynthConfig(
        spells_per_year=spells, years=years, seed=seed, areas=200, diagnosis_groups=groups,
        chunk_size=max(1_000, spells // 3), injections=injections,
    )  # fmt: skip
    generate(config, *inputs, out)
    options = S.ShmiOptions(reporting_months=min(12, 12 * years), rolling=True)
    agree(S.shmi(out / "spells", options), S.shmi(out / "spells", options, engine="spark"))


def test_spark_names_a_missing_column(spark, tmp_path):
    pl.DataFrame({"provider_code": ["R1"], "died_30d": [True]}).write_parquet(
        tmp_path / "x.parquet"
    )
    with pytest.raises(InputError, match="column 'period'"):
        S.shmi(tmp_path, engine="spark")


def test_spark_names_a_column_with_missing_values(spark, tmp_path, inputs):
    generate(SynthConfig(spells_per_year=2_000, years=1, seed=2, areas=50, diagnosis_groups=2),
             *inputs, tmp_path)  # fmt: skip
    frame = pl.read_parquet(tmp_path / "spells")
    frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 7)
        .then(None)
        .otherwise(pl.col("age_band"))
        .alias("age_band")
    ).write_parquet(tmp_path / "holey.parquet")
    with pytest.raises(InputError, match="column 'age_band': 1 values are missing"):
        S.shmi(tmp_path / "holey.parquet", engine="spark")


def test_an_unknown_engine_is_named():
    with pytest.raises(ValueError, match="engine: one of polars, spark"):
        S.shmi("anywhere", engine="duckdb")


flows = st.lists(
    st.tuples(
        st.sampled_from("ABCDEFG"),
        st.sampled_from(["P1", "P2", "P3", "P4", "P5"]),
        st.integers(1, 10_000),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=15, deadline=None, phases=NO_SHRINK)
@given(rows=flows)
def test_polars_and_spark_give_the_same_concentration(spark, rows):
    frame = pl.DataFrame(rows, schema=["area", "provider", "patients"], orient="row")
    ours = market_spark.hhi(frame, spark=spark)
    theirs = concentration.hhi(frame)
    assert ours["area"].to_list() == theirs["area"].to_list()
    assert ours["providers"].to_list() == theirs["providers"].to_list()
    assert ours["patients"].to_list() == theirs["patients"].to_list()
    np.testing.assert_allclose(ours["hhi"], theirs["hhi"], rtol=1e-12)
    np.testing.assert_allclose(ours["largest_share"], theirs["largest_share"], rtol=1e-12)
    assert ours["level"].to_list() == theirs["level"].to_list()
    a, b = market_spark.shares(frame, spark=spark), concentration.shares(frame)
    assert a.select("area", "provider").equals(b.select("area", "provider"))
    np.testing.assert_allclose(a["share"], b["share"], rtol=1e-12)
    a, b = market_spark.provider_shares(frame, spark=spark), concentration.provider_shares(frame)
    a, b = a.sort("provider"), b.sort("provider")
    assert a.select("provider", "patients").rows() == b.select("provider", "patients").rows()
    np.testing.assert_allclose(a["share"], b["share"], rtol=1e-12)


def test_flows_are_counted_where_the_spells_are(spark, tmp_path, inputs):
    generate(SynthConfig(spells_per_year=5_000, years=1, seed=4, areas=60, diagnosis_groups=2),
             *inputs, tmp_path)  # fmt: skip
    ours = market_spark.hhi(market_spark.flows_from_spells(tmp_path / "spells", spark), spark=spark)
    theirs = concentration.hhi(concentration.flows_from_spells(tmp_path / "spells"))
    columns = ("area", "patients", "providers", "level")
    assert ours.select(columns).rows() == theirs.select(columns).rows()
    np.testing.assert_allclose(ours["hhi"], theirs["hhi"], rtol=1e-12)


def test_spark_takes_a_table_as_well_as_files(spark, tmp_path, inputs):
    # On Databricks the spells are a Delta or catalogue table: spark.table("hes.spells").
    generate(SynthConfig(spells_per_year=8_000, years=1, seed=6, areas=80, diagnosis_groups=3),
             *inputs, tmp_path)  # fmt: skip
    options = S.ShmiOptions(warning=None)
    table = spark.read.parquet(str(tmp_path / "spells"))
    agree(S.shmi(tmp_path / "spells", options), S.shmi(table, options, engine="spark"))


def test_spark_refuses_an_outcome_that_is_not_true_or_false(spark, tmp_path, inputs):
    generate(SynthConfig(spells_per_year=2_000, years=1, seed=2, areas=50, diagnosis_groups=2),
             *inputs, tmp_path)  # fmt: skip
    frame = pl.read_parquet(tmp_path / "spells")
    frame.with_columns(pl.col("died_30d").cast(pl.Float64) * 0.7).write_parquet(
        tmp_path / "odd.parquet"
    )
    with pytest.raises(InputError, match="column 'died_30d': must be true/false or 0/1"):
        S.shmi(tmp_path / "odd.parquet", engine="spark")


def test_spark_says_in_one_line_what_it_cannot_read(spark):
    with pytest.raises(InputError, match="the spells cannot be read"):
        S.shmi("file:///nowhere/spells", engine="spark")
