"""`commissioning quality risk | funnel | cusum | shmi`: the command-line contract."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from commissioning.cli import app
from commissioning.engine.quality.cusum import bank_reference, cusum_reference
from commissioning.engine.quality.funnel import funnel_reference
from commissioning.engine.quality.risk import fit_rows

runner = CliRunner()


def run(*args):
    return runner.invoke(app, ["quality", *map(str, args)])


@pytest.fixture
def patients(tmp_path):
    rng = np.random.default_rng(4)
    n = 3000
    age = rng.integers(0, 4, n)
    method = rng.choice(["elective", "emergency"], n)
    eta = -3 + 0.5 * age + 1.0 * (method == "emergency")
    frame = pl.DataFrame(
        {
            "provider": rng.choice(["RAA", "RBB", "RCC"], n),
            "age": age,
            "method": method,
            "died": (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int),
            "risk": np.clip(1 / (1 + np.exp(-eta)), 0.001, 0.999),
            "seq": np.arange(n),
        }
    )
    path = tmp_path / "patients.csv"
    frame.write_csv(path)
    return path, frame


def test_risk_fits_on_cells_and_reports_observed_and_expected(patients):
    path, frame = patients
    args = ["risk", path, "--outcome", "died", "--covariates", "age,method"]
    result = run(*args, "--categorical", "method", "--group", "provider")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["rows"] == 3000 and document["cells"] == 8 and document["converged"]
    reference = fit_rows(
        frame.with_columns(pl.col("age").cast(pl.Float64)),
        "died",
        ["age", "method"],
        "binomial",
        ["method"],
    )
    estimates = [c["estimate"] for c in document["coefficients"]]
    np.testing.assert_allclose(estimates, reference.coefficients, atol=1e-6)
    assert [c["term"] for c in document["coefficients"]] == [
        "(intercept)",
        "age",
        "method=emergency",
    ]
    groups = {g["group"]: g for g in document["groups"]}
    assert set(groups) == {"RAA", "RBB", "RCC"}
    assert sum(g["observed"] for g in groups.values()) == frame["died"].sum()
    assert sum(g["expected"] for g in groups.values()) == pytest.approx(frame["died"].sum())
    for g in groups.values():
        assert g["ratio"] == pytest.approx(g["observed"] / g["expected"])
    csv = run(*args, "--group", "provider", "--family", "poisson", "--categorical", "method",
              "--format", "csv")  # fmt: skip
    assert csv.exit_code == 0, csv.output
    assert pl.read_csv(csv.stdout.encode())["group"].to_list() == ["RAA", "RBB", "RCC"]


@pytest.fixture
def providers(tmp_path):
    rng = np.random.default_rng(8)
    n = rng.integers(200, 5000, 30)
    frame = pl.DataFrame(
        {
            "trust": [f"R{i:02d}" for i in range(30)],
            "breaches": rng.binomial(n, rng.uniform(0.15, 0.35, 30)),
            "attendances": n,
        }
    ).with_columns((pl.col("attendances") * 0.25).alias("expected"))
    path = tmp_path / "providers.parquet"
    frame.write_parquet(path)
    return path, frame


@pytest.mark.parametrize("od", ["none", "spiegelhalter", "cqc"])
def test_funnel_of_a_proportion_matches_the_reference_engine(providers, od):
    path, frame = providers
    result = run(
        "funnel", path, "--group", "trust", "--numerator", "breaches",
        "--denominator", "attendances", "--overdispersion", od,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    reference = funnel_reference(
        frame["trust"].to_list(),
        frame["breaches"].to_list(),
        frame["attendances"].to_list(),
        "proportion",
        od,
    )
    assert document["phi"] == pytest.approx(reference.phi, abs=1e-9)
    assert document["tau2"] == pytest.approx(reference.tau2, abs=1e-9)
    assert document["kept"] == reference.kept
    for row, ref in zip(document["groups"], reference.rows, strict=True):
        assert row["group"] == ref.group
        assert row["upper_998"] == pytest.approx(ref.upper_998, abs=1e-9)
        assert row["band_95"] == ref.band_95


def test_funnel_of_a_ratio_with_the_shmi_method_and_csv(providers, tmp_path):
    path, _ = providers
    out = tmp_path / "funnel.csv"
    result = run(
        "funnel", path, "--group", "trust", "--numerator", "breaches", "--expected",
        "expected", "--overdispersion", "shmi", "--format", "csv", "--output", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    table = pl.read_csv(out)
    assert table.height == 30
    assert {"z", "lower_95", "upper_998", "band_95", "band_998", "expected"} <= set(table.columns)


def test_cusum_per_record_with_a_threshold_or_a_false_alarm_rate(patients):
    path, frame = patients
    result = run(
        "cusum", path, "--risk", "risk", "--outcome", "died", "--threshold", "3",
        "--group", "provider", "--order", "seq",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert len(document["records"]) == 3000
    raa = frame.filter(pl.col("provider") == "RAA").sort("seq")
    reference = cusum_reference(raa["died"].to_list(), raa["risk"].to_list(), 3.0)
    mine = [r for r in document["records"] if r["group"] == "RAA"]
    np.testing.assert_allclose([r["cusum"] for r in mine], reference.values, atol=1e-9)
    assert [r["signal"] for r in mine] == reference.signals
    np.testing.assert_allclose([r["weight"] for r in mine], reference.weights, atol=1e-12)
    chosen = run(
        "cusum", path, "--risk", "risk", "--outcome", "died", "--false-alarm-rate", "0.05",
    )  # fmt: skip
    assert chosen.exit_code == 0, chosen.output
    summary = json.loads(chosen.stdout)["groups"][0]
    assert summary["threshold"] > 0 and summary["false_alarm_probability"] <= 0.05


def test_cusum_with_a_bank_of_odds_ratios_and_one_threshold(patients):
    path, frame = patients
    result = run(
        "cusum", path, "--risk", "risk", "--outcome", "died", "--threshold", "3",
        "--group", "provider", "--order", "seq", "--odds-ratios", "1.5,2,3",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["odds_ratios"] == [1.5, 2.0, 3.0] and document["odds_ratio"] is None
    rbb = frame.filter(pl.col("provider") == "RBB").sort("seq")
    reference = bank_reference(rbb["died"].to_list(), rbb["risk"].to_list(), 3.0, [1.5, 2, 3])
    mine = [r for r in document["records"] if r["group"] == "RBB"]
    np.testing.assert_allclose([r["cusum"] for r in mine], reference.values, atol=1e-9)
    assert [r["signal"] for r in mine] == reference.signals
    assert [r["odds_ratio"] for r in mine] == reference.odds_ratios
    # A bank of one is the single CUSUM.
    single = bank_reference(rbb["died"].to_list(), rbb["risk"].to_list(), 3.0, [2.0])
    assert single.values == pytest.approx(
        cusum_reference(rbb["died"].to_list(), rbb["risk"].to_list(), 3.0).values
    )
    chosen = run(
        "cusum", path, "--risk", "risk", "--outcome", "died", "--false-alarm-rate", "0.05",
        "--odds-ratios", "1.25,1.5,2,3",
    )  # fmt: skip
    assert chosen.exit_code == 0, chosen.output
    summary = json.loads(chosen.stdout)["groups"][0]
    assert summary["threshold"] > 0 and summary["false_alarm_probability"] <= 0.05
    # The stated rate is spent, not left unused: within a few runs of the simulations.
    assert summary["false_alarm_probability"] >= 0.04


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["cusum", "--risk", "risk", "--outcome", "died", "--threshold", "2",
          "--odds-ratios", "1,2"], "--odds-ratios: one or more odds ratios, each above 1"),
        (["cusum", "--risk", "risk", "--outcome", "died", "--threshold", "2",
          "--odds-ratios", "x"], "--odds-ratios: 'x' is not numbers separated by commas"),
        (["risk", "--outcome", "dead", "--covariates", "age", "--group", "provider"],
         "column 'dead': not in the file"),
        (["risk", "--outcome", "age", "--covariates", "method", "--group", "provider"],
         "column 'age': 2 is not 0 or 1"),
        (["cusum", "--risk", "age", "--outcome", "died", "--threshold", "2"],
         "row 2 (the header is row 1), column 'age': 2 is not between 0 and 1"),
        (["cusum", "--risk", "risk", "--outcome", "died"],
         "give exactly one of --threshold or --false-alarm-rate"),
        (["funnel", "--group", "provider", "--numerator", "died"],
         "give exactly one of --denominator"),
        (["funnel", "--group", "provider", "--numerator", "died", "--denominator", "age"],
         "column 'age': must be more than 0"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_naming_the_column_and_row_with_exit_code_2(patients, args, message):
    path, _ = patients
    result = run(args[0], path, *args[1:])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert result.stderr.count("\n") == 1


def test_an_empty_group_is_refused(tmp_path):
    path = tmp_path / "gap.csv"
    path.write_text("provider,died,risk\nRAA,0,0.1\n,1,0.2\n")
    result = run("cusum", path, "--risk", "risk", "--outcome", "died", "--threshold", "2",
                 "--group", "provider")  # fmt: skip
    assert result.exit_code == 2
    assert "row 3 (the header is row 1), column 'provider': the group is empty" in result.stderr


def test_shmi_runs_the_pipeline_on_spells(tmp_path):
    from tests.synth import write_economy

    write_economy(tmp_path, spells_per_year=30_000, years=1, seed=2, areas=200,
                  diagnosis_groups=3)  # fmt: skip
    result = run("shmi", tmp_path / "spells", "--monthly")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["spells"] == 30_000
    assert document["model"]["diagnosis_groups"] == 3
    assert document["reporting_period"] == {"from": "2021-04", "to": "2022-03"}
    providers = document["providers"]
    assert sum(p["observed"] for p in providers) == pytest.approx(
        sum(p["expected"] for p in providers), rel=1e-6
    )
    assert {p["band"] for p in providers} <= {
        "higher than expected",
        "as expected",
        "lower than expected",
    }
    assert len(document["monthly"]) == 12 * len({m["provider_code"] for m in document["monthly"]})
    csv = run("shmi", tmp_path / "spells", "--format", "csv")
    assert pl.read_csv(csv.stdout.encode()).height == len(providers)
    bad = run("shmi", tmp_path / "providers.parquet")
    assert bad.exit_code == 2 and "column 'provider_code': not in providers.parquet" in bad.stderr


def test_shmi_rolling_windows_over_several_years(tmp_path):
    from tests.synth import write_economy

    write_economy(tmp_path, spells_per_year=20_000, years=2, seed=5, areas=200,
                  diagnosis_groups=2)  # fmt: skip
    result = run("shmi", tmp_path / "spells", "--rolling", "--no-early-warning")
    assert result.exit_code == 0, result.output
    windows = json.loads(result.stdout)["windows"]
    ends = sorted({w["window_to"] for w in windows})
    assert ends[0] == "2022-03" and ends[-1] == "2023-03" and len(ends) == 13
    assert {w["window_from"] for w in windows if w["window_to"] == "2023-03"} == {"2022-04"}
    csv = pl.read_csv(run("shmi", tmp_path / "spells", "--rolling", "--format", "csv",
                          "--no-early-warning").stdout.encode())  # fmt: skip
    assert csv.height == len(windows) and "window_to" in csv.columns
    short = run("shmi", tmp_path / "spells", "--rolling", "--months", "30")
    assert short.exit_code == 2
    assert "rolling windows: the spells cover 24 months, fewer than a window's 30" in short.stderr
