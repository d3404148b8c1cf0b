"""The demo's commissioning cycles, built through the real services as the demo people.

- **Hyper-acute stroke unit** (completed): specified, advised on by the cardiovascular network
  and the clinical senate, competed between two trusts, evaluated, decided, through standstill,
  and under a signed contract.
- **Community diabetes service** (in progress): proposals are in and the deadline has passed;
  the quality lead has scored them; the commissioner's scores, the moderation and the decision
  are still to do.
- **Heart failure in the community** (open): proposals are invited and the cardiovascular
  network has been asked for advice it has not yet given.
- An unsolicited proposal from the provider waits for the commissioner's response.

Business dates are set relative to the day the demo is built (``clock.recorded_as``); the
audit trail records truthfully that everything was entered then. Each cycle is built in one
transaction and skipped if it is already there, so running the demo again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from commissioning import clock
from commissioning.contracts import services as contracts
from commissioning.contracts.term import months_later
from commissioning.organisations.models import (
    Budget,
    DelegatedAuthority,
    Organisation,
    User,
)
from commissioning.organisations.permissions import SYSTEM
from commissioning.organisations.services import save_budget, save_delegated_authority
from commissioning.selection import services as sel
from commissioning.selection.documents import DocumentInput
from commissioning.selection.models import Proposal
from commissioning.selection.rules.evaluation import Criterion
from commissioning.selection.rules.working_days import add_working_days, standstill
from commissioning.specifications import services as specs
from commissioning.specifications.models import OutcomeIndicator, ServiceSpecification

STROKE = "Hyper-acute stroke unit"
DIABETES = "Community diabetes service"
HEART_FAILURE = "Heart failure care in the community"
URGENT = "Interim stroke rehabilitation beds"
WEIGHTS = {
    "quality_innovation": 40,
    "value": 20,
    "integration": 15,
    "access": 15,
    "social_value": 10,
}


def at(day: dt.date, hour: int = 10):
    return clock.recorded_as(timezone.make_aware(dt.datetime.combine(day, dt.time(hour))))


def years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def monday_before(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def pdf(title: str, lines: list[str]) -> bytes:
    """A small real PDF for the demo's attached documents."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.setTitle(title)
    page.setFont("Helvetica-Bold", 14)
    page.drawString(72, 770, title)
    page.setFont("Helvetica", 10)
    for i, line in enumerate(["SYNTHETIC DEMONSTRATION DOCUMENT", *lines]):
        page.drawString(72, 740 - 16 * i, line)
    page.showPage()
    page.save()
    return buffer.getvalue()


def indicator(code: str) -> int:
    return (
        OutcomeIndicator.objects.filter(code=code)
        .order_by("-framework_year")
        .values_list("pk", flat=True)[0]
    )


def scores(values: dict[str, int], why: str) -> dict[str, sel.CriterionScore]:
    return {
        c.value: sel.CriterionScore(values[c.value], f"{why} ({c.label.lower()}).")
        for c in Criterion
    }


class DemoPeople:
    def __init__(self, accounts: dict[str, User], bidder: User, senate_adviser: User):
        self.commissioner = accounts["commissioner"]
        self.quality_lead = accounts["quality-lead"]
        self.contract_manager = accounts["contract-manager"]
        self.clinical_adviser = accounts["clinical-adviser"]
        self.provider = accounts["provider-representative"]
        self.bidder = bidder
        self.senate_adviser = senate_adviser


def _spec(title, commissioner, people, day, **fields) -> ServiceSpecification:
    with at(day):
        spec = specs.create_specification(
            specs.SpecificationInput(title=title, **fields), commissioner, people.commissioner
        )
        return specs.change_status(spec, "consultation", people.commissioner)


def _advice(spec, people, day, organisation, question, due_in=10):
    with at(day):
        return sel.request_advice(
            spec,
            sel.AdviceRequestInput(
                "clinical_senate"
                if organisation.org_type == "clinical_senate"
                else "scn_cardiovascular",
                organisation.pk,
                question,
                day + dt.timedelta(days=due_in),
            ),
            people.commissioner,
        )


def _propose(process, user, provider, day, price, text, answers):
    outcomes = {
        o.indicator.code: o.pk for o in process.specification.outcomes.select_related("indicator")
    }
    with at(day):
        proposal = sel.create_proposal(
            process,
            sel.ProposalInput(
                provider.pk,
                "",
                text,
                process.specification.annual_activity + 200,
                price,
                {outcomes[code]: answer for code, answer in answers.items()},
                documents=(
                    DocumentInput(
                        f"method-statement-{provider.code}.pdf",
                        pdf(f"Method statement: {provider.display_name}", [text[:90]]),
                    ),
                ),
            ),
            user,
        )
        return sel.submit_proposal(proposal, user)


