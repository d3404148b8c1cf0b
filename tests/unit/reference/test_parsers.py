"""The reference-data parsers: every problem names its line and field; good files parse."""

from __future__ import annotations

import datetime as dt

import pytest

from commissioning.reference.parsers import (
    EXPECTED,
    IngestError,
    WrongLayout,
    parse_ae,
    parse_outcomes,
    parse_population,
    parse_trusts,
    read_lines,
)

HEADER = (
    "org_code,name,nhs_region_code,ha_code,address_1,address_2,address_3,town,county,"
    "postcode,open_date,close_date,easting,northing"
)


def errors_of(parser, text: str) -> list[tuple[int, str]]:
    with pytest.raises(IngestError) as info:
        parser(text.splitlines())
    return [(e.line, e.field) for e in info.value.errors]


def test_sample_trust_file_parses_with_mid_staffordshire(reference_dir):
    rows = parse_trusts(read_lines(reference_dir / "nhs_trusts.csv"))
    assert len(rows) == 241
    rjd = next(r for r in rows if r.code == "RJD")
    assert rjd.name == "MID STAFFORDSHIRE NHS FOUNDATION TRUST"
    assert (rjd.easting, rjd.northing) == (393506, 323754)
    assert rjd.open_date == dt.date(1993, 4, 1)
    assert rjd.has_location


def test_raw_ods_etr_layout_without_header_parses():
    # The raw ODS etr.csv: 27 columns, no header, no coordinates.
    row = [
        "RJD", "MID STAFFORDSHIRE NHS FOUNDATION TRUST", "Y55", "Q76", "STAFFORD HOSPITAL",
        "WESTON ROAD", "", "STAFFORD", "STAFFORDSHIRE", "ST16 3SA", "19930401", "20141101",
        "", "", "", "", "", "01785 257731", "", "", "", "0", "", "", "", "", "",
    ]  # fmt: skip
    rows = parse_trusts([",".join(row)])
    assert len(rows) == 1
    assert rows[0].code == "RJD"
    assert rows[0].close_date == dt.date(2014, 11, 1)
    assert rows[0].address == "STAFFORD HOSPITAL, WESTON ROAD, STAFFORD, STAFFORDSHIRE"
    assert not rows[0].has_location and rows[0].easting is None


def test_missing_column_is_named():
    header = HEADER.replace("open_date,", "")
    with pytest.raises(WrongLayout, match=r"its header row has no column open_date$"):
        parse_trusts([header])


SAMPLES = {
    "trusts": (parse_trusts, "nhs_trusts.csv"),
    "ae": (parse_ae, "ae_attendances.csv"),
    "population": (parse_population, "ons_uk_population_2023.csv"),
    "outcomes": (parse_outcomes, "nhs_outcomes_framework.csv"),
}


@pytest.mark.parametrize("kind", SAMPLES)
@pytest.mark.parametrize("given", SAMPLES)
def test_a_file_of_another_kind_is_refused_in_one_problem_saying_what_was_expected(
    reference_dir, kind, given
):
    parser, _ = SAMPLES[kind]
    lines = list(read_lines(reference_dir / SAMPLES[given][1]))
    if kind == given:
        assert parser(lines)
        return
    with pytest.raises(WrongLayout) as info:
        parser(lines)
    assert len(info.value.errors) == 1 and info.value.kind == kind
    assert str(info.value).startswith(f"is not {EXPECTED[kind]}: ")


def test_a_file_that_is_not_etr_is_said_to_be_not_etr():
    with pytest.raises(WrongLayout, match="is not an ODS etr file") as info:
        parse_trusts(["widget,colour,size"] + ["sprocket,red,2"] * 80)
    assert "first row has 3 columns" in str(info.value)
    with pytest.raises(WrongLayout, match="does not start with an ODS code"):
        parse_trusts([",".join(["x y z"] * 27)])


def test_bad_code_bad_date_and_bad_grid_are_reported_by_line_and_field():
    text = "\n".join(
        [
            HEADER,
            "R1A,GOOD TRUST,Y55,Q77,A,,,T,C,WR4 9RW,20110701,,385537,255224",
            "r!x,BAD CODE TRUST,Y55,Q77,A,,,T,C,WR4 9RW,20110701,,385537,255224",
            "R1C,BAD DATE TRUST,Y57,Q70,A,,,T,C,SO19 8BR,2011-04-01,,447150,111570",
            "R1D,BAD GRID TRUST,Y55,Q76,A,,,T,C,SY3 8XL,20110701,,-5,312312",
        ]
    )
    assert errors_of(parse_trusts, text) == [(3, "org_code"), (4, "open_date"), (5, "easting")]


def test_close_before_open_and_duplicate_codes_are_rejected():
    text = "\n".join(
        [
            HEADER,
            "R1A,ONE,Y55,Q77,A,,,T,C,P,20110701,20100101,1,1",
            "R1A,TWO,Y55,Q77,A,,,T,C,P,20110701,,1,1",
        ]
    )
    assert errors_of(parse_trusts, text) == [(2, "close_date"), (3, "org_code")]


def test_error_message_reads_naturally():
    with pytest.raises(IngestError) as info:
        parse_ae(
            ["period,org_code,type,attendances,breaches,admissions", "2017-03-01,RF4,1,-3,0,0"]
        )
    assert str(info.value.errors[0]) == "line 2, field 'attendances': must not be negative (got -3)"


def test_real_ae_file_parses(reference_dir):
    rows = parse_ae(read_lines(reference_dir / "ae_attendances.csv"))
    assert len(rows) == 12_765
    assert rows[0].period == dt.date(2017, 3, 1)
    assert rows[0].attendances == 21289


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ("2017-03-15,RF4,1,10,1,1", "period"),
        ("March 2017,RF4,1,10,1,1", "period"),
        ("2017-03-01,RF4,3,10,1,1", "type"),
        ("2017-03-01,RF4,1,10.5,1,1", "attendances"),
        ("2017-03-01,RF4,1,10,11,1", "breaches"),
        ("2017-03-01,RF4,1,10,1,x", "admissions"),
        ("2017-03-01,??,1,10,1,1", "org_code"),
    ],
)
def test_ae_rejects_each_kind_of_bad_value(line, field):
    header = "period,org_code,type,attendances,breaches,admissions"
    assert errors_of(parse_ae, f"{header}\n{line}") == [(2, field)]


def test_population_parses_open_age_band_and_rejects_bad_rows(reference_dir):
    rows = parse_population(read_lines(reference_dir / "ons_uk_population_2023.csv"))
    assert len(rows) == 1274
    assert {r.age for r in rows} == set(range(91))
    header = "sex,Code,Name,Geography,age,count"
    bad = f"{header}\nfemales,E92000001,ENGLAND,Country,91,10\nboth,E92000001,ENGLAND,Country,3,-1"
    assert errors_of(parse_population, bad) == [(2, "age"), (3, "sex"), (3, "count")]
