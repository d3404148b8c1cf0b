"""Commissioning together: consortia and their negotiating weight, primary care
co-commissioning (who decides each function, and the decisions), and pooled budgets (the
agreement, contributions, spending by scheme, the year-end risk share). Tables export as CSV."""

from __future__ import annotations

import functools
import uuid

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from commissioning import clock, money
from commissioning.ledger.models import Account, Transaction
from commissioning.ledger.permissions import Action as LedgerAction
from commissioning.ledger.permissions import can as can_ledger
from commissioning.market import data
from commissioning.organisations.models import Organisation, User
from commissioning.organisations.permissions import current_memberships, has_role_at
from commissioning.organisations.vocabulary import COMMISSIONER_TYPES, PROVIDER_TYPES, Role
from commissioning.quality.charts import response as chart_response
from commissioning.ui.http import act, csv_response, guard, submit

from . import pooled, services
from .charts import forecast_chart
from .forms import (
    PARTNER_ROWS,
    SCHEME_ROWS,
    ActionPlanForm,
    ArrangementForm,
    CommitmentForm,
    ConsortiumForm,
    ContributionForm,
    DecisionForm,
    PlanDecisionForm,
    PoolForm,
    ReleaseForm,
    SpendForm,
)
from .models import (
    ActionPlan,
    CoCommissioningArrangement,
    Consortium,
    PooledBudget,
)
from .permissions import DECIDING, Action, can, may_decide, visible_pools
from .queries import pool_figures
from .rules import risk_share
from .rules.cocommissioning import Body, Function, Model, consulted, decider
from .workspace import sections_for


def workspace(request):
    guard(can(request.user, Action.VIEW_COLLABORATION))
    return render(
        request,
        "together/workspace.html",
        {
            "consortia": Consortium.objects.select_related("co_ordinating").prefetch_related(
                "members"
            ),
            "arrangements": CoCommissioningArrangement.objects.select_related("commissioner"),
            "pools": [
                (p, _pool_outlook(p))
                for p in visible_pools(
                    request.user, PooledBudget.objects.select_related("host", "pool_account")
                )
            ],
            "sections": sections_for(request.user),
        },
    )


def _pool_outlook(pool) -> tuple[str, str]:
    """How the pool's year stands, for the list: (words, NHS tag colour)."""
    year = pooled.pool_year(pool)
    settled = pool.settlements.filter(year_start=year).first()
    if settled is not None:
        over = settled.figures["total_overspend"]
        return (
            "Settled"
            + (f": {money.pounds_and_pence(over)} overspent" if over else ": within budget")
        ), ""
    f = pooled.forecast(pool, year)
    if f is None:
        return "No forecast yet (the year's first month is not complete, or the year has ended)", ""
    over, at = f.settlement.total_overspend, f"{f.as_at:%-d %B %Y}"
    if over:
        return f"Overspend of {money.pounds_and_pence(over)} forecast at {at}", "red"
    return f"On or under budget, forecast at {at}", "green"


def _weight(consortium):
    try:
        return services.negotiating_weight(consortium), None
    except data.NoMarketData:
        return None, "The synthetic health economy has not been generated yet (make demo)."


def consortium(request, pk):
    guard(can(request.user, Action.VIEW_COLLABORATION))
    c = get_object_or_404(Consortium.objects.select_related("co_ordinating", "provider"), pk=pk)
    table, missing = _weight(c)
    rows = list(table.head(25).iter_rows(named=True)) if table is not None else []
    return render(request, "together/consortium.html", {"c": c, "rows": rows, "missing": missing})


def consortium_csv(request, pk):
    guard(can(request.user, Action.VIEW_COLLABORATION))
    c = get_object_or_404(Consortium, pk=pk)
    table, missing = _weight(c)
    guard(table is not None, missing or "")
    response, writer = csv_response(f"consortium-{c.pk}-negotiating-weight.csv")
    columns = [
        "provider",
        "name",
        "patients",
        "consortium_patients",
        "activity_share",
        "largest_member",
        "largest_member_share",
        "catchment_population",
        "consortium_population",
        "population_share",
    ]
    writer.writerow(columns)
    for row in table.select(columns).iter_rows():
        writer.writerow(row)
    return response