def stroke_cycle(home: Organisation, network, senate, rival, budget, people, today) -> None:
    """The completed cycle, about eight months before the demo is built."""
    start = monday_before(today - dt.timedelta(days=240))
    spec = _spec(
        STROKE,
        home,
        people,
        start,
        service_description="A hyper-acute stroke unit open 24 hours a day, 7 days a week, with "
        "rapid brain imaging, thrombolysis and mechanical thrombectomy, and early supported "
        "discharge to community stroke rehabilitation.",
        population="Adults with a suspected stroke who live in the area, or who fall ill in it",
        area="The whole of the integrated care board's area",
        population_size=1_120_000,
        annual_activity=1_850,
        activity_unit="admissions",
        financial_envelope_pence=24_000_000_00,
        term_months=36,
        cpv_code="85111000-0",  # hospital services
        outcomes=(
            specs.OutcomeInput(
                indicator("1.1"),
                Decimal("71.3"),
                Decimal("65.0"),
                years_after(start, 3),
                "ONS mortality files, residents aged under 75, calendar year",
            ),
            specs.OutcomeInput(
                indicator("3b"),
                Decimal("14.2"),
                Decimal("12.5"),
                years_after(start, 2),
                "Hospital Episode Statistics, stroke spells, rolling 12 months",
            ),
        ),
        quality_requirements=(
            specs.QualityRequirementInput(
                "safe",
                "Brain imaging within 1 hour of arrival",
                "at least 90% of patients each month",
                "SSNAP key indicator 1",
                "Remedial action plan",
            ),
            specs.QualityRequirementInput(
                "effective",
                "Door-to-needle time for thrombolysis of 60 minutes or less",
                "at least 80% each quarter",
                "SSNAP",
                "Remedial action plan",
            ),
            specs.QualityRequirementInput(
                "experience",
                "Patients and carers who would recommend the unit",
                "at least 90% each quarter",
                "Friends and family test",
            ),
        ),
    )
    network_request = _advice(
        spec,
        people,
        start,
        network,
        "Is one hyper-acute unit, with the others as feeder sites, safe for "
        "the whole area given travel times?",
    )
    senate_request = _advice(
        spec,
        people,
        start + dt.timedelta(days=1),
        senate,
        "Does the clinical model meet the national stroke service model?",
    )
    with at(start + dt.timedelta(days=7)):
        network_advice = sel.give_advice(
            network_request,
            sel.AdviceInput(
                "support_with_changes",
                "Support one hyper-acute unit for the area. Travel times are within 45 minutes for "
                "97% of residents. Monitor door-to-needle time monthly, not quarterly, in the "
                "first "
                "year.",
                clinical_evidence="SSNAP audit 2023/24; national stroke service model (2021).",
                risks="Ambulance handover delays at the single site in winter.",
                suggested_changes="Report thrombolysis times monthly in year one.",
                documents=(
                    DocumentInput(
                        "stroke-network-advice.pdf",
                        pdf(
                            "Advice on hyper-acute stroke services",
                            [
                                "Cardiovascular Strategic Clinical Network (synthetic).",
                                "One hyper-acute unit is supported; monitor door-to-needle "
                                "monthly.",
                            ],
                        ),
                    ),
                ),
            ),
            people.clinical_adviser,
        )
    with at(start + dt.timedelta(days=9)):
        sel.give_advice(
            senate_request,
            sel.AdviceInput(
                "support",
                "The model meets the national stroke service model. "
                "Early supported discharge should start within 24 hours.",
            ),
            people.senate_adviser,
        )
    approved_on = start + dt.timedelta(days=14)
    with at(approved_on):
        spec = specs.change_status(spec, "approved", people.commissioner)
        process = sel.set_up_selection(
            spec, sel.SelectionSetup(budget_id=budget.pk, route="competitive"), people.commissioner
        )
        deadline = approved_on + dt.timedelta(days=28)
        process = sel.invite_proposals(
            process,
            sel.Invitation(WEIGHTS, deadline, (people.commissioner.pk, people.quality_lead.pk)),
            people.commissioner,
        )
    with at(approved_on + dt.timedelta(days=6)):
        question = sel.ask_clarification(
            process,
            sel.ClarificationInput(rival.pk, "Must thrombectomy be on the same site?"),
            people.bidder,
        )
    with at(approved_on + dt.timedelta(days=8)):
        sel.answer_clarification(
            question,
            "Yes: thrombectomy must be available on the hyper-acute unit's site.",
            people.contract_manager,
        )
    winner = _propose(
        process,
        people.provider,
        home_provider(people),
        approved_on + dt.timedelta(days=18),
        22_800_000_00,
        "A single hyper-acute unit at Royal Stoke University Hospital with 24/7 "
        "thrombectomy, and feeder arrangements at County Hospital, Stafford.",
        {
            "1.1": "24/7 thrombectomy and a secondary prevention clinic within 2 weeks.",
            "3b": "Early supported discharge and a 72-hour follow-up call.",
        },
    )
    runner_up = _propose(
        process,
        people.bidder,
        rival,
        approved_on + dt.timedelta(days=24),
        21_900_000_00,
        "A hyper-acute unit at Royal Derby Hospital serving the area by blue-light transfer.",
        {
            "1.1": "Thrombectomy on weekdays, extended to weekends in year two.",
            "3b": "Community rehabilitation provided in partnership.",
        },
    )
    after = deadline + dt.timedelta(days=1)
    with at(after):
        for user in (people.commissioner, people.quality_lead):
            sel.declare_interests(process, sel.DeclarationInput(False), user)
        evaluation = {
            people.commissioner: (
                {
                    "quality_innovation": 4,
                    "value": 3,
                    "integration": 4,
                    "access": 4,
                    "social_value": 3,
                },
                {
                    "quality_innovation": 3,
                    "value": 4,
                    "integration": 2,
                    "access": 2,
                    "social_value": 3,
                },
            ),
            people.quality_lead: (
                {
                    "quality_innovation": 5,
                    "value": 3,
                    "integration": 4,
                    "access": 4,
                    "social_value": 3,
                },
                {
                    "quality_innovation": 3,
                    "value": 4,
                    "integration": 3,
                    "access": 1,
                    "social_value": 3,
                },
            ),
        }
        for user, (mine, theirs) in evaluation.items():
            sel.score_proposal(winner, scores(mine, "Scored against the specification"), user)
            sel.score_proposal(runner_up, scores(theirs, "Scored against the specification"), user)
    with at(after + dt.timedelta(days=2)):
        sel.moderate_proposal(
            winner,
            scores(
                {
                    "quality_innovation": 4,
                    "value": 3,
                    "integration": 4,
                    "access": 4,
                    "social_value": 3,
                },
                "Agreed at the moderation meeting",
            ),
            people.commissioner,
        )
        sel.moderate_proposal(
            runner_up,
            scores(
                {
                    "quality_innovation": 3,
                    "value": 4,
                    "integration": 2,
                    "access": 2,
                    "social_value": 3,
                },
                "Agreed at the moderation meeting; travel times from Derby weigh on access",
            ),
            people.commissioner,
        )
    decided_on = after + dt.timedelta(days=5)
    with at(decided_on):
        decision = sel.decide(
            process,
            sel.DecisionInput(
                "award",
                "University Hospitals of North Midlands scored highest on quality and on access: "
                "24/7 thrombectomy on site and travel times within 45 minutes for 97% of "
                "residents. "
                "Its price is within the envelope. The network's advice to monitor door-to-needle "
                "times monthly in the first year is adopted in the contract's quality schedule.",
                (winner.pk,),
                (
                    network_advice.pk,
                    *sel.advice_on(spec).exclude(pk=network_advice.pk).values_list("pk", flat=True),
                ),
            ),
            people.commissioner,
        )
        decision = sel.publish_notice(decision, people.commissioner)
    contract_day = add_working_days(standstill(decided_on).last_day, 1)
    first_of_month = (contract_day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    with at(contract_day):
        contract = contracts.create_contract(
            decision,
            contracts.ContractInput(
                winner.pk, first_of_month, years_after(first_of_month, 3) - dt.timedelta(days=1)
            ),
            people.contract_manager,
        )
    with at(contract_day + dt.timedelta(days=1)):
        contracts.sign_contract(contract, people.provider)
    with at(contract_day + dt.timedelta(days=2)):
        contract = contracts.sign_contract(contract, people.commissioner)
    # A variation the commissioners propose, waiting for the provider's agreement (GC13): on the
    # provider-representative's work queue, and on the commissioner's as what they wait for.
    with at(min(contract_day + dt.timedelta(days=30), today)):
        contracts.propose_variation(
            contract,
            contracts.VariationInput(
                "Thrombectomy cover at weekends from the second year, with a second "
                "interventional neuroradiologist on the rota",
                250_000_00,
            ),
            people.contract_manager,
        )


def home_provider(people: DemoPeople) -> Organisation:
    return next(
        m.organisation
        for m in people.provider.memberships.all()
        if m.role == "provider_representative"
    )


def diabetes_cycle(home, network, rival, budget, people, today) -> None:
    """In evaluation: the deadline passed three days ago; the commissioner has work to do."""
    start = monday_before(today - dt.timedelta(days=70))
    spec = _spec(
        DIABETES,
        home,
        people,
        start,
        service_description="Structured education for adults with type 2 diabetes, annual foot "
        "protection checks, and a specialist diabetes nursing service in the community.",
        population="Adults with diabetes registered with a GP practice in the area",
        area="The whole of the integrated care board's area",
        population_size=78_000,
        annual_activity=6_500,
        activity_unit="people supported",
        financial_envelope_pence=2_500_000_00,
        term_months=36,
        cpv_code="85323000-9",  # community health services
        outcomes=(
            specs.OutcomeInput(
                indicator("2.1"),
                Decimal("58.0"),
                Decimal("65.0"),
                years_after(start, 3),
                "GP Patient Survey, annual",
            ),
            specs.OutcomeInput(
                indicator("2.3.i"),
                Decimal("812"),
                Decimal("760"),
                years_after(start, 3),
                "Hospital Episode Statistics",
            ),
        ),
        quality_requirements=(
            specs.QualityRequirementInput(
                "safe",
                "Annual foot protection check for people at high risk",
                "at least 95% each year",
                "Practice records",
            ),
            specs.QualityRequirementInput(
                "effective",
                "People offered structured education within 9 months of diagnosis",
                "at least 90%",
                "National Diabetes Audit",
            ),
            specs.QualityRequirementInput(
                "experience",
                "People who feel supported to manage their diabetes",
                "at least 65%",
                "GP Patient Survey",
            ),
        ),
    )
    request = _advice(
        spec,
        people,
        start,
        network,
        "Is the nursing model enough for people with diabetic kidney disease?",
    )
    with at(start + dt.timedelta(days=6)):
        sel.give_advice(
            request,
            sel.AdviceInput(
                "support_with_changes",
                "Support, with a named renal link nurse and shared care with the renal unit.",
                suggested_changes="Add a requirement for a renal link nurse.",
            ),
            people.clinical_adviser,
        )
    with at(start + dt.timedelta(days=9)):
        specs.add_quality_requirement(
            spec,
            specs.QualityRequirementInput(
                "effective",
                "A named renal link nurse for people with diabetic kidney disease",
                "in place from month 3",
                "Contract management meeting",
            ),
            people.commissioner,
        )
        spec = specs.change_status(spec, "approved", people.commissioner)
        process = sel.set_up_selection(
            spec,
            sel.SelectionSetup(
                budget_id=budget.pk,
                route="competitive",
                incumbent_id=home_provider(people).pk,
                existing_service=True,
                replacing_expiring_contract=True,
                current_lifetime_value_pence=2_200_000_00,
                attributable_to_authority=True,
                existing_provider_satisfying_contract=True,
                existing_provider_likely_to_satisfy_new=True,
                route_justification="Patients' feedback asks for more community clinics; we want "
                "to test what the market offers before renewing.",
            ),
            people.commissioner,
        )
        process = sel.invite_proposals(
            process,
            sel.Invitation(
                WEIGHTS,
                today - dt.timedelta(days=3),
                (people.commissioner.pk, people.quality_lead.pk),
            ),
            people.commissioner,
        )
    incumbent = _propose(
        process,
        people.provider,
        home_provider(people),
        today - dt.timedelta(days=20),
        2_380_000_00,
        "Continue and extend the current service, adding evening clinics and a renal link nurse.",
        {
            "2.1": "Evening and weekend education sessions in six towns.",
            "2.3.i": "Rapid-access nursing for people at risk of admission.",
        },
    )
    challenger = _propose(
        process,
        people.bidder,
        rival,
        today - dt.timedelta(days=5),
        2_290_000_00,
        "A digital-first service with structured education online and nurse-led hubs.",
        {
            "2.1": "Online education with peer support.",
            "2.3.i": "Remote monitoring of blood glucose for the highest-risk.",
        },
    )
    with at(today - dt.timedelta(days=2)):
        sel.declare_interests(process, sel.DeclarationInput(False), people.quality_lead)
        sel.score_proposal(
            incumbent,
            scores(
                {
                    "quality_innovation": 4,
                    "value": 3,
                    "integration": 5,
                    "access": 3,
                    "social_value": 3,
                },
                "Scored",
            ),
            people.quality_lead,
        )
        sel.score_proposal(
            challenger,
            scores(
                {
                    "quality_innovation": 3,
                    "value": 4,
                    "integration": 2,
                    "access": 4,
                    "social_value": 3,
                },
                "Scored",
            ),
            people.quality_lead,
        )


def heart_failure_cycle(home, network, budget, people, today) -> None:
    """Open: proposals are invited, and the network has not yet answered."""
    start = today - dt.timedelta(days=20)
    spec = _spec(
        HEART_FAILURE,
        home,
        people,
        start,
        service_description="A community heart failure nursing service with diagnosis in "
        "primary care, titration of medicines at home, and palliative care in partnership.",
        population="Adults with heart failure, or suspected of it",
        area="The whole area",
        annual_activity=3_200,
        activity_unit="people supported",
        financial_envelope_pence=4_200_000_00,
        term_months=48,
        cpv_code="85323000-9",  # community health services
        outcomes=(
            specs.OutcomeInput(
                indicator("2.3.i"),
                Decimal("812"),
                Decimal("770"),
                years_after(start, 4),
                "Hospital Episode Statistics",
            ),
        ),
        quality_requirements=(
            specs.QualityRequirementInput(
                "safe",
                "Medicines review within 2 weeks of discharge",
                "at least 90% each month",
                "Service records",
            ),
            specs.QualityRequirementInput(
                "effective",
                "Echocardiogram within 6 weeks of a raised NT-proBNP",
                "at least 85%",
                "Service records",
            ),
            specs.QualityRequirementInput(
                "experience",
                "People with an agreed care plan",
                "at least 95%",
                "Audit of care plans",
            ),
        ),
    )
    _advice(
        spec,
        people,
        start,
        network,
        "Should titration at home be led by nurses or by pharmacists?",
        due_in=27,
    )
    with at(start + dt.timedelta(days=5)):
        spec = specs.change_status(spec, "approved", people.commissioner)
        process = sel.set_up_selection(
            spec, sel.SelectionSetup(budget_id=budget.pk, route="competitive"), people.commissioner
        )
        sel.invite_proposals(
            process,
            sel.Invitation(
                WEIGHTS,
                today + dt.timedelta(days=21),
                (people.commissioner.pk, people.quality_lead.pk),
            ),
            people.commissioner,
        )


def urgent_cycle(home, network, rival, budget, people, today) -> None:
    """An urgent award under regulation 14, six weeks ago: the community stroke rehabilitation
    ward closed without warning, and another provider took its patients at once, for nine
    months, while the service is commissioned properly. Its notice is Schedule 13's."""
    start = today - dt.timedelta(days=45)
    spec = _spec(
        URGENT,
        home,
        people,
        start,
        service_description="Twelve inpatient stroke rehabilitation beds, with therapy seven "
        "days a week, while the community stroke ward is closed.",
        population="Adults discharged from the hyper-acute stroke unit who need inpatient "
        "rehabilitation",
        area="The whole of the integrated care board's area",
        annual_activity=300,
        activity_unit="admissions",
        financial_envelope_pence=1_400_000_00,
        term_months=9,
        cpv_code="85111400-4",  # rehabilitation hospital services
        outcomes=(
            specs.OutcomeInput(
                indicator("3b"),
                Decimal("14.2"),
                Decimal("13.5"),
                start + dt.timedelta(days=270),
                "Hospital Episode Statistics, stroke spells, rolling 12 months",
            ),
        ),
        quality_requirements=(
            specs.QualityRequirementInput(
                "safe",
                "Falls with harm on the ward",
                "no more than 1 each month",
                "Incident reports",
                "Remedial action plan",
            ),
            specs.QualityRequirementInput(
                "experience",
                "Patients who would recommend the ward",
                "at least 90%",
                "Friends and family test",
            ),
            specs.QualityRequirementInput(
                "effective",
                "Therapy on at least 5 days a week for each patient",
                "at least 85% of patients each month",
                "SSNAP",
                "Remedial action plan",
            ),
        ),
    )
    _advice(spec, people, start, network, "Is twelve beds with weekend therapy safe?", due_in=2)
    with at(start + dt.timedelta(days=1)):
        spec = specs.change_status(spec, "approved", people.commissioner)
        process = sel.set_up_selection(
            spec,
            sel.SelectionSetup(
                budget_id=budget.pk,
                route="urgent_award",
                existing_service=True,
                urgent_must_be_made_urgently=True,
                urgent_not_foreseeable=True,
                urgent_not_attributable=True,
                urgent_delay_risks_safety=True,
                urgent_reasons="The community stroke ward closed on the day its building failed "
                "a fire safety inspection. Its twelve patients, and those leaving the stroke "
                "unit each week, needed rehabilitation beds at once: without them they would "
                "stay in acute beds, delaying admissions to the stroke unit.",
            ),
            people.commissioner,
        )
        sel.invite_proposals(
            process,
            sel.Invitation(WEIGHTS, start + dt.timedelta(days=2), (people.commissioner.pk,)),
            people.commissioner,
        )
    winner = _propose(process, people.bidder, rival, start + dt.timedelta(days=2), 1_350_000_00,
                      "Twelve beds on our rehabilitation ward from Monday, with weekend therapy.",
                      {"3b": "Therapy seven days a week shortens stays."})  # fmt: skip
    decided_on = start + dt.timedelta(days=3)
    with at(decided_on):
        sel.declare_interests(process, sel.DeclarationInput(has_interest=False),
                              people.commissioner)  # fmt: skip
        decision = sel.decide(
            process,
            sel.DecisionInput(
                "award",
                "The only provider with rehabilitation beds and therapists free at once; its "
                "price is within the envelope.",
                (winner.pk,),
            ),
            people.commissioner,
        )
        decision = sel.publish_notice(decision, people.commissioner)
        contract = contracts.create_contract(
            decision,
            contracts.ContractInput(
                winner.pk, decided_on + dt.timedelta(days=1),
                months_later(decided_on + dt.timedelta(days=1), 9)
                - dt.timedelta(days=1),
            ),
            people.contract_manager,
        )  # fmt: skip
        contracts.sign_contract(contract, people.bidder)
        contracts.sign_contract(contract, people.commissioner)


def unsolicited(home, people, today) -> None:
    with at(today - dt.timedelta(days=10)):
        proposal = sel.create_proposal(
            None,
            sel.ProposalInput(
                home_provider(people).pk,
                "Virtual ward for people living with frailty",
                "A virtual ward of 40 beds, with remote monitoring and a rapid response team, to "
                "care for people with frailty at home instead of in hospital.",
                1_400,
                3_600_000_00,
                addressed_to_id=home.pk,
            ),
            people.provider,
        )
        sel.submit_proposal(proposal, people.provider)


def load_cycles(home: Organisation, people: DemoPeople, network, senate, rival) -> list[str]:
    """Build each demo cycle that is not there yet; say what was built."""
    today = clock.today()
    budget = Budget.objects.filter(code=f"{home.code}-ACS").first() or save_budget(
        Budget(
            code=f"{home.code}-ACS",
            organisation=home,
            name="Acute and community services",
            financial_year=today.year if today.month >= 4 else today.year - 1,
            amount_pence=400_000_000_00,
        ),
        SYSTEM,
    )
    if not DelegatedAuthority.objects.filter(user=people.commissioner, budget=budget).exists():
        save_delegated_authority(
            DelegatedAuthority(
                user=people.commissioner,
                budget=budget,
                limit_pence=25_000_000_00,
                start_date=today - dt.timedelta(days=400),
                reference="Scheme of reservation and delegation, board minute 24/117 (demo)",
            ),
            SYSTEM,
        )
    built = []
    steps: list[tuple[str, Callable[[], None]]] = [
        (STROKE, lambda: stroke_cycle(home, network, senate, rival, budget, people, today)),
        (DIABETES, lambda: diabetes_cycle(home, network, rival, budget, people, today)),
        (HEART_FAILURE, lambda: heart_failure_cycle(home, network, budget, people, today)),
        (URGENT, lambda: urgent_cycle(home, network, rival, budget, people, today)),
    ]
    for title, build in steps:
        if not ServiceSpecification.objects.filter(commissioner=home, title=title).exists():
            with transaction.atomic():
                build()
            built.append(title)
    if not Proposal.objects.filter(addressed_to=home, process__isnull=True).exists():
        with transaction.atomic():
            unsolicited(home, people, today)
        built.append("an unsolicited proposal")
    return built
