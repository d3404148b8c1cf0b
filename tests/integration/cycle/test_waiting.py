"""What waits for each person as a commissioning cycle moves through its stages (the home
page's work queue: selection's and contracts' sources), and that every item's link opens for
the person it is shown to."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commissioning.contracts import services as contracts
from commissioning.contracts.queries.waiting import waiting_for as contract_work
from commissioning.selection import services as sel
from commissioning.selection.models import Advice
from commissioning.selection.queries.waiting import waiting_for as selection_work
from commissioning.selection.rules.award import Outcome
from commissioning.ui.worklist import work_for
from tests.cycle import (
    AFTER_STANDSTILL,
    DAY0,
    DEADLINE,
    DECISION_DAY,
    STANDSTILL_LAST_DAY,
    Cycle,
    at,
    scores,
)
from tests.worklist import follow

pytestmark = pytest.mark.django_db

SERVICE = "Hyper-acute stroke unit"
ICB = "NHS Synthetic Test ICB"
RJE = "University Hospitals of North Midlands NHS Trust"
RWE = "University Hospitals of Leicester NHS Trust"
TO_DO, WAITING = "to do", "waiting"


def seen(client, user, day) -> list[tuple]:
    """What ``user`` sees on ``day``, as (title, url, due, to do or waiting), having followed
    every item's link as them: each page answers 200."""
    with at(day):
        items = selection_work(user) + contract_work(user)
        client.force_login(user)
        for item in items:
            follow(client, item)
    return sorted((i.title, i.url, i.due, WAITING if i.waiting_on else TO_DO) for i in items)


def waiting_on(user, day, title) -> str:
    with at(day):
        items = selection_work(user) + contract_work(user)
    return next(i.waiting_on for i in items if i.title == title)


def test_someone_with_no_part_in_the_cycle_sees_nothing_and_costs_one_query(
    client, cycle, django_assert_max_num_queries
):
    cycle.noticed()
    e = cycle.e
    day = DECISION_DAY + dt.timedelta(days=1)
    for name in ("budget_holder", "care_coordinator", "auditor", "administrator", "finance_lead",
                 "senate_adviser", "provider_clinician", "other_commissioner"):  # fmt: skip
        assert seen(client, e.users[name], day) == [], name
    for source in (selection_work, contract_work):
        with at(day), django_assert_max_num_queries(1):
            assert source(e.budget_holder) == []


def test_advice_waits_for_the_adviser_and_the_commissioner_waits_for_it(client, cycle):
    cycle.consulting()
    e, day = cycle.e, DAY0 + dt.timedelta(days=1)
    url = reverse("advice-request", args=[cycle.advice_request.pk])
    due = DAY0 + dt.timedelta(days=7)
    assert seen(client, e.clinical_adviser, day) == [(f"Give advice on {SERVICE}", url, due, TO_DO)]
    assert seen(client, e.commissioner, day) == [
        (f"Clinical advice on {SERVICE}", url, due, WAITING)
    ]
    assert waiting_on(e.commissioner, day, f"Clinical advice on {SERVICE}") == (
        "Waiting for advice from Cardiovascular Strategic Clinical Network"
    )
    assert seen(client, e.senate_adviser, day) == []
    with at(day):
        sel.give_advice(
            cycle.advice_request,
            sel.AdviceInput(
                recommendation=Advice.Recommendation.SUPPORT, summary="Safe with monitoring."
            ),
            e.clinical_adviser,
        )
    assert seen(client, e.clinical_adviser, day) == []
    assert seen(client, e.commissioner, day) == []


def test_a_provider_is_invited_writes_a_draft_and_asks_a_question(client, cycle):
    cycle.inviting()
    e, day = cycle.e, DAY0 + dt.timedelta(days=4)
    p = cycle.process
    assert seen(client, e.provider, day) == [
        ("1 service is inviting proposals", reverse("opportunities"), DEADLINE, TO_DO)
    ]
    with at(day):
        draft = sel.create_proposal(
            p,
            sel.ProposalInput(e.rje.pk, "", "We will run it.", 2_000, 11_000_000_00),
            e.provider,
        )
        sel.ask_clarification(p, sel.ClarificationInput(e.rje.pk, "Weekend cover?"), e.provider)
    assert seen(client, e.provider, day) == [
        (f"Submit your proposal for {SERVICE}", reverse("proposal", args=[draft.pk]), DEADLINE,
         TO_DO)
    ]  # fmt: skip
    assert seen(client, e.rival, day) == [
        ("1 service is inviting proposals", reverse("opportunities"), DEADLINE, TO_DO)
    ]
    answer = (f"Answer 1 question from bidders on {SERVICE}", reverse("selection", args=[p.pk]),
              DEADLINE, TO_DO)  # fmt: skip
    declare = (f"Declare your interests for {SERVICE}", reverse("declare", args=[p.pk]),
               DEADLINE + dt.timedelta(days=1), TO_DO)  # fmt: skip
    assert seen(client, e.contract_manager, day) == [answer]
    assert seen(client, e.commissioner, day) == sorted([answer, declare])
    assert seen(client, e.quality_lead, day) == [declare]
    # After the deadline a draft can no longer be submitted, and nothing is open to answer.
    assert seen(client, e.provider, DEADLINE + dt.timedelta(days=1)) == []


