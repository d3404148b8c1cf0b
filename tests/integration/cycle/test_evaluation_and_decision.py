"""Conflicts, scoring, moderation, the decision, notices, representations and standstill."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from commissioning.organisations.models import DelegatedAuthority, Membership
from commissioning.selection import services as sel
from commissioning.selection.models import Decision, Representation, Score
from tests.cycle import (
    AFTER_STANDSTILL,
    DEADLINE,
    DECISION_DAY,
    STANDSTILL_LAST_DAY,
    at,
    scores,
)

pytestmark = pytest.mark.django_db
AFTER_DEADLINE = DEADLINE + dt.timedelta(days=1)


def award(cycle, proposal=None, user=None, **extra):
    return sel.decide(
        cycle.process,
        sel.DecisionInput(
            outcome="award",
            rationale="The proposal best meets the outcomes at a price within the envelope.",
            awarded_proposal_ids=((proposal or cycle.proposal).pk,),
            **extra,
        ),
        user or cycle.e.commissioner,
    )


def test_scoring_waits_for_the_deadline(cycle):
    cycle.proposed()
    sel.declare_interests(cycle.process, sel.DeclarationInput(False), cycle.e.commissioner)
    with at(DEADLINE), pytest.raises(ValidationError, match="Scoring starts after"):
        sel.score_proposal(cycle.proposal, scores(3), cycle.e.commissioner)


def test_an_evaluator_must_declare_before_scoring(cycle):
    cycle.proposed()
    with at(AFTER_DEADLINE), pytest.raises(PermissionDenied, match="Declare your interests"):
        sel.score_proposal(cycle.proposal, scores(3), cycle.e.quality_lead)


def test_an_evaluator_excluded_from_a_provider_scores_only_the_others(cycle):
    cycle.proposed()
    with at(AFTER_DEADLINE):
        declared = sel.declare_interests(
            cycle.process,
            sel.DeclarationInput(True, "My spouse works at the trust", cycle.e.rje.pk),
            cycle.e.quality_lead,
        )
        with pytest.raises(PermissionDenied, match="not yet been managed"):
            sel.score_proposal(cycle.rival_proposal, scores(3), cycle.e.quality_lead)
        with pytest.raises(PermissionDenied):  # only a commissioner manages interests
            sel.manage_declaration(declared, "proceed", "fine", cycle.e.quality_lead)
        sel.manage_declaration(
            declared, "exclude_provider", "Excluded from RJE", cycle.e.commissioner
        )
        sel.score_proposal(cycle.rival_proposal, scores(3), cycle.e.quality_lead)
        with pytest.raises(PermissionDenied, match="excluded from this provider"):
            sel.score_proposal(cycle.proposal, scores(3), cycle.e.quality_lead)


def test_nobody_manages_their_own_interest(cycle):
    cycle.proposed()
    own = sel.declare_interests(
        cycle.process,
        sel.DeclarationInput(True, "I chair the trust's charity"),
        cycle.e.commissioner,
    )
    with pytest.raises(ValidationError, match="Someone else"):
        sel.manage_declaration(own, "proceed", "Not material", cycle.e.commissioner)
    sel.manage_declaration(own, "exclude_process", "Stands aside", cycle.e.deputy)
    with at(DECISION_DAY), pytest.raises(PermissionDenied, match="excluded from this process"):
        award(cycle)


def test_scores_need_every_criterion_with_a_reason_and_are_final(cycle):
    cycle.declared()
    partial = scores(3)
    del partial["value"]
    partial["access"] = sel.CriterionScore(9, "")
    with at(AFTER_DEADLINE), pytest.raises(ValidationError) as caught:
        sel.score_proposal(cycle.proposal, partial, cycle.e.commissioner)
    assert set(caught.value.message_dict) == {"value_score", "access_score", "access_justification"}
    assert not Score.objects.exists()
    with at(AFTER_DEADLINE):
        sel.score_proposal(cycle.proposal, scores(3), cycle.e.commissioner)
        with pytest.raises(ValidationError, match="already scored"):
            sel.score_proposal(cycle.proposal, scores(4), cycle.e.commissioner)


def test_moderation_waits_for_an_evaluator_who_has_not_yet_declared(cycle):
    cycle.proposed()
    with at(AFTER_DEADLINE):
        sel.declare_interests(cycle.process, sel.DeclarationInput(False), cycle.e.commissioner)
        sel.score_proposal(cycle.proposal, scores(3), cycle.e.commissioner)
        with pytest.raises(ValidationError, match="Every evaluator must score"):
            sel.moderate_proposal(cycle.proposal, scores(3), cycle.e.commissioner)


def test_moderation_waits_for_every_evaluator(cycle):
    cycle.declared()
    with at(AFTER_DEADLINE):
        sel.score_proposal(cycle.proposal, scores(3), cycle.e.commissioner)
        with pytest.raises(ValidationError, match="Every evaluator must score"):
            sel.moderate_proposal(cycle.proposal, scores(3), cycle.e.commissioner)


def test_only_a_commissioner_with_delegated_authority_decides(cycle):
    cycle.moderated()
    for name in (
        "deputy",
        "contract_manager",
        "clinical_adviser",
        "provider",
        "other_commissioner",
    ):
        user = cycle.e.users[name]
        if name == "deputy":
            sel.declare_interests(cycle.process, sel.DeclarationInput(False), user)
        with at(DECISION_DAY), pytest.raises(PermissionDenied):
            award(cycle, user=user)
    assert not Decision.objects.exists()


def test_a_decision_above_the_delegated_limit_is_refused_and_can_be_referred(cycle):
    cycle.moderated()
    DelegatedAuthority.objects.update(limit_pence=5_000_000_00)
    with at(DECISION_DAY), pytest.raises(PermissionDenied, match="Refer it"):
        award(cycle)
    DelegatedAuthority.objects.update(limit_pence=11_000_000_00)
    with at(DECISION_DAY):
        assert award(cycle).value_pence == 11_000_000_00


def test_a_decision_maker_must_have_declared_interests(cycle):
    cycle.scored()
    Membership.objects.create(user=cycle.e.deputy, organisation=cycle.e.icb, role="finance_lead")
    DelegatedAuthority.objects.create(
        user=cycle.e.deputy,
        budget=cycle.e.budget,
        limit_pence=10**12,
        start_date=dt.date(2026, 1, 1),
    )
    with at(DECISION_DAY), pytest.raises(PermissionDenied, match="Declare your interests"):
        award(cycle, user=cycle.e.deputy)


def test_an_award_needs_the_moderated_evaluation(cycle):
    cycle.scored()
    with at(DECISION_DAY), pytest.raises(ValidationError, match="moderate every proposal"):
        award(cycle)


def test_departing_from_the_ranking_must_be_confirmed_and_is_recorded(cycle):
    cycle.moderated()
    with at(DECISION_DAY), pytest.raises(ValidationError) as caught:
        award(cycle, proposal=cycle.rival_proposal)
    assert "did not score highest" in caught.value.message_dict["departure_confirmed"][0]
    with at(DECISION_DAY):
        decision = award(cycle, proposal=cycle.rival_proposal, departure_confirmed=True)
    assert decision.departs_from_ranking


def test_one_standing_decision_at_a_time(cycle):
    cycle.decided()
    with at(DECISION_DAY), pytest.raises(ValidationError):
        award(cycle)


def test_deciding_to_change_the_specification_starts_a_new_version(cycle):
    cycle.moderated()
    with at(DECISION_DAY):
        decision = sel.decide(
            cycle.process,
            sel.DecisionInput(
                "change_specification",
                "Neither proposal meets the thrombectomy outcome; widen the area.",
            ),
            cycle.e.commissioner,
        )
    assert decision.new_version.version == 2 and decision.new_version.status == "draft"
    assert decision.value_pence == cycle.spec.financial_envelope_pence
    cycle.process.refresh_from_db()
    assert cycle.process.status == "closed"


def test_advice_considered_must_be_advice_on_this_specification(cycle):
    cycle.moderated()
    with at(DECISION_DAY), pytest.raises(ValidationError) as caught:
        award(cycle, advice_considered_ids=(cycle.advice.pk + 100,))
    assert set(caught.value.message_dict) == {"advice_considered_ids"}


def test_the_contract_waits_for_standstill(cycle):
    from commissioning.contracts import services as contracts

    cycle.decided()
    contract = contracts.ContractInput(cycle.proposal.pk, dt.date(2026, 5, 1), dt.date(2029, 4, 30))
    with at(DECISION_DAY), pytest.raises(ValidationError, match="Publish the notice"):
        contracts.create_contract(cycle.decision, contract, cycle.e.contract_manager)
    with at(DECISION_DAY):
        decision = sel.publish_notice(cycle.decision, cycle.e.commissioner)
    assert sel.state_of(decision, DECISION_DAY).last_day == STANDSTILL_LAST_DAY
    with at(STANDSTILL_LAST_DAY), pytest.raises(ValidationError, match="Standstill runs"):
        contracts.create_contract(decision, contract, cycle.e.contract_manager)
    with at(AFTER_STANDSTILL):
        assert contracts.create_contract(decision, contract, cycle.e.contract_manager).pk


def test_a_representation_holds_standstill_open_until_answered(cycle):
    cycle.noticed()
    e = cycle.e
    with at(DECISION_DAY + dt.timedelta(days=2)):
        with pytest.raises(PermissionDenied):  # the clinical adviser did not bid
            sel.make_representation(cycle.decision, e.rje.pk, "Unfair", e.clinical_adviser)
        rep = sel.make_representation(cycle.decision, e.rwe.pk, "Our price was lower.", e.rival)
    with at(AFTER_STANDSTILL):
        state = sel.state_of(cycle.decision)
        assert state.held_open and not state.contract_may_be_made
        with pytest.raises(PermissionDenied):
            sel.respond_to_representation(rep, True, "No", e.clinical_adviser)
        sel.respond_to_representation(
            rep, True, "Reviewed: quality outweighs price.", e.commissioner
        )
        state = sel.state_of(cycle.decision)
    # 5 more working days after Tuesday 7 April 2026
    assert state.last_day == dt.date(2026, 4, 14) and not state.contract_may_be_made
    assert sel.state_of(cycle.decision, dt.date(2026, 4, 15)).contract_may_be_made


def test_representations_only_during_standstill(cycle):
    cycle.noticed()
    with at(AFTER_STANDSTILL), pytest.raises(ValidationError, match="during the standstill"):
        sel.make_representation(cycle.decision, cycle.e.rwe.pk, "Late", cycle.e.rival)


def test_withdrawing_after_a_representation_reopens_the_decision(cycle):
    cycle.noticed()
    with at(DECISION_DAY + dt.timedelta(days=1)):
        rep = sel.make_representation(
            cycle.decision, cycle.e.rwe.pk, "Scoring error", cycle.e.rival
        )
        sel.respond_to_representation(
            rep, False, "We found an error in moderation.", cycle.e.commissioner
        )
    cycle.decision.refresh_from_db()
    cycle.process.refresh_from_db()
    rep.refresh_from_db()
    assert cycle.decision.status == "withdrawn" and cycle.process.status == "inviting"
    assert rep.status == Representation.Status.DECISION_WITHDRAWN
    with at(DECISION_DAY + dt.timedelta(days=2)):
        again = award(cycle, proposal=cycle.rival_proposal, departure_confirmed=True)
    assert again.status == "recorded"


def test_a_direct_award_a_needs_no_evaluation_or_standstill(cycle):
    from commissioning.contracts import services as contracts

    cycle.set_up(
        route="",
        existing_service=True,
        existing_provider_only_capable=True,
        incumbent_id=cycle.e.rje.pk,
    )
    assert cycle.process.route == "direct_award_a"
    with at(DEADLINE - dt.timedelta(days=10)):
        process = sel.invite_proposals(
            cycle.process,
            sel.Invitation(
                {
                    "quality_innovation": 20,
                    "value": 20,
                    "integration": 20,
                    "access": 20,
                    "social_value": 20,
                },
                DEADLINE,
            ),
            cycle.e.commissioner,
        )
        cycle.process = process
        cycle.proposal = cycle._propose(cycle.e.provider, cycle.e.rje, 9_000_000_00)
    with at(AFTER_DEADLINE):
        sel.declare_interests(process, sel.DeclarationInput(False), cycle.e.commissioner)
        decision = award(cycle)
        state = sel.state_of(decision)
        assert state.contract_may_be_made and not state.needs_standstill
        contract = contracts.create_contract(
            decision,
            contracts.ContractInput(cycle.proposal.pk, AFTER_DEADLINE, dt.date(2029, 3, 16)),
            cycle.e.commissioner,
        )
    assert contract.value_pence == 9_000_000_00
