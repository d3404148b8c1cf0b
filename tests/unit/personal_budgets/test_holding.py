"""The three ways to hold a budget and who may receive a direct payment (SI 2013/1617)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from commissioning.personal_budgets.rules.holding import (
    Holding,
    Mode,
    Recipient,
    holder_may_spend,
    problems,
)


def test_notional_needs_nothing_more():
    assert problems(Holding(Mode.NOTIONAL, age=40)) == {}


def test_third_party_must_be_named_and_independent():
    got = problems(Holding(Mode.THIRD_PARTY, age=40))
    assert set(got) == {"third_party_name", "third_party_independent"}
    ok = Holding(
        Mode.THIRD_PARTY,
        age=40,
        third_party_name="Independent Living Trust",
        third_party_independent=True,
    )
    assert problems(ok) == {}


def test_only_a_direct_payment_has_a_recipient():
    got = problems(Holding(Mode.NOTIONAL, age=40, recipient=Recipient.PATIENT))
    assert "recipient" in got


def test_adult_with_capacity_may_receive_it_or_nominate():
    assert problems(Holding(Mode.DIRECT_PAYMENT, 40, recipient=Recipient.PATIENT)) == {}
    assert "recipient" in problems(Holding(Mode.DIRECT_PAYMENT, 40, recipient=Recipient.NOMINEE))
    assert (
        problems(Holding(Mode.DIRECT_PAYMENT, 40, recipient=Recipient.NOMINEE, has_nominee=True))
        == {}
    )


@given(age=st.integers(0, 15), capacity=st.booleans())
def test_a_child_receives_through_a_representative_only(age, capacity):
    for recipient in (Recipient.PATIENT, Recipient.NOMINEE):
        h = Holding(
            Mode.DIRECT_PAYMENT,
            age,
            lacks_capacity=not capacity,
            recipient=recipient,
            has_nominee=True,
        )
        assert "representative" in problems(h)["recipient"]
    rep = Holding(
        Mode.DIRECT_PAYMENT, age, recipient=Recipient.REPRESENTATIVE, has_representative=True
    )
    assert problems(rep) == {}


def test_adult_lacking_capacity_receives_through_a_representative():
    h = Holding(Mode.DIRECT_PAYMENT, 70, lacks_capacity=True, recipient=Recipient.PATIENT)
    assert "regulations 4 and 5" in problems(h)["recipient"]


def test_schedule_excludes_direct_payments_but_not_other_ways():
    h = Holding(Mode.DIRECT_PAYMENT, 30, excluded_by_schedule=True, recipient=Recipient.PATIENT)
    assert "Schedule" in problems(h)["mode"]
    assert problems(Holding(Mode.NOTIONAL, 30, excluded_by_schedule=True)) == {}


def test_who_records_spending():
    assert holder_may_spend(Mode.DIRECT_PAYMENT)
    assert not holder_may_spend(Mode.NOTIONAL) and not holder_may_spend(Mode.THIRD_PARTY)
