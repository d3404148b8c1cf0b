"""Who may do what in quality monitoring: the one place it is decided.

Everyone on the staff side may look at the quality workspace (its figures are aggregates of
published or synthetic data). Commissioners, contract managers, quality leads and clinical
advisers may raise a concern. An escalation case is managed (notice, plan, milestones,
escalation, closure) by the commissioners, contract managers and quality leads of a
commissioning organisation (a party to the case's contract, if it has one). A provider's
representatives see the cases about their own organisation, and report its progress on a
remedial action plan (General Condition 9: the provider carries out the plan); auditors read
everything. A contract's quality figures are recorded by its commissioners' managers and by
the provider's representatives. A contract's quality schedule and its figures are the
contract's data: they are seen by exactly those who may see the contract (its parties, its
provider and auditors; never a rival bidder), by the contract's own policy.
"""

from __future__ import annotations

from enum import StrEnum

from commissioning.contracts.permissions import Action as ContractAction
from commissioning.contracts.permissions import can as can_contract
from commissioning.organisations.models import Organisation
from commissioning.organisations.permissions import (
    Policy,
    SystemActor,
    has_role_at,
    organisations_of,
    roles_of,
)
from commissioning.organisations.vocabulary import COMMISSIONER_TYPES, Role
from commissioning.organisations.vocabulary import STAFF as ALL_STAFF


class Action(StrEnum):
    VIEW_QUALITY = "view_quality"
    RAISE_CONCERN = "raise_concern"
    VIEW_CASE = "view_case"
    MANAGE_CASE = "manage_case"
    REPORT_PROGRESS = "report_progress"
    LOAD_MORTALITY = "load_mortality"
    RECORD_MEASUREMENT = "record_measurement"
    VIEW_CONTRACT_QUALITY = "view_contract_quality"
    CHOOSE_CHART = "choose_chart"
    VIEW_RISK = "view_risk"
    RECORD_INTELLIGENCE = "record_intelligence"


STAFF = ALL_STAFF - {Role.CARE_COORDINATOR}
MANAGERS = frozenset({Role.COMMISSIONER, Role.CONTRACT_MANAGER, Role.QUALITY_LEAD})
RAISERS = MANAGERS | {Role.CLINICAL_ADVISER}
COMMISSIONER_SIDE = MANAGERS | {Role.CLINICAL_ADVISER, Role.FINANCE_LEAD, Role.ADMINISTRATOR}


def commissioning_organisations(user) -> set[int]:

    return set(
        Organisation.objects.filter(
            pk__in=organisations_of(user), org_type__in=COMMISSIONER_TYPES
        ).values_list("pk", flat=True)
    )


def _may_manage(user, case) -> bool:
    if case.contract_id:
        parties = case.contract.parties.values_list("organisation_id", flat=True)
        return any(has_role_at(user, org, MANAGERS) for org in parties)
    return any(has_role_at(user, org, MANAGERS) for org in commissioning_organisations(user))


def _may_view(user, case) -> bool:
    roles = roles_of(user)
    if Role.AUDITOR in roles or (roles & COMMISSIONER_SIDE and commissioning_organisations(user)):
        return True
    return has_role_at(user, case.provider_id, {Role.PROVIDER_REPRESENTATIVE})


def _contract_of(obj):
    """A contract, or the contract of a quality schedule line."""
    return getattr(obj, "contract", None) or obj


def _may_view_contract(user, obj) -> bool:

    return can_contract(user, ContractAction.VIEW_CONTRACT, _contract_of(obj))


def _may_record(user, item) -> bool:
    """The contract's commissioners record the schedule's figures, and so does the provider,
    who reports them under the contract."""
    contract = item.contract
    parties = contract.parties.values_list("organisation_id", flat=True)
    return any(has_role_at(user, org, MANAGERS) for org in parties) or has_role_at(
        user, contract.provider_id, {Role.PROVIDER_REPRESENTATIVE}
    )


