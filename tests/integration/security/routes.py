"""What every page and API operation should answer, as each app's policy says (issue 16).

For each URL name and each API operation there is an entry: the real objects of the demo to
request it with (``objects``: a list of URL keyword arguments) and who may (``allowed(user,
kwargs)``), written from the policy of whoever owns the data the route shows or changes (a
contract's quality figures by the contract's policy, a person's budget account by the
personal budget policy). ``test_every_route`` derives the routes from the URL configuration
and the OpenAPI document, so a route without an entry here fails it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q

from commissioning.collaboration import permissions as together
from commissioning.collaboration.models import (
    ActionPlan,
    CoCommissioningArrangement,
    Consortium,
    PooledBudget,
    SchemeCommitment,
)
from commissioning.collaboration.pooled import pool_year
from commissioning.contracts import permissions as contracts
from commissioning.contracts.models import Contract, ContractVariation, QualityScheduleItem
from commissioning.jobs import permissions as jobs
from commissioning.jobs.models import Job
from commissioning.ledger import permissions as ledger
from commissioning.ledger.models import Account
from commissioning.market import permissions as market
from commissioning.market.models import StressTest
from commissioning.organisations import permissions as orgs
from commissioning.organisations.models import Organisation
from commissioning.organisations.permissions import current_memberships, has_role_at, roles_of
from commissioning.organisations.vocabulary import COMMISSIONER_TYPES, Role
from commissioning.personal_budgets import permissions as phb
from commissioning.personal_budgets.models import Payment, Person, Reconsideration, RepaymentNotice
from commissioning.quality import permissions as quality
from commissioning.quality.models import EscalationCase, Milestone
from commissioning.selection import permissions as sel
from commissioning.selection.models import (
    AdviceRequest,
    Clarification,
    ConflictDeclaration,
    Decision,
    Document,
    Proposal,
    Representation,
    SelectionProcess,
)
from commissioning.specialised import permissions as specialised
from commissioning.specialised.models import LineBudget
from commissioning.specifications import permissions as specs
from commissioning.specifications.models import (
    QualityRequirement,
    ServiceSpecification,
    SpecificationOutcome,
)

Rule = Callable[[object, dict], bool]


@dataclass(frozen=True)
class Route:
    objects: Callable[[], list[dict]]
    allowed: Rule
    method: str = "GET"
    # What an allowed request may answer besides 200 (a form that redirects when the object's
    # state has moved on, say); a refused one answers 403 (401 in the API).
    also_ok: tuple[int, ...] = ()
    # Words that identify the object: none may appear in a refused answer.
    markers: Callable[[dict], list[str]] = field(default=lambda kw: [])


def none() -> list[dict]:
    return [{}]


def pks(model, key: str = "pk", limit: int = 3, **filters) -> Callable[[], list[dict]]:
    return lambda: [
        {key: pk}
        for pk in model.objects.filter(**filters)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    ]


def _o(model, kw, key="pk"):
    return model.objects.get(pk=kw[key])


def anyone(user, kw) -> bool:
    return True


# --- specifications ----------------------------------------------------------------------------


def spec_view(user, kw) -> bool:
    return specs.can(user, specs.Action.VIEW_SPECIFICATION, _o(ServiceSpecification, kw))


def spec_may(action) -> Rule:
    return lambda user, kw: (
        spec_view(user, kw) and specs.can(user, action, _o(ServiceSpecification, kw))
    )


def may_write_specs(user, kw) -> bool:
    return any(
        m.role == Role.COMMISSIONER and m.organisation.org_type in COMMISSIONER_TYPES
        for m in current_memberships(user)
    )


def spec_title(kw):
    return [_o(ServiceSpecification, kw).title]


# --- selection ---------------------------------------------------------------------------------


def process_view(user, kw, key="pk") -> bool:
    return sel.can(user, sel.Action.VIEW_SELECTION, _o(SelectionProcess, kw, key))


def process_may(*actions, key="pk") -> Rule:
    def rule(user, kw):
        process = _o(SelectionProcess, kw, key)
        return process_view(user, kw, key) and all(sel.can(user, a, process) for a in actions)

    return rule


def on_spec_may(action) -> Rule:
    return lambda user, kw: (
        spec_view(user, kw) and sel.can(user, action, _o(ServiceSpecification, kw))
    )


def providers_of(user) -> bool:
    from commissioning.organisations.vocabulary import PROVIDER_TYPES

    return any(
        m.role == Role.PROVIDER_REPRESENTATIVE and m.organisation.org_type in PROVIDER_TYPES
        for m in current_memberships(user)
    )


def writes_proposals(user, kw) -> bool:
    return sel.can(user, sel.Action.SUBMIT_PROPOSAL) and providers_of(user)


def evaluation_page(user, kw) -> bool:
    process = _o(SelectionProcess, kw)
    return process_view(user, kw) and (
        sel.is_evaluator(user, process)
        or sel.can(user, sel.Action.VIEW_EVALUATION, process)
        or sel.can(user, sel.Action.DECLARE_INTERESTS, process)
    )


def proposal_view(user, kw, key="pk") -> bool:
    return sel.can(user, sel.Action.VIEW_PROPOSAL, _o(Proposal, kw, key))


def proposal_may(action, on_process=False) -> Rule:
    def rule(user, kw):
        proposal = _o(Proposal, kw)
        target = proposal.process if on_process else proposal
        return proposal_view(user, kw) and target is not None and sel.can(user, action, target)

    return rule


def decision_may(action=None, key="pk") -> Rule:
    def rule(user, kw):
        decision = _o(Decision, kw, key)
        return sel.can(user, sel.Action.VIEW_DECISION, decision) and (
            action is None or sel.can(user, action, decision)
        )

    return rule


def document_may(user, kw) -> bool:
    return sel.can(user, sel.Action.DOWNLOAD_DOCUMENT, _o(Document, kw))


def of_clarification(user, kw) -> bool:
    c = _o(Clarification, kw)
    return process_view(user, {"pk": c.process_id}) and sel.can(
        user, sel.Action.ANSWER_CLARIFICATION, c.process
    )


def of_declaration(user, kw) -> bool:
    d = _o(ConflictDeclaration, kw)
    return process_view(user, {"pk": d.process_id}) and sel.can(
        user, sel.Action.MANAGE_SELECTION, d.process
    )


def of_representation(user, kw) -> bool:
    return sel.can(user, sel.Action.RESPOND_TO_REPRESENTATION, _o(Representation, kw))


def advice_view(user, kw) -> bool:
    return sel.can(user, sel.Action.VIEW_ADVICE, _o(AdviceRequest, kw))


# --- contracts and quality ---------------------------------------------------------------------


def contract_may(*actions) -> Rule:
    def rule(user, kw):
        contract = _o(Contract, kw)
        return all(
            contracts.can(user, a, contract) for a in (contracts.Action.VIEW_CONTRACT, *actions)
        )

    return rule


def variation_may(action) -> Rule:
    def rule(user, kw):
        contract = _o(Contract, kw)
        if not contracts.can(user, contracts.Action.VIEW_CONTRACT, contract):
            return False
        return contracts.can(user, action, contract)

    return rule


def contract_reference(kw):
    return [_o(Contract, kw).reference]


def contract_quality(user, kw) -> bool:
    return quality.can(user, quality.Action.VIEW_CONTRACT_QUALITY, _o(Contract, kw))


def item_quality(user, kw) -> bool:
    return quality.can(user, quality.Action.VIEW_CONTRACT_QUALITY, _o(QualityScheduleItem, kw))


def item_markers(kw):
    item = _o(QualityScheduleItem, kw)
    return [item.contract.reference]


def sees_risk(user, kw) -> bool:
    return quality.can(user, quality.Action.VIEW_RISK)


def sees_quality(user, kw) -> bool:
    return quality.can(user, quality.Action.VIEW_QUALITY)


def case_may(action) -> Rule:
    return lambda user, kw: quality.can(user, action, _o(EscalationCase, kw))


def milestone_may(user, kw) -> bool:
    case = Milestone.objects.get(pk=kw["pk"]).plan.case
    return quality.can(user, quality.Action.MANAGE_CASE, case)


def milestone_progress_may(user, kw) -> bool:
    case = Milestone.objects.get(pk=kw["pk"]).plan.case
    return quality.can(user, quality.Action.REPORT_PROGRESS, case)


def sees_market(user, kw) -> bool:
    return market.can(user, market.Action.VIEW_MARKET)


# --- jobs --------------------------------------------------------------------------------------


def job_may(action) -> Rule:
    """A job is seen and cancelled by its starter and whom the owning app's policy allows."""
    return lambda user, kw: jobs.can(user, action, _o(Job, kw))