def test_evaluators_declare_then_score_then_the_commissioner_moderates_and_decides(client, cycle):
    cycle.proposed()
    e, p = cycle.e, cycle.process
    evaluation = reverse("evaluation", args=[p.pk])
    declare = (f"Declare your interests for {SERVICE}", reverse("declare", args=[p.pk]),
               DEADLINE + dt.timedelta(days=1), TO_DO)  # fmt: skip
    assert seen(client, e.quality_lead, DEADLINE) == [declare]
    assert seen(client, e.commissioner, DEADLINE) == [declare]
    yours = (f"Your proposal for {SERVICE}", reverse("proposal", args=[cycle.proposal.pk]), None,
             WAITING)  # fmt: skip
    assert seen(client, e.provider, DEADLINE) == [yours]
    assert waiting_on(e.provider, DEADLINE, yours[0]) == f"Waiting for {ICB}'s decision"

    day = DEADLINE + dt.timedelta(days=1)
    with at(day):
        for user in (e.commissioner, e.quality_lead):
            sel.declare_interests(p, sel.DeclarationInput(has_interest=False), user)
    score_both = (f"Score 2 proposals for {SERVICE}", evaluation, None, TO_DO)
    assert seen(client, e.quality_lead, day) == [score_both]
    scoring = (f"Scoring of the proposals for {SERVICE}", evaluation, None, WAITING)
    assert seen(client, e.commissioner, day) == [score_both, scoring]
    assert waiting_on(e.commissioner, day, scoring[0]) == "Waiting for scores from Quality Tester"

    with at(day):
        sel.score_proposal(cycle.proposal, scores(4), e.quality_lead)
    assert seen(client, e.quality_lead, day) == [
        (f"Score 1 proposal for {SERVICE}", reverse("score", args=[cycle.rival_proposal.pk]),
         None, TO_DO)
    ]  # fmt: skip
    with at(day):
        sel.score_proposal(cycle.rival_proposal, scores(3), e.quality_lead)
        for proposal in (cycle.proposal, cycle.rival_proposal):
            sel.score_proposal(proposal, scores(4), e.commissioner)
    assert seen(client, e.quality_lead, day) == []
    assert seen(client, e.commissioner, day) == [
        (f"Moderate 2 proposals for {SERVICE}", evaluation, None, TO_DO)
    ]
    with at(day):
        sel.moderate_proposal(cycle.proposal, scores(4, "Agreed"), e.commissioner)
    assert seen(client, e.commissioner, day) == [
        (f"Moderate 1 proposal for {SERVICE}",
         reverse("moderate", args=[cycle.rival_proposal.pk]), None, TO_DO)
    ]  # fmt: skip
    with at(day):
        sel.moderate_proposal(cycle.rival_proposal, scores(3, "Agreed"), e.commissioner)
    assert seen(client, e.commissioner, day) == [
        (f"Take the decision on {SERVICE}", reverse("decide", args=[p.pk]), None, TO_DO)
    ]
    # A commissioner without delegated authority on the budget does not take it.
    assert seen(client, e.deputy, day) == []
    assert seen(client, e.quality_lead, day) == []