def arrangement(request, pk):
    guard(can(request.user, Action.VIEW_COLLABORATION))
    a = get_object_or_404(
        CoCommissioningArrangement.objects.select_related(
            "commissioner", "nhs_england"
        ).prefetch_related("joint_committee"),
        pk=pk,
    )
    model = Model(a.model)
    covered = [Function(f) for f in a.functions]
    rows = []
    for f in Function:
        body = decider(model, f, covered)
        rows.append(
            {
                "function": f,
                "body": body,
                "consulted": consulted(model, f),
                "may": may_decide(request.user, a, f),
                "who": a.nhs_england if body is Body.NHS_ENGLAND else a.commissioner,
            }
        )
    form = DecisionForm(request.POST or None)
    if any(r["may"] for r in rows):
        done = submit(
            request,
            form,
            lambda: services.decide(a, services.DecisionInput(**form.cleaned_data), request.user),
            "The decision is recorded.",
            reverse("together-arrangement", args=[a.pk]),
        )
        if done:
            return done
    return render(
        request,
        "together/arrangement.html",
        {
            "a": a,
            "model": model,
            "rows": rows,
            "form": form,
            "may_any": any(r["may"] for r in rows),
            "decisions": a.decisions.select_related("decided_by"),
        },
    )


def _plans(pool, year: int, mine) -> list[dict]:
    """The year's action plans, newest first, with each partner's decision and whether the
    person looking decides for a partner that has not yet decided."""
    names = {str(s.pk): s.name for s in pool.schemes.all()}
    out = []
    for plan in pool.action_plans.filter(year_start=year).prefetch_related(
        "decisions__partner__organisation"
    ):
        decided = {d.partner_id for d in plan.decisions.all()}
        out.append(
            {
                "plan": plan,
                "cuts": [(names.get(k, k), v) for k, v in plan.cuts.items()],
                "decisions": plan.decisions.all(),
                "my_turn": plan.status == "proposed" and any(m.pk not in decided for m in mine),
            }
        )
    return out


def _commitments(pool) -> list[dict]:
    return [
        {"c": r.commitment, "spent": r.spent_pence, "outstanding": r.outstanding_pence}
        for r in pooled.commitments(pool)
    ]


def _forecast_rows(pool, year: int):
    """The forecast and what the risk share would do with it, ready for the page and CSV."""
    f = pooled.forecast(pool, year)
    if f is None:
        return None
    result = f.settlement
    steps = [(step.label, pence) for step, pence in result.covered.items()]
    partners = {
        p.organisation.code: p.organisation for p in pool.partners.select_related("organisation")
    }
    by_partner = [
        (
            partners[code].display_name if code in partners else code,
            result.partners_pay.get(code, 0),
            result.returned.get(code, 0),
        )
        for code in sorted(set(result.partners_pay) | set(result.returned))
    ]
    return {"f": f, "steps": steps, "partners": by_partner, "result": result}


def _policy_words(policy: risk_share.Policy) -> list[str]:
    bearer = {
        risk_share.Bearer.OWN: "each by the partner leading the overspending scheme",
        risk_share.Bearer.PRO_RATA: "in proportion to contributions",
        risk_share.Bearer.FIXED: "in fixed shares: "
        + ", ".join(f"{k} {v}" for k, v in policy.fixed_shares.items()),
    }[policy.overspend_bearer]
    words = [
        f"{i}. {step.label}"
        + (
            f" (up to {money.pounds_and_pence(policy.risk_pool_pence)})"
            if step is risk_share.Step.RISK_POOL
            else ""
        )
        + (f", {bearer}" if step is risk_share.Step.OUTSIDE_POOL else "")
        for i, step in enumerate(policy.steps, start=1)
    ]
    words.append(
        "Underspends stay in the pool."
        if policy.underspend is risk_share.Underspend.RETAIN
        else "Underspends are returned to partners in proportion to contributions."
    )
    return words


def _readable(request, pk) -> PooledBudget:
    return pooled.readable_pool(
        request.user,
        pk,
        PooledBudget.objects.select_related("host", "fund_manager", "pool_account"),
    )