def job_title(kw):
    return [_o(Job, kw).title]


# --- together, specialised, budgets, ledger ----------------------------------------------------


def sees_together(user, kw) -> bool:
    return together.can(user, together.Action.VIEW_COLLABORATION)


def pool_may(user, kw) -> bool:
    return together.can(user, together.Action.VIEW_POOL, _o(PooledBudget, kw))


def pool_manager(user, kw) -> bool:
    pool = _o(PooledBudget, kw)
    return pool_may(user, kw) and user.pk == pool.fund_manager_id


def keeps_pool(user, kw) -> bool:
    pool = _o(PooledBudget, kw)
    return pool_may(user, kw) and ledger.can(user, ledger.Action.POST, pool.pool_account)


def pays_share(user, kw) -> bool:
    pool = _o(PooledBudget, kw)
    settled = pool.settlements.filter(year_start=pool_year(pool)).exists()
    return settled and decides_plan(user, kw)


def pool_commitments() -> list[dict]:
    return [
        {"pk": c.scheme.pool_id, "commitment_pk": c.pk}
        for c in SchemeCommitment.objects.select_related("scheme").order_by("pk")[:2]
    ]


def decides_plan(user, kw) -> bool:
    pool = _o(PooledBudget, kw)
    return pool_may(user, kw) and any(
        ledger.can(user, ledger.Action.POST, partner.account) for partner in pool.partners.all()
    )


