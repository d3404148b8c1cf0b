"""Who may do what in the commissioning cycle: every service, called by every role.

Each row sets up the stage the service needs, then calls the service once as each role (inside
a savepoint that is rolled back). Y = the service did it; . = it refused with PermissionDenied.
Anything else (a validation error) would mean the scenario is wrong, and fails the test.

The people: the commissioner holds delegated authority on the budget; the contract manager,
quality lead, finance lead, care coordinator, auditor, administrator and budget holder work at
the same commissioner; the clinical adviser works for the cardiovascular network that was asked
for advice; the provider represents RJE, which bids. In the evaluation stages every one of the
five roles that may evaluate has been named an evaluator and has declared no interests.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

import pytest
from django.core.exceptions import PermissionDenied

from commissioning.contracts import services as contracts
from commissioning.contracts.models import Contract, ContractVariation
from commissioning.selection import services as sel
from commissioning.selection.models import (
    AdviceRequest,
    Clarification,
    ConflictDeclaration,
    Decision,
    Proposal,
    Representation,
    SelectionProcess,
)
from commissioning.specifications import services as specs
from commissioning.specifications.models import (
    QualityRequirement,
    ServiceSpecification,
    SpecificationOutcome,
)
from tests.cycle import (
    AFTER_STANDSTILL,
    DAY0,
    DEADLINE,
    DECISION_DAY,
    Cycle,
    at,
    indicator,
    scores,
    spec_input,
)
from tests.permissions import permitted

pytestmark = pytest.mark.django_db

ROLES = ["commissioner", "contract_manager", "quality_lead", "finance_lead", "clinical_adviser",
         "provider", "budget_holder", "care_coordinator", "auditor", "administrator"]  # fmt: skip
EVALUATORS = (
    "commissioner",
    "contract_manager",
    "quality_lead",
    "finance_lead",
    "clinical_adviser",
)
DAY = DAY0 + dt.timedelta(days=4)
AFTER_DEADLINE = DEADLINE + dt.timedelta(days=1)

# fmt: off
#                               comm cm   ql   fl   ca   prov bh   cc   aud  adm
MATRIX = {
    "create_specification":       "Y    .    .    .    .    .    .    .    .    .",
    "update_specification":       "Y    .    .    .    .    .    .    .    .    .",
    "add_outcome":                "Y    .    .    .    .    .    .    .    .    .",
    "remove_outcome":             "Y    .    .    .    .    .    .    .    .    .",
    "add_quality_requirement":    "Y    .    .    .    .    .    .    .    .    .",
    "remove_quality_requirement": "Y    .    .    .    .    .    .    .    .    .",
    "change_status":              "Y    .    .    .    .    .    .    .    .    .",
    "start_new_version":          "Y    .    .    .    .    .    .    .    .    .",
    "request_advice":             "Y    .    .    .    .    .    .    .    .    .",
    "give_advice":                ".    .    .    .    Y    .    .    .    .    .",
    "set_up_selection":           "Y    .    .    .    .    .    .    .    .    .",
    "invite_proposals":           "Y    .    .    .    .    .    .    .    .    .",
    "add_evaluator":              "Y    .    .    .    .    .    .    .    .    .",
    "create_proposal":            ".    .    .    .    .    Y    .    .    .    .",
    "update_proposal":            ".    .    .    .    .    Y    .    .    .    .",
    "submit_proposal":            ".    .    .    .    .    Y    .    .    .    .",
    "withdraw_proposal":          ".    .    .    .    .    Y    .    .    .    .",
    "respond_to_proposal":        "Y    .    .    .    .    .    .    .    .    .",
    "ask_clarification":          ".    .    .    .    .    Y    .    .    .    .",
    "answer_clarification":       "Y    Y    .    .    .    .    .    .    .    .",
    "declare_interests":          "Y    Y    Y    Y    Y    .    .    .    .    .",
    "manage_declaration":         "Y    .    .    .    .    .    .    .    .    .",
    "score_proposal":             "Y    Y    Y    Y    Y    .    .    .    .    .",
    "moderate_proposal":          "Y    .    .    .    .    .    .    .    .    .",
    "decide":                     "Y    .    .    .    .    .    .    .    .    .",
    "publish_notice":             "Y    .    .    .    .    .    .    .    .    .",
    "make_representation":        ".    .    .    .    .    Y    .    .    .    .",
    "respond_to_representation":  "Y    .    .    .    .    .    .    .    .    .",
    "withdraw_decision":          "Y    .    .    .    .    .    .    .    .    .",
    "create_contract":            "Y    Y    .    .    .    .    .    .    .    .",
    "sign_contract":              "Y    .    .    .    .    Y    .    .    .    .",
    "propose_variation":          "Y    Y    .    .    .    .    .    .    .    .",
    # Only an associate's commissioner approves (none of these people: see test_variations).
    "approve_variation":          ".    .    .    .    .    .    .    .    .    .",
    "answer_variation":           ".    .    .    .    .    Y    .    .    .    .",
    "sign_variation":             "Y    .    .    .    .    .    .    .    .    .",
}
# fmt: on


@dataclass
class Case:
    stage: Callable[[Cycle], object]  # brings the cycle to where the service applies
    call: Callable[[Cycle, object], object]  # (cycle, user) -> calls the service
    day: dt.date = DAY


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def _evaluating(c: Cycle):
    c.proposed(evaluators=EVALUATORS)
    with at(AFTER_DEADLINE):
        for name in EVALUATORS:
            sel.declare_interests(c.process, sel.DeclarationInput(False), c.e.users[name])


def _all_scored(c: Cycle):
    _evaluating(c)
    with at(AFTER_DEADLINE):
        for name in EVALUATORS:
            for proposal in (c.proposal, c.rival_proposal):
                sel.score_proposal(proposal, scores(4 if proposal == c.proposal else 3),
                                   c.e.users[name])  # fmt: skip


def _draft_proposal(c: Cycle):
    c.inviting()
    outcome = c.spec.outcomes.get()
    with at(DAY):
        return sel.create_proposal(
            c.process,
            sel.ProposalInput(c.e.rje.pk, "", "Draft", 100, 1_000_00, {outcome.pk: "How"}),
            c.e.provider,
        )


def _unsolicited(c: Cycle):
    proposal = sel.create_proposal(
        None,
        sel.ProposalInput(
            c.e.rje.pk, "Stroke rehab", "Early discharge", 10, 10_00, addressed_to_id=c.e.icb.pk
        ),
        c.e.provider,
    )
    return sel.submit_proposal(proposal, c.e.provider)


def _question(c: Cycle):
    c.inviting()
    with at(DAY):
        return sel.ask_clarification(
            c.process, sel.ClarificationInput(c.e.rje.pk, "Q?"), c.e.provider
        )


def _interest(c: Cycle):
    c.proposed()
    return sel.declare_interests(
        c.process, sel.DeclarationInput(True, "Former employee", c.e.rje.pk), c.e.quality_lead
    )


def _representation(c: Cycle):
    c.noticed()
    with at(DECISION_DAY + dt.timedelta(days=1)):
        return sel.make_representation(c.decision, c.e.rwe.pk, "Lower price", c.e.rival)


def _moderate_all(c: Cycle):
    _all_scored(c)
    with at(AFTER_DEADLINE):
        for proposal, s in ((c.proposal, 4), (c.rival_proposal, 3)):
            sel.moderate_proposal(proposal, scores(s, "Agreed"), c.e.commissioner)


def _decision_input(c: Cycle):
    return sel.DecisionInput(
        "award", "Highest moderated score, within the envelope.", (c.proposal.pk,)
    )


def OUTCOME_3B():
    return specs.OutcomeInput(
        indicator("3b").pk, Decimal("14"), Decimal("12"), dt.date(2028, 3, 31)
    )


REQUIREMENT = specs.QualityRequirementInput("safe", "Falls audit", "100%", "Audit")


def setup_input(c):
    return sel.SelectionSetup(budget_id=c.e.budget.pk, route="competitive")


def invitation(c):
    return sel.Invitation(
        {
            "quality_innovation": 40,
            "value": 20,
            "integration": 15,
            "access": 15,
            "social_value": 10,
        },
        DEADLINE,
        (c.e.commissioner.pk,),
    )


CASES: dict[str, Case] = {
    "create_specification": Case(
        lambda c: None, lambda c, u: specs.create_specification(spec_input(), c.e.icb, u)
    ),
    "update_specification": Case(
        lambda c: c.drafted(),
        lambda c, u: specs.update_specification(fresh(c.spec), spec_input(title="New title"), u),
    ),
    "add_outcome": Case(
        lambda c: c.drafted(), lambda c, u: specs.add_outcome(fresh(c.spec), OUTCOME_3B(), u)
    ),
    "remove_outcome": Case(
        lambda c: c.drafted(),
        lambda c, u: specs.remove_outcome(SpecificationOutcome.objects.get(), u),
    ),
    "add_quality_requirement": Case(
        lambda c: c.drafted(),
        lambda c, u: specs.add_quality_requirement(fresh(c.spec), REQUIREMENT, u),
    ),
    "remove_quality_requirement": Case(
        lambda c: c.drafted(),
        lambda c, u: specs.remove_quality_requirement(QualityRequirement.objects.first(), u),
    ),
    "change_status": Case(
        lambda c: c.drafted(), lambda c, u: specs.change_status(fresh(c.spec), "consultation", u)
    ),
    "start_new_version": Case(
        lambda c: c.approved(), lambda c, u: specs.start_new_version(fresh(c.spec), u)
    ),
    "request_advice": Case(
        lambda c: c.consulting(),
        lambda c, u: sel.request_advice(
            fresh(c.spec),
            sel.AdviceRequestInput(
                "clinical_senate", c.e.senate.pk, "Q", DAY + dt.timedelta(days=9)
            ),
            u,
        ),
    ),
    "give_advice": Case(
        lambda c: c.consulting(),
        lambda c, u: sel.give_advice(fresh(c.advice_request), sel.AdviceInput("support", "Yes"), u),
    ),
    "set_up_selection": Case(
        lambda c: c.approved(), lambda c, u: sel.set_up_selection(fresh(c.spec), setup_input(c), u)
    ),
    "invite_proposals": Case(
        lambda c: c.set_up(), lambda c, u: sel.invite_proposals(fresh(c.process), invitation(c), u)
    ),
    "add_evaluator": Case(
        lambda c: c.inviting(),
        lambda c, u: sel.add_evaluator(fresh(c.process), c.e.finance_lead.pk, u),
    ),
    "create_proposal": Case(
        lambda c: c.inviting(),
        lambda c, u: sel.create_proposal(
            fresh(c.process), sel.ProposalInput(c.e.rje.pk, "", "Ours", 100, 1_000_00), u
        ),
    ),
    "update_proposal": Case(
        _draft_proposal,
        lambda c, u: sel.update_proposal(
            Proposal.objects.get(), sel.ProposalInput(c.e.rje.pk, "", "Better", 100, 900_00), u
        ),
    ),
    "submit_proposal": Case(
        _draft_proposal, lambda c, u: sel.submit_proposal(Proposal.objects.get(), u)
    ),
    "withdraw_proposal": Case(
        lambda c: c.proposed(), lambda c, u: sel.withdraw_proposal(fresh(c.proposal), u)
    ),
    "respond_to_proposal": Case(
        _unsolicited,
        lambda c, u: sel.respond_to_proposal(Proposal.objects.get(), "We will consider it.", u),
    ),
    "ask_clarification": Case(
        lambda c: c.inviting(),
        lambda c, u: sel.ask_clarification(
            fresh(c.process), sel.ClarificationInput(c.e.rje.pk, "Q?"), u
        ),
    ),
    "answer_clarification": Case(
        _question,
        lambda c, u: sel.answer_clarification(Clarification.objects.get(), "A.", u),
    ),
    "declare_interests": Case(
        lambda c: c.proposed(evaluators=EVALUATORS),
        lambda c, u: sel.declare_interests(fresh(c.process), sel.DeclarationInput(False), u),
    ),
    "manage_declaration": Case(
        _interest,
        lambda c, u: sel.manage_declaration(
            ConflictDeclaration.objects.get(), "exclude_provider", "Excluded from RJE", u
        ),
    ),
    "score_proposal": Case(
        _evaluating,
        lambda c, u: sel.score_proposal(fresh(c.proposal), scores(3), u),
        AFTER_DEADLINE,
    ),
    "moderate_proposal": Case(
        _all_scored,
        lambda c, u: sel.moderate_proposal(fresh(c.proposal), scores(4, "Agreed"), u),
        AFTER_DEADLINE,
    ),
    "decide": Case(
        _moderate_all,
        lambda c, u: sel.decide(fresh(c.process), _decision_input(c), u),
        DECISION_DAY,
    ),
    "publish_notice": Case(
        lambda c: c.decided(), lambda c, u: sel.publish_notice(fresh(c.decision), u), DECISION_DAY
    ),
    "make_representation": Case(
        lambda c: c.noticed(),
        lambda c, u: sel.make_representation(fresh(c.decision), c.e.rje.pk, "Grounds", u),
        DECISION_DAY + dt.timedelta(days=1),
    ),
    "respond_to_representation": Case(
        _representation,
        lambda c, u: sel.respond_to_representation(Representation.objects.get(), True, "Stands", u),
        DECISION_DAY + dt.timedelta(days=2),
    ),
    "withdraw_decision": Case(
        lambda c: c.noticed(),
        lambda c, u: sel.withdraw_decision(fresh(c.decision), "Error found", u),
        DECISION_DAY + dt.timedelta(days=1),
    ),
    "create_contract": Case(
        lambda c: c.noticed(),
        lambda c, u: contracts.create_contract(
            fresh(c.decision),
            contracts.ContractInput(c.proposal.pk, dt.date(2026, 5, 1), dt.date(2029, 4, 30)),
            u,
        ),
        AFTER_STANDSTILL,
    ),
    "sign_contract": Case(
        lambda c: c.contracted(),
        lambda c, u: contracts.sign_contract(fresh(c.contract), u),
        AFTER_STANDSTILL,
    ),
    "propose_variation": Case(
        lambda c: c.signed(),
        lambda c, u: contracts.propose_variation(
            fresh(c.contract), contracts.VariationInput("Weekend service", 100), u
        ),
        AFTER_STANDSTILL,
    ),
    "approve_variation": Case(
        lambda c: _variation(c),
        lambda c, u: contracts.approve_variation(ContractVariation.objects.get(), u),
        AFTER_STANDSTILL,
    ),
    "answer_variation": Case(
        lambda c: _variation(c),
        lambda c, u: contracts.answer_variation(
            ContractVariation.objects.get(), contracts.VariationAnswer(agree=True), u
        ),
        AFTER_STANDSTILL,
    ),
    "sign_variation": Case(
        lambda c: contracts.answer_variation(
            contracts.approve_variation(_variation(c), c.e.other_commissioner).variation,
            contracts.VariationAnswer(agree=True),
            c.e.provider,
        ),
        lambda c, u: contracts.sign_variation(ContractVariation.objects.get(), u),
        AFTER_STANDSTILL,
    ),
}


def _variation(c: Cycle):
    c.signed()
    return contracts.propose_variation(
        fresh(c.contract), contracts.VariationInput("Weekend service", 100), c.e.commissioner
    )


# Functions of the service modules that read or help rather than change anything.
READS = {"advice_on", "assess_route", "delegation_for", "eligible_evaluators", "evaluator_problem",
         "state_of", "readiness", "approval_problems", "may_make_now",
         "new_version_unchecked"}  # fmt: skip


def service_functions() -> set[str]:
    found = set()
    for module in (specs, sel, contracts):
        for name, obj in vars(module).items():
            if (
                inspect.isfunction(obj)
                and not name.startswith("_")
                and obj.__module__.startswith(
                    (
                        "commissioning.specifications.services",
                        "commissioning.selection.services",
                        "commissioning.contracts.services",
                    )
                )
            ):
                found.add(name)
    return found


def test_the_matrix_covers_every_service_of_the_cycle():
    assert set(MATRIX) == set(CASES)
    assert service_functions() - READS == set(CASES)


@pytest.mark.parametrize("service", list(MATRIX))
def test_role_by_service(service, cycle):
    case = CASES[service]
    with at(DAY0):
        case.stage(cycle)
    expected = MATRIX[service].split()
    found = []
    for role in ROLES:
        with at(case.day):
            allowed = permitted(partial(case.call, cycle, cycle.e.users[role]))
        found.append("Y" if allowed else ".")
    assert dict(zip(ROLES, found, strict=True)) == dict(zip(ROLES, expected, strict=True))


def test_nothing_was_left_behind_by_refused_calls(cycle):
    """A refused call writes nothing: the counts after a row of refusals are unchanged."""
    cycle.noticed()
    counted = (ServiceSpecification, AdviceRequest, SelectionProcess, Proposal, Decision,
               Contract)  # fmt: skip
    before = [m.objects.count() for m in counted]
    for role in ("provider", "clinical_adviser", "auditor", "administrator"):
        with at(AFTER_STANDSTILL), pytest.raises(PermissionDenied):
            contracts.create_contract(
                cycle.decision,
                contracts.ContractInput(
                    cycle.proposal.pk, dt.date(2026, 5, 1), dt.date(2029, 4, 30)
                ),
                cycle.e.users[role],
            )
    assert [m.objects.count() for m in counted] == before