def _may_choose_chart(user, item) -> bool:
    """How a line is charted is the commissioners' monitoring, not the provider's report: the
    managers at the contract's commissioning parties choose it."""
    parties = item.contract.parties.values_list("organisation_id", flat=True)
    return any(has_role_at(user, org, MANAGERS) for org in parties)


def _may_view_risk(user, _obj=None) -> bool:
    """A provider's risk profile carries soft intelligence (whistleblowing among it): the
    commissioning side of a commissioning organisation, and auditors, see it; never a
    provider."""
    roles = roles_of(user)
    return Role.AUDITOR in roles or bool(roles & COMMISSIONER_SIDE and
                                         commissioning_organisations(user))  # fmt: skip


def visible_cases(user, cases):
    """The escalation cases (a queryset) this user may see, decided in one query: the same
    answer as ``can(user, VIEW_CASE, case)`` for each case, without asking case by case."""
    if isinstance(user, SystemActor):
        return cases
    roles = roles_of(user)
    if not roles & POLICY.allowed[Action.VIEW_CASE]:
        return cases.none()
    if Role.AUDITOR in roles or (roles & COMMISSIONER_SIDE and commissioning_organisations(user)):
        return cases
    represented = [
        org for org in organisations_of(user)
        if has_role_at(user, org, {Role.PROVIDER_REPRESENTATIVE})
    ]  # fmt: skip
    return cases.filter(provider_id__in=represented)


def _may_raise(user, _obj=None) -> bool:
    return bool(commissioning_organisations(user)) or Role.CLINICAL_ADVISER in roles_of(user)


POLICY = Policy(
    allowed={
        Action.VIEW_QUALITY: STAFF,
        Action.RAISE_CONCERN: RAISERS,
        Action.VIEW_CASE: COMMISSIONER_SIDE | {Role.AUDITOR, Role.PROVIDER_REPRESENTATIVE},
        Action.MANAGE_CASE: MANAGERS,
        Action.REPORT_PROGRESS: frozenset({Role.PROVIDER_REPRESENTATIVE}),
        Action.LOAD_MORTALITY: frozenset({Role.QUALITY_LEAD, Role.ADMINISTRATOR}),
        Action.RECORD_MEASUREMENT: MANAGERS | {Role.PROVIDER_REPRESENTATIVE},
        Action.VIEW_CONTRACT_QUALITY: STAFF,
        Action.CHOOSE_CHART: MANAGERS,
        Action.VIEW_RISK: COMMISSIONER_SIDE | {Role.AUDITOR},
        Action.RECORD_INTELLIGENCE: RAISERS,
    },
    rules={
        Action.RAISE_CONCERN: _may_raise,
        Action.VIEW_CASE: _may_view,
        Action.MANAGE_CASE: _may_manage,
        Action.REPORT_PROGRESS: lambda user, case: has_role_at(
            user, case.provider_id, {Role.PROVIDER_REPRESENTATIVE}
        ),
        Action.RECORD_MEASUREMENT: _may_record,
        Action.VIEW_CONTRACT_QUALITY: _may_view_contract,
        Action.CHOOSE_CHART: _may_choose_chart,
        Action.VIEW_RISK: _may_view_risk,
        Action.RECORD_INTELLIGENCE: _may_raise,
    },
    labels={
        Action.VIEW_QUALITY: "see the quality workspace",
        Action.RAISE_CONCERN: "raise a quality concern",
        Action.VIEW_CASE: "see this escalation case",
        Action.MANAGE_CASE: "manage this escalation case",
        Action.REPORT_PROGRESS: "report progress on this remedial action plan for the provider",
        Action.LOAD_MORTALITY: "load mortality results",
        Action.RECORD_MEASUREMENT: "record this contract's quality figures",
        Action.VIEW_CONTRACT_QUALITY: "see this contract's quality figures",
        Action.CHOOSE_CHART: "choose how this line is charted",
        Action.VIEW_RISK: "see providers' risk profiles",
        Action.RECORD_INTELLIGENCE: "record soft intelligence about a provider",
    },
)
can = POLICY.can
require = POLICY.require