def forms_consortium(user, kw) -> bool:
    return sees_together(user, kw) and any(
        together.can(user, together.Action.FORM_CONSORTIUM, o.pk)
        for o in Organisation.objects.filter(org_type__in=COMMISSIONER_TYPES)
        if has_role_at(user, o.pk, together.DECIDING)
    )


def records_arrangements(user, kw) -> bool:
    return sees_together(user, kw) and any(
        has_role_at(user, o.pk, together.DECIDING | {Role.ADMINISTRATOR})
        for o in Organisation.objects.filter(org_type="nhse_region")
    )


def hosts_pools(user, kw) -> bool:
    return sees_together(user, kw) and any(
        m.role in ("finance_lead", "administrator") for m in current_memberships(user)
    )


def reads_specialised(user, kw) -> bool:
    mine = [m.organisation for m in current_memberships(user) if m.role in specialised.READERS]
    with_budgets = [o for o in mine if LineBudget.objects.filter(commissioner=o).exists()]
    org = (with_budgets or mine or [None])[0]
    return org is not None and specialised.can(user, specialised.Action.VIEW_FINANCE, org.pk)


def line_may(user, kw) -> bool:
    line = _o(LineBudget, kw)
    return specialised.can(user, specialised.Action.VIEW_FINANCE, line.commissioner_id)


def person_may(action) -> Rule:
    return lambda user, kw: phb.can(user, action, _o(Person, kw))


def person_markers(kw):
    p = _o(Person, kw)
    return [p.name, p.nhs_number]


def phb_index(user, kw) -> bool:
    from commissioning.personal_budgets.services import records_of

    return bool(
        records_of(user).exists()
        or [
            m
            for m in current_memberships(user)
            if m.role in (Role.CARE_COORDINATOR, *phb.PROGRAMME_READERS)
        ]
    )


