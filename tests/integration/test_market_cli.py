"""`commissioning market stress` and `market synthetic`: JSON on stdout, bad input refused in
one line with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from commissioning.cli import app

runner = CliRunner()

PROVIDERS = "code,easting,northing,capacity\nP1,0,0,100\nP2,30000,0,100\n"
DEMAND = "area,easting,northing,demand\nA,0,0,50\nB,40000,0,20\nC,70000,0,10\n"


@pytest.fixture
def files(tmp_path):
    providers, demand = tmp_path / "providers.csv", tmp_path / "demand.csv"
    providers.write_text(PROVIDERS)
    demand.write_text(DEMAND)
    return providers, demand


def run(*args):
    return runner.invoke(app, ["market", "stress", *map(str, args)])


def test_a_failure_scenario_as_json(files):
    providers, demand = files
    result = run(
        "--providers", providers, "--demand", demand, "--max-km", 45, "--fail", "P2", "--flows"
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["baseline"]["patient_km"] == pytest.approx(600)
    (scenario,) = doc["scenarios"]
    assert scenario["failed"] == ["P2"]
    assert scenario["unmet_demand"] == pytest.approx(10)
    assert scenario["extra_patient_km"] == pytest.approx(200)
    assert scenario["objective"] == pytest.approx(800 + 10_000)
    assert scenario["areas_with_unmet_demand"] == [{"area": "C", "unmet": pytest.approx(10)}]
    assert {(f["area"], f["provider"]) for f in scenario["flows"]} == {("A", "P1"), ("B", "P1")}


def test_every_single_failure_and_a_capacity_cut(files, tmp_path):
    providers, demand = files
    out = tmp_path / "sweep.json"
    result = run(
        "--providers",
        providers,
        "--demand",
        demand,
        "--max-km",
        45,
        "--all-single-failures",
        "--cut",
        "P1=0.4",
        "--output",
        out,
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    names = [s["scenario"] for s in doc["scenarios"]]
    assert names == ["fail P1", "fail P2", "cut P1 by 40%"]
    assert doc["scenarios"][2]["providers_at_capacity"] == []
    # Without P1, A goes 30 km to P2 and B stays: P2 takes all 80 patients within its 100.
    assert doc["scenarios"][0]["unmet_demand"] == pytest.approx(0)
    assert doc["scenarios"][0]["extra_patient_km"] == pytest.approx(
        50 * 30 + 20 * 10 + 10 * 40 - 600
    )


@pytest.mark.parametrize(
    ("providers", "demand", "extra", "message"),
    [
        (
            PROVIDERS,
            DEMAND.replace("B,40000,0,20", "B,40000,0,-20"),
            [],
            "row 3 (the header is row 1), column 'demand': -20 is not allowed",
        ),
        (
            PROVIDERS + "P1,5,5,5\n",
            DEMAND,
            [],
            "row 4 (the header is row 1): provider code P1 appears more than once",
        ),
        (PROVIDERS, DEMAND, ["--fail", "RXX"], "provider RXX: not in the providers file"),
        (PROVIDERS.replace("capacity", "beds"), DEMAND, [], "column 'capacity': not in the file"),
        (
            PROVIDERS,
            DEMAND.replace("A,0,0,50", "A,zero,0,50"),
            [],
            "row 2 (the header is row 1), column 'easting': 'zero' is not a number",
        ),
        (PROVIDERS, DEMAND, ["--cut", "P1"], "--cut P1: write it as CODE=FRACTION"),
        (PROVIDERS, DEMAND, ["--max-km", "-1"], "--max-km: must be more than 0"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(tmp_path, providers, demand, extra, message):
    p, d = tmp_path / "p.csv", tmp_path / "d.csv"
    p.write_text(providers)
    d.write_text(demand)
    result = run("--providers", p, "--demand", d, *extra)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_synthetic_inputs_are_real_trusts_with_synthetic_demand(tmp_path):
    result = runner.invoke(app, ["market", "synthetic", "--out", str(tmp_path), "--areas", "500"])
    assert result.exit_code == 0, result.output
    import polars as pl

    providers = pl.read_csv(tmp_path / "providers.csv")
    demand = pl.read_csv(tmp_path / "demand.csv")
    assert "RJE" in providers["code"].to_list() and providers.height > 100
    assert demand.height == 500 and (demand["demand"] >= 0).all()
    assert providers["capacity"].sum() == pytest.approx(demand["demand"].sum() * 1.1, rel=0.01)
    stress = run(
        "--providers",
        tmp_path / "providers.csv",
        "--demand",
        tmp_path / "demand.csv",
        "--fail",
        "RJE",
    )
    assert stress.exit_code == 0, stress.output
    assert json.loads(stress.stdout)["scenarios"][0]["extra_patient_km"] > 0


def test_standard_output_is_the_json_alone(files):
    """In a real process (not the test runner's captured stream): nothing HiGHS writes on its
    own, such as its licence banner, may come before or after the JSON on standard output."""
    providers, demand = files
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "commissioning.cli",
            "market",
            "stress",
            "--providers",
            str(providers),
            "--demand",
            str(demand),
            "--fail",
            "P2",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    doc = json.loads(done.stdout)
    assert doc["scenarios"][0]["failed"] == ["P2"]
