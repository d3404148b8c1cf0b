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

ROLE_HOME: dict[Role, tuple[str, list[Task]]] = {
    Role.COMMISSIONER: (
        "You decide what services are provided for your population: specify them for outcomes, "
        "consult clinicians, receive proposals, and decide.",
        [SPECIFICATIONS, CONTRACTS, DIRECTORY, DATA],
    ),
    Role.CONTRACT_MANAGER: (
        "You manage contracts with providers: make them from awards and answer bidders' questions.",
        [CONTRACTS, SPECIFICATIONS, DIRECTORY, DATA],
    ),
    Role.QUALITY_LEAD: (
        "You assure the quality of the services commissioned. Start with a provider's page: "
        "its A&E four-hour performance and, in the synthetic economy, its 30-day mortality.",
        [SPECIFICATIONS, CONTRACTS, DIRECTORY, DATA],
    ),
    Role.FINANCE_LEAD: (
        "You look after the money. Start with the organisations and populations you fund.",
        [SPECIFICATIONS, CONTRACTS, DIRECTORY, DATA],
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
        "You hold a personal health budget. You can find the NHS organisations near you.",
        [DIRECTORY],
    ),
    Role.CARE_COORDINATOR: (
        "You coordinate care and support plans. Start with the organisations that provide care.",
        [DIRECTORY, DATA],
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