class _PoolPage:
    """A pooled budget's page: its figures, and the forms the person may use (each form posts
    to the view of its own action, which shows the page again with its problems)."""

    def __init__(self, request, p: PooledBudget):
        self.request, self.p, self.user = request, p, request.user
        self.partners, self.schemes = pool_figures(p)
        self.year = pooled.pool_year(p)
        self.keeps_pool = can_ledger(self.user, LedgerAction.POST, p.pool_account)
        self.mine = [r["p"] for r in self.partners
                     if can_ledger(self.user, LedgerAction.POST, r["p"].account)]  # fmt: skip
        self.commitments = _commitments(p)
        self.open_commitments = {
            str(r["c"].pk): r["c"] for r in self.commitments if r["outstanding"] > 0
        }
        self.then = reverse("together-pool", args=[p.pk])

    def spend_form(self, data=None) -> SpendForm:
        return SpendForm(
            data,
            schemes=[r["s"] for r in self.schemes],
            commitments=self.open_commitments.values(),
            initial={"key": f"web-{uuid.uuid4()}"},
        )

    def commit_form(self, data=None) -> CommitmentForm:
        return CommitmentForm(
            data,
            schemes=[r["s"] for r in self.schemes],
            initial={"key": f"web-{uuid.uuid4()}", "made_on": clock.today()},
            prefix="commit",  # its fields' ids differ from the spending form's
        )

    def pay_form(self, data=None) -> ContributionForm:
        return ContributionForm(data, initial={"key": f"web-{uuid.uuid4()}"}, prefix="pay")

    def render(self, **bound):
        p, year, mine = self.p, self.year, self.mine
        owed = None
        forecast_rows = _forecast_rows(p, year)
        settled = p.settlements.filter(year_start=year).first()
        if settled and mine:
            code = mine[0].organisation.code
            owed = settled.figures["partners"].get(code, {}).get("pays_pence")
            paid = Transaction.objects.filter(key=pooled.share_key(p, year, code)).exists()
            owed = None if paid else owed
        return render(
            self.request,
            "together/pool.html",
            {
                "keeps_pool": self.keeps_pool,
                "my_partner": mine[0] if mine else None,
                "spend_form": bound.get("spend_form") or self.spend_form(),
                "commit_form": bound.get("commit_form") or self.commit_form(),
                "release_form": bound.get("release_form") or ReleaseForm(),
                "releasing": bound.get("releasing"),
                "commitments": self.commitments,
                "forecast": forecast_rows,
                "plans": _plans(p, year, mine),
                "may_propose": (
                    self.user.pk == p.fund_manager_id
                    and forecast_rows is not None
                    and forecast_rows["result"].total_overspend > 0
                    and not p.action_plans.filter(year_start=year, status="proposed").exists()
                ),
                "pay_form": bound.get("pay_form") or self.pay_form(),
                "settled": settled,
                "owed": owed,
                "p": p,
                "partners": self.partners,
                "schemes": self.schemes,
                "integrated_total": sum(r["integrated"] for r in self.schemes),
                "year_end": pooled.financial_year(year)[1],
                "year_ended": pooled.financial_year(year)[1] < clock.today(),
                "year": year,
                "quarters": pooled.report(p, year),
                "policy": _policy_words(pooled.policy_from_json(p.risk_policy)),
                "settlements": p.settlements.order_by("-year_start"),
            },
        )


def pool(request, pk):
    return _PoolPage(request, _readable(request, pk)).render()


def _pool_action(view):
    """An action of the pool page: it takes a form (POST); asked for as a page (a reload after
    a problem was shown), it sends the person back to the pool's page."""

    @functools.wraps(view)
    def wrapped(request, pk, **kwargs):
        if request.method != "POST":
            return redirect("together-pool", pk=pk)
        return view(request, pk, **kwargs)

    return wrapped


@_pool_action
def pool_spend(request, pk):
    page = _PoolPage(request, _readable(request, pk))
    guard(page.keeps_pool)
    form = page.spend_form(request.POST)
    scheme = {str(r["s"].pk): r["s"] for r in page.schemes}.get(request.POST.get("scheme"))
    done = submit(
        request,
        form,
        lambda: pooled.record_spend(
            scheme,
            form.cleaned_data["amount"],
            form.cleaned_data["key"],
            form.cleaned_data["description"],
            request.user,
            form.cleaned_data["value_date"],
            page.open_commitments.get(form.cleaned_data["commitment"]),
        ),
        "The spending is recorded.",
        page.then,
        rename={"legs.0.pence": "amount", "value_date": "value_date"},
    )
    return done or page.render(spend_form=form)


