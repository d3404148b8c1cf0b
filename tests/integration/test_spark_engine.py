"""`commissioning quality shmi --engine spark` and `market concentration --engine spark` give
what `--engine polars` gives (issue 23's done-when: the same expected deaths and bands, relative
difference under 1e-9, on the demo's spells and on a million spells), in Spark's local mode."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from commissioning.cli import app
from commissioning.cli.demo import _demo_failure

pytestmark = pytest.mark.spark

runner = CliRunner()


def synth(out, spells, years, *extra):
    result = runner.invoke(
        app,
        ["synth", "--spells", str(spells), "--years", str(years), "--seed", "1",
         "--out", str(out), *extra],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return out / "spells"


def shmi(spells, engine):
    result = runner.invoke(app, ["quality", "shmi", str(spells), "--engine", engine])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def same(polars, spark):
    assert polars["engine"] == "polars" and spark["engine"] == "spark"
    ours = {row["provider_code"]: row for row in polars["providers"]}
    theirs = {row["provider_code"]: row for row in spark["providers"]}
    assert ours.keys() == theirs.keys()
    codes = sorted(ours)
    expected = np.array([ours[c]["expected"] for c in codes])
    other = np.array([theirs[c]["expected"] for c in codes])
    assert np.max(np.abs(expected - other) / expected) < 1e-9
    assert [ours[c]["band"] for c in codes] == [theirs[c]["band"] for c in codes]
    assert [ours[c]["band_998"] for c in codes] == [theirs[c]["band_998"] for c in codes]
    assert [(a["provider_code"], a["month"]) for a in polars["alerts"]] == [
        (a["provider_code"], a["month"]) for a in spark["alerts"]
    ]
    np.testing.assert_allclose(
        [a["cusum"] for a in polars["alerts"]], [a["cusum"] for a in spark["alerts"]], rtol=1e-9
    )
    keys = ("provider_code", "question", "chart", "value", "month")
    assert sorted(
        tuple(map(str, (a[k] for k in keys))) for a in polars["early_warning"]["alerts"]
    ) == sorted(tuple(map(str, (a[k] for k in keys))) for a in spark["early_warning"]["alerts"])


def test_the_demos_spells_on_spark_give_what_they_give_on_polars(spark, tmp_path):
    # The demo's economy (`demo-setup`'s defaults: 120,000 spells a year for three years, with
    # its failing trust).
    spells = synth(tmp_path, 120_000, 3, "--areas", "1500", "--inject", _demo_failure(3))
    polars, on_spark = shmi(spells, "polars"), shmi(spells, "spark")
    same(polars, on_spark)
    flagged = {a["provider_code"] for a in on_spark["early_warning"]["alerts"]}
    assert "RJE" in flagged


def test_a_million_spells_on_spark_give_what_they_give_on_polars(spark, tmp_path):
    spells = synth(tmp_path, 500_000, 2)
    same(shmi(spells, "polars"), shmi(spells, "spark"))


def test_concentration_on_spark_gives_what_it_gives_on_polars(spark, tmp_path):
    spells = synth(tmp_path, 20_000, 1)
    documents = {}
    for engine in ("polars", "spark"):
        result = runner.invoke(app, ["market", "concentration", str(spells), "--engine", engine])
        assert result.exit_code == 0, result.output
        documents[engine] = json.loads(result.stdout)
    ours, theirs = documents["polars"], documents["spark"]
    assert [a["area"] for a in ours["areas"]] == [a["area"] for a in theirs["areas"]]
    assert [a["patients"] for a in ours["areas"]] == [a["patients"] for a in theirs["areas"]]
    assert [a["level"] for a in ours["areas"]] == [a["level"] for a in theirs["areas"]]
    np.testing.assert_allclose(
        [a["hhi"] for a in ours["areas"]], [a["hhi"] for a in theirs["areas"]], rtol=1e-12
    )


def test_a_uri_is_refused_without_spark(tmp_path):
    result = runner.invoke(app, ["quality", "shmi", "s3://bucket/spells", "--engine", "polars"])
    assert result.exit_code == 2
    assert "a URI is read only by --engine spark" in result.output
    result = runner.invoke(
        app, ["market", "concentration", str(tmp_path / "none"), "--engine", "x"]
    )
    assert result.exit_code == 2 and "--engine: one of polars, spark" in result.output
