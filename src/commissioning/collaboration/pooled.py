"""Pooled budgets (Section 75 / Better Care Fund) on the ledger: the written agreement, the
partners' contributions, spending by scheme, and the year-end risk share with a statement per
partner. Each function checks permission (the ledger's own, for money), writes all or
nothing, and records the change in the audit trail."""

from __future__ import annotations

import datetime as dt
from calendar import monthrange
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum

from commissioning import clock, money
from commissioning.audit import chain as audit
from commissioning.ledger import services as ledger
from commissioning.ledger.models import Account, Posting, Transaction
from commissioning.ledger.permissions import Action as LedgerAction
from commissioning.ledger.permissions import can as can_ledger
from commissioning.ledger.rules import Entry, Leg
from commissioning.organisations.models import Organisation, User
from commissioning.validation import NON_FIELD, Problems, refuse

from .models import (
    ActionPlan,
    ActionPlanDecision,
    PooledBudget,
    PoolPartner,
    PoolScheme,
    SchemeCommitment,
    YearEndSettlement,
)
from .permissions import Action as TogetherAction
from .permissions import require as require_together
from .rules import forecast as forecasting
from .rules import risk_share

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
        audit.record(
            actor,
            "create",
            pool,
            after={
                "name": pool.name,
                "kind": pool.kind,
                "host": host.code,
                "partners": {
                    orgs[p.organisation_id].code: p.contribution_pence for p in cmd.partners
                },
                "schemes": [s.name for s in cmd.schemes],
                "risk_policy": pool.risk_policy,
            },
        )
    return pool


def readable_pool(user, pk, queryset=None) -> PooledBudget:
    """A pooled budget, to the staff of the partners its agreement names (the one loader of
    every pool page, export and API answer)."""
    from django.shortcuts import get_object_or_404

    pool = get_object_or_404(queryset if queryset is not None else PooledBudget.objects, pk=pk)
    require_together(user, TogetherAction.VIEW_POOL, pool)
    return pool


def contribute(
    partner: PoolPartner, pence: int, key: str, actor, value_date: dt.date | None = None
) -> ledger.Posted:
    """A partner pays (part of) its contribution into the pool."""
    pool = partner.pool
    entry = Entry(
        key,
        f"Contribution of {partner.organisation.display_name} to {pool.name}",
        (Leg(partner.account.code, -pence), Leg(pool.pool_account.code, pence)),
        "contribution",
    )
    return ledger.post(
        entry,
        actor,
        value_date=value_date,
        metadata={"pool": pool.pk, "partner": partner.organisation.code},
    )


def record_spend(
    scheme: PoolScheme,
    pence: int,
    key: str,
    description: str,
    actor,
    value_date: dt.date | None = None,
    commitment: SchemeCommitment | None = None,
) -> ledger.Posted:
    """Spending on a scheme, paid from the pooled fund; against one of the scheme's
    commitments if one is named (never more than it still has outstanding)."""
    pool = scheme.pool
    entry = Entry(
        key,
        f"{scheme.name}: {description}",
        (Leg(pool.pool_account.code, -pence), Leg(scheme.spend_account.code, pence)),
        "spend",
    )
    metadata = {"pool": pool.pk, "scheme": scheme.pk}
    if commitment is None:
        return ledger.post(entry, actor, value_date=value_date, metadata=metadata)
    with transaction.atomic():
        # The commitment's row lock serialises spending against it (PostgreSQL; SQLite
        # serialises every writer anyway).
        locked = SchemeCommitment.objects.select_for_update().filter(pk=commitment.pk).first()
        if locked is None or locked.scheme_id != scheme.pk:
            raise refuse("commitment", "Choose one of this scheme's commitments")
        if not Transaction.objects.filter(key=key).exists():  # a retry is answered by the ledger
            left = outstanding(locked)
            if locked.released_on is not None:
                raise refuse("commitment", f"Commitment {locked.reference} has been released")
            if isinstance(pence, int) and pence > left:
                raise refuse(
                    "amount",
                    f"Only {money.pounds_and_pence(left)} is outstanding on commitment "
                    f"{locked.reference}",
                )
        return ledger.post(
            entry, actor, value_date=value_date, metadata=metadata | {"commitment": locked.pk}
        )


