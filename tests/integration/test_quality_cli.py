"""`commissioning quality spc`: the command-line contract other tools rely on."""

from __future__ import annotations

import json

import polars as pl
import pytest
from typer.testing import CliRunner

from commissioning.cli import app

runner = CliRunner()
ROWS = "month,trust,pct\n" + "".join(
    f"2024-{m:02d}-01,{t},{v}\n"
    for t, base in (("A", 90), ("B", 70))
    for m, v in enumerate(
        [
            base,
            base + 1,
            base - 1,
            base + 2,
            base,
            base + 1,
            base - 1,
            base + 1,
            base,
            base + 2,
            base,
            base + 9,
        ],
        start=1,
    )
)


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "ae.csv"
    path.write_text(ROWS)
    return path


def spc(*args):
    return runner.invoke(app, ["quality", "spc", *map(str, args)])


def test_json_has_a_record_per_point_and_icons_per_group(csv_file):
    result = spc(
        csv_file, "--value", "pct", "--period", "month", "--group", "trust", "--target", "95"
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert len(document["points"]) == 24
    first = document["points"][0]
    assert set(first) == {
        "group",
        "period",
        "value",
        "mean",
        "lpl",
        "upl",
        "near_lpl",
        "near_upl",
        "point_type",
        "rule",
        "phase",  # the phase of the line (1 unless a shift the improving way started another)
    }
    assert first["period"] == "2024-01-01"
    last_a = [p for p in document["points"] if p["group"] == "A"][-1]
    assert (
        last_a["rule"] == "outside_limits" and last_a["point_type"] == "special_cause_improvement"
    )
    assert {g["group"]: g["variation_icon"] for g in document["groups"]} == {
        "A": "improvement_high",
        "B": "improvement_high",
    }
    assert {g["group"]: g["assurance_icon"] for g in document["groups"]}["B"] == "consistent_fail"


def test_csv_format_and_output_file(csv_file, tmp_path):
    out = tmp_path / "spc.csv"
    result = spc(
        csv_file,
        "--value",
        "pct",
        "--group",
        "trust",
        "--format",
        "csv",
        "--output",
        out,
        "--improvement",
        "decrease",
        "--no-screen",
    )
    assert result.exit_code == 0, result.output
    table = pl.read_csv(out)
    assert table.height == 24
    assert {"variation_icon", "assurance_icon", "rule"} <= set(table.columns)
    assert table.filter(pl.col("rule") == "outside_limits")["point_type"].to_list() == [
        "special_cause_concern",
        "special_cause_concern",
    ]


def test_parquet_input_gives_the_same_answer(csv_file, tmp_path):
    parquet = tmp_path / "ae.parquet"
    pl.read_csv(csv_file).write_parquet(parquet)
    a = json.loads(spc(csv_file, "--value", "pct", "--group", "trust").stdout)
    b = json.loads(spc(parquet, "--value", "pct", "--group", "trust").stdout)
    assert a["points"] == b["points"]


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (ROWS, ["--value", "percent"], "column 'percent': not in the file"),
        (
            ROWS.replace("91\n", "n/a\n", 1),
            ["--value", "pct"],
            "row 3 (the header is row 1), column 'pct': 'n/a' is not a number",
        ),
        (
            ROWS.replace(",A,92", ",,92", 1),
            ["--value", "pct", "--group", "trust"],
            "row 5 (the header is row 1), column 'trust': the group is empty",
        ),
    ],
)
def test_bad_input_is_one_line_naming_column_and_row_with_exit_code_2(
    tmp_path, content, args, message
):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    result = spc(path, *args)
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {message}")
    assert len(result.output.strip().splitlines()) == 1


def test_a_missing_file_is_refused(tmp_path):
    result = spc(tmp_path / "nope.csv", "--value", "x")
    assert result.exit_code == 2 and "no such file" in result.output
