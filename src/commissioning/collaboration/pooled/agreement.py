"""A pooled budget's written agreement (SI 2000/617, regulation 7) and its accounts; who may
read a pool."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.http import Http404

from commissioning import clock
from commissioning.audit import chain as audit
from commissioning.audit.stored import stored_row
from commissioning.ledger import services as ledger
from commissioning.ledger.models import Account
from commissioning.organisations.models import Organisation, User
from commissioning.validation import Problems

from ..models import (
    PooledBudget,
    PoolPartner,
    PoolScheme,
)
from ..permissions import Action as TogetherAction
from ..permissions import require as require_together
from ..rules import risk_share

# The ledger kind of a transaction that moves a pool's money to (or back from) a person's
# integrated personal budget; its metadata "schemes" says how much each scheme is charged.
INTEGRATED_BUDGET = "integrated_budget"


AGREEMENT_FIELDS = (
    "aims_and_outcomes",
    "functions_covered",
    "people_and_services",
    "resources_provided",
    "management_and_monitoring",
    "variation_and_termination",
)


@dataclass(frozen=True)
class PartnerInput:
    organisation_id: int
    contribution_pence: int
    account_code: str  # the partner's budget the contribution comes from


@dataclass(frozen=True)
class SchemeInput:
    name: str
    lead_organisation_id: int
    budget_pence: int


@dataclass(frozen=True)
class PoolInput:
    code: str  # the ledger code of the pool's account, e.g. BCF-2026-XC001
    name: str
    kind: str
    host_id: int
    fund_manager_id: int
    aims_and_outcomes: str
    functions_covered: str
    people_and_services: str
    resources_provided: str
    management_and_monitoring: str
    variation_and_termination: str
    start_date: dt.date
    end_date: dt.date
    review_dates: Sequence[dt.date] = ()
    partners: Sequence[PartnerInput] = ()
    schemes: Sequence[SchemeInput] = ()
    policy: risk_share.Policy = field(default_factory=risk_share.Policy)
    overdraft_pence: int = 0  # how far the host lets the pool go below £0 before year end


def policy_to_json(policy: risk_share.Policy) -> dict:
    return {
        "steps": [s.value for s in policy.steps],
        "risk_pool_pence": policy.risk_pool_pence,
        "overspend_bearer": policy.overspend_bearer.value,
        "fixed_shares": dict(policy.fixed_shares),
        "underspend": policy.underspend.value,
    }


def policy_from_json(data: dict) -> risk_share.Policy:
    return risk_share.Policy(
        steps=tuple(risk_share.Step(s) for s in data["steps"]),
        risk_pool_pence=int(data["risk_pool_pence"]),
        overspend_bearer=risk_share.Bearer(data["overspend_bearer"]),
        fixed_shares={k: int(v) for k, v in data["fixed_shares"].items()},
        underspend=risk_share.Underspend(data["underspend"]),
    )


def create_pool(cmd: PoolInput, actor) -> PooledBudget:
    """Record the agreement and open the pool's accounts: the pooled fund (hosted; its floor
    is minus the overdraft the host agrees, £0 by default, until the year-end risk share),
    a risk pool if the policy has one, and a spend account per scheme."""
    problems = Problems()
    if cmd.kind not in PooledBudget.Kind.values:
        problems.add("kind", "Choose a Section 75 pooled fund or the Better Care Fund")
    for name in ("name", *AGREEMENT_FIELDS):
        if not str(getattr(cmd, name)).strip():
            problems.add(name, "The written agreement must state this (SI 2000/617, reg 7)")
    if cmd.overdraft_pence < 0:
        problems.add("overdraft_pence", "An overdraft is £0 or more")
    if cmd.end_date <= cmd.start_date:
        problems.add("end_date", "The agreement ends after it starts")
    for i, review in enumerate(cmd.review_dates):
        if not cmd.start_date <= review <= cmd.end_date:
            problems.add(f"review_dates.{i}", "A review falls within the agreement")
    host = Organisation.objects.filter(pk=cmd.host_id).first()
    manager = User.objects.filter(pk=cmd.fund_manager_id).first()
    if host is None:
        problems.add("host_id", "Choose the host partner")
    if manager is None:
        problems.add("fund_manager_id", "Appoint the pooled fund manager")
    orgs = {
        o.pk: o
        for o in Organisation.objects.filter(pk__in=[p.organisation_id for p in cmd.partners])
    }
    if len(cmd.partners) < 2:
        problems.add("partners", "A pooled fund has at least two partners")
    if host is not None and host.pk not in orgs:
        problems.add("host_id", "The host is one of the partners")
    accounts = {
        a.code: a for a in Account.objects.filter(code__in=[p.account_code for p in cmd.partners])
    }
    for i, p in enumerate(cmd.partners):
        if p.organisation_id not in orgs:
            problems.add(f"partners.{i}.organisation_id", "Choose an organisation")
        if p.contribution_pence <= 0:
            problems.add(f"partners.{i}.contribution_pence", "A contribution is more than £0")
        account = accounts.get(p.account_code)
        if account is None or account.owner_id != p.organisation_id:
            problems.add(f"partners.{i}.account_code", "Choose a budget of this partner's")
    for i, s in enumerate(cmd.schemes):
        if not s.name.strip():
            problems.add(f"schemes.{i}.name", "Name the scheme")
        if s.lead_organisation_id not in orgs:
            problems.add(f"schemes.{i}.lead_organisation_id", "The lead is one of the partners")
        if s.budget_pence <= 0:
            problems.add(f"schemes.{i}.budget_pence", "A scheme's budget is more than £0")
    codes = {o.code for o in orgs.values()}
    for name, message in risk_share.policy_problems(cmd.policy, sorted(codes)).items():
        problems.add(f"policy.{name}", message)
    problems.raise_if_any()
    assert host is not None and manager is not None  # refused above when missing
    with transaction.atomic():
        pool_account = ledger.open_account(
            ledger.AccountInput(
                cmd.code,
                f"{cmd.name}: pooled fund",
                "pool",
                host.pk,
                floor_pence=-cmd.overdraft_pence,
            ),
            actor,
        )
        risk_account = None
        if cmd.policy.risk_pool_pence:
            risk_account = ledger.open_account(
                ledger.AccountInput(
                    f"{cmd.code}-RISK", f"{cmd.name}: risk pool", "reserve", host.pk
                ),
                actor,
            )
        pool = PooledBudget.objects.create(
            name=cmd.name.strip(),
            kind=cmd.kind,
            host=host,
            fund_manager=manager,
            **{f: getattr(cmd, f).strip() for f in AGREEMENT_FIELDS},
            start_date=cmd.start_date,
            end_date=cmd.end_date,
            review_dates=[d.isoformat() for d in cmd.review_dates],
            risk_policy=policy_to_json(cmd.policy),
            pool_account=pool_account,
            risk_pool_account=risk_account,
            created_at=clock.now(),
        )
        partners = {}
        for p in cmd.partners:
            partners[p.organisation_id] = PoolPartner.objects.create(
                pool=pool,
                organisation=orgs[p.organisation_id],
                contribution_pence=p.contribution_pence,
                account=accounts[p.account_code],
            )
        for i, s in enumerate(cmd.schemes, start=1):
            spend = ledger.open_account(
                ledger.AccountInput(
                    f"{cmd.code}-S{i}", f"{cmd.name}: {s.name.strip()}", "spend", host.pk
                ),
                actor,
            )
            PoolScheme.objects.create(
                pool=pool,
                name=s.name.strip(),
                lead=partners[s.lead_organisation_id],
                budget_pence=s.budget_pence,
                spend_account=spend,
            )
        audit.created(
            actor,
            pool,
            ("name", "kind", "risk_policy"),
            host=host.code,
            partners={orgs[p.organisation_id].code: p.contribution_pence for p in cmd.partners},
            schemes=[s.name for s in cmd.schemes],
        )
    return pool


def readable_pool(user, pk, queryset=None, *, reading: bool = False) -> PooledBudget:
    """A pooled budget, to the staff of the partners its agreement names (the one loader of
    every pool page, export and API answer). A page that only reads it (``reading``) takes it
    from ``audit.stored`` while the data are unchanged; the permission is checked every time."""
    rows = (queryset if queryset is not None else PooledBudget.objects).prefetch_related("partners")
    pool = stored_row("pool", rows, pk) if reading else rows.filter(pk=pk).first()
    if pool is None:
        raise Http404("No pooled budget with that number")
    require_together(user, TogetherAction.VIEW_POOL, pool)
    return pool
