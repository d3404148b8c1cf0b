"""Who may do what in provider selection: the one place it is decided.

The principle (Recommendation 130, seed document 000): clinicians advise and providers
propose, but only the commissioner decides. Clinical advisers answer the advice requests
addressed to them; provider representatives write their own organisation's proposals and see
nothing of anyone else's; evaluators score what they are assigned to; only a commissioner of
the organisation holding the budget sets up a selection, moderates, and decides (and the
decision service also checks their delegated authority). Auditors read everything and change
nothing. Tested as a role x action matrix over every service in
``tests/integration/test_cycle_permissions.py``.
"""

from __future__ import annotations

from enum import StrEnum

from commissioning.organisations.permissions import Policy, has_role_at, roles_at, roles_of
from commissioning.organisations.vocabulary import STAFF, Role

from .models import ConflictDeclaration
from .rules.conflicts import Declaration, Management, may_take_part


class Action(StrEnum):
    REQUEST_ADVICE = "request_advice"
    GIVE_ADVICE = "give_advice"
    VIEW_ADVICE = "view_advice"
    VIEW_SELECTION = "view_selection"
    MANAGE_SELECTION = "manage_selection"
    SUBMIT_PROPOSAL = "submit_proposal"
    VIEW_PROPOSAL = "view_proposal"
    RESPOND_TO_PROPOSAL = "respond_to_proposal"
    ASK_CLARIFICATION = "ask_clarification"
    ANSWER_CLARIFICATION = "answer_clarification"
    DECLARE_INTERESTS = "declare_interests"
    SCORE_PROPOSAL = "score_proposal"
    VIEW_EVALUATION = "view_evaluation"
    MODERATE_SCORES = "moderate_scores"
    DECIDE = "decide"
    PUBLISH_NOTICE = "publish_notice"
    WITHDRAW_DECISION = "withdraw_decision"
    MAKE_REPRESENTATION = "make_representation"
    RESPOND_TO_REPRESENTATION = "respond_to_representation"
    VIEW_DECISION = "view_decision"
    VIEW_DECISION_RECORD = "view_decision_record"
    DOWNLOAD_DOCUMENT = "download_document"


COMMISSIONER = frozenset({Role.COMMISSIONER})
PROVIDER = frozenset({Role.PROVIDER_REPRESENTATIVE})
# People at the commissioner who may be evaluators, and who may see its selection processes.
EVALUATION_ROLES = frozenset(
    {
        Role.COMMISSIONER,
        Role.CONTRACT_MANAGER,
        Role.QUALITY_LEAD,
        Role.FINANCE_LEAD,
        Role.CLINICAL_ADVISER,
    }
)
# People at the commissioner who see every proposal, score and decision of its processes.
COMMISSIONING_TEAM = frozenset(
    {Role.COMMISSIONER, Role.CONTRACT_MANAGER, Role.QUALITY_LEAD, Role.FINANCE_LEAD}
)


def commissioner_id(obj) -> int:
    """The commissioning organisation behind a specification, process, proposal or decision."""
    if hasattr(obj, "commissioner_id"):  # a specification
        return obj.commissioner_id
    if hasattr(obj, "addressed_to_id"):  # a proposal
        return obj.addressed_to_id
    if hasattr(obj, "specification"):  # a selection process or an advice request
        return obj.specification.commissioner_id
    if hasattr(obj, "process"):  # a decision
        return obj.process.specification.commissioner_id
    if hasattr(obj, "decision"):  # a representation
        return obj.decision.process.specification.commissioner_id
    raise TypeError(f"no commissioner for {type(obj).__name__}")


def is_auditor(user) -> bool:
    return Role.AUDITOR in roles_of(user)


def is_evaluator(user, process) -> bool:
    return process.evaluators.filter(user_id=user.pk).exists()


def may_open_evaluation(user, process) -> bool:
    """The evaluation page: for its evaluators, the commissioning team, and whoever must declare
    their interests there; always within the selection's own visibility."""
    return can(user, Action.VIEW_SELECTION, process) and (
        is_evaluator(user, process)
        or can(user, Action.VIEW_EVALUATION, process)
        or can(user, Action.DECLARE_INTERESTS, process)
    )


