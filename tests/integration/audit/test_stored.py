"""Results kept until the data change (``audit.stored``): computed once per version of the data,
computed again once a service changes anything, never kept from a request that wrote (its
transaction may be rolled back), and a page that reads them shows a change at once."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse

from commissioning.audit import chain
from commissioning.audit import stored as stored_module
from commissioning.audit.stored import data_version, stored
from commissioning.organisations.permissions import SYSTEM
from commissioning.selection import services as sel
from tests.cycle import AFTER_STANDSTILL, DECISION_DAY, at


def _counting():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    return calls, compute


def _write(org):
    with transaction.atomic():
        chain.record(SYSTEM, "update", org, before={"name": "a"}, after={"name": "b"})


def test_computed_once_per_version_and_again_when_the_data_change(economy):
    calls, compute = _counting()
    assert stored("t", compute, "key") == 1
    assert stored("t", compute, "key") == 1
    assert stored("t", compute, "other key") == 2  # the key is part of what is kept
    version = data_version()
    _write(economy.icb)
    assert data_version() == version + 1
    assert stored("t", compute, "key") == 3
    assert len(calls) == 3


def test_a_request_reads_the_version_once_and_keeps_nothing_after_it_writes(economy):
    calls, compute = _counting()
    stored_module.request_started()  # what the request_started signal does (audit.apps)
    try:
        stored("t", compute)
        _write(economy.icb)  # the request changed the data: it reads the version again ...
        stored("t", compute)
        stored("t", compute)  # ... and keeps nothing it computes after its write
        assert len(calls) == 3
    finally:
        stored_module.request_finished()
    stored("t", compute)  # the next request computes it once more and keeps it
    stored("t", compute)
    assert len(calls) == 4


def test_the_decision_record_shows_a_change_made_after_it_was_read(client, cycle):
    process = cycle.moderated().process
    client.force_login(cycle.e.commissioner)
    url = reverse("decision-record", args=[process.pk])
    rationale = "Highest moderated score; the advice on monitoring adopted"

    assert rationale not in client.get(url).content.decode()
    assert rationale not in client.get(url).content.decode()  # read again from what was kept
    with at(DECISION_DAY):  # the decision recorded through the service
        sel.decide(
            process,
            sel.DecisionInput(outcome="award", rationale=f"{rationale}.",
                              awarded_proposal_ids=(cycle.proposal.pk,),
                              advice_considered_ids=(cycle.advice.pk,)),
            cycle.e.commissioner,
        )  # fmt: skip
    assert rationale in client.get(url).content.decode()


def test_a_role_ended_by_an_administrator_is_gone_on_the_next_request(client, economy):
    """A person's roles are kept between requests (``load_memberships``) only while the data
    are unchanged: ending a role is a recorded change, so the very next page knows."""
    from commissioning.organisations.models import Membership
    from commissioning.organisations.services import end_membership

    client.force_login(economy.commissioner)
    new = reverse("specification-new")
    assert client.get(new).status_code == 200
    assert client.get(new).status_code == 200  # the roles read from what was kept
    role = Membership.objects.get(user=economy.commissioner, role="commissioner")
    end_membership(role, dt.date.today() - dt.timedelta(days=1), SYSTEM)
    assert client.get(new).status_code == 403


def test_a_contract_page_shows_a_signature_made_after_it_was_read(client, cycle):
    """The contract itself is kept between requests (``stored_row``) until the data change."""
    from commissioning.contracts import services as contracts

    contract = cycle.contracted().contract
    client.force_login(cycle.e.commissioner)
    url = reverse("contract", args=[contract.pk])
    assert client.get(url).content.decode().count("Not yet") == 2
    assert client.get(url).content.decode().count("Not yet") == 2  # from what was kept
    with at(AFTER_STANDSTILL + dt.timedelta(days=1)):
        contracts.sign_contract(contract, cycle.e.provider)
    assert client.get(url).content.decode().count("Not yet") == 1


def test_a_kept_page_knows_its_place_and_shows_a_new_row_at_once(economy):
    """``stored_page``: the rows of one page and how many there are in all, kept until the data
    change; a page number out of range is the nearest page, as ``Paginator.get_page`` gives."""
    from commissioning.audit.stored import stored_page
    from commissioning.organisations.models import Organisation
    from commissioning.organisations.services import OrganisationData, save_organisation
    from commissioning.organisations.vocabulary import OrganisationType

    rows = Organisation.objects.order_by("code")
    total = rows.count()
    first = stored_page("t", rows, 2, "1")
    assert [o.code for o in first] == [o.code for o in rows[:2]]
    assert first.paginator.count == total and first.paginator.num_pages == -(-total // 2)
    assert first.has_next() and not first.has_previous()
    last = stored_page("t", rows, 2, "999")  # out of range: the last page
    assert last.number == first.paginator.num_pages and not last.has_next()
    assert stored_page("t", rows, 2, "1").object_list == first.object_list  # kept
    save_organisation(OrganisationData("A0001", "A new trust", OrganisationType.NHS_TRUST), SYSTEM)
    again = stored_page("t", rows, 2, "1")
    assert again.paginator.count == total + 1 and again[0].code == "A0001"
