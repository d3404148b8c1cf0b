"""When independent signals agree (decision 061): the pure rule that proposes an escalation
case on a provider's risk profile, at the edges of its window and its groups."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from commissioning.quality.rules import (
    AGREEMENT_WINDOW_DAYS,
    PLATFORM,
    PUBLISHED,
    SOFT,
    Signal,
    agreement,
)

TODAY = dt.date(2026, 12, 5)


def signal(group, days_ago=10, concern=True, source="x"):
    return Signal(TODAY - dt.timedelta(days=days_ago), group, source, f"{source} said so", concern)


def test_two_independent_groups_with_concerns_propose_a_case_with_the_evidence():
    signals = [signal(PLATFORM, source="CUSUM alert"), signal(SOFT, 30, source="Complaint"),
               signal(PUBLISHED, 5, concern=False, source="CQC rating")]  # fmt: skip
    proposal = agreement(signals, TODAY, open_case=False)
    assert proposal is not None and proposal.groups == (PLATFORM, SOFT)
    assert [s.source for s in proposal.evidence] == ["Complaint", "CUSUM alert"]  # oldest first
    assert "Complaint: Complaint said so" in proposal.description()
    assert proposal.summary() == (
        "Independent signals agree: the platform's own signals and soft intelligence"
    )


def test_one_group_however_loud_is_not_agreement():
    signals = [signal(PUBLISHED, d, source=s) for d, s in ((1, "SHMI"), (2, "CQC"), (3, "NOF"))]
    assert agreement(signals, TODAY, open_case=False) is None


def test_reassurance_is_not_a_concern():
    signals = [signal(PLATFORM), signal(SOFT, concern=False)]
    assert agreement(signals, TODAY, open_case=False) is None


def test_an_open_case_takes_the_evidence_instead():
    signals = [signal(PLATFORM), signal(SOFT)]
    assert agreement(signals, TODAY, open_case=True) is None


def test_the_window_is_a_year_to_the_day():
    inside = [signal(PLATFORM, AGREEMENT_WINDOW_DAYS), signal(SOFT, 0)]
    outside = [signal(PLATFORM, AGREEMENT_WINDOW_DAYS + 1), signal(SOFT, 0)]
    future = [signal(PLATFORM, -1), signal(SOFT, 0)]
    assert agreement(inside, TODAY, open_case=False) is not None
    assert agreement(outside, TODAY, open_case=False) is None
    assert agreement(future, TODAY, open_case=False) is None


@given(st.lists(st.tuples(st.sampled_from([PLATFORM, PUBLISHED, SOFT]),
                          st.integers(-30, 800), st.booleans()), max_size=20))  # fmt: skip
def test_a_proposal_exactly_when_two_groups_have_a_recent_concern(items):
    signals = [signal(g, d, c) for g, d, c in items]
    recent = {g for g, d, c in items if c and 0 <= d <= AGREEMENT_WINDOW_DAYS}
    proposal = agreement(signals, TODAY, open_case=False)
    assert (proposal is not None) == (len(recent) >= 2)
    if proposal:
        assert set(proposal.groups) == recent
        assert all(s.concern for s in proposal.evidence)
