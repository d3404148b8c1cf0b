"""No query per row on the commissioning cycle's main pages (issue 19): each page makes the same
number of queries with more specifications, processes, contracts, questions and audit records
to show (tests/queries.py counts the cold read, with nothing kept). Each page is first counted
with at least one row of every kind it shows (a kind's first row may add its query: a list read
with what each row links to), then with more."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from commissioning.selection import services as sel
from tests.cycle import DAY0, Cycle, at
from tests.queries import assert_no_query_per_row


def _another_cycle(cycle, stage: str):
    """The same economy takes another service through the cycle to ``stage``."""
    return lambda: getattr(Cycle(cycle.e), stage)()


def _questions(cycle, n: int):
    def ask():
        with at(DAY0 + dt.timedelta(days=5)):
            for i in range(n):
                sel.ask_clarification(
                    cycle.process,
                    sel.ClarificationInput(cycle.e.rje.pk, f"Question {i}: is the CT on site?"),
                    cycle.e.provider,
                )

    return ask


def test_home(client, cycle):
    cycle.signed()
    Cycle(cycle.e).contracted()  # a contract to sign waits on the home page
    client.force_login(cycle.e.commissioner)
    assert_no_query_per_row(client, reverse("home"), _another_cycle(cycle, "contracted"))


def test_specifications(client, cycle):
    cycle.signed()
    client.force_login(cycle.e.commissioner)
    assert_no_query_per_row(client, reverse("specifications"), _another_cycle(cycle, "signed"))


def test_contracts(client, cycle):
    cycle.signed()
    client.force_login(cycle.e.contract_manager)
    assert_no_query_per_row(client, reverse("contracts"), _another_cycle(cycle, "signed"))


def test_a_specification_a_selection_and_the_evaluation(client, cycle):
    cycle.inviting()
    _questions(cycle, 1)()
    client.force_login(cycle.e.commissioner)
    for url in (
        reverse("specification", args=[cycle.spec.pk]),
        reverse("selection", args=[cycle.process.pk]),
        reverse("evaluation", args=[cycle.process.pk]),
    ):
        assert_no_query_per_row(client, url, _questions(cycle, 3))


def test_the_decision_record(client, cycle):
    cycle.inviting()
    _questions(cycle, 1)()
    client.force_login(cycle.e.commissioner)
    url = reverse("decision-record", args=[cycle.process.pk])
    assert_no_query_per_row(client, url, _questions(cycle, 3))  # rows and audit records


def test_a_contract(client, cycle):
    cycle.signed()
    client.force_login(cycle.e.contract_manager)
    url = reverse("contract", args=[cycle.contract.pk])
    assert_no_query_per_row(client, url, _another_cycle(cycle, "signed"))
