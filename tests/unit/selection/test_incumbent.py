"""The evidence behind direct award C (regulations 6(5)(d) and 9(2) of SI 2023/1348): what the
record of the existing contract counts against the provider satisfying it, what it only
cautions, and when choosing C needs a written justification."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from commissioning.selection.rules.incumbent import (
    MIN_JUSTIFICATION_CHARS,
    Assurance,
    ContractRecord,
    Line,
    Weight,
    assess,
    justification_problem,
)

GOOD = ContractRecord(
    "XC001-2023-0001",
    lines=(Line("Door to needle within 60 minutes", Assurance.CONSISTENTLY_PASSES),
           Line("Stroke unit within 4 hours", Assurance.INCONSISTENT)),
    value_pence=36_000_000_00, spent_pence=12_000_000_00, elapsed_share=1 / 3,
)  # fmt: skip


def _with(**changes) -> ContractRecord:
    return ContractRecord(**{**GOOD.__dict__, **changes})


def test_a_clean_record_is_satisfying_and_needs_no_justification():
    view = assess(GOOD)
    assert view.satisfying and view.findings == ()
    assert justification_problem(view, "") is None


def test_a_consistently_failing_line_counts_against():
    view = assess(_with(lines=(*GOOD.lines, Line("Thrombolysis", Assurance.CONSISTENTLY_FAILS,
                                                 latest_missed=True))))  # fmt: skip
    assert not view.satisfying
    (against,) = view.against
    assert "Thrombolysis" in against.text
    assert view.cautions == ()  # a failing line is not said twice


def test_an_open_performance_notice_counts_against():
    view = assess(_with(notices_open=("QC-0003",)))
    assert not view.satisfying and "QC-0003" in view.against[0].text


def test_overdue_milestones_and_escalations_count_against():
    view = assess(_with(milestones_overdue=("Recruit 4 stroke nurses",), escalated=("QC-9",)))
    assert len(view.against) == 2


def test_cautions_are_said_but_do_not_decide():
    view = assess(_with(
        lines=(Line("Stroke unit within 4 hours", Assurance.INCONSISTENT, latest_missed=True),),
        open_concerns=("QC-0004",), spent_pence=14_000_000_00,
    ))  # fmt: skip
    assert view.satisfying
    assert [f.weight for f in view.findings] == [Weight.CAUTION] * 3
    assert "£14,000,000" in view.findings[2].text and "£12,000,000" in view.findings[2].text


def test_no_contract_on_the_platform_cannot_show_satisfaction():
    view = assess(None)
    assert not view.satisfying and view.reference is None


def test_against_the_evidence_c_needs_a_written_justification():
    view = assess(_with(notices_open=("QC-0003",)))
    assert justification_problem(view, "")
    assert justification_problem(view, "x" * (MIN_JUSTIFICATION_CHARS - 1))
    assert justification_problem(view, "x" * MIN_JUSTIFICATION_CHARS) is None
    assert justification_problem(view, " " * 80)  # blanks are not a justification


@given(share=st.floats(min_value=0, max_value=1), spent=st.integers(0, 10**12))
def test_spending_is_cautioned_exactly_above_a_tenth_over_the_time_elapsed(share, spent):
    record = _with(value_pence=10**12, spent_pence=spent, elapsed_share=share)
    said = any("Spending" in f.text for f in assess(record).findings)
    assert said == (spent > 10**12 * share * 1.1 and spent > 0)
