"""``audit.readable`` writes every entry for people, whatever it records (issue 18): an event
about something that is not a record, a link stored by its code rather than its key, amounts a
model says are in pence, nested choices; it never raises (the auditor's page answered 500 on
the demo's pooled budget)."""

from __future__ import annotations

import pytest
from django.db import transaction

from commissioning.audit import chain as audit
from commissioning.audit import readable
from commissioning.collaboration.models import PooledBudget
from commissioning.organisations.models import Organisation
from commissioning.selection.models import Decision

pytestmark = pytest.mark.django_db


def _revision(**kw):
    with transaction.atomic():
        return audit.record("system", "create", **kw)


def test_an_event_about_what_is_not_a_record_reads_by_what_was_stored(trusts):
    rev = _revision(object_type="collaboration.pooledbudget", object_id="synthetic-economy",
                    object_repr="The synthetic economy", after={"spells": 4000})  # fmt: skip
    entry = readable.entry(rev)
    assert entry.what.endswith("The synthetic economy") and entry.changes == ["Spells: 4,000"]


def test_a_link_stored_by_code_amounts_in_pence_and_nested_codes(trusts):
    host = Organisation.objects.get(code="RJE")
    rev = _revision(
        object_type="collaboration.pooledbudget", object_id="999", object_repr="A pool",
        after={"host": "RJE", "partners": {"XC017": 9_000_000},
               "risk_policy": {"overspend_bearer": "own", "risk_pool_pence": 12_345}},
    )  # fmt: skip
    changes = readable.entry(rev).changes
    assert f"Host: {readable.name_of(host)}" in changes
    assert "Partners: XC017: £90,000" in changes  # PooledBudget.AUDIT_PENCE
    assert "Risk policy: overspend bearer: own; risk pool: £123.45" in changes
    assert "partners" in PooledBudget.AUDIT_PENCE


def test_a_budget_holders_sign_in_is_never_named(make_user, trusts):
    """The auditor's trail is read by auditors the budget's own policy may not let see the
    person (review of issue 18): a holder, representative or nominee is "linked", not named."""
    holder = make_user("budget_holder", first_name="Ada", last_name="Lovelace")
    rev = _revision(object_type="personal_budgets.person", object_id="1",
                    object_repr="Personal health budget PHB-000001",
                    after={"holder": holder.pk, "representative": holder.pk})  # fmt: skip
    changes = readable.entry(rev).changes
    assert changes == ["Holder: linked", "Representative: linked"]
    assert "Lovelace" not in " ".join(changes)


def test_ids_recorded_beside_the_fields_are_named_and_labels_say_no_pence(trusts, make_user):
    assert "awarded_proposal_ids" in Decision.AUDIT_LINKS
    rev = _revision(object_type="selection.decision", object_id="999", object_repr="A decision",
                    after={"awarded_proposal_ids": [424242], "value_pence": 2_280_000_000,
                           "decided_on": "2026-05-24"})  # fmt: skip
    changes = readable.entry(rev).changes
    assert "Awarded proposal: a deleted record (424242)" in changes
    assert "Value: £22,800,000" in changes and "Decided on: 24 May 2026" in changes