@dataclass(frozen=True)
class CommitmentInput:
    scheme_id: int | None
    reference: str
    supplier: str
    description: str
    amount_pence: int | None
    made_on: dt.date | None
    key: str


def _keeps(pool: PooledBudget, actor) -> None:
    if not can_ledger(actor, LedgerAction.POST, pool.pool_account):
        raise PermissionDenied("Only those who keep the pooled fund record its commitments")


def commit(cmd: CommitmentInput, actor) -> SchemeCommitment:
    """Record money a scheme has committed (an order placed or a contract signed). The same
    form's key twice records it once."""
    scheme = (
        PoolScheme.objects.select_related("pool__pool_account").filter(pk=cmd.scheme_id).first()
    )
    if scheme is None:
        raise refuse("scheme_id", "Choose the scheme the commitment is for")
    _keeps(scheme.pool, actor)
    done = SchemeCommitment.objects.filter(key=cmd.key).first()
    if done is not None and cmd.key:
        return done
    problems = Problems()
    for name, message in (
        ("reference", "Give the order or contract reference"),
        ("supplier", "Name the supplier or provider"),
        ("description", "Say what the commitment is for"),
    ):
        if not getattr(cmd, name).strip():
            problems.add(name, message)
    if not cmd.key.strip():
        problems.add(NON_FIELD, "The form has expired: open it again")
    if cmd.amount_pence is None or cmd.amount_pence <= 0:
        problems.add("amount_pence", "Enter the amount committed, more than £0")
    pool = scheme.pool
    if cmd.made_on is None:
        problems.add("made_on", "Enter the date the commitment was made")
    elif cmd.made_on > clock.today():
        problems.add("made_on", "The date committed cannot be in the future")
    elif not pool.start_date <= cmd.made_on <= pool.end_date:
        problems.add(
            "made_on",
            f"The date committed falls within the agreement ({pool.start_date:%-d %B %Y} to "
            f"{pool.end_date:%-d %B %Y})",
        )
    reference = cmd.reference.strip()
    if reference and scheme.commitments.filter(reference=reference).exists():
        problems.add("reference", f"{reference} is already recorded for {scheme.name}")
    made = SchemeCommitment(
        scheme=scheme,
        reference=reference,
        supplier=cmd.supplier.strip(),
        description=cmd.description.strip(),
        amount_pence=cmd.amount_pence,
        made_on=cmd.made_on,
        key=cmd.key.strip(),
        recorded_by=actor,
    )
    if not problems:  # lengths and the like, as the model defines them
        problems.check_model(made, exclude=["scheme", "recorded_by", "released_on"])
    problems.raise_if_any()
    try:
        with transaction.atomic():
            made.save()
            _record_commitment(actor, made)
    except IntegrityError:
        # The same form, or the same reference, recorded at the same moment by someone else.
        done = SchemeCommitment.objects.filter(key=made.key).first()
        if done is not None:
            return done
        raise refuse("reference", f"{reference} is already recorded for {scheme.name}") from None
    return made


def _record_commitment(actor, made: SchemeCommitment) -> None:
    audit.record(
        actor,
        "create",
        made,
        after={
            "scheme": made.scheme.name,
            "reference": made.reference,
            "supplier": made.supplier,
            "amount_pence": made.amount_pence,
            "made_on": made.made_on.isoformat(),
        },
    )


