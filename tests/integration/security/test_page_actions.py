"""Another system can do through the API whatever a person can do on a page (issue 17): every
page of the URL configuration whose view acts on a form (a POST) names the API operations that
do the same, and each of those operations is in the OpenAPI document. A new page that acts
fails this test until it has its operation (or, for signing in, says why it needs none)."""

from __future__ import annotations

import inspect
import re

from django.urls import URLPattern, URLResolver, get_resolver

from commissioning.api.v1 import api

# Page (URL name) -> the API operations (module_function) that do what its forms do.
PAGE_ACTIONS: dict[str, tuple[str, ...]] = {
    "specification-new": ("specifications_create_specification",),
    "specification-edit": ("specifications_update_specification",),
    "outcome-new": ("specifications_add_outcome",),
    "outcome-remove": ("specifications_remove_outcome",),
    "requirement-new": ("specifications_add_quality_requirement",),
    "requirement-remove": ("specifications_remove_quality_requirement",),
    "specification-status": ("specifications_change_status",),
    "specification-new-version": ("specifications_start_new_version",),
    "advice-request-new": ("advice_request_advice",),
    "advice-request": ("advice_give_advice",),
    "selection-new": ("selection_set_up_selection",),
    "selection-invite": ("selection_invite_proposals",),
    "evaluator-add": ("selection_add_evaluator",),
    "proposal-new": ("selection_create_proposal",),
    "proposal-unsolicited-new": ("selection_create_unsolicited_proposal",),
    "proposal-edit": ("selection_update_proposal",),
    "proposal-submit": ("selection_submit_proposal",),
    "proposal-withdraw": ("selection_withdraw_proposal",),
    "proposal-respond": ("selection_respond_to_proposal",),
    "clarification-ask": ("selection_ask_clarification",),
    "clarification-answer": ("selection_answer_clarification",),
    "declare": ("selection_declare_interests",),
    "declaration-manage": ("selection_manage_declaration",),
    "score": ("selection_score_proposal",),
    "moderate": ("selection_moderate_proposal",),
    "decide": ("selection_decide",),
    "notice-publish": ("selection_publish_notice",),
    "representation-new": ("selection_make_representation",),
    "decision-withdraw": ("selection_withdraw_decision",),
    "representation-respond": ("selection_respond_to_representation",),
    "contract-new": ("contracts_create_contract",),
    "contract-sign": ("contracts_sign_contract",),
    "variation-propose": ("contracts_propose_variation",),
    "variation-approve": ("contracts_approve_variation",),
    "variation-answer": ("contracts_answer_variation",),
    "variation-sign": ("contracts_sign_variation",),
    # one month on the page, or a file of many; and what the line measures and its chart
    "quality-item": ("quality_record_figures", "quality_choose_chart"),
    "quality-risk-profile": ("quality_record_intelligence",),
    "quality-case-new": ("quality_raise_concern",),
    "quality-case-step": (
        "quality_issue_notice",
        "quality_agree_remedial_plan",
        "quality_close_case",
        "quality_escalate_case",
    ),
    "quality-milestone-met": ("quality_complete_milestone",),
    "quality-milestone-progress": ("quality_report_progress",),
    "quality-mortality-run": ("quality_start_shmi_run",),
    "job-cancel": ("jobs_cancel_job",),
    "market": ("market_start_stress_test",),
    "market-assessment": ("market_gather_evidence", "market_decide_continuity"),
    "together-new-consortium": ("collaboration_form_consortium",),
    "together-new-arrangement": ("collaboration_record_arrangement",),
    "together-arrangement": ("collaboration_decide",),
    "together-new-pool": ("pools_create_pool",),
    "together-pool-spend": ("pools_record_spend",),
    "together-pool-commit": ("pools_record_commitment",),
    "together-pool-release": ("pools_release_commitment",),
    "together-pool-contribute": ("pools_contribute",),
    "together-pool-settle": ("pools_settle_year",),
    "together-pool-pay-share": ("pools_pay_share",),
    "together-propose-plan": ("pools_propose_action_plan",),
    "together-decide-plan": ("pools_decide_action_plan",),
    "specialised-line": ("specialised_record_month",),
    "phb-new-person": ("budgets_record_person",),
    "phb-assessment": ("budgets_assess",),
    "phb-new-plan": ("budgets_draft_plan",),
    "phb-plan": ("budgets_agree_plan",),
    "phb-pay": ("budgets_post_payment",),
    "phb-clear": ("budgets_clear_flag",),
    "phb-review": ("budgets_record_review",),
    "phb-repayment": ("budgets_issue_repayment_notice",),
    "phb-repaid": ("budgets_record_repayment",),
    "phb-stop": ("budgets_stop_direct_payments",),
    "phb-reconsider": ("budgets_request_reconsideration",),
    "phb-decide": ("budgets_decide_reconsideration",),
    "phb-link": ("budgets_link_sign_in",),
    "ledger-issue-statement": ("ledger_issue_statement",),
}
# Signing in and out is how a person starts and ends a session; an API client authenticates
# with a token instead (created by an administrator, rotated through tokens/rotate).
SESSION_PAGES = {"login", "logout", "two-factor", "two-factor-setup"}
ACTS = re.compile(r"request\.POST|request\.method == \"POST\"|\bsubmit\(|\bact\(|require_POST")


def _pages(resolver: URLResolver):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            if getattr(p, "namespace", None) not in ("admin", "api-v1"):
                yield from _pages(p)
        elif isinstance(p, URLPattern):
            yield p.name, p.callback


def _acts(view) -> bool:
    try:
        source = inspect.getsource(inspect.unwrap(view))
    except (OSError, TypeError):
        return False
    return ACTS.search(source) is not None


def test_every_page_that_acts_has_its_api_operations():
    acting = {name for name, view in _pages(get_resolver()) if _acts(view)} - SESSION_PAGES
    schema = api.get_openapi_schema(path_prefix="/api/v1")
    operations = {
        op["operationId"].removeprefix("commissioning_api_")
        for methods in schema["paths"].values()
        for op in methods.values()
    }
    assert sorted(acting - set(PAGE_ACTIONS)) == [], "pages that act with no API operation"
    assert sorted(set(PAGE_ACTIONS) - acting) == [], "entries for pages that no longer act"
    named = {op for ops in PAGE_ACTIONS.values() for op in ops}
    assert sorted(named - operations) == [], "operations named here but not in the API"
    # The OpenAPI document has writes for each area the issue names.
    writes = {
        op["operationId"].removeprefix("commissioning_api_").split("_", 1)[0]
        for methods in schema["paths"].values()
        for method, op in methods.items()
        if method != "get"
    }
    assert {"quality", "market", "collaboration", "budgets", "contracts"} <= writes