def test_a_declared_interest_is_managed_before_the_evaluator_takes_part(client, cycle):
    cycle.proposed()
    e, p = cycle.e, cycle.process
    evaluation = reverse("evaluation", args=[p.pk])
    day = DEADLINE + dt.timedelta(days=1)
    with at(day):
        sel.declare_interests(p, sel.DeclarationInput(False), e.commissioner)
        declared = sel.declare_interests(
            p, sel.DeclarationInput(True, "My spouse works at the trust", e.rje.pk), e.quality_lead
        )
    mine = (f"Your declared interest in the selection for {SERVICE}", evaluation, None, WAITING)
    assert seen(client, e.quality_lead, day) == [mine]
    assert waiting_on(e.quality_lead, day, mine[0]) == (
        f"Waiting for {ICB} to decide how it is managed"
    )
    assert (f"Manage 1 declared interest for {SERVICE}", evaluation, None, TO_DO) in seen(
        client, e.commissioner, day
    )
    with at(day):
        sel.manage_declaration(declared, "exclude_provider", "Spouse at RJE", e.commissioner)
        for proposal in (cycle.proposal, cycle.rival_proposal):
            sel.score_proposal(proposal, scores(4), e.commissioner)
    rival_score = reverse("score", args=[cycle.rival_proposal.pk])
    assert seen(client, e.quality_lead, day) == [
        (f"Score 1 proposal for {SERVICE}", rival_score, None, TO_DO)
    ]
    # The provider the quality lead is excluded from is ready to moderate; the other waits.
    assert seen(client, e.commissioner, day) == [
        (f"Moderate 1 proposal for {SERVICE}", reverse("moderate", args=[cycle.proposal.pk]),
         None, TO_DO),
        (f"Scoring of the proposals for {SERVICE}", evaluation, None, WAITING),
    ]  # fmt: skip


def test_the_decision_the_notice_the_standstill_and_a_representation(client, cycle):
    cycle.decided()
    e, d = cycle.e, cycle.decision
    decision = reverse("decision", args=[d.pk])
    awarded = f"Awarded: your proposal for {SERVICE}"
    not_awarded = f"Not awarded: your proposal for {SERVICE}"
    assert seen(client, e.commissioner, DECISION_DAY) == [
        (f"Publish the notice of intention to award for {SERVICE}", decision, None, TO_DO)
    ]
    assert seen(client, e.provider, DECISION_DAY) == [(awarded, decision, None, WAITING)]
    assert seen(client, e.rival, DECISION_DAY) == [(not_awarded, decision, None, WAITING)]
    assert waiting_on(e.rival, DECISION_DAY, not_awarded) == (
        f"Waiting for {ICB} to publish the notice of intention to award"
    )
    assert seen(client, e.contract_manager, DECISION_DAY) == []

    with at(DECISION_DAY):
        d = sel.publish_notice(d, e.commissioner)
    day = DECISION_DAY + dt.timedelta(days=1)
    standstill = (f"Standstill on the award for {SERVICE}", decision, STANDSTILL_LAST_DAY, WAITING)
    for user in (e.commissioner, e.deputy, e.contract_manager):
        assert seen(client, user, day) == [standstill], user.username
    assert seen(client, e.provider, day) == [(awarded, decision, STANDSTILL_LAST_DAY, WAITING)]
    represent = f"Make any representation about the award for {SERVICE}"
    assert seen(client, e.rival, day) == [(represent, decision, STANDSTILL_LAST_DAY, TO_DO)]
    with at(day):
        items = selection_work(e.provider) + selection_work(e.rival)
    assert {i.due_label for i in items} == {"Standstill ends"}

    day = DECISION_DAY + dt.timedelta(days=2)
    with at(day):
        rep = sel.make_representation(d, e.rwe.pk, "Our price was lower.", e.rival)
    respond = f"Respond to the representation from {RWE} about the award for {SERVICE}"
    assert seen(client, e.commissioner, day) == [(respond, decision, None, TO_DO)]
    held = (f"Standstill on the award for {SERVICE}", decision, None, WAITING)
    assert seen(client, e.contract_manager, day) == [held]
    assert seen(client, e.rival, day) == [(not_awarded, decision, None, WAITING)]
    assert waiting_on(e.rival, day, not_awarded) == (
        f"Waiting for {ICB}'s response to your representation"
    )
    assert seen(client, e.provider, day) == [(awarded, decision, None, WAITING)]
    with at(day):
        sel.respond_to_representation(rep, True, "Quality outweighs price.", e.commissioner)
    assert seen(client, e.commissioner, day) == [standstill]