def release(commitment: SchemeCommitment, reason: str, actor) -> SchemeCommitment:
    """Release what is left of a commitment (the order was cancelled, the contract came in
    under its value): nothing more is outstanding on it."""
    _keeps(commitment.scheme.pool, actor)
    if not reason.strip():
        raise refuse("reason", "Say why the commitment is released")
    if len(reason.strip()) > 200:
        raise refuse("reason", "Say why in at most 200 characters")
    with transaction.atomic():
        locked = SchemeCommitment.objects.select_for_update().get(pk=commitment.pk)
        if locked.released_on is not None:
            raise refuse("reason", f"Commitment {locked.reference} is already released")
        left = outstanding(locked)
        locked.released_on = clock.today()
        locked.release_reason = reason.strip()
        locked.save(update_fields=["released_on", "release_reason"])
        audit.record(
            actor,
            "update",
            locked,
            before={"released_on": None},
            after={
                "released_on": locked.released_on.isoformat(),
                "reason": locked.release_reason,
                "outstanding_released_pence": left,
            },
        )
    return locked


def _against(lookup: str, value) -> Q:
    """Postings whose transaction's metadata matches ``lookup=value`` (``commitment=pk``, or
    ``has_key="commitment"``), or whose transaction reverses one that does: a reversed spend
    gives the commitment back, and the ledger does not copy metadata to a reversal."""
    return Q(**{f"transaction__metadata__{lookup}": value}) | Q(
        **{f"transaction__reverses__metadata__{lookup}": value}
    )


def spent_against(commitment: SchemeCommitment) -> int:
    """What has been spent against a commitment: the postings to its scheme's spend account
    whose transactions name it, and those of their reversals."""
    total = (
        Posting.objects.filter(account_id=commitment.scheme.spend_account_id)
        .filter(_against("commitment", commitment.pk))
        .aggregate(total=Sum("amount_pence"))["total"]
    )
    return int(total or 0)


def outstanding(commitment: SchemeCommitment, spent: int | None = None) -> int:
    """What is still to be spent on a commitment: nothing once released (or overspent).
    ``spent``: what ``spent_against`` says, if the caller has it already."""
    if commitment.released_on is not None:
        return 0
    if spent is None:
        spent = spent_against(commitment)
    return max(0, commitment.amount_pence - spent)


@dataclass(frozen=True)
class CommitmentPosition:
    commitment: SchemeCommitment
    spent_pence: int
    outstanding_pence: int


def commitments(pool: PooledBudget) -> list[CommitmentPosition]:
    """Every commitment of the pool with what was spent against it and what is outstanding:
    two reads for the pool, not one per commitment."""
    made = list(
        SchemeCommitment.objects.filter(scheme__pool=pool).select_related("scheme__spend_account")
    )
    spent: dict[int, int] = {}
    postings = (
        Posting.objects.filter(account_id__in={c.scheme.spend_account_id for c in made})
        .filter(_against("has_key", "commitment"))
        .values_list("amount_pence", "transaction__metadata", "transaction__reverses__metadata")
    )
    for pence, metadata, reversed_metadata in postings:
        pk = (metadata or {}).get("commitment") or (reversed_metadata or {}).get("commitment")
        spent[int(pk)] = spent.get(int(pk), 0) + pence
    return [
        CommitmentPosition(c, spent.get(c.pk, 0), outstanding(c, spent.get(c.pk, 0))) for c in made
    ]


def committed(pool: PooledBudget) -> dict[int, int]:
    """Each scheme's outstanding commitments, by scheme id."""
    out: dict[int, int] = {}
    for row in commitments(pool):
        key = row.commitment.scheme_id
        out[key] = out.get(key, 0) + row.outstanding_pence
    return out


def scheme_spend(
    scheme: PoolScheme, start: dt.date | None = None, end: dt.date | None = None
) -> int:
    """What a scheme spent, between two dates inclusive (or ever): the spending recorded on
    its spend account, plus the integrated personal budgets charged to it (money moved from the
    pooled fund to people's budgets, less any a later plan returned). Both are on the ledger."""
    return sum(scheme_spend_parts(scheme, start, end))


def scheme_spend_parts(
    scheme: PoolScheme, start: dt.date | None = None, end: dt.date | None = None
) -> tuple[int, int]:
    """``scheme_spend`` in its two parts: (on the spend account, integrated personal budgets)."""
    if start is None:
        direct = scheme.spend_account.balance_pence
    else:
        figures = ledger.statement_figures(scheme.spend_account, start, end)
        direct = figures.money_in_pence - figures.money_out_pence
    return direct, integrated_budgets(scheme, start, end)


