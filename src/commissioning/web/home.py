"""What each role sees first: what the role is for here, and where to start."""

from __future__ import annotations

from dataclasses import dataclass

from commissioning.organisations.vocabulary import Role


@dataclass(frozen=True)
class Task:
    label: str
    url_name: str
    hint: str


DIRECTORY = Task(
    "Find an organisation",
    "directory",
    "Search NHS trusts, commissioners and GP practices by name, ODS code or postcode.",
)
AUDIT = Task(
    "Review the audit trail",
    "audit",
    "Every change, who made it and when, with a check that nothing has been altered.",
)
DATA = Task(
    "About the data",
    "about-data",
    "Where each figure comes from, and what is synthetic.",
)

SPECIFICATIONS = Task(
    "Service specifications",
    "specifications",
    "Write outcome-based specifications, consult clinicians, select providers and decide.",
)
CONTRACTS = Task(
    "Contracts",
    "contracts",
    "Contracts made from awards, with the quality schedules that monitoring tracks.",
)
ADVICE = Task(
    "Requests for advice",
    "advice-requests",
    "Commissioners' questions waiting for your clinical advice.",
)
OPPORTUNITIES = Task(
    "Opportunities and proposals",
    "opportunities",
    "Services commissioners are inviting proposals for, and your own proposals.",
)

QUALITY = Task(
    "Quality of care",
    "quality",
    "Your providers' quality figures, alerts, concerns and escalation cases.",
)
MARKET = Task(
    "The market",
    "market",
    "Concentration, providers at risk and the continuity of services if one fails.",
)
TOGETHER = Task(
    "Commissioning together",
    "together",
    "Consortia, co-commissioning and pooled budgets with your partners.",
)
CASELOAD = Task(
    "Personal health budgets",
    "phb",
    "The people whose care and support plans you coordinate: plans, payments and reviews.",
)
MY_BUDGET = Task(
    "My budget",
    "phb",
    "Your care and support plan, what has been paid, and when it will next be reviewed.",
)

ROLE_HOME: dict[Role, tuple[str, list[Task]]] = {
    Role.COMMISSIONER: (
        "You decide what services are provided for your population: specify them for outcomes, "
        "consult clinicians, receive proposals, and decide.",
        [SPECIFICATIONS, CONTRACTS, QUALITY, MARKET, TOGETHER, DIRECTORY],
    ),
    Role.CONTRACT_MANAGER: (
        "You manage contracts with providers: make them from awards and answer bidders' questions.",
        [CONTRACTS, QUALITY, SPECIFICATIONS, DIRECTORY],
    ),
    Role.QUALITY_LEAD: (
        "You assure the quality of the services commissioned: your providers' figures, the "
        "alerts on them and the cases you are taking forward.",
        [QUALITY, CONTRACTS, SPECIFICATIONS, DIRECTORY],
    ),
    Role.FINANCE_LEAD: (
        "You look after the money: pooled budgets with your partners, contracts' values and "
        "the budgets decisions are taken against.",
        [TOGETHER, CONTRACTS, SPECIFICATIONS, DIRECTORY],
    ),
    Role.CLINICAL_ADVISER: (
        "You give clinical advice to commissioners; they make the decision. Start with the "
        "requests waiting for your advice.",
        [ADVICE, SPECIFICATIONS, DIRECTORY, DATA],
    ),
    Role.PROVIDER_REPRESENTATIVE: (
        "You represent a provider: answer commissioners' invitations with proposals, or propose a "
        "service to them. You see your own organisation's proposals only.",
        [OPPORTUNITIES, CONTRACTS, DIRECTORY, DATA],
    ),
    Role.BUDGET_HOLDER: (
        "Your personal health budget: the care and support you agreed, what has been paid, and "
        "when your plan will next be reviewed.",
        [MY_BUDGET, DIRECTORY],
    ),
    Role.CARE_COORDINATOR: (
        "You coordinate people's care and support plans: assessments, plans, payments and reviews.",
        [CASELOAD, DIRECTORY],
    ),
    Role.AUDITOR: (
        "You check that the record is complete and untouched. Start with the audit trail.",
        [AUDIT, SPECIFICATIONS, CONTRACTS, DIRECTORY, DATA],
    ),
    Role.ADMINISTRATOR: (
        "You manage people, their roles and reference data. Use the admin for people and "
        "memberships; every change is recorded in the audit trail.",
        [AUDIT, DIRECTORY, DATA],
    ),
}
