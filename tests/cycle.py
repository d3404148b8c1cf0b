"""A small health economy and a commissioning cycle that tests can take to any stage.

Every step goes through the real services as the person who would take it, at a business date
set with ``clock.recorded_as`` (so deadlines and standstill can pass without waiting).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from commissioning import clock
from commissioning.contracts import services as contracts
from commissioning.organisations.models import (
    Budget,
    DelegatedAuthority,
    Membership,
    Organisation,
    User,
)
from commissioning.organisations.permissions import SYSTEM
from commissioning.organisations.services import save_budget, save_delegated_authority
from commissioning.reference.services import ingest_file
from commissioning.selection import services as sel
from commissioning.selection.documents import DocumentInput
from commissioning.specifications import services as specs
from commissioning.specifications.models import OutcomeIndicator

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference"
PASSWORD = "correct-horse-battery"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"

# A Monday with no bank holiday near it; the cycle's dates are counted from it.
DAY0 = dt.date(2026, 3, 2)
DEADLINE = DAY0 + dt.timedelta(days=14)
DECISION_DAY = DAY0 + dt.timedelta(days=21)  # Monday 23 March 2026
STANDSTILL_LAST_DAY = dt.date(2026, 4, 2)  # 8 working days after 23 March
AFTER_STANDSTILL = dt.date(2026, 4, 7)  # Good Friday 3 April and Easter Monday 6 April


def at(day: dt.date, hour: int = 10):
    return clock.recorded_as(timezone.make_aware(dt.datetime.combine(day, dt.time(hour))))


def _org(code: str, name: str, org_type: str, **extra) -> Organisation:
    return Organisation.objects.get_or_create(
        code=code, defaults={"name": name, "org_type": org_type, **extra}
    )[0]


def _user(username: str, org: Organisation | None, role: str | None, **extra) -> User:
    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        first_name=extra.pop("first_name", username.split("-")[0].title()),
        last_name=extra.pop("last_name", "Tester"),
        **extra,
    )
    if org is not None and role:
        Membership.objects.create(user=user, organisation=org, role=role)
    return user


@dataclass
class Economy:
    icb: Organisation
    other_icb: Organisation
    rje: Organisation
    rwe: Organisation
    network: Organisation
    senate: Organisation
    budget: Budget
    users: dict[str, User] = field(default_factory=dict)

    def __getattr__(self, name: str) -> User:
        users = self.__dict__.get("users", {})
        if name in users:
            return users[name]
        raise AttributeError(name)


def build_economy() -> Economy:
    """Commissioners, providers, a network and a senate, a budget, and a person per role."""
    ingest_file("outcomes", REFERENCE / "nhs_outcomes_framework.csv", SYSTEM)
    icb = _org("XC001", "NHS Synthetic Test ICB", "icb", is_synthetic=True)
    other = _org("XC002", "NHS Synthetic Neighbour ICB", "icb", is_synthetic=True)
    rje = _org("RJE", "UNIVERSITY HOSPITALS OF NORTH MIDLANDS NHS TRUST", "nhs_trust")
    rwe = _org("RWE", "UNIVERSITY HOSPITALS OF LEICESTER NHS TRUST", "nhs_trust")
    network = _org("XN001", "Cardiovascular Strategic Clinical Network", "clinical_network",
                   is_synthetic=True)  # fmt: skip
    senate = _org("XS001", "Synthetic Clinical Senate", "clinical_senate", is_synthetic=True)
    budget = save_budget(
        Budget(
            organisation=icb,
            code="XC001-ACUTE-2026",
            name="Acute services",
            financial_year=2026,
            amount_pence=50_000_000_00,
        ),
        SYSTEM,
    )
    economy = Economy(icb, other, rje, rwe, network, senate, budget)
    u = economy.users
    u["commissioner"] = _user("commissioner", icb, "commissioner")
    u["deputy"] = _user("deputy", icb, "commissioner")  # a commissioner without authority
    u["contract_manager"] = _user("contract-manager", icb, "contract_manager")
    u["quality_lead"] = _user("quality-lead", icb, "quality_lead")
    u["finance_lead"] = _user("finance-lead", icb, "finance_lead")
    u["clinical_adviser"] = _user("clinical-adviser", network, "clinical_adviser")
    u["senate_adviser"] = _user("senate-adviser", senate, "clinical_adviser")
    u["provider"] = _user("provider", rje, "provider_representative")
    u["rival"] = _user("rival", rwe, "provider_representative")
    u["provider_clinician"] = _user("provider-clinician", rje, "clinical_adviser")
    u["budget_holder"] = _user("budget-holder", icb, "budget_holder")
    u["care_coordinator"] = _user("care-coordinator", icb, "care_coordinator")
    u["auditor"] = _user("auditor", icb, "auditor")
    u["administrator"] = _user(
        "administrator", icb, "administrator", is_staff=True, is_superuser=True
    )
    u["other_commissioner"] = _user("other-commissioner", other, "commissioner")
    save_delegated_authority(
        DelegatedAuthority(
            user=u["commissioner"],
            budget=budget,
            limit_pence=20_000_000_00,
            start_date=dt.date(2026, 1, 1),
        ),
        SYSTEM,
    )
    return economy


def indicator(code: str) -> OutcomeIndicator:
    return OutcomeIndicator.objects.get(code=code)


def spec_input(**overrides) -> specs.SpecificationInput:
    values = dict(
        title="Hyper-acute stroke unit",
        service_description="A 24/7 hyper-acute stroke unit with thrombolysis and thrombectomy.",
        population="Adults with a suspected stroke",
        area="The whole of the ICB area",
        population_size=1_100_000,
        annual_activity=1_800,
        activity_unit="admissions",
        financial_envelope_pence=12_000_000_00,
        term_months=36,
        outcomes=(
            specs.OutcomeInput(
                indicator_id=indicator("1.1").pk,
                baseline=Decimal("71.3"),
                target=Decimal("65.0"),
                target_date=dt.date(2029, 3, 31),
                measurement="ONS mortality, ICB residents, calendar year",
            ),
        ),
        quality_requirements=(
            specs.QualityRequirementInput(
                "safe",
                "Brain imaging within 1 hour of arrival",
                "at least 90% each month",
                "SSNAP key indicator 1",
            ),
            specs.QualityRequirementInput(
                "effective", "Thrombolysis within 60 minutes", "at least 80% each quarter", "SSNAP"
            ),
            specs.QualityRequirementInput(
                "experience",
                "Patients who would recommend the unit",
                "at least 90%",
                "Friends and family test",
            ),
        ),
    )
    values.update(overrides)
    return specs.SpecificationInput(**values)


class Cycle:
    """One commissioning cycle, taken forward a stage at a time."""

    def __init__(self, economy: Economy):
        self.e = economy
        self.spec = None
        self.advice_request = None
        self.advice = None
        self.process = None
        self.proposal = None
        self.rival_proposal = None
        self.decision = None
        self.contract = None

    def drafted(self):
        with at(DAY0):
            self.spec = specs.create_specification(spec_input(), self.e.icb, self.e.commissioner)
        return self

    def consulting(self):
        self.drafted()
        with at(DAY0):
            self.spec = specs.change_status(self.spec, "consultation", self.e.commissioner)
            self.advice_request = sel.request_advice(
                self.spec,
                sel.AdviceRequestInput(
                    source="scn_cardiovascular",
                    organisation_id=self.e.network.pk,
                    question="Is a single hyper-acute unit safe for the whole area?",
                    due_date=DAY0 + dt.timedelta(days=7),
                ),
                self.e.commissioner,
            )
        return self

    def advised(self):
        self.consulting()
        with at(DAY0 + dt.timedelta(days=2)):
            self.advice = sel.give_advice(
                self.advice_request,
                sel.AdviceInput(
                    recommendation="support_with_changes",
                    summary="Support, if door-to-needle time is monitored monthly.",
                    documents=(DocumentInput("evidence.pdf", PDF),),
                ),
                self.e.clinical_adviser,
            )
        return self

    def approved(self):
        self.advised()
        with at(DAY0 + dt.timedelta(days=3)):
            self.spec = specs.change_status(self.spec, "approved", self.e.commissioner)
        return self

    def set_up(self, route: str = "competitive", **facts):
        self.approved()
        with at(DAY0 + dt.timedelta(days=3)):
            self.process = sel.set_up_selection(
                self.spec,
                sel.SelectionSetup(budget_id=self.e.budget.pk, route=route, **facts),
                self.e.commissioner,
            )
        return self

    def inviting(self, evaluators=("commissioner", "quality_lead"), **kwargs):
        self.set_up(**kwargs)
        with at(DAY0 + dt.timedelta(days=3)):
            self.process = sel.invite_proposals(
                self.process,
                sel.Invitation(
                    weights={
                        "quality_innovation": 40,
                        "value": 20,
                        "integration": 15,
                        "access": 15,
                        "social_value": 10,
                    },
                    proposals_deadline=DEADLINE,
                    evaluator_ids=tuple(self.e.users[name].pk for name in evaluators),
                ),
                self.e.commissioner,
            )
        return self

    def _propose(self, user, provider, price):
        outcome = self.spec.outcomes.get()
        with at(DAY0 + dt.timedelta(days=10)):
            proposal = sel.create_proposal(
                self.process,
                sel.ProposalInput(
                    provider_id=provider.pk,
                    title="",
                    description=f"{provider.code} will run the unit from its main site.",
                    capacity=2_000,
                    total_price_pence=price,
                    outcome_answers={
                        outcome.pk: "Thrombectomy 24/7 and early supported discharge."
                    },
                    documents=(DocumentInput("method-statement.pdf", PDF),),
                ),
                user,
            )
            return sel.submit_proposal(proposal, user)

    def proposed(self, **kwargs):
        self.inviting(**kwargs)
        self.proposal = self._propose(self.e.provider, self.e.rje, 11_000_000_00)
        self.rival_proposal = self._propose(self.e.rival, self.e.rwe, 10_500_000_00)
        return self

    def declared(self, **kwargs):
        self.proposed(**kwargs)
        with at(DEADLINE + dt.timedelta(days=1)):
            for user in (self.e.commissioner, self.e.quality_lead):
                sel.declare_interests(self.process, sel.DeclarationInput(has_interest=False), user)
        return self

    def scored(self, high=4, low=3, **kwargs):
        self.declared(**kwargs)
        with at(DEADLINE + dt.timedelta(days=2)):
            for user in (self.e.commissioner, self.e.quality_lead):
                for proposal, score in ((self.proposal, high), (self.rival_proposal, low)):
                    sel.score_proposal(proposal, scores(score), user)
        return self

    def moderated(self, high=4, low=3, **kwargs):
        self.scored(high, low, **kwargs)
        with at(DEADLINE + dt.timedelta(days=3)):
            for proposal, score in ((self.proposal, high), (self.rival_proposal, low)):
                sel.moderate_proposal(
                    proposal, scores(score, "Agreed at moderation"), self.e.commissioner
                )
        return self

    def decided(self, **kwargs):
        self.moderated(**kwargs)
        with at(DECISION_DAY):
            self.decision = sel.decide(
                self.process,
                sel.DecisionInput(
                    outcome="award",
                    rationale="Highest moderated score; the network's monitoring advice adopted.",
                    awarded_proposal_ids=(self.proposal.pk,),
                    advice_considered_ids=(self.advice.pk,),
                ),
                self.e.commissioner,
            )
        return self

    def noticed(self, **kwargs):
        self.decided(**kwargs)
        with at(DECISION_DAY):
            self.decision = sel.publish_notice(self.decision, self.e.commissioner)
        return self

    def contracted(self, **kwargs):
        self.noticed(**kwargs)
        with at(AFTER_STANDSTILL):
            self.contract = contracts.create_contract(
                self.decision,
                contracts.ContractInput(
                    proposal_id=self.proposal.pk,
                    start_date=dt.date(2026, 5, 1),
                    end_date=dt.date(2029, 4, 30),
                    associate_ids=(self.e.other_icb.pk,),
                ),
                self.e.contract_manager,
            )
        return self

    def signed(self, **kwargs):
        self.contracted(**kwargs)
        with at(AFTER_STANDSTILL + dt.timedelta(days=1)):
            contracts.sign_contract(self.contract, self.e.provider)
            self.contract = contracts.sign_contract(self.contract, self.e.commissioner)
        return self


def scores(value: int, why: str = "Meets the requirement") -> dict[str, sel.CriterionScore]:
    from commissioning.selection.rules.evaluation import Criterion

    return {c.value: sel.CriterionScore(value, why) for c in Criterion}
