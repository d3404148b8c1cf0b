"""The regime's notices item by item, as Schedules 2, 3, 4, 6, 7, 10 and 11 to SI 2023/1348
list them: which schedule each route's notice follows, every item of it in its order, and what
each says (docs/decisions.md 053)."""

from __future__ import annotations

import datetime as dt

import pytest

from commissioning.selection.rules.notices import (
    SCHEDULES,
    Interest,
    NoticeFacts,
    Stage,
    due_by,
    first_notice,
    notice_items,
    schedule_for,
)
from commissioning.selection.rules.selection_route import Route

# How many items each schedule lists (legislation.gov.uk/uksi/2023/1348, schedules 2 to 12 and
# 14). Schedule 13's text could not be read (rules.urgent; tests/unit/selection/test_urgent.py).
ITEMS_IN_THE_REGULATIONS = {2: 9, 3: 9, 4: 9, 6: 9, 7: 9, 10: 11, 11: 10, 12: 9, 14: 9}

FACTS = NoticeFacts(
    authority="NHS Example Integrated Care Board",
    route=Route.COMPETITIVE,
    title="Hyper-acute stroke unit",
    reference="XA1-SPEC-0001",
    provider="University Hospitals of North Midlands NHS Trust",
    provider_address="Newcastle Road, Stoke-on-Trent, ST4 6QG",
    services="A hyper-acute stroke unit open 24 hours a day.",
    cpv_code="85111000-0",
    cpv_label="Hospital services",
    value_pence=22_800_000_00,
    decision_makers="A commissioner of NHS Example ICB with delegated authority.",
    reasons="Highest moderated score on quality and access.",
    term_months=36,
)


def test_every_schedule_has_the_items_the_regulations_list():
    read = {n: len(s.items) for n, s in SCHEDULES.items() if n != 13}
    assert read == ITEMS_IN_THE_REGULATIONS


@pytest.mark.parametrize(
    ("route", "intention", "award"),
    [(Route.DIRECT_AWARD_A, None, 2), (Route.DIRECT_AWARD_B, None, 2),
     (Route.DIRECT_AWARD_C, 3, 4), (Route.MOST_SUITABLE_PROVIDER, 6, 7),
     (Route.COMPETITIVE, 10, 11)],
)  # fmt: skip
def test_which_schedule_each_routes_notices_follow(route, intention, award):
    got = schedule_for(route, Stage.INTENTION)
    assert (got.number if got else None) == intention
    assert schedule_for(route, Stage.AWARD).number == award
    # The decision is followed by the notice of intention where a standstill follows.
    assert first_notice(route).number == (intention or award)
    assert first_notice(route).starts_standstill is route.needs_standstill


@pytest.mark.parametrize("number", sorted(SCHEDULES))
def test_a_notice_has_one_item_for_each_item_of_its_schedule_in_order(number):
    schedule = SCHEDULES[number]
    items = notice_items(schedule, FACTS)
    assert [i.number for i in items] == list(range(1, len(schedule.items) + 1))
    assert [i.heading for i in items] == list(schedule.items)
    assert all(i.text.strip() for i in items), "every item says something"
    by = {i.heading: i.text for i in items}
    assert by["Contract title and reference"] == "Hyper-acute stroke unit (XA1-SPEC-0001)"
    assert "85111000-0" in by["The health care services and the most relevant CPV code"]
    assert "Newcastle Road" in by.get("Name and address of the provider", "Newcastle Road")


def test_intention_notices_give_an_approximate_value_and_the_reasons():
    items = {i.heading: i.text for i in notice_items(SCHEDULES[10], FACTS)}
    assert items["Approximate lifetime value of the contract"].startswith("About £22,800,000")
    assert (
        "Highest moderated score"
        in items["Reasons for selecting the provider, with reference to the key criteria"]
    )
    assert items["Statement of intention"] == (
        "The NHS Example Integrated Care Board intends to award a contract to the chosen provider "
        "following competitive process."
    )


def test_award_notices_give_the_contracts_dates_once_entered_into():
    before = {i.heading: i.text for i in notice_items(SCHEDULES[11], FACTS)}
    assert before["Dates of the services"].startswith("For 36 months from the contract's start")
    signed = NoticeFacts(**{**FACTS.__dict__, "start": dt.date(2026, 5, 1),
                            "end": dt.date(2029, 4, 30)})  # fmt: skip
    after = {i.heading: i.text for i in notice_items(SCHEDULES[11], signed)}
    assert after["Dates of the services"] == "From 1 May 2026 to 30 April 2029."
    assert after["Lifetime value of the contract"] == "£22,800,000 over the contract's term."


def test_interests_are_described_without_who_declared_them():
    none = {i.heading: i.text for i in notice_items(SCHEDULES[4], FACTS)}
    assert none["Declared conflicts or potential conflicts of interest"] == "None declared."
    two = NoticeFacts(**{**FACTS.__dict__, "declarations": 2})
    said = {i.heading: i.text for i in notice_items(SCHEDULES[4], two)}
    assert said["Declared conflicts or potential conflicts of interest"].startswith("None: 2 ")
    interest = Interest("Royal Derby Hospital", "A relative works in its stroke unit",
                        "Excluded from anything to do with that provider")  # fmt: skip
    one = NoticeFacts(**{**FACTS.__dict__, "declarations": 2, "interests": (interest,)})
    said = {i.heading: i.text for i in notice_items(SCHEDULES[4], one)}
    assert (
        "concerning Royal Derby Hospital"
        in said["Declared conflicts or potential conflicts of interest"]
    )
    assert (
        "Excluded from anything to do with that provider"
        in said["How the conflicts or potential conflicts were managed"]
    )


def test_award_notices_are_due_within_30_days_of_the_award():
    awarded = dt.date(2027, 1, 15)
    assert due_by(SCHEDULES[2], awarded) == dt.date(2027, 2, 14)
    assert due_by(SCHEDULES[11], awarded) == dt.date(2027, 2, 14)
    assert due_by(SCHEDULES[10], awarded) is None  # no deadline for a notice of intention


def test_a_modification_notice_follows_schedule_12_whatever_the_route():
    for route in Route:
        assert schedule_for(route, Stage.MODIFICATION).number == 12
    facts = NoticeFacts(**{**FACTS.__dict__, "modified_on": dt.date(2027, 1, 4),
                           "modification": "Weekend thrombectomy added.",
                           "value_change_pence": 600_000_00})  # fmt: skip
    items = {i.heading: i.text for i in notice_items(SCHEDULES[12], facts)}
    assert items["Effective date of the modification"] == "4 January 2027."
    assert items["Change in the lifetime value"] == (
        "An increase of £600,000 in the lifetime value, to £22,800,000."
    )