def coordinates(user, kw) -> bool:
    return any(m.role == Role.CARE_COORDINATOR for m in current_memberships(user))


def programme_may(user, kw) -> bool:
    org = Organisation.objects.get(code=kw["code"])
    return phb.can(user, phb.Action.VIEW_PROGRAMME, org.pk)


def account_may(*actions) -> Rule:
    def rule(user, kw):
        account = Account.objects.get(code=kw["code"])
        return all(ledger.can(user, a, account) for a in (ledger.Action.VIEW_LEDGER, *actions))

    return rule


def account_markers(kw):
    a = Account.objects.get(code=kw["code"])
    return [a.name]


def org_may(action) -> Rule:
    return lambda user, kw: orgs.can(user, action)


# --- the objects each route is requested with --------------------------------------------------


def accounts() -> list[dict]:
    """A person's budget and spend accounts, a commissioner's fund and allocation, another
    organisation's allocation, a pool's fund and a scheme's spend, a specialised budget."""
    person = Person.objects.order_by("pk").first()
    pool = PooledBudget.objects.order_by("-pk").first()
    codes = [person.budget_account.code, person.spend_account.code]
    codes += list(
        Account.objects.filter(Q(code__endswith="-ALLOCATION") | Q(code__startswith="PHB-FUND"))
        .order_by("code")
        .values_list("code", flat=True)[:3]
    )
    codes += [pool.pool_account.code, pool.schemes.first().spend_account.code]
    codes += list(
        LineBudget.objects.order_by("pk").values_list("budget_account__code", flat=True)[:1]
    )
    return [{"code": c} for c in dict.fromkeys(codes)]


def people() -> list[dict]:
    """A person who holds their own budget and one whose representative holds it."""
    holder = Person.objects.filter(holder__isnull=False).order_by("pk").first()
    represented = Person.objects.filter(representative__isnull=False).order_by("pk").first()
    return [{"pk": p.pk} for p in (holder, represented) if p is not None]


def proposals() -> list[dict]:
    """A proposal of each provider to a selection, and one made to none (unsolicited)."""
    chosen = {}
    for p in Proposal.objects.order_by("-pk"):
        chosen.setdefault((p.provider_id, p.process_id is None), p.pk)
    return [{"pk": pk} for pk in sorted(chosen.values())]


def plans() -> list[dict]:
    from commissioning.personal_budgets.models import Plan

    return [{"pk": p.person_id, "version": p.version} for p in Plan.objects.order_by("pk")[:2]]


def statements() -> list[dict]:
    out = []
    for p in Payment.objects.order_by("pk")[:1]:
        out.append({"pk": p.person_id, "year": p.paid_on.year, "month": p.paid_on.month})
    return out


def statement_files() -> list[dict]:
    return [kw | {"fmt": "csv"} for kw in statements()]


def payments() -> list[dict]:
    return [{"pk": p.person_id, "payment_id": p.pk} for p in Payment.objects.order_by("pk")[:1]]


def notices() -> list[dict]:
    return [{"pk": n.person_id, "notice": n.pk} for n in RepaymentNotice.objects.order_by("pk")]


def reconsiderations() -> list[dict]:
    return [{"pk": r.person_id, "rid": r.pk} for r in Reconsideration.objects.order_by("pk")]


def outcomes() -> list[dict]:
    return [
        {"pk": o.specification_id, "outcome_pk": o.pk}
        for o in SpecificationOutcome.objects.order_by("pk")[:2]
    ]


def requirements() -> list[dict]:
    return [
        {"pk": r.specification_id, "requirement_pk": r.pk}
        for r in QualityRequirement.objects.order_by("pk")[:2]
    ]


def variations() -> list[dict]:
    return [
        {"pk": v.contract_id, "number": v.number}
        for v in ContractVariation.objects.order_by("pk")[:2]
    ]


def with_fmt(objects, fmts=("svg",)):
    """A chart's objects in the formats to ask for: one each (the same permission serves both;
    half the charts are asked for as PNG, half as SVG, so both paths are requested)."""
    return lambda: [kw | {"fmt": f} for kw in objects() for f in fmts]