def integrated_budgets(
    scheme: PoolScheme, start: dt.date | None = None, end: dt.date | None = None
) -> int:
    """The integrated personal budgets charged to a scheme, between two dates inclusive (or
    ever): each is a movement on the pool's account whose transaction names the scheme."""
    moved = Transaction.objects.filter(
        kind=INTEGRATED_BUDGET, postings__account_id=scheme.pool.pool_account_id
    )
    if start is not None:
        moved = moved.filter(value_date__gte=start, value_date__lte=end)
    key = str(scheme.pk)
    return sum(
        int(metadata.get("schemes", {}).get(key, 0))
        for metadata in moved.values_list("metadata", flat=True)
    )


def pool_year(pool: PooledBudget) -> int:
    """The financial year (its first calendar year) the pool's agreement starts in."""
    return pool.start_date.year if pool.start_date.month >= 4 else pool.start_date.year - 1


def spend_by_month(
    pool: PooledBudget, months: Sequence[tuple[dt.date, dt.date]]
) -> dict[int, list[int]]:
    """Each scheme's spending (as ``scheme_spend`` counts it) in each of ``months`` (calendar
    months, in order), by scheme id: two reads for the whole pool, not two per scheme and
    month."""
    index = {(a.year, a.month): i for i, (a, _) in enumerate(months)}
    first, last = months[0][0], months[-1][1]
    schemes = {s.spend_account_id: s.pk for s in pool.schemes.all()}
    out = {pk: [0] * len(months) for pk in schemes.values()}
    postings = Posting.objects.filter(
        account_id__in=schemes,
        transaction__value_date__gte=first,
        transaction__value_date__lte=last,
    ).values_list("account_id", "transaction__value_date", "amount_pence")
    for account_id, day, pence in postings:
        out[schemes[account_id]][index[(day.year, day.month)]] += pence
    moved = Transaction.objects.filter(
        kind=INTEGRATED_BUDGET,
        postings__account_id=pool.pool_account_id,
        value_date__gte=first,
        value_date__lte=last,
    ).values_list("value_date", "metadata")
    for day, metadata in moved:
        for scheme_id, pence in metadata.get("schemes", {}).items():
            if int(scheme_id) in out:
                out[int(scheme_id)][index[(day.year, day.month)]] += int(pence)
    return out


def financial_year(year_start: int) -> tuple[dt.date, dt.date]:
    return dt.date(year_start, 4, 1), dt.date(year_start + 1, 3, 31)