def test_after_standstill_the_contract_is_made_and_signed(client, cycle):
    cycle.noticed()
    e, d = cycle.e, cycle.decision
    day = AFTER_STANDSTILL
    make = (f"Make the contract for {SERVICE} with {RJE}", reverse("contract-new", args=[d.pk]),
            None, TO_DO)  # fmt: skip
    assert seen(client, e.contract_manager, day) == [make]
    assert seen(client, e.commissioner, day) == [make]
    awarded = f"Awarded: your proposal for {SERVICE}"
    assert seen(client, e.provider, day) == [
        (awarded, reverse("decision", args=[d.pk]), None, WAITING)
    ]
    assert waiting_on(e.provider, day, awarded) == f"Waiting for {ICB} to make the contract"
    assert seen(client, e.rival, day) == []  # the standstill is over
    assert seen(client, e.deputy, STANDSTILL_LAST_DAY) == [
        (f"Standstill on the award for {SERVICE}", reverse("decision", args=[d.pk]),
         STANDSTILL_LAST_DAY, WAITING)
    ]  # fmt: skip

    with at(day):
        contract = contracts.create_contract(
            d,
            contracts.ContractInput(
                cycle.proposal.pk, dt.date(2026, 5, 1), dt.date(2029, 4, 30),
                associate_ids=(e.other_icb.pk,),
            ),
            e.contract_manager,
        )  # fmt: skip
    url = reverse("contract", args=[contract.pk])
    sign = (f"Sign the contract for {SERVICE}", url, None, TO_DO)
    signatures = (f"Signatures on the contract for {SERVICE}", url, None, WAITING)
    assert seen(client, e.provider, day) == [sign]
    assert seen(client, e.commissioner, day) == [sign]
    assert seen(client, e.contract_manager, day) == [signatures]
    assert waiting_on(e.contract_manager, day, signatures[0]) == (
        f"Waiting for {RJE} and {ICB} to sign"
    )
    assert seen(client, e.other_commissioner, day) == []
    with at(day):
        contracts.sign_contract(contract, e.provider)
    assert seen(client, e.provider, day) == [signatures]
    assert waiting_on(e.provider, day, signatures[0]) == f"Waiting for {ICB} to sign"
    assert seen(client, e.commissioner, day) == [sign]
    with at(day):
        contracts.sign_contract(contract, e.commissioner)
    for user in (e.provider, e.commissioner, e.contract_manager):
        assert seen(client, user, day) == [], user.username


def test_a_variation_waits_for_the_provider_and_the_associates_then_the_signature(client, cycle):
    cycle.signed()
    e = cycle.e
    day = AFTER_STANDSTILL + dt.timedelta(days=2)
    with at(day):
        contracts.propose_variation(
            cycle.contract, contracts.VariationInput("Weekend clinics", 250_000_00),
            e.contract_manager,
        )  # fmt: skip
    url = reverse("contract", args=[cycle.contract.pk])
    assert seen(client, e.other_commissioner, day) == [
        (f"Approve variation 1 to the contract for {SERVICE}", url, None, TO_DO)
    ]
    variation = f"Variation 1 to the contract for {SERVICE}"
    assert seen(client, e.commissioner, day) == [(variation, url, None, WAITING)]
    assert waiting_on(e.commissioner, day, variation) == (
        f"Waiting for {RJE} to agree and NHS Synthetic Neighbour ICB to approve"
    )
    # The provider's step (General Condition 13): its representative agrees or declines.
    answer = reverse("variation-answer", args=[cycle.contract.pk, 1])
    assert seen(client, e.provider, day) == [
        (f"Agree or decline variation 1 to the contract for {SERVICE}", answer, None, TO_DO)
    ]
    assert seen(client, e.rival, day) == []
    with at(day):
        contracts.approve_variation(cycle.contract.variations.get(), e.other_commissioner)
    assert seen(client, e.other_commissioner, day) == []
    assert waiting_on(e.commissioner, day, variation) == f"Waiting for {RJE} to agree"
    with at(day):
        client.force_login(e.provider)
        client.post(answer, {"agree": "yes"})
    assert seen(client, e.provider, day) == []
    assert seen(client, e.commissioner, day) == [
        (f"Sign variation 1 to the contract for {SERVICE}", url, None, TO_DO)
    ]


def test_a_decision_to_award_nothing_is_news_for_the_bidders_for_a_month(client, cycle):
    cycle.moderated()
    e = cycle.e
    with at(DECISION_DAY):
        decision = sel.decide(
            cycle.process,
            sel.DecisionInput(
                Outcome.NOT_AWARD, "Neither proposal is affordable within the envelope."
            ),
            e.commissioner,
        )
    read = (f"Read the decision on {SERVICE}: no contract is awarded",
            reverse("decision", args=[decision.pk]), None, TO_DO)  # fmt: skip
    assert seen(client, e.provider, DECISION_DAY) == [read]
    assert seen(client, e.rival, DECISION_DAY + dt.timedelta(days=30)) == [read]
    assert seen(client, e.rival, DECISION_DAY + dt.timedelta(days=31)) == []
    assert seen(client, e.commissioner, DECISION_DAY) == []


