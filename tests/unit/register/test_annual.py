"""Regulation 25(2) of SI 2023/1348, every item, on a fixture year (2026/27) with contracts of
every route, providers who are new and providers who have gone, representations in standstills
that ended in the year and outside it, and urgent awards and modifications."""

from __future__ import annotations

import datetime as dt

from commissioning.register.annual import Awarded, Modified, Representation, Year, summarise

D = dt.date
YEAR = Year(2026)  # 1 April 2026 to 31 March 2027


def _c(ref, route, entered, provider, start, end, **kw):
    return Awarded(ref, route, entered, provider, start, end, **kw)


CONTRACTS = [
    # Held before the year: RJE (runs into the year), RWE (ended in 2025/26: gone in 2026/27),
    # RX1 (ended in the previous year too, but also won again this year: not gone).
    _c("OLD-1", "competitive", D(2024, 3, 1), "RJE", D(2024, 4, 1), D(2027, 3, 31)),
    _c("OLD-2", "direct_award_a", D(2024, 5, 1), "RWE", D(2024, 6, 1), D(2026, 1, 31)),
    _c("OLD-3", "competitive", D(2025, 4, 2), "RX1", D(2025, 5, 1), D(2026, 2, 28)),
    # Entered into in the year, one of each route (the first and last days count):
    _c("A-1", "direct_award_a", D(2026, 4, 1), "RJE", D(2026, 5, 1), D(2029, 4, 30)),
    _c("B-1", "direct_award_b", D(2026, 6, 1), "NEW1", D(2026, 7, 1), D(2028, 6, 30)),
    _c("B-2", "direct_award_b", D(2026, 6, 1), "NEW2", D(2026, 7, 1), D(2028, 6, 30)),
    _c("C-1", "direct_award_c", D(2026, 9, 9), "RJE", D(2026, 10, 1), D(2029, 9, 30)),
    _c("M-1", "most_suitable_provider", D(2026, 12, 1), "RX1", D(2027, 1, 1), D(2029, 12, 31)),
    _c("P-1", "competitive", D(2027, 3, 31), "NEW3", D(2027, 4, 1), D(2030, 3, 31)),
    _c("U-1", "direct_award_a", D(2026, 8, 1), "NEW4", D(2026, 8, 1), D(2027, 1, 31),
       urgent=True),
    _c("F-1", "competitive", D(2026, 10, 1), "RJE", D(2026, 11, 1), D(2028, 10, 31),
       framework=True),
    # After the year: counted in none of (a) to (c), and not a new provider of 2026/27.
    _c("LATE", "competitive", D(2027, 4, 1), "NEW9", D(2027, 5, 1), D(2030, 4, 30)),
]  # fmt: skip
MODIFICATIONS = [
    Modified("OLD-1", D(2026, 5, 5), urgent=True),
    Modified("OLD-1", D(2026, 6, 5)),  # not urgent
    Modified("A-1", D(2027, 4, 2), urgent=True),  # the next year
]
STANDS = "Reviewed: the decision stands"
REPRESENTATIONS = [
    Representation(D(2026, 9, 30), "The scoring of access was wrong", STANDS),
    Representation(D(2027, 3, 31), "A conflict of interest was not managed",
                   "Reviewed: the decision was withdrawn"),
    Representation(D(2026, 3, 31), "Made in the previous year's standstill", STANDS),
    Representation(None, "Still under review: its standstill has not ended", "Open: under review"),
]  # fmt: skip


def test_every_item_of_regulation_25_2():
    s = summarise(YEAR, CONTRACTS, MODIFICATIONS, REPRESENTATIONS, frameworks_concluded=0)
    # (a) A, B and C: A-1, B-1, B-2, C-1, U-1 (an urgent award under A is still a direct award)
    assert s.direct == 5
    assert s.direct_by_process == {"process A": 2, "process B": 2, "process C": 1}
    assert s.most_suitable == 1  # (b) M-1
    assert s.competitive == 2  # (c) P-1 (entered into on the year's last day) and F-1
    assert s.frameworks_concluded == 0  # (d)
    assert s.framework_awards == 1  # (e) F-1
    assert s.urgent == 2  # (f) U-1 and OLD-1's urgent modification in the year
    assert s.new_providers == ("NEW1", "NEW2", "NEW3", "NEW4")  # (g) not RJE or RX1
    assert s.providers_gone == ("RWE",)  # (h) RX1 won again; RJE still holds OLD-1
    assert s.representations == 2  # (i) standstills that ended in the year
    assert s.representation_outcomes == {"Reviewed: the decision stands": 1,
                                         "Reviewed: the decision was withdrawn": 1}  # fmt: skip
    letters = [letter for letter, _, _ in s.items()]
    assert letters == list("abcdefghi")
    answers = {letter: answer for letter, _, answer in s.items()}
    assert answers["a"] == "5 (2 under process A, 2 under process B, 1 under process C)"
    assert answers["g"] == "4" and answers["h"] == "1"
    assert answers["i"].startswith("2: ")


def test_the_year_is_the_nhs_financial_year():
    assert (YEAR.first, YEAR.last, YEAR.name) == (D(2026, 4, 1), D(2027, 3, 31), "2026/27")
    assert not YEAR.holds(D(2026, 3, 31)) and YEAR.holds(D(2026, 4, 1))


def test_a_year_with_nothing():
    s = summarise(Year(2030), CONTRACTS)
    assert (s.direct, s.most_suitable, s.competitive, s.urgent, s.representations) == (
        0,
        0,
        0,
        0,
        0,
    )
    assert s.new_providers == ()
    # Held a contract in 2029/30 and none in 2030/31: RJE (C-1 to September 2029), RX1 (M-1 to
    # December 2029), NEW3 (P-1 to March 2030). NEW9's LATE runs into 2030/31: not gone.
    assert s.providers_gone == ("NEW3", "RJE", "RX1")