def commissioner_at(user, obj) -> bool:
    return has_role_at(user, commissioner_id(obj), COMMISSIONER)


def free_of_conflict(user, process, provider_id: int | None = None) -> tuple[bool, str]:
    """Whether ``user`` may take part in judging ``process`` (for ``provider_id``'s proposal,
    or the process as a whole) given the interests they declared and how each is managed
    (the platform's policy, selection.rules.conflicts; regulation 24 asks only that the record
    say how conflicts were managed, docs/domain.md section 11): a person who has not
    declared, whose interest is not yet managed, or who is excluded, takes no part. With the
    reason, for the refusal. The services apply it when someone the policy allows scores or
    decides, after the state of the process (whose refusals come first)."""

    declarations = [
        Declaration(d.has_interest, d.provider_id, Management(d.management))
        for d in ConflictDeclaration.objects.filter(process=process, user_id=user.pk)
    ]
    return may_take_part(declarations, provider_id)


def _team_at(user, obj) -> bool:
    return has_role_at(user, commissioner_id(obj), COMMISSIONING_TEAM)


def _may_give_advice(user, request) -> bool:
    if Role.CLINICAL_ADVISER not in roles_at(user, request.organisation_id):
        return False
    return request.clinician_id is None or request.clinician_id == user.pk


def _may_view_advice(user, request) -> bool:
    return (
        is_auditor(user)
        or has_role_at(user, commissioner_id(request), EVALUATION_ROLES)
        or _may_give_advice(user, request)
    )


def _may_view_selection(user, process) -> bool:
    if is_auditor(user) or has_role_at(user, commissioner_id(process), EVALUATION_ROLES):
        return True
    if Role.PROVIDER_REPRESENTATIVE in roles_of(user) and process.status != "setting_up":
        return True  # a published opportunity
    return is_evaluator(user, process)


def _represents(user, organisation_id) -> bool:
    return Role.PROVIDER_REPRESENTATIVE in roles_at(user, organisation_id)


def _may_submit(user, obj) -> bool:
    """``obj`` is a proposal, or the provider organisation a new proposal is for."""
    return _represents(user, getattr(obj, "provider_id", None) or obj.pk)


def _may_view_proposal(user, proposal) -> bool:
    if _represents(user, proposal.provider_id):
        return True
    if proposal.status == "draft":
        return False
    if is_auditor(user) or _team_at(user, proposal):
        return True
    return proposal.process_id is not None and is_evaluator(user, proposal.process)


def _may_declare(user, process) -> bool:
    return commissioner_at(user, process) or is_evaluator(user, process)


def _may_score(user, proposal) -> bool:
    return proposal.process_id is not None and is_evaluator(user, proposal.process)


def _may_view_evaluation(user, process) -> bool:
    return is_auditor(user) or _team_at(user, process)


def _bid(user, decision) -> bool:
    bidders = decision.process.proposals.filter(status="submitted").values_list(
        "provider_id", flat=True
    )
    return any(_represents(user, provider_id) for provider_id in bidders)


def _may_view_decision(user, decision) -> bool:
    return (
        is_auditor(user)
        or has_role_at(user, commissioner_id(decision), EVALUATION_ROLES)
        or _bid(user, decision)
    )


def _may_answer(user, process) -> bool:
    return has_role_at(
        user, commissioner_id(process), frozenset({Role.COMMISSIONER, Role.CONTRACT_MANAGER})
    )


def _may_download(user, document) -> bool:
    if document.advice_id is not None:
        return _may_view_advice(user, document.advice.request)
    return _may_view_proposal(user, document.proposal)


