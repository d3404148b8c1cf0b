"""The whole cycle through the services: draft specification to signed contract."""

from __future__ import annotations

import datetime as dt

import pytest

from commissioning.audit.chain import verify_chain
from commissioning.audit.models import Revision
from commissioning.contracts.models import Contract
from commissioning.selection.models import SelectionProcess
from commissioning.specifications.rules.lifecycle import Status

pytestmark = pytest.mark.django_db


def test_a_cycle_runs_from_draft_to_signed_contract(cycle):
    cycle.signed()
    contract = cycle.contract
    assert contract.status == Contract.Status.SIGNED
    assert contract.provider == cycle.e.rje
    assert contract.value_pence == 11_000_000_00
    assert contract.co_ordinating_commissioner == cycle.e.icb
    assert contract.associates == [cycle.e.other_icb]
    schedule = list(contract.quality_schedule.order_by("kind", "dimension"))
    assert [(i.kind, i.dimension) for i in schedule] == [
        ("outcome", "effective"),
        ("quality_requirement", "effective"),
        ("quality_requirement", "experience"),
        ("quality_requirement", "safe"),
    ]
    outcome = schedule[0]
    assert outcome.indicator.code == "1.1" and outcome.target < outcome.baseline
    cycle.process.refresh_from_db()
    assert cycle.process.status == SelectionProcess.Status.CLOSED
    assert cycle.spec.status == Status.APPROVED
    assert verify_chain().ok
    assert Revision.objects.filter(object_type="selection.decision").count() == 2


def test_the_decision_keeps_the_evaluation_and_the_advice_it_considered(cycle):
    cycle.decided()
    decision = cycle.decision
    assert list(decision.advice_considered.all()) == [cycle.advice]
    assert decision.delegation.user == cycle.e.commissioner
    ranked = {p["provider"]: p for p in decision.evaluation["proposals"]}
    assert ranked["RJE"]["rank"] == 1 and ranked["RWE"]["rank"] == 2
    assert ranked["RJE"]["weighted_percent"] == 80.0  # every criterion 4 of 5
    assert decision.departs_from_ranking is False
    assert decision.decided_on == dt.date(2026, 3, 23)