def settle_year(pool: PooledBudget, year_start: int, actor) -> YearEndSettlement:
    """Apply the agreement's risk share to the year's spending by scheme, move the money the
    host controls on the ledger (the risk pool into the fund; returned underspend out to the
    partners) and keep the settlement, with what each partner owes towards the overspend
    (each pays it from its own budget: ``pay_share``). Each movement has an idempotency key,
    so a retry moves nothing twice."""
    start, end = financial_year(year_start)
    if end >= clock.today():
        raise refuse("year_start", "The year is settled once it has ended")
    policy = policy_from_json(pool.risk_policy)
    partners = list(pool.partners.select_related("organisation", "account"))
    by_code = {p.organisation.code: p for p in partners}
    schemes = []
    for s in pool.schemes.select_related("pool", "lead__organisation", "spend_account"):
        schemes.append(
            risk_share.Scheme(
                s.name, s.lead.organisation.code, s.budget_pence, scheme_spend(s, start, end)
            )
        )
    result = risk_share.settle(
        policy, {c: p.contribution_pence for c, p in by_code.items()}, schemes
    )
    settle_day = end
    prefix = f"pool-{pool.pk}-{year_start}"
    with transaction.atomic():
        if YearEndSettlement.objects.filter(pool=pool, year_start=year_start).exists():
            raise refuse("year_start", "This year has already been settled")
        fund = pool.pool_account.code
        moves = []
        risk = result.covered.get(risk_share.Step.RISK_POOL, 0)
        if risk and pool.risk_pool_account:
            moves.append(
                (
                    f"{prefix}-risk",
                    "Overspend covered from the risk pool",
                    pool.risk_pool_account.code,
                    fund,
                    risk,
                )
            )
        for code, pence in result.returned.items():
            if pence:
                moves.append(
                    (
                        f"{prefix}-return-{code}",
                        f"Underspend returned to {code}",
                        fund,
                        by_code[code].account.code,
                        pence,
                    )
                )
        for key, description, source, target, pence in moves:
            try:
                ledger.post(
                    Entry(
                        key, description, (Leg(source, -pence), Leg(target, pence)), "risk_share"
                    ),
                    actor,
                    value_date=settle_day,
                    metadata={"pool": pool.pk, "year": year_start},
                )
            except ValidationError as exc:
                raise refuse(
                    "year_start",
                    f"The settlement could not move {description.lower()}"
                    f": {'; '.join(exc.messages)}",
                ) from exc
        figures = {
            "schemes": [
                {
                    "name": s.name,
                    "lead": s.lead,
                    "budget_pence": s.budget_pence,
                    "spend_pence": s.spend_pence,
                }
                for s in schemes
            ],
            "total_overspend": result.total_overspend,
            "total_underspend": result.total_underspend,
            "covered": {k.value: v for k, v in result.covered.items()},
            "partners": {
                c: {
                    "contribution_pence": p.contribution_pence,
                    "pays_pence": result.partners_pay.get(c, 0),
                    "returned_pence": result.returned.get(c, 0),
                }
                for c, p in by_code.items()
            },
            "retained": result.retained,
        }
        settlement = YearEndSettlement.objects.create(
            pool=pool, year_start=year_start, figures=figures, settled_at=clock.now()
        )
        audit.record(actor, "create", settlement, after=figures)
    return settlement


def share_key(pool: PooledBudget, year_start: int, partner_code: str) -> str:
    """The idempotency key of a partner's payment of its share of a year's overspend (one a
    year: the ledger posts it once whoever sends it again)."""
    return f"pool-{pool.pk}-{year_start}-extra-{partner_code}"


def pay_share(settlement: YearEndSettlement, partner: PoolPartner, actor) -> ledger.Posted:
    """A partner pays what the year-end settlement says it owes towards the overspend, from
    its own budget into the pool (once: the key is the settlement's and the partner's)."""
    code = partner.organisation.code
    owed = settlement.figures["partners"].get(code, {}).get("pays_pence", 0)
    if owed <= 0:
        raise refuse("partner", f"{partner.organisation.display_name} owes nothing this year")
    pool = settlement.pool
    _, end = financial_year(settlement.year_start)
    key = share_key(pool, settlement.year_start, code)
    entry = Entry(
        key,
        f"{code} meets its share of the {settlement} overspend",
        (Leg(partner.account.code, -owed), Leg(pool.pool_account.code, owed)),
        "risk_share",
    )
    return ledger.post(
        entry,
        actor,
        value_date=end,
        metadata={"pool": pool.pk, "year": settlement.year_start, "partner": code},
    )


QUARTERS = (
    "Q1 (April to June)",
    "Q2 (July to September)",
    "Q3 (October to December)",
    "Q4 (January to March)",
)


def _months(year_start: int) -> list[tuple[dt.date, dt.date]]:
    """The financial year's twelve months, April first: (first day, last day)."""
    out = []
    for n in range(12):
        year, month = year_start + (n + 3) // 12, (n + 3) % 12 + 1
        out.append((dt.date(year, month, 1), dt.date(year, month, monthrange(year, month)[1])))
    return out


def quarters(year_start: int) -> list[tuple[str, dt.date, dt.date]]:
    months = _months(year_start)
    return [(label, months[3 * n][0], months[3 * n + 2][1]) for n, label in enumerate(QUARTERS)]


