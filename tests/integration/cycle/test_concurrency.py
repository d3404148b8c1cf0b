"""Concurrent writers cannot make two standing decisions or two contracts for one award
(PostgreSQL: the selection's row lock and the database's unique constraints)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from commissioning.audit.chain import verify_chain
from commissioning.contracts import services as contracts
from commissioning.contracts.models import Contract
from commissioning.organisations.models import DelegatedAuthority, Membership
from commissioning.selection import services as sel
from commissioning.selection.models import Decision
from tests.cycle import AFTER_STANDSTILL, DECISION_DAY, at

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(calls):
    """Run the calls at the same moment, each in its own thread and connection."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            outcomes[i] = call()
        except BaseException as exc:
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_two_commissioners_deciding_at_once_leave_one_decision(cycle):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency guarantees are tested on PostgreSQL")
    cycle.moderated()
    e = cycle.e
    DelegatedAuthority.objects.create(
        user=e.deputy, budget=e.budget, limit_pence=10**12, start_date=dt.date(2026, 1, 1)
    )
    sel.declare_interests(cycle.process, sel.DeclarationInput(False), e.deputy)

    def decide(user, proposal):
        def call():
            with at(DECISION_DAY):
                return sel.decide(
                    cycle.process,
                    sel.DecisionInput(
                        "award",
                        "The best proposal for our population, on the evidence.",
                        (proposal.pk,),
                        departure_confirmed=True,
                    ),
                    user,
                )

        return call

    outcomes = race(
        [decide(e.commissioner, cycle.proposal), decide(e.deputy, cycle.rival_proposal)]
    )
    decided = [o for o in outcomes if isinstance(o, Decision)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(decided) == 1 and len(refused) == 1, outcomes
    assert Decision.objects.count() == 1
    assert verify_chain().ok


def test_two_contract_managers_making_the_same_contract_leave_one(cycle):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency guarantees are tested on PostgreSQL")
    cycle.noticed()
    second = Membership.objects.get(user=cycle.e.commissioner, role="commissioner").user

    def make(user):
        def call():
            with at(AFTER_STANDSTILL):
                return contracts.create_contract(
                    cycle.decision,
                    contracts.ContractInput(
                        cycle.proposal.pk, dt.date(2026, 5, 1), dt.date(2029, 4, 30)
                    ),
                    user,
                )

        return call

    outcomes = race([make(cycle.e.contract_manager), make(second)])
    assert sum(isinstance(o, Contract) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, ValidationError) for o in outcomes) == 1, outcomes
    assert Contract.objects.count() == 1 and verify_chain().ok
