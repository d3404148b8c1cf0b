"""Regulation 14 of SI 2023/1348 as the rule reads it: an urgent award or modification only where
all four conditions hold, with reasons the notice publishes; the term of an urgent award and the
notice's 30 days at their edges; Schedules 13 and 14 item by item (docs/decisions.md 056)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commissioning.selection.rules.modification import Ground, Modification, notice_due, problem
from commissioning.selection.rules.notices import (
    SCHEDULES,
    NoticeFacts,
    Stage,
    due_by,
    notice_items,
    schedule_for,
)
from commissioning.selection.rules.selection_route import Route
from commissioning.selection.rules.urgent import (
    CONDITIONS,
    MAX_TERM_MONTHS,
    NOTICE_DAYS,
    Urgency,
    notice_due_by,
    problems,
    term_problem,
)

REASONS = "The provider's only theatre failed its fire inspection and closed without warning."
ALL = {name: True for name in CONDITIONS}


def test_it_applies_only_when_all_four_conditions_hold():
    for values in itertools.product((False, True), repeat=4):
        urgency = Urgency(**dict(zip(CONDITIONS, values, strict=True)), urgent_reasons=REASONS)
        assert urgency.applies is all(values)
        # Each condition that fails is named by its field.
        missing = {n for n, v in zip(CONDITIONS, values, strict=True) if not v}
        assert set(problems(urgency)) == missing


def test_the_reasons_are_required_because_the_notice_publishes_them():
    assert set(problems(Urgency(**ALL))) == {"urgent_reasons"}
    assert set(problems(Urgency(**ALL, urgent_reasons="Because."))) == {"urgent_reasons"}
    assert problems(Urgency(**ALL, urgent_reasons=REASONS)) == {}


def test_poor_planning_is_not_a_reason():
    why = problems(Urgency(**{**ALL, "urgent_not_attributable": False}, urgent_reasons=REASONS))
    assert "attributable to the authority" in why["urgent_not_attributable"]


@given(st.integers(min_value=1, max_value=240))
def test_the_term_of_an_urgent_award_at_its_edge(months):
    assert (term_problem(months) is None) is (months <= MAX_TERM_MONTHS)


def test_the_term_at_twelve_and_thirteen_months():
    assert term_problem(12) is None
    assert "at most 12 months, not 13" in term_problem(13)


@given(st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2040, 12, 31)))
def test_the_notice_is_due_within_30_days(made_on):
    last = notice_due_by(made_on)
    assert (last - made_on).days == NOTICE_DAYS == 30
    assert due_by(SCHEDULES[13], made_on) == last == due_by(SCHEDULES[14], made_on)


def test_an_urgent_award_has_no_standstill_nor_evaluation_and_one_notice():
    from commissioning.selection.rules.award import needs_evaluation

    assert Route.URGENT_AWARD.needs_standstill is False
    assert needs_evaluation(Route.URGENT_AWARD) is False
    assert schedule_for(Route.URGENT_AWARD, Stage.INTENTION) is None
    assert schedule_for(Route.URGENT_AWARD, Stage.AWARD).number == 13


@pytest.mark.parametrize("route", list(Route))
def test_an_urgent_modification_of_any_contract_follows_schedule_14(route):
    assert schedule_for(route, Stage.MODIFICATION, urgent=True).number == 14
    assert schedule_for(route, Stage.MODIFICATION).number == 12


@given(
    original=st.integers(min_value=1, max_value=10**12),
    change=st.integers(min_value=-(10**11), max_value=10**12),
    materially_different=st.booleans(),
)
def test_an_urgent_modification_has_no_value_limit_and_always_a_notice(
    original, change, materially_different
):
    m = Modification(
        Ground.URGENT, original, change, materially_different=materially_different,
        urgency=Urgency(**ALL, urgent_reasons=REASONS),
    )  # fmt: skip
    assert problem(m) is None
    assert notice_due(m) is True


def test_an_urgent_modification_without_its_conditions_is_refused_and_needs_no_notice():
    m = Modification(Ground.URGENT, 10_000_000, 100, urgency=Urgency(urgent_reasons=REASONS))
    assert "urgently" in problem(m)
    assert notice_due(m) is False
    assert "urgently" in problem(Modification(Ground.URGENT, 10_000_000, 100))


FACTS = NoticeFacts(
    authority="NHS Example Integrated Care Board",
    route=Route.URGENT_AWARD,
    title="Emergency cataract surgery",
    reference="XA1-2026-0007",
    provider="Example Eye Hospital",
    provider_address="1 High Street, EX1 1AA",
    services="Cataract surgery while the usual provider's theatre is closed.",
    cpv_code="85111100-1",
    cpv_label="Surgical hospital services",
    value_pence=1_200_000_00,
    decision_makers="A commissioner of NHS Example ICB with delegated authority.",
    term_months=6,
    urgent_reasons=REASONS,
)


def test_schedule_13_items():
    """Schedule 13's text could not be read: its items are the award notice's (Schedule 4) with
    Schedule 14's statement and reasons, in that order (rules.urgent)."""
    items = notice_items(SCHEDULES[13], FACTS)
    headings = [i.heading for i in items]
    assert headings[0] == "Statement that the award was urgent"
    assert headings[1:-1] == list(SCHEDULES[4].items[1:])
    assert headings[-1] == "The reasons why regulation 14 applied"
    text = {i.heading: i.text for i in items}
    assert "was urgent" in text["Statement that the award was urgent"]
    assert "without a provider selection process" in text["Statement that the award was urgent"]
    assert text["The reasons why regulation 14 applied"] == REASONS
    assert text["Lifetime value of the contract"] == "£1,200,000 over the contract's term."
    assert [i.number for i in items] == list(range(1, 11))