@_pool_action
def pool_commit(request, pk):
    page = _PoolPage(request, _readable(request, pk))
    guard(page.keeps_pool)
    form = page.commit_form(request.POST)
    done = submit(
        request,
        form,
        lambda: pooled.commit(
            pooled.CommitmentInput(
                int(form.cleaned_data["scheme"]),
                form.cleaned_data["reference"],
                form.cleaned_data["supplier"],
                form.cleaned_data["description"],
                form.cleaned_data["amount"],
                form.cleaned_data["made_on"],
                form.cleaned_data["key"],
            ),
            request.user,
        ),
        lambda c: f"Commitment {c.reference} is recorded.",
        page.then,
        rename={"scheme_id": "scheme", "amount_pence": "amount"},
    )
    return done or page.render(commit_form=form)


@_pool_action
def pool_release(request, pk, commitment_pk):
    page = _PoolPage(request, _readable(request, pk))
    guard(page.keeps_pool)
    target = {r["c"].pk: r["c"] for r in page.commitments}.get(commitment_pk)
    guard(target is not None)
    form = ReleaseForm(request.POST)
    done = submit(
        request,
        form,
        lambda: pooled.release(target, form.cleaned_data["reason"], request.user),
        lambda c: f"Commitment {c.reference} is released.",
        page.then,
    )
    return done or page.render(release_form=form, releasing=str(commitment_pk))


@_pool_action
def pool_contribute(request, pk):
    page = _PoolPage(request, _readable(request, pk))
    guard(bool(page.mine))
    form = page.pay_form(request.POST)
    done = submit(
        request,
        form,
        lambda: pooled.contribute(
            page.mine[0],
            form.cleaned_data["amount"],
            form.cleaned_data["key"],
            request.user,
            form.cleaned_data["value_date"],
        ),
        "The contribution is recorded.",
        page.then,
        rename={"legs.0.pence": "amount"},
    )
    return done or page.render(pay_form=form)


@_pool_action
def pool_settle(request, pk):
    page = _PoolPage(request, _readable(request, pk))
    guard(page.keeps_pool)
    return act(
        request,
        lambda: pooled.settle_year(page.p, page.year, request.user),
        "The year is settled.",
        page.then,
    )


@_pool_action
def pool_pay_share(request, pk):
    page = _PoolPage(request, _readable(request, pk))
    settlement = page.p.settlements.filter(year_start=page.year).first()
    guard(bool(page.mine) and settlement is not None)
    return act(
        request,
        lambda: pooled.pay_share(settlement, page.mine[0], request.user),
        "Your share of the overspend is paid into the pool.",
        page.then,
    )


def pool_csv(request, pk):
    p = pooled.readable_pool(request.user, pk)
    partners, schemes = pool_figures(p)
    response, writer = csv_response(f"pooled-budget-{p.pk}.csv")
    writer.writerow(
        [
            "kind",
            "name",
            "lead, partner or scheme",
            "budget, agreed or committed (pence)",
            "spent, paid or spent against (pence)",
            "variance, due or outstanding (pence)",
            "of which integrated personal budgets (pence)",
        ]
    )
    for r in schemes:
        writer.writerow(
            [
                "scheme",
                r["s"].name,
                r["s"].lead.organisation.code,
                r["s"].budget_pence,
                r["spent"],
                r["variance"],
                r["integrated"],
            ]
        )
    for r in _commitments(p):
        writer.writerow(
            [
                "commitment",
                f"{r['c'].reference}: {r['c'].supplier}",
                r["c"].scheme.name,
                r["c"].amount_pence,
                r["spent"],
                r["outstanding"],
                "",
            ]
        )
    for r in partners:
        writer.writerow(
            [
                "partner",
                r["p"].organisation.display_name,
                r["p"].organisation.code,
                r["p"].contribution_pence,
                r["paid"],
                r["due"],
                "",
            ]
        )
    return response


