"""Personal health budgets: recording a person, their needs assessment, care and support plans
(versions agreed by the person and the coordinator), the money on the ledger, spending,
statements, reviews, repayment notices, stopping and reconsideration (decision 036).

Every service checks ``permissions`` first and writes all-or-nothing. The audit trail records
what changed by ids and amounts; names, NHS numbers and dates of birth never go into it or
into the application's logs.

One module per area (docs/architecture.md); this package re-exports them all, so callers use
``personal_budgets.services.<name>``."""

from ..rules import budget_setting, eligibility, nhs_number  # noqa: F401  (views read eligibility.DOMAINS)
from .access import (  # noqa: F401
    REFUSED,
    log_access,
    open_record,
    records_of,
    require_record,
)
from .assessment import (  # noqa: F401
    AssessmentInput,
    assess,
    indicative_for,
)
from .common import (  # noqa: F401
    CHC_BASED,
    allocation_table,
)
from .payments import (  # noqa: F401
    Paid,
    PaymentInput,
    _keep_refusal,
    _OverBudget,
    _pay,
    clear_flag,
    record_payment,
)
from .people import (  # noqa: F401
    LINKS,
    SERVICE,
    PersonInput,
    _acting_for,
    _funding_code,
    is_citizen,
    link_sign_in,
    may_draw,
    record_person,
)
from .plans import (  # noqa: F401
    AgreeInput,
    PlanInput,
    ServiceLine,
    _holding,
    _plan_problems,
    _pool_of,
    _source_account,
    agree_plan,
    current_plan,
    draft_plan,
)
from .programme import (  # noqa: F401
    Programme,
    ProgrammeCounts,
    programme,
    programme_counts,
)
from .reconsideration import (  # noqa: F401
    DecideInput,
    ReconsiderationInput,
    decide_reconsideration,
    request_reconsideration,
)
from .repayments import (  # noqa: F401
    Repaid,
    RepaidInput,
    RepaymentInput,
    StopInput,
    issue_repayment_notice,
    record_repayment,
    stop_direct_payments,
)
from .reviewing import (  # noqa: F401
    ReviewInput,
    next_review,
    record_review,
    review_list,
)
from .statements import (  # noqa: F401
    MonthStatement,
    _months,
    statement,
    statements,
)