def test_a_direct_award_is_decided_after_the_deadline_and_its_contract_made_at_once(client, cycle):
    cycle.set_up(route="", existing_service=True, existing_provider_only_capable=True,
                 incumbent_id=cycle.e.rje.pk)  # fmt: skip
    e = cycle.e
    weights = {"quality_innovation": 20, "value": 20, "integration": 20, "access": 20,
               "social_value": 20}  # fmt: skip
    with at(DAY0 + dt.timedelta(days=4)):
        cycle.process = sel.invite_proposals(
            cycle.process, sel.Invitation(weights, DEADLINE), e.commissioner
        )
    cycle.proposal = cycle._propose(e.provider, e.rje, 9_000_000_00)
    day = DEADLINE + dt.timedelta(days=1)
    p = cycle.process
    assert seen(client, e.commissioner, DEADLINE) == []
    assert seen(client, e.commissioner, day) == [
        (f"Declare your interests for {SERVICE}", reverse("declare", args=[p.pk]), None, TO_DO)
    ]
    with at(day):
        sel.declare_interests(p, sel.DeclarationInput(False), e.commissioner)
    assert seen(client, e.commissioner, day) == [
        (f"Take the decision on {SERVICE}", reverse("decide", args=[p.pk]), None, TO_DO)
    ]
    with at(day):
        decision = sel.decide(
            p,
            sel.DecisionInput(Outcome.AWARD, "The only capable provider, within the budget.",
                              (cycle.proposal.pk,)),
            e.commissioner,
        )  # fmt: skip
    assert seen(client, e.commissioner, day) == sorted(
        [
            (f"Publish the award notice for {SERVICE}", reverse("decision", args=[decision.pk]),
             day + dt.timedelta(days=30), TO_DO),
            (f"Make the contract for {SERVICE} with {RJE}",
             reverse("contract-new", args=[decision.pk]), None, TO_DO),
        ]
    )  # fmt: skip


def test_the_home_page_gathers_both_apps_work(client, cycle):
    cycle.contracted()
    with at(AFTER_STANDSTILL):
        work = work_for(cycle.e.provider)
        client.force_login(cycle.e.provider)
        assert client.get(reverse("home")).status_code == 200
    assert f"Sign the contract for {SERVICE}" in [i.title for i in work.to_do]


def test_a_busy_commissioner_s_queue_is_read_in_a_few_queries(cycle, django_assert_max_num_queries):
    cycle.noticed()
    e = cycle.e
    with at(DECISION_DAY + dt.timedelta(days=2)):
        sel.make_representation(cycle.decision, e.rwe.pk, "Our price was lower.", e.rival)
        with django_assert_max_num_queries(10):
            assert selection_work(e.commissioner)
        with django_assert_max_num_queries(10):
            assert selection_work(e.rival)
        with django_assert_max_num_queries(10):
            contract_work(e.commissioner)


def test_the_queries_grow_with_the_items_shown_not_with_the_rows_read(cycle):
    """The rows are read in a fixed number of queries; an item whose permission asks the
    database (is this person an evaluator, did they bid) may add one small query."""
    cycle.scored()
    day = DEADLINE + dt.timedelta(days=3)

    def queries(user) -> tuple[int, int]:
        with at(day), CaptureQueriesContext(connection) as done:
            items = selection_work(user) + contract_work(user)
        return len(done), len(items)

    one = {u: queries(cycle.e.users[u]) for u in ("commissioner", "quality_lead", "provider")}
    Cycle(cycle.e).scored()
    two = {u: queries(cycle.e.users[u]) for u in ("commissioner", "quality_lead", "provider")}
    assert one["commissioner"][1] and one["provider"][1]
    for user, (count, items) in one.items():
        assert two[user][1] == 2 * items, user
        assert count <= two[user][0] <= count + items, (user, count, two[user])


def test_the_quality_workspace_shows_your_providers_first_and_england_on_request(client, cycle):
    """Issue 18: /quality/ listed every trust in England for everyone (33,000 px tall)."""
    import datetime as dt

    from commissioning.organisations.models import Organisation
    from commissioning.reference.models import AEAttendance

    contract = cycle.signed().contract
    other = (
        Organisation.objects.exclude(pk=contract.provider_id)
        .filter(org_type__in=("nhs_trust", "foundation_trust"))
        .first()
    )
    for org in (contract.provider, other):
        for m in range(12):
            AEAttendance.objects.create(
                period=dt.date(2023, m + 1, 1), org_code=org.code, department_type="1",
                attendances=1_000, breaches=100 + m, admissions=200,
            )  # fmt: skip
    client.force_login(cycle.e.quality_lead)
    mine = client.get(reverse("quality")).content.decode()
    assert contract.provider.display_name in mine and other.display_name not in mine
    assert "Show every trust in England" in mine
    england = client.get(reverse("quality"), {"scope": "england"}).content.decode()
    assert other.display_name in england and "Show your providers only" in england
