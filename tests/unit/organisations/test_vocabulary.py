from commissioning.names import tidy_name


def test_tidy_name_keeps_nhs_and_lowercases_joining_words():
    assert (
        tidy_name("MID STAFFORDSHIRE NHS FOUNDATION TRUST")
        == "Mid Staffordshire NHS Foundation Trust"
    )
    assert (
        tidy_name("UNIVERSITY HOSPITALS OF NORTH MIDLANDS NHS TRUST")
        == "University Hospitals of North Midlands NHS Trust"
    )
    assert tidy_name("STOKE-ON-TRENT GP SERVICE") == "Stoke-on-Trent GP Service"
    assert tidy_name("NEWCASTLE ROAD, STOKE-ON-TRENT") == "Newcastle Road, Stoke-on-Trent"


def test_tidy_name_leaves_mixed_case_alone():
    assert tidy_name("NHS Synthetic Stafford Integrated Care Board") == (
        "NHS Synthetic Stafford Integrated Care Board"
    )