def pool_report_csv(request, pk):
    p = pooled.readable_pool(request.user, pk)
    year = pooled.pool_year(p)
    quarters = pooled.report(p, year)
    response, writer = csv_response(f"pooled-budget-{p.pk}-{year}-report.csv")
    names = list(quarters[0].spend_by_scheme) if quarters else []
    writer.writerow(
        [
            "quarter",
            "from",
            "to",
            "contributions (pence)",
            *[f"{n} (pence)" for n in names],
            "spend (pence)",
            "spend to date (pence)",
            "budget to date (pence)",
            "variance to date (pence)",
            "fund balance at end (pence)",
        ]
    )
    for q in quarters:
        writer.writerow(
            [
                q.label,
                q.start,
                q.end,
                q.contributions,
                *[q.spend_by_scheme[n] for n in names],
                q.spend,
                q.spend_to_date,
                q.budget_to_date,
                q.variance_to_date,
                q.balance_at_end,
            ]
        )
    writer.writerow(
        [
            "Year",
            quarters[0].start,
            quarters[-1].end,
            sum(q.contributions for q in quarters),
            *[sum(q.spend_by_scheme[n] for q in quarters) for n in names],
            sum(q.spend for q in quarters),
            quarters[-1].spend_to_date,
            quarters[-1].budget_to_date,
            quarters[-1].variance_to_date,
            quarters[-1].balance_at_end,
        ]
    )
    return response


def _commissioners():
    return Organisation.objects.filter(org_type__in=list(COMMISSIONER_TYPES)).order_by("name")


def new_consortium(request):
    guard(can(request.user, Action.VIEW_COLLABORATION))
    mine = [o for o in _commissioners() if can(request.user, Action.FORM_CONSORTIUM, o.pk)]
    guard(
        bool(mine), "Only a commissioner records a consortium, as its co-ordinating commissioner."
    )
    form = ConsortiumForm(
        request.POST or None,
        commissioners=_commissioners(),
        providers=Organisation.objects.filter(
            org_type__in=list(PROVIDER_TYPES), close_date__isnull=True
        )
        .exclude(org_type="gp_practice")
        .order_by("name"),
        mine=mine,
    )
    done = submit(
        request,
        form,
        lambda: services.form_consortium(
            services.ConsortiumInput(
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                co_ordinating_id=int(form.cleaned_data["co_ordinating_id"]),
                member_ids=[int(m) for m in form.cleaned_data["member_ids"]],
                decision_rules=form.cleaned_data["decision_rules"],
                agreement_date=form.cleaned_data["agreement_date"],
                service=form.cleaned_data["service"],
                provider_id=int(form.cleaned_data["provider_id"])
                if form.cleaned_data["provider_id"]
                else None,
            ),
            request.user,
        ),
        "The consortium is recorded.",
        lambda c: reverse("together-consortium", args=[c.pk]),
    )
    return done or render(
        request,
        "together/new.html",
        {
            "form": form,
            "title": "Record a consortium",
            "intro": "Commissioners commissioning together for a service or from a provider, "
            "under a collaborative commissioning agreement. You record it as the "
            "co-ordinating commissioner.",
            "button": "Record the consortium",
        },
    )


def new_arrangement(request):
    guard(can(request.user, Action.VIEW_COLLABORATION))
    regions = [
        o
        for o in Organisation.objects.filter(org_type="nhse_region")
        if has_role_at(request.user, o.pk, DECIDING | {Role.ADMINISTRATOR})
    ]
    guard(bool(regions), "NHS England records co-commissioning arrangements.")
    form = ArrangementForm(
        request.POST or None,
        commissioners=Organisation.objects.filter(org_type="icb").order_by("name"),
        people=User.objects.filter(memberships__role="commissioner")
        .distinct()
        .order_by("last_name", "username"),
    )
    done = submit(
        request,
        form,
        lambda: services.record_arrangement(
            services.ArrangementInput(
                commissioner_id=int(form.cleaned_data["commissioner_id"]),
                nhs_england_id=regions[0].pk,
                year_start=form.cleaned_data["year_start"],
                model=form.cleaned_data["model"],
                functions=form.cleaned_data["functions"],
                in_special_measures=form.cleaned_data["in_special_measures"],
                joint_committee=[int(u) for u in form.cleaned_data["joint_committee"]],
            ),
            request.user,
        ),
        "The arrangement is recorded.",
        lambda a: reverse("together-arrangement", args=[a.pk]),
    )
    return done or render(
        request,
        "together/new.html",
        {
            "form": form,
            "title": "Record a primary care co-commissioning arrangement",
            "intro": f"For {regions[0].display_name}: the model an integrated care board "
            "commissions primary care under for a year. Delegated commissioning covers "
            "every function; joint commissioning the functions its committee decides.",
            "button": "Record the arrangement",
        },
    )