def codes(*values, key="code"):
    return lambda: [{key: v} for v in values]


def programmes() -> list[dict]:
    return [
        {"code": o.code}
        for o in Organisation.objects.filter(
            pk__in=Person.objects.values("commissioner_id")
        ).order_by("code")
    ]


def plan_decisions() -> list[dict]:
    return [{"pk": a.pool_id, "plan_pk": a.pk} for a in ActionPlan.objects.order_by("pk")[:2]]


def case_steps() -> list[dict]:
    return [{"pk": c.pk, "step": "notice"} for c in EscalationCase.objects.order_by("pk")[:2]]


def stress_tests(**kw):
    return pks(StressTest, status="done")


WEB: dict[str, Route] = {
    # Specifications
    "specifications": Route(none, lambda u, kw: specs.can(u, specs.Action.VIEW_SPECIFICATION)),
    "specifications-csv": Route(none, lambda u, kw: specs.can(u, specs.Action.VIEW_SPECIFICATION)),
    "specification-new": Route(none, may_write_specs),
    "specification": Route(pks(ServiceSpecification), spec_view, markers=spec_title),
    "specification-edit": Route(
        pks(ServiceSpecification), spec_may(specs.Action.WRITE_SPECIFICATION), also_ok=(302,)
    ),
    "outcome-new": Route(
        pks(ServiceSpecification), spec_may(specs.Action.WRITE_SPECIFICATION), also_ok=(302,)
    ),
    "outcome-remove": Route(outcomes, spec_may(specs.Action.WRITE_SPECIFICATION), "POST"),
    "requirement-new": Route(
        pks(ServiceSpecification), spec_may(specs.Action.WRITE_SPECIFICATION), also_ok=(302,)
    ),
    "requirement-remove": Route(requirements, spec_may(specs.Action.WRITE_SPECIFICATION), "POST"),
    "specification-status": Route(
        pks(ServiceSpecification), spec_may(specs.Action.CHANGE_SPECIFICATION_STATUS), "POST"
    ),
    "specification-new-version": Route(
        pks(ServiceSpecification), spec_may(specs.Action.START_NEW_VERSION), "POST"
    ),
    # Clinical advice and documents
    "advice-request-new": Route(
        pks(ServiceSpecification), on_spec_may(sel.Action.REQUEST_ADVICE), also_ok=(302,)
    ),
    "advice-requests": Route(none, lambda u, kw: sel.can(u, sel.Action.GIVE_ADVICE)),
    "advice-request": Route(pks(AdviceRequest), advice_view),
    "document": Route(pks(Document), document_may),
    # Provider selection
    "selection-new": Route(
        pks(ServiceSpecification), on_spec_may(sel.Action.MANAGE_SELECTION), also_ok=(302,)
    ),
    "selection": Route(pks(SelectionProcess), process_view),
    "selection-invite": Route(
        pks(SelectionProcess), process_may(sel.Action.MANAGE_SELECTION), also_ok=(302,)
    ),
    "evaluator-add": Route(pks(SelectionProcess), process_may(sel.Action.MANAGE_SELECTION), "POST"),
    "proposal-new": Route(
        pks(SelectionProcess),
        lambda u, kw: process_view(u, kw) and writes_proposals(u, kw),
        also_ok=(302,),
    ),
    "clarification-ask": Route(
        pks(SelectionProcess), process_may(sel.Action.ASK_CLARIFICATION), "POST"
    ),
    "clarification-answer": Route(pks(Clarification), of_clarification, "POST"),
    "evaluation": Route(pks(SelectionProcess), evaluation_page),
    "evaluation-csv": Route(pks(SelectionProcess), process_may(sel.Action.VIEW_EVALUATION)),
    "declare": Route(
        pks(SelectionProcess), process_may(sel.Action.DECLARE_INTERESTS), also_ok=(302,)
    ),
    "declaration-manage": Route(pks(ConflictDeclaration), of_declaration, "POST"),
    "decide": Route(pks(SelectionProcess), process_may(sel.Action.DECIDE), also_ok=(302,)),
    "decision-record": Route(pks(SelectionProcess), process_may(sel.Action.VIEW_DECISION_RECORD)),
    "decision-record-pdf": Route(
        pks(SelectionProcess), process_may(sel.Action.VIEW_DECISION_RECORD)
    ),
    "opportunities": Route(none, lambda u, kw: sel.can(u, sel.Action.SUBMIT_PROPOSAL)),
    "proposal-unsolicited-new": Route(none, writes_proposals),
    "proposal": Route(proposals, proposal_view),
    "proposal-edit": Route(proposals, proposal_may(sel.Action.SUBMIT_PROPOSAL), also_ok=(302,)),
    "proposal-submit": Route(proposals, proposal_may(sel.Action.SUBMIT_PROPOSAL), "POST"),
    "proposal-withdraw": Route(proposals, proposal_may(sel.Action.SUBMIT_PROPOSAL), "POST"),
    "proposal-respond": Route(proposals, proposal_may(sel.Action.RESPOND_TO_PROPOSAL), "POST"),
    "score": Route(proposals, proposal_may(sel.Action.SCORE_PROPOSAL), also_ok=(302,)),
    "moderate": Route(
        proposals, proposal_may(sel.Action.MODERATE_SCORES, on_process=True), also_ok=(302,)
    ),
    "decision": Route(pks(Decision), decision_may()),
    "notice-publish": Route(pks(Decision), decision_may(sel.Action.PUBLISH_NOTICE), "POST"),
    "representation-new": Route(
        pks(Decision), decision_may(sel.Action.MAKE_REPRESENTATION), "POST"
    ),
    "decision-withdraw": Route(pks(Decision), decision_may(sel.Action.WITHDRAW_DECISION), "POST"),
    "representation-respond": Route(pks(Representation), of_representation, "POST"),
    # Contracts
    "contracts": Route(none, lambda u, kw: contracts.can(u, contracts.Action.VIEW_CONTRACT)),
    "contract-new": Route(
        pks(Decision),
        lambda u, kw: contracts.can(u, contracts.Action.CREATE_CONTRACT, _o(Decision, kw)),
        also_ok=(302,),
    ),
    "contract": Route(pks(Contract), contract_may(), markers=contract_reference),
    "contract-sign": Route(pks(Contract), contract_may(contracts.Action.SIGN_CONTRACT), "POST"),
    "variation-propose": Route(
        pks(Contract), contract_may(contracts.Action.PROPOSE_VARIATION), "POST"
    ),
    "variation-approve": Route(
        variations, variation_may(contracts.Action.APPROVE_VARIATION), "POST"
    ),
    "variation-answer": Route(variations, variation_may(contracts.Action.ANSWER_VARIATION)),
    "variation-sign": Route(variations, variation_may(contracts.Action.SIGN_VARIATION), "POST"),
    "contract-schedule-csv": Route(pks(Contract), contract_may(), markers=contract_reference),
    # Quality
    "quality": Route(none, sees_quality),
    "quality-ae": Route(codes("RJE"), sees_quality),
    "quality-ae-chart": Route(with_fmt(codes("RJE"), ("png",)), sees_quality),
    "quality-ae-csv": Route(codes("RJE"), sees_quality),
    "quality-funnel": Route(none, sees_quality),
    "quality-funnel-chart": Route(with_fmt(none), sees_quality),
    "quality-funnel-csv": Route(none, sees_quality),
    "quality-ae-summary-csv": Route(none, sees_quality),
    "quality-mortality": Route(none, sees_quality),
    "quality-mortality-chart": Route(with_fmt(none), sees_quality),
    "quality-mortality-csv": Route(none, sees_quality),
    "quality-mortality-run": Route(
        none, lambda u, kw: quality.can(u, quality.Action.LOAD_MORTALITY), "POST"
    ),
    "quality-provider": Route(codes("RJE"), sees_quality),
    "quality-risk": Route(none, sees_risk),
    "quality-risk-profile": Route(codes("RJE"), sees_risk, markers=lambda kw: ["(synthetic)"]),
    "quality-contract": Route(pks(Contract), contract_quality, markers=contract_reference),
    "quality-contract-csv": Route(pks(Contract), contract_quality, markers=contract_reference),
    "quality-item": Route(pks(QualityScheduleItem, limit=2), item_quality, markers=item_markers),
    "quality-item-chart": Route(
        with_fmt(pks(QualityScheduleItem, limit=1), ("png",)), item_quality, markers=item_markers
    ),
    "quality-item-csv": Route(
        pks(QualityScheduleItem, limit=2), item_quality, markers=item_markers
    ),
    "quality-cases": Route(none, lambda u, kw: quality.can(u, quality.Action.VIEW_CASE)),
    "quality-case-new": Route(none, lambda u, kw: quality.can(u, quality.Action.RAISE_CONCERN)),
    "quality-case": Route(pks(EscalationCase), case_may(quality.Action.VIEW_CASE)),
    "quality-case-step": Route(case_steps, case_may(quality.Action.MANAGE_CASE), "POST"),
    "quality-milestone-met": Route(pks(Milestone), milestone_may, "POST"),
    "quality-milestone-progress": Route(pks(Milestone), milestone_progress_may),
    # Market
    "market": Route(none, sees_market),
    "market-map": Route(with_fmt(none, ("png",)), sees_market),
    "market-hhi-csv": Route(none, sees_market),
    "market-stress": Route(pks(StressTest), sees_market),
    "market-stress-map": Route(with_fmt(stress_tests()), sees_market),
    "market-stress-csv": Route(stress_tests(), sees_market),
    "market-continuity": Route(none, sees_market),
    "market-continuity-csv": Route(none, sees_market),
    "market-assessment": Route(pks(Contract), sees_market),
    # Commissioning together
    "together": Route(none, sees_together),
    "together-new-consortium": Route(none, forms_consortium),
    "together-new-arrangement": Route(none, records_arrangements),
    "together-consortium": Route(pks(Consortium), sees_together),
    "together-consortium-csv": Route(pks(Consortium), sees_together),
    "together-arrangement": Route(pks(CoCommissioningArrangement), sees_together),
    "together-new-pool": Route(none, hosts_pools),
    "together-pool": Route(pks(PooledBudget), pool_may),
    "together-pool-csv": Route(pks(PooledBudget), pool_may),
    "together-pool-spend": Route(pks(PooledBudget), keeps_pool, "POST"),
    "together-pool-commit": Route(pks(PooledBudget), keeps_pool, "POST"),
    "together-pool-release": Route(pool_commitments, keeps_pool, "POST"),
    "together-pool-contribute": Route(pks(PooledBudget), decides_plan, "POST"),
    "together-pool-settle": Route(pks(PooledBudget), keeps_pool, "POST"),
    "together-pool-pay-share": Route(pks(PooledBudget), pays_share, "POST"),
    "together-propose-plan": Route(pks(PooledBudget), pool_manager, also_ok=(302,)),
    "together-decide-plan": Route(plan_decisions, decides_plan, also_ok=(302,)),
    "together-pool-forecast-csv": Route(pks(PooledBudget), pool_may, also_ok=(404,)),
    "together-pool-forecast-chart": Route(
        with_fmt(pks(PooledBudget, limit=2)), pool_may, also_ok=(404,)
    ),
    "together-pool-report-csv": Route(pks(PooledBudget), pool_may),
    # Specialised commissioning
    "specialised": Route(none, reads_specialised),
    "specialised-csv": Route(none, reads_specialised),
    "specialised-line": Route(pks(LineBudget, limit=2), line_may),
    "specialised-line-chart": Route(
        with_fmt(pks(LineBudget, limit=1), ("png",)), line_may, also_ok=(404,)
    ),
    # Personal health budgets
    "phb": Route(none, phb_index, also_ok=(302,)),
    "phb-new-person": Route(none, coordinates),
    "phb-person": Route(people, person_may(phb.Action.VIEW_RECORD), markers=person_markers),
    "phb-assessment": Route(
        people, person_may(phb.Action.MANAGE_RECORD), also_ok=(302,), markers=person_markers
    ),
    "phb-new-plan": Route(
        people, person_may(phb.Action.MANAGE_RECORD), also_ok=(302,), markers=person_markers
    ),
    "phb-plan": Route(plans, person_may(phb.Action.VIEW_RECORD), markers=person_markers),
    "phb-plan-csv": Route(plans, person_may(phb.Action.VIEW_RECORD), markers=person_markers),
    "phb-pay": Route(
        people, person_may(phb.Action.RECORD_SPEND), also_ok=(302,), markers=person_markers
    ),
    "phb-clear": Route(payments, person_may(phb.Action.MANAGE_RECORD), "POST"),
    "phb-statement": Route(statements, person_may(phb.Action.VIEW_RECORD), markers=person_markers),
    "phb-statement-file": Route(
        statement_files, person_may(phb.Action.VIEW_RECORD), markers=person_markers
    ),
    "phb-review": Route(people, person_may(phb.Action.MANAGE_RECORD), also_ok=(302,)),
    "phb-repayment": Route(people, person_may(phb.Action.MANAGE_RECORD), also_ok=(302,)),
    "phb-repaid": Route(notices, person_may(phb.Action.MANAGE_RECORD), also_ok=(302,)),
    "phb-stop": Route(people, person_may(phb.Action.MANAGE_RECORD), also_ok=(302,)),
    "phb-reconsider": Route(people, person_may(phb.Action.REQUEST_RECONSIDERATION), also_ok=(302,)),
    "phb-decide": Route(reconsiderations, person_may(phb.Action.MANAGE_RECORD), also_ok=(302,)),
    "phb-link": Route(people, person_may(phb.Action.MANAGE_RECORD), also_ok=(302,)),
    "phb-programme": Route(programmes, programme_may),
    "phb-programme-csv": Route(programmes, programme_may),
    # Ledger
    "ledger-account": Route(accounts, account_may(), markers=account_markers),
    "ledger-account-csv": Route(accounts, account_may(), markers=account_markers),
    "ledger-issue-statement": Route(accounts, account_may(ledger.Action.ISSUE_STATEMENT), "POST"),
    # Jobs (the demo's sweep of every failure and its SHMI run, started by the test)
    "job": Route(pks(Job), job_may(jobs.Action.VIEW_JOB), markers=job_title),
    "job-cancel": Route(pks(Job), job_may(jobs.Action.CANCEL_JOB), "POST"),
    # The site
    "home": Route(none, anyone),
    "directory": Route(none, org_may(orgs.Action.VIEW_DIRECTORY)),
    "directory-csv": Route(none, org_may(orgs.Action.VIEW_DIRECTORY)),
    "organisation": Route(codes("RJE", "XL001"), org_may(orgs.Action.VIEW_DIRECTORY)),
    "organisation-ae-csv": Route(codes("RJE"), org_may(orgs.Action.VIEW_ACTIVITY)),
    "organisation-synthetic-csv": Route(codes("RJE"), org_may(orgs.Action.VIEW_ACTIVITY)),
    "audit": Route(none, org_may(orgs.Action.VIEW_AUDIT_LOG)),
    "two-factor": Route(none, anyone, also_ok=(302,)),
    "two-factor-setup": Route(none, anyone, also_ok=(302,)),
}

# Open to everyone, signed in or not: the sign-in page itself, signing out, the public page
# about the data, the health endpoint (tests/integration/jobs/test_health.py), and the public
# register of the regime's notices (tests/integration/register: only what was published).
PUBLIC = {
    "login",
    "logout",
    "about-data",
    "health",
    "register",
    "register-csv",
    "register-notice",
    "register-process",
    "register-record",
    "register-releases",
    "register-annual",
    "register-annual-csv",
    "register-annual-json",
}


def staff(user) -> bool:
    return bool(roles_of(user))