POLICY = Policy(
    allowed={
        Action.REQUEST_ADVICE: COMMISSIONER,
        Action.GIVE_ADVICE: frozenset({Role.CLINICAL_ADVISER}),
        Action.VIEW_ADVICE: EVALUATION_ROLES | {Role.AUDITOR},
        Action.VIEW_SELECTION: STAFF,
        Action.MANAGE_SELECTION: COMMISSIONER,
        Action.SUBMIT_PROPOSAL: PROVIDER,
        Action.VIEW_PROPOSAL: EVALUATION_ROLES | PROVIDER | {Role.AUDITOR},
        Action.RESPOND_TO_PROPOSAL: COMMISSIONER,
        Action.ASK_CLARIFICATION: PROVIDER,
        Action.ANSWER_CLARIFICATION: frozenset({Role.COMMISSIONER, Role.CONTRACT_MANAGER}),
        Action.DECLARE_INTERESTS: EVALUATION_ROLES,
        Action.SCORE_PROPOSAL: EVALUATION_ROLES,
        Action.VIEW_EVALUATION: COMMISSIONING_TEAM | {Role.AUDITOR},
        Action.MODERATE_SCORES: COMMISSIONER,
        Action.DECIDE: COMMISSIONER,
        Action.PUBLISH_NOTICE: COMMISSIONER,
        Action.WITHDRAW_DECISION: COMMISSIONER,
        Action.MAKE_REPRESENTATION: PROVIDER,
        Action.RESPOND_TO_REPRESENTATION: COMMISSIONER,
        Action.VIEW_DECISION: STAFF,
        Action.VIEW_DECISION_RECORD: COMMISSIONING_TEAM | {Role.AUDITOR},
        Action.DOWNLOAD_DOCUMENT: STAFF,
    },
    rules={
        Action.REQUEST_ADVICE: commissioner_at,
        Action.GIVE_ADVICE: _may_give_advice,
        Action.VIEW_ADVICE: _may_view_advice,
        Action.VIEW_SELECTION: _may_view_selection,
        Action.MANAGE_SELECTION: commissioner_at,
        Action.SUBMIT_PROPOSAL: _may_submit,
        Action.VIEW_PROPOSAL: _may_view_proposal,
        Action.RESPOND_TO_PROPOSAL: commissioner_at,
        Action.ANSWER_CLARIFICATION: _may_answer,
        Action.DECLARE_INTERESTS: _may_declare,
        Action.SCORE_PROPOSAL: _may_score,
        Action.VIEW_EVALUATION: _may_view_evaluation,
        Action.MODERATE_SCORES: commissioner_at,
        Action.DECIDE: commissioner_at,
        Action.PUBLISH_NOTICE: commissioner_at,
        Action.WITHDRAW_DECISION: commissioner_at,
        Action.MAKE_REPRESENTATION: _bid,
        Action.RESPOND_TO_REPRESENTATION: commissioner_at,
        Action.VIEW_DECISION: _may_view_decision,
        Action.VIEW_DECISION_RECORD: lambda user, process: (
            is_auditor(user) or _team_at(user, process)
        ),
        Action.DOWNLOAD_DOCUMENT: _may_download,
    },
    labels={
        Action.REQUEST_ADVICE: "ask for clinical advice on this specification",
        Action.GIVE_ADVICE: "answer this request for advice",
        Action.VIEW_ADVICE: "see this advice",
        Action.VIEW_SELECTION: "see this provider selection",
        Action.MANAGE_SELECTION: "run this provider selection",
        Action.SUBMIT_PROPOSAL: "write proposals for this provider",
        Action.VIEW_PROPOSAL: "see this proposal",
        Action.RESPOND_TO_PROPOSAL: "respond to this proposal",
        Action.ASK_CLARIFICATION: "ask clarification questions",
        Action.ANSWER_CLARIFICATION: "answer clarification questions",
        Action.DECLARE_INTERESTS: "declare interests in this process",
        Action.SCORE_PROPOSAL: "score this proposal",
        Action.VIEW_EVALUATION: "see the evaluation",
        Action.MODERATE_SCORES: "moderate the scores",
        Action.DECIDE: "take this decision",
        Action.PUBLISH_NOTICE: "publish notices for this decision",
        Action.WITHDRAW_DECISION: "withdraw this decision",
        Action.MAKE_REPRESENTATION: "make a representation about this decision",
        Action.RESPOND_TO_REPRESENTATION: "respond to this representation",
        Action.VIEW_DECISION: "see this decision",
        Action.VIEW_DECISION_RECORD: "see the decision record",
        Action.DOWNLOAD_DOCUMENT: "download this document",
    },
)
can = POLICY.can
require = POLICY.require
