"""Web pages for clinical advice and provider selection. Each view checks permission, calls a
service and shows the result; field-level problems are shown against their fields.

One module per stage of the cycle (this package re-exports each view for the URLs)."""

from .advice import advice_inbox, advice_request_detail, advice_request_new, document_download  # noqa: F401
from .decisions import (  # noqa: F401
    decide,
    decision_detail,
    decision_withdraw,
    notice_publish,
    representation_new,
    representation_respond,
)
from .evaluation import declaration_manage, declare, evaluation, evaluation_csv, moderate, score  # noqa: F401
from .proposals import (  # noqa: F401
    clarification_answer,
    clarification_ask,
    opportunities,
    proposal_detail,
    proposal_edit,
    proposal_new,
    proposal_respond,
    proposal_submit,
    proposal_withdraw,
)
from .record import decision_record, decision_record_pdf  # noqa: F401
from .setup import evaluator_add, selection_detail, selection_invite, selection_new  # noqa: F401