def new_pool(request):
    guard(can(request.user, Action.VIEW_COLLABORATION))

    hosts = [
        m.organisation
        for m in current_memberships(request.user)
        if m.role in ("finance_lead", "administrator")
    ]
    guard(bool(hosts), "A finance lead of the host partner records a pooled budget.")
    partners = _commissioners()
    form = PoolForm(
        request.POST or None,
        partners=partners,
        accounts=Account.objects.filter(kind="budget", owner__in=partners)
        .select_related("owner")
        .order_by("code"),
        managers=User.objects.filter(
            memberships__organisation__in=hosts, memberships__role="finance_lead"
        ).distinct(),
    )

    def call():
        d = form.cleaned_data
        partner_rows = form.rows("partner", PARTNER_ROWS, "", "_amount", "_account")
        scheme_rows = form.rows("scheme", SCHEME_ROWS, "", "_lead", "_budget")
        fixed = {}
        orgs = {str(o.pk): o for o in partners}
        if d["overspend_bearer"] == "fixed":
            fixed = {orgs[p[0]].code: 1 for _, p in partner_rows if p[0] in orgs}
        policy = risk_share.Policy(
            risk_pool_pence=d["risk_pool"] or 0,
            overspend_bearer=risk_share.Bearer(d["overspend_bearer"]),
            fixed_shares=fixed,
            underspend=risk_share.Underspend(d["underspend"]),
        )
        return pooled.create_pool(
            pooled.PoolInput(
                code=d["code"],
                name=d["name"],
                kind=d["kind"],
                host_id=hosts[0].pk,
                fund_manager_id=int(d["fund_manager_id"]),
                **{f: d[f] for f in pooled.AGREEMENT_FIELDS},
                start_date=d["start_date"],
                end_date=d["end_date"],
                review_dates=[d["review_date"]] if d["review_date"] else [],
                partners=[
                    pooled.PartnerInput(int(p[0] or 0), p[1] or 0, p[2] or "")
                    for _, p in partner_rows
                ],
                schemes=[
                    pooled.SchemeInput(p[0], int(p[1] or 0), p[2] or 0) for _, p in scheme_rows
                ],
                policy=policy,
                overdraft_pence=d["overdraft"] or 0,
            ),
            request.user,
        )

    rename = {
        f"partners.{n}.{k}": f"partner_{i}{suffix}"
        for n, i in enumerate(range(1, PARTNER_ROWS + 1))
        for k, suffix in (
            ("organisation_id", ""),
            ("contribution_pence", "_amount"),
            ("account_code", "_account"),
        )
    }
    rename |= {
        f"schemes.{n}.{k}": f"scheme_{i}{suffix}"
        for n, i in enumerate(range(1, SCHEME_ROWS + 1))
        for k, suffix in (
            ("name", ""),
            ("lead_organisation_id", "_lead"),
            ("budget_pence", "_budget"),
        )
    }
    rename |= {
        "host_id": "partner_1",
        "partners": "partner_1",
        "policy.fixed_shares": "overspend_bearer",
        "overdraft_pence": "overdraft",
    }
    done = submit(
        request,
        form,
        call,
        "The pooled budget is recorded.",
        lambda p: reverse("together-pool", args=[p.pk]),
        rename=rename,
    )
    return done or render(
        request,
        "together/new.html",
        {
            "form": form,
            "title": "Record a pooled budget",
            "intro": f"Hosted by {hosts[0].display_name}. The written agreement must state each "
            "item below (SI 2000/617, regulation 7); the pooled fund and a spend account "
            "per scheme are opened on the ledger.",
            "button": "Record the pooled budget",
        },
    )


def pool_forecast_csv(request, pk):
    p = pooled.readable_pool(request.user, pk)
    year = pooled.pool_year(p)
    rows = _forecast_rows(p, year)
    if rows is None:
        raise Http404("There is no forecast: the year has not had a complete month, or has ended")
    f = rows["f"]
    response, writer = csv_response(f"pooled-budget-{p.pk}-{year}-forecast.csv")
    writer.writerow(["Forecast at", f.as_at.isoformat(), f"{f.months} complete months"])
    writer.writerow(
        [
            "scheme",
            "lead",
            "budget (pence)",
            "spent to date (pence)",
            "committed (pence)",
            "forecast outturn (pence)",
            "under (+) or over (-) (pence)",
            "uncommitted (pence)",
        ]
    )
    for s in f.schemes:
        writer.writerow(
            [
                s.name,
                s.lead,
                s.budget_pence,
                s.spent_pence,
                s.committed_pence,
                s.forecast_pence,
                s.variance_pence,
                s.uncommitted_pence,
            ]
        )
    writer.writerow([])
    writer.writerow(["If the year ends as forecast", "pence"])
    writer.writerow(["Forecast overspend", rows["result"].total_overspend])
    for label, pence in rows["steps"]:
        writer.writerow([label, pence])
    writer.writerow([])
    writer.writerow(
        ["partner", "would pay towards the overspend (pence)", "would get back (pence)"]
    )
    for name, pays, back in rows["partners"]:
        writer.writerow([name, pays, back])
    return response


