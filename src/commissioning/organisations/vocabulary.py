"""NHS organisation types and the roles people hold. Pure data, no Django."""

from __future__ import annotations

from enum import StrEnum


class OrganisationType(StrEnum):
    ICB = "icb"
    NHSE_REGION = "nhse_region"
    LOCAL_AUTHORITY = "local_authority"
    NHS_TRUST = "nhs_trust"
    FOUNDATION_TRUST = "foundation_trust"
    GP_PRACTICE = "gp_practice"
    INDEPENDENT_PROVIDER = "independent_provider"
    CLINICAL_NETWORK = "clinical_network"
    CLINICAL_SENATE = "clinical_senate"

    @property
    def label(self) -> str:
        return ORGANISATION_TYPE_LABELS[self]


ORGANISATION_TYPE_LABELS = {
    OrganisationType.ICB: "Integrated care board / clinical commissioning group",
    OrganisationType.NHSE_REGION: "NHS England region",
    OrganisationType.LOCAL_AUTHORITY: "Local authority",
    OrganisationType.NHS_TRUST: "NHS trust",
    OrganisationType.FOUNDATION_TRUST: "NHS foundation trust",
    OrganisationType.GP_PRACTICE: "GP practice",
    OrganisationType.INDEPENDENT_PROVIDER: "Independent-sector provider",
    OrganisationType.CLINICAL_NETWORK: "Strategic clinical network",
    OrganisationType.CLINICAL_SENATE: "Clinical senate",
}

COMMISSIONER_TYPES = frozenset(
    {OrganisationType.ICB, OrganisationType.NHSE_REGION, OrganisationType.LOCAL_AUTHORITY}
)
PROVIDER_TYPES = frozenset(
    {
        OrganisationType.NHS_TRUST,
        OrganisationType.FOUNDATION_TRUST,
        OrganisationType.GP_PRACTICE,
        OrganisationType.INDEPENDENT_PROVIDER,
    }
)


class Role(StrEnum):
    COMMISSIONER = "commissioner"
    CONTRACT_MANAGER = "contract_manager"
    QUALITY_LEAD = "quality_lead"
    FINANCE_LEAD = "finance_lead"
    CLINICAL_ADVISER = "clinical_adviser"
    PROVIDER_REPRESENTATIVE = "provider_representative"
    BUDGET_HOLDER = "budget_holder"
    CARE_COORDINATOR = "care_coordinator"
    AUDITOR = "auditor"
    ADMINISTRATOR = "administrator"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.COMMISSIONER: "Commissioner",
    Role.CONTRACT_MANAGER: "Contract manager",
    Role.QUALITY_LEAD: "Quality lead",
    Role.FINANCE_LEAD: "Finance lead",
    Role.CLINICAL_ADVISER: "Clinical adviser",
    Role.PROVIDER_REPRESENTATIVE: "Provider representative",
    Role.BUDGET_HOLDER: "Personal health budget holder",
    Role.CARE_COORDINATOR: "Care coordinator",
    Role.AUDITOR: "Auditor",
    Role.ADMINISTRATOR: "Administrator",
}

# Everyone who works for an organisation: every role but the budget holder, who uses the
# platform for their own personal health budget only.
STAFF = frozenset(Role) - {Role.BUDGET_HOLDER}