@dataclass(frozen=True)
class QuarterReport:
    label: str
    start: dt.date
    end: dt.date
    contributions: int
    spend_by_scheme: dict[str, int]
    spend_to_date: int
    budget_to_date: int
    balance_at_end: int

    @property
    def spend(self) -> int:
        return sum(self.spend_by_scheme.values())

    @property
    def variance_to_date(self) -> int:
        return self.budget_to_date - self.spend_to_date


def report(pool: PooledBudget, year_start: int) -> list[QuarterReport]:
    """The pool's quarterly report for a financial year (the quarterly and annual reporting
    of regulation 9 of SI 2000/617): contributions received, spend by scheme, spend and budget
    to date (the schemes' budgets phased in equal quarters) and the fund's balance at the end
    of each quarter. The annual report is the four quarters with their totals."""
    schemes = list(pool.schemes.select_related("pool", "spend_account"))
    budget = sum(s.budget_pence for s in schemes)
    monthly = spend_by_month(pool, _months(year_start))
    out, to_date = [], 0
    for n, (label, start, end) in enumerate(quarters(year_start), start=1):
        fund = ledger.statement_figures(pool.pool_account, start, end)
        received = _contributions(pool, start, end)
        by_scheme = {s.name: sum(monthly[s.pk][3 * (n - 1) : 3 * n]) for s in schemes}
        to_date += sum(by_scheme.values())
        out.append(
            QuarterReport(
                label, start, end, received, by_scheme, to_date, budget * n // 4, fund.closing_pence
            )
        )
    return out


def _contributions(pool: PooledBudget, start: dt.date, end: dt.date) -> int:
    total = Posting.objects.filter(
        account=pool.pool_account,
        transaction__kind="contribution",
        transaction__value_date__gte=start,
        transaction__value_date__lte=end,
    ).aggregate(total=Sum("amount_pence"))["total"]
    return int(total or 0)


@dataclass(frozen=True)
class Forecast:
    year_start: int
    as_at: dt.date  # the end of the last complete month
    months: int
    schemes: list[forecasting.SchemeForecast]
    settlement: risk_share.Settlement
    cuts_pence: int = 0  # what agreed action plans take off the forecast


def forecast(pool: PooledBudget, year_start: int) -> Forecast | None:
    """The year's forecast by scheme at the end of the last complete month, and the risk share
    applied to it (``forecast.if_the_year_ends_as_forecast``). ``None`` before the year's first
    month is complete, and once the year has ended (then it is settled, not forecast)."""
    today = clock.today()
    done = [(a, b) for a, b in _months(year_start) if b < today]
    if not done or len(done) == 12:
        return None
    cuts = agreed_cuts(pool, year_start)
    monthly = spend_by_month(pool, done)
    outstanding_by_scheme = committed(pool)
    schemes = []
    for s in pool.schemes.select_related("pool", "lead__organisation", "spend_account"):
        made = forecasting.forecast_scheme(
            s.name,
            s.lead.organisation.code,
            s.budget_pence,
            monthly[s.pk],
            outstanding_by_scheme.get(s.pk, 0),
        )
        schemes.append(forecasting.with_cuts(made, cuts.get(s.pk, 0)))
    contributions = {
        p.organisation.code: p.contribution_pence
        for p in pool.partners.select_related("organisation")
    }
    policy = policy_from_json(pool.risk_policy)
    settlement = forecasting.if_the_year_ends_as_forecast(policy, contributions, schemes)
    return Forecast(year_start, done[-1][1], len(done), schemes, settlement, sum(cuts.values()))


def agreed_cuts(pool: PooledBudget, year_start: int) -> dict[int, int]:
    """The uncommitted spending that agreed action plans stop, by scheme id."""
    out: dict[int, int] = {}
    for plan in pool.action_plans.filter(year_start=year_start, status=ActionPlan.Status.AGREED):
        for scheme_id, pence in plan.cuts.items():
            out[int(scheme_id)] = out.get(int(scheme_id), 0) + int(pence)
    return out


@dataclass(frozen=True)
class ActionPlanInput:
    actions: str
    cuts: dict[int, int]  # scheme id -> pence of uncommitted spending not to make