def pool_forecast_chart(request, pk, fmt):
    p = pooled.readable_pool(request.user, pk)
    year = pooled.pool_year(p)
    f = pooled.forecast(p, year)
    if f is None:
        raise Http404("There is no forecast: the year has not had a complete month, or has ended")
    figure = forecast_chart(f.schemes, f"{p.name}: spending and forecast at {f.as_at:%-d %B %Y}")
    return chart_response(figure, fmt, f"pooled-budget-{p.pk}-{year}-forecast")


def _scheme_rows(p, f) -> list[dict]:
    """The forecast's schemes with their ids (both follow the schemes' order)."""
    return [
        {"pk": s.pk, "name": row.name, "uncommitted": row.uncommitted_pence}
        for s, row in zip(p.schemes.all(), f.schemes, strict=True)
    ]


def propose_action_plan(request, pk):
    """The pooled fund manager proposes an action plan for a forecast overspend."""
    p = pooled.readable_pool(request.user, pk, PooledBudget.objects.select_related("fund_manager"))
    guard(request.user.pk == p.fund_manager_id)
    f = pooled.forecast(p, pooled.pool_year(p))
    rows = _scheme_rows(p, f) if f is not None else []
    form = ActionPlanForm(request.POST or None, schemes=rows)
    then = reverse("together-pool", args=[p.pk])
    done = submit(
        request,
        form,
        lambda: pooled.propose_action_plan(
            p, pooled.ActionPlanInput(form.cleaned_data["actions"], form.cuts()), request.user
        ),
        "The action plan is proposed to the partners.",
        then,
        rename={f"cuts.{r['pk']}": f"cut_{r['pk']}" for r in rows},
    )
    if f is None or not f.settlement.total_overspend:
        intro = "No overspend is forecast now, so there is nothing to plan for."
    else:
        intro = (
            f"An overspend of "
            f"{money.pounds_and_pence(f.settlement.total_overspend)} is forecast at "
            f"{f.as_at:%-d %B %Y}. Say what will be done, and how much uncommitted spending each "
            "scheme will not make (committed money cannot be cut). Every partner decides; "
            "once all agree, the cuts come off the forecast."
        )
    return done or render(
        request,
        "together/new.html",
        {
            "form": form,
            "title": f"Propose an action plan for {p.name}",
            "intro": intro,
            "button": "Propose the plan",
        },
    )


def decide_action_plan(request, pk, plan_pk):
    """A partner's finance lead decides on the action plan for their organisation."""
    pooled.readable_pool(request.user, pk)
    plan = get_object_or_404(ActionPlan.objects.select_related("pool"), pk=plan_pk, pool_id=pk)
    mine = [
        partner
        for partner in plan.pool.partners.select_related("organisation", "account")
        if can_ledger(request.user, LedgerAction.POST, partner.account)
    ]
    guard(bool(mine))
    decided = set(plan.decisions.values_list("partner_id", flat=True))
    # Someone who keeps more than one partner's budget decides for each in turn.
    mine = [m for m in mine if m.pk not in decided] or mine
    form = PlanDecisionForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda: pooled.decide_action_plan(
            plan,
            mine[0],
            form.cleaned_data["agrees"] == "yes",
            form.cleaned_data["reasons"],
            request.user,
        ),
        lambda decided: (
            f"Your decision is recorded. The plan is now: {decided.get_status_display()}."
        ),
        reverse("together-pool", args=[pk]),
    )
    return done or render(
        request,
        "together/new.html",
        {
            "form": form,
            "title": f"Decide on the action plan for {plan.pool.name}",
            "intro": f"For {mine[0].organisation.display_name}. The plan: {plan.actions}",
            "button": "Record the decision",
        },
    )
