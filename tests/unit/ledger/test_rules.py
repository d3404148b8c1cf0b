"""The ledger's rules, as the rules read (double entry in integer pence)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from commissioning.ledger.rules import (
    Entry,
    Leg,
    breaches,
    entry_problems,
    fingerprint,
    reversal_legs,
)


def entry(*legs, key="K1", description="Month 1 spend"):
    return Entry(key, description, tuple(Leg(a, p) for a, p in legs))


def test_a_balanced_transaction_has_no_problems():
    assert entry_problems(entry(("BUDGET", -500), ("SPEND", 500))) == {}


def test_postings_that_do_not_sum_to_zero_are_refused_with_the_difference():
    problems = entry_problems(entry(("BUDGET", -500), ("SPEND", 499)))
    assert problems == {"legs": "The postings do not balance: they sum to −£0.01 instead of £0.00"}


def test_one_posting_zero_amounts_fractions_and_repeated_accounts_are_refused():
    assert "legs" in entry_problems(entry(("BUDGET", -500)))
    assert entry_problems(entry(("A", 0), ("B", 0)))["legs.0.pence"] == "An amount cannot be zero"
    bad = Entry("K", "x", (Leg("A", -1.5), Leg("B", 1.5)))  # type: ignore[arg-type]
    assert entry_problems(bad)["legs.0.pence"] == "An amount is a whole number of pence"
    assert "once" in entry_problems(entry(("A", -1), ("A", 1)))["legs"]


def test_a_key_and_a_description_are_required():
    problems = entry_problems(entry(("A", -1), ("B", 1), key=" ", description=""))
    assert set(problems) == {"key", "description"}
    assert "at most 100" in entry_problems(entry(("A", -1), ("B", 1), key="k" * 101))["key"]


@given(st.lists(st.integers(-(10**12), 10**12).filter(bool), min_size=1, max_size=8))
def test_any_amounts_balanced_by_one_more_posting_pass(amounts):
    total = sum(amounts)
    legs = [(f"A{i}", p) for i, p in enumerate(amounts)]
    if total:
        legs.append(("OTHER", -total))
        assert entry_problems(entry(*legs)) == {}
    reversed_legs = reversal_legs(Leg(a, p) for a, p in legs)
    assert sum(leg.pence for leg in reversed_legs) == -sum(p for _, p in legs)


def test_a_spend_that_would_take_a_budget_below_its_floor_is_a_breach():
    legs = (Leg("BUDGET", -600), Leg("SPEND", 600))
    assert breaches({"BUDGET": 500, "SPEND": 0}, {"BUDGET": 0, "SPEND": None}, legs) == [
        ("BUDGET", -100, 0)
    ]
    assert breaches({"BUDGET": 600, "SPEND": 0}, {"BUDGET": 0, "SPEND": None}, legs) == []


def test_an_agreed_overdraft_and_money_coming_in_are_not_breaches():
    legs = (Leg("BUDGET", -600), Leg("SPEND", 600))
    assert breaches({"BUDGET": 500, "SPEND": 0}, {"BUDGET": -1000, "SPEND": None}, legs) == []
    refund = (Leg("BUDGET", 100), Leg("SPEND", -100))
    assert breaches({"BUDGET": -50, "SPEND": 0}, {"BUDGET": 0, "SPEND": None}, refund) == []


def test_the_fingerprint_ignores_the_order_of_postings_but_not_their_amounts():
    a = entry(("A", -5), ("B", 5))
    assert fingerprint(a) == fingerprint(entry(("B", 5), ("A", -5)))
    assert fingerprint(a) != fingerprint(entry(("A", -6), ("B", 6)))