def propose_action_plan(pool: PooledBudget, cmd: ActionPlanInput, actor) -> ActionPlan:
    """The pooled fund manager proposes actions for a forecast overspend (docs/domain.md section 5:
    the manager reports and proposes an action plan; the management group decides)."""
    if actor.pk != pool.fund_manager_id:
        raise PermissionDenied("Only the pooled fund manager proposes an action plan")
    year = pool_year(pool)
    f = forecast(pool, year)
    if f is None:
        raise refuse(NON_FIELD, "An action plan answers a forecast, and there is none now")
    if f.settlement.total_overspend == 0:
        raise refuse(NON_FIELD, "No overspend is forecast: there is nothing to plan for")
    problems = Problems()
    if not cmd.actions.strip():
        problems.add("actions", "Say what will be done about the forecast overspend")
    # The forecast follows the schemes' order.
    by_id = {s.pk: row for s, row in zip(pool.schemes.all(), f.schemes, strict=True)}
    for scheme_id, message in forecasting.cut_problems(cmd.cuts, by_id).items():
        problems.add(f"cuts.{scheme_id}", message)
    if pool.action_plans.filter(year_start=year, status=ActionPlan.Status.PROPOSED).exists():
        problems.add(NON_FIELD, "An action plan is already waiting for the partners' decision")
    problems.raise_if_any()
    try:
        with transaction.atomic():
            plan = ActionPlan.objects.create(
                pool=pool,
                year_start=year,
                actions=cmd.actions.strip(),
                cuts={str(k): v for k, v in cmd.cuts.items() if v},
                forecast_overspend_pence=f.settlement.total_overspend,
                forecast_as_at=f.as_at,
                proposed_by=actor,
                proposed_at=clock.now(),
            )
            audit.record(
                actor,
                "create",
                plan,
                after={
                    "status": plan.status,
                    "actions": plan.actions,
                    "cuts": plan.cuts,
                    "forecast_overspend_pence": plan.forecast_overspend_pence,
                },
            )
    except IntegrityError:
        raise refuse(
            NON_FIELD, "An action plan is already waiting for the partners' decision"
        ) from None
    return plan


def decide_action_plan(
    plan: ActionPlan, partner: PoolPartner, agrees: bool, reasons: str, actor
) -> ActionPlan:
    """One partner's decision on the plan, by someone who keeps that partner's budget: agreed
    once every partner agrees, rejected as soon as one disagrees (with its reasons)."""
    if partner.pool_id != plan.pool_id:
        raise refuse("partner", "Not a partner of this pool")
    if not can_ledger(actor, LedgerAction.POST, partner.account):
        raise PermissionDenied("Only the partner's finance lead decides for it")
    if not agrees and not reasons.strip():
        raise refuse("reasons", "Give the reasons for disagreeing")
    with transaction.atomic():
        locked = ActionPlan.objects.select_for_update().get(pk=plan.pk)
        if locked.status != ActionPlan.Status.PROPOSED:
            raise refuse(NON_FIELD, f"The plan has been decided: {locked.get_status_display()}")
        if locked.decisions.filter(partner=partner).exists():
            raise refuse(NON_FIELD, f"{partner.organisation.display_name} has already decided")
        ActionPlanDecision.objects.create(
            plan=locked,
            partner=partner,
            agrees=agrees,
            reasons=reasons.strip(),
            decided_by=actor,
            decided_at=clock.now(),
        )
        decided = {
            d.partner.organisation.code: d.agrees
            for d in locked.decisions.select_related("partner__organisation")
        }
        codes = [p.organisation.code for p in locked.pool.partners.select_related("organisation")]
        status = forecasting.plan_status(decided, codes)
        before = locked.status
        if status.value != before:
            locked.status = status.value
            locked.decided_at = clock.now()
            locked.save(update_fields=["status", "decided_at"])
        audit.record(
            actor,
            "update",
            locked,
            before={"status": before},
            after={
                "status": locked.status,
                "partner": partner.organisation.code,
                "agrees": agrees,
                "reasons": reasons.strip(),
            },
        )
    return locked