def test_schedule_14_items_in_the_regulations_order():
    facts = NoticeFacts(
        **{**FACTS.__dict__, "route": Route.COMPETITIVE, "modified_on": dt.date(2026, 11, 2),
           "modification": "Extra theatre lists at a second site", "value_change_pence": 80_000_00},
    )  # fmt: skip
    items = notice_items(SCHEDULES[14], facts)
    assert [i.heading for i in items] == [
        "Statement that the modification was urgent",
        "Contract title and reference",
        "The health care services and the most relevant CPV code",
        "Effective date of the modification",
        "Nature of the modification, including any change in value or length",
        "The decision-makers",
        "Declared conflicts or potential conflicts of interest",
        "How the conflicts or potential conflicts were managed",
        "The reasons why regulation 14 applied",
    ]
    text = {i.heading: i.text for i in items}
    assert text["Effective date of the modification"] == "2 November 2026."
    assert text["Nature of the modification, including any change in value or length"] == (
        "Extra theatre lists at a second site. An increase of £80,000 in the lifetime value, to "
        "£1,200,000. The contract's dates are unchanged."
    )
    assert text["The reasons why regulation 14 applied"] == REASONS
    assert "modification was urgent" in text["Statement that the modification was urgent"]


@given(
    start=st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2035, 12, 31)),
    months=st.integers(min_value=1, max_value=MAX_TERM_MONTHS),
    extra=st.integers(min_value=-40, max_value=40),
)
def test_a_contracts_term_at_its_edge(start, months, extra):
    """A term of n months ends before the same day n months on (the month's last day where
    it is shorter): never a month and some days counted as a month."""
    from commissioning.contracts.term import months_later, within_term

    edge = months_later(start, months)
    end = edge + dt.timedelta(days=extra)
    assert within_term(start, end, months) is (end < edge)
    assert within_term(start, edge - dt.timedelta(days=1), months)
    assert not within_term(start, edge, months)


def test_twelve_months_and_four_weeks_is_not_twelve_months():
    from commissioning.contracts.term import within_term

    assert not within_term(dt.date(2026, 6, 3), dt.date(2027, 7, 1), 12)
    assert within_term(dt.date(2026, 6, 3), dt.date(2027, 6, 2), 12)
    assert within_term(dt.date(2026, 5, 1), dt.date(2029, 4, 30), 36)
    assert within_term(dt.date(2024, 1, 31), dt.date(2024, 2, 28), 1)
