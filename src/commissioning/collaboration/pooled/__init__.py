"""Pooled budgets (Section 75 / Better Care Fund) on the ledger: the written agreement, the
partners' contributions, spending by scheme, and the year-end risk share with a statement per
partner. Each function checks permission (the ledger's own, for money), writes all or
nothing, and records the change in the audit trail.

One module per part of a pool's life; this package re-exports them, so callers use
``collaboration.pooled.<name>``."""

from .agreement import (  # noqa: F401
    AGREEMENT_FIELDS,
    INTEGRATED_BUDGET,
    PartnerInput,
    PoolInput,
    SchemeInput,
    create_pool,
    policy_from_json,
    policy_to_json,
    readable_pool,
)
from .commitments import (  # noqa: F401
    CommitmentInput,
    CommitmentPosition,
    _against,
    _keeps,
    _record_commitment,
    commit,
    commitments,
    committed,
    outstanding,
    release,
    spent_against,
)
from .money import (  # noqa: F401
    contribute,
    integrated_budgets,
    postings_of,
    record_spend,
    scheme_spend,
    scheme_spend_parts,
    spend_by_month,
)
from .plans import (  # noqa: F401
    ActionPlanInput,
    Forecast,
    agreed_cuts,
    decide_action_plan,
    forecast,
    forecasts,
    propose_action_plan,
)
from .year import (  # noqa: F401
    QUARTERS,
    QuarterReport,
    _contributions,
    _months,
    financial_year,
    pay_share,
    pool_year,
    quarters,
    report,
    settle_year,
    share_key,
)
