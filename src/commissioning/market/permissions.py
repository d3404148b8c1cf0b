"""Who may do what with the market tools: the one place it is decided.

The market and resilience figures are for the commissioning side (they model where a
provider's patients would go if it failed: not for its competitors). Commissioners, contract
managers, quality leads and finance leads may run stress tests; a contract's continuity of
services assessment is decided by a commissioner of a party to the contract (the decision
is the commissioner's); auditors read everything.
"""

from __future__ import annotations

from enum import StrEnum

from commissioning.organisations.permissions import Policy, has_role_at
from commissioning.organisations.vocabulary import Role


class Action(StrEnum):
    VIEW_MARKET = "view_market"
    RUN_STRESS_TEST = "run_stress_test"
    ASSESS_CONTINUITY = "assess_continuity"


VIEWERS = frozenset({Role.COMMISSIONER, Role.CONTRACT_MANAGER, Role.QUALITY_LEAD,
                     Role.FINANCE_LEAD, Role.CLINICAL_ADVISER, Role.AUDITOR,
                     Role.ADMINISTRATOR})  # fmt: skip
RUNNERS = frozenset({Role.COMMISSIONER, Role.CONTRACT_MANAGER, Role.QUALITY_LEAD,
                     Role.FINANCE_LEAD})  # fmt: skip
DECIDERS = frozenset({Role.COMMISSIONER, Role.CONTRACT_MANAGER})


def _may_assess(user, contract) -> bool:
    parties = contract.parties.values_list("organisation_id", flat=True)
    return any(has_role_at(user, org, DECIDERS) for org in parties)


POLICY = Policy(
    allowed={
        Action.VIEW_MARKET: VIEWERS,
        Action.RUN_STRESS_TEST: RUNNERS,
        Action.ASSESS_CONTINUITY: DECIDERS,
    },
    rules={Action.ASSESS_CONTINUITY: _may_assess},
    labels={
        Action.VIEW_MARKET: "see the market and resilience workspace",
        Action.RUN_STRESS_TEST: "run a stress test",
        Action.ASSESS_CONTINUITY: "assess this contract's continuity of services",
    },
)
can = POLICY.can
require = POLICY.require
