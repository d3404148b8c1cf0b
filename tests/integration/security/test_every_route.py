"""Every page, export and API operation, as every demo account and anonymously, answers exactly
as its policy says (issue 16, "Done when").

The routes are derived from the URL configuration and the operations from the OpenAPI
document, so a new page or API operation cannot escape: it fails here until ``routes.py`` says
who may use it. Each is requested with real objects of the demo's data (the objects the demo
does not make, an escalation case, a stress test, a representation and so on, are made through
the services first). For each account the answer must be what the policy of the data's owner
says: allowed, the page (or, for a write, anything but a refusal: the form's problems, the
service's refusal by field); refused, 403 (the API's 401 and the sign-in redirect for someone
not signed in); and a refused answer never carries the object's data. Writes are attempted
inside a transaction rolled back after each, so every account meets the same state. Every
CSV an account may download is checked for cells a spreadsheet would run.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import json
import re
import typing
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse
from typer.testing import CliRunner

from commissioning import clock
from commissioning.api.tokens import issue_token
from commissioning.api.v1 import api
from commissioning.cli import app
from commissioning.collaboration import permissions as together
from commissioning.collaboration.models import (
    CoCommissioningArrangement,
    PooledBudget,
    SchemeCommitment,
    YearEndSettlement,
)
from commissioning.contracts import permissions as contracts
from commissioning.contracts import services as contract_services
from commissioning.contracts.models import Contract
from commissioning.ledger import permissions as ledger
from commissioning.ledger.models import Account
from commissioning.market import services as market_services
from commissioning.organisations import permissions as orgs
from commissioning.organisations.models import Organisation, User
from commissioning.organisations.permissions import has_role_at
from commissioning.personal_budgets import permissions as phb
from commissioning.personal_budgets import services as phb_services
from commissioning.personal_budgets.models import Person
from commissioning.quality import fhir
from commissioning.quality import permissions as quality
from commissioning.quality import services as quality_services
from commissioning.quality.models import MortalityRun
from commissioning.selection import permissions as sel
from commissioning.selection import services as sel_services
from commissioning.selection.models import Decision, Proposal, SelectionProcess
from commissioning.specialised import permissions as specialised
from commissioning.specifications import permissions as specs
from commissioning.specifications.models import ServiceSpecification
from commissioning.ui.worklist import work_for
from tests.capitals import capitals_in, ods_capitals
from tests.worklist import controls

from . import routes as r

pytestmark = pytest.mark.django_db
FORMULA = ("=", "+", "@", "\t", "\r")


# --- the demo, and what it does not make ---------------------------------------------------------


def _build_demo(settings, tmp_path) -> None:
    settings.DATA_DIR = tmp_path
    settings.SYNTH_DIR = tmp_path / "synth"
    done = CliRunner().invoke(app, ["demo-setup", "--spells", "4000", "--years", "1"])
    assert done.exit_code == 0, done.output
    users = {u.username: u for u in User.objects.all()}
    contract = Contract.objects.get(specification__title="Hyper-acute stroke unit")
    case = quality_services.raise_concern(
        quality_services.ConcernInput(
            contract.provider_id,
            "commissioner",
            "Brain imaging times falling",
            "Below target for three months",
            contract_id=contract.pk,
        ),
        users["quality-lead"],
    )
    quality_services.issue_notice(
        case,
        quality_services.NoticeInput("Imaging", clock.today() + dt.timedelta(days=10)),
        users["quality-lead"],
    )
    quality_services.agree_plan(
        case,
        quality_services.PlanInput(
            "A rota",
            [
                quality_services.MilestoneInput(
                    "Second scanner staffed", clock.today() + dt.timedelta(days=30)
                )
            ],
        ),
        users["quality-lead"],
    )
    market_services.start_stress_test(
        market_services.StressInput(fail=("RJE",)), users["commissioner"]
    )
    # Jobs waiting for a worker: a sweep of every failure, and an SHMI run.
    market_services.start_stress_test(
        market_services.StressInput(sweep=True), users["commissioner"], background=True
    )
    quality_services.start_shmi_run(users["quality-lead"])
    contract_services.propose_variation(
        contract,
        contract_services.VariationInput("Weekend scanning", 100_000_00),
        users["commissioner"],
    )
    decision = contract.decision  # the stroke cycle's, with a standstill
    during_standstill = dt.datetime.combine(
        decision.notice_published_on + dt.timedelta(days=1), dt.time(10)
    )
    with time_machine.travel(during_standstill):
        sel_services.make_representation(
            decision,
            Organisation.objects.get(code="RTG").pk,
            "Price was scored wrongly",
            users["bidder"],
        )
    person = next(
        p
        for p in Person.objects.order_by("pk")
        if (plan := phb_services.current_plan(p)) and plan.mode == "direct_payment"
    )
    phb_services.issue_repayment_notice(
        person,
        phb_services.RepaymentInput(
            "substantial_unused_balance",
            "Unused for three months",
            10_000,
            clock.today() + dt.timedelta(days=28),
            "patient",
        ),
        users["care-coordinator"],
    )


# --- who asks ----------------------------------------------------------------------------------


class Actor:
    def __init__(self, user: User | None):
        self.user = user
        self.name = user.username if user else "anonymous"
        self.client = Client(raise_request_exception=False)
        self.refused: dict[tuple[str, str], bool] = {}  # links' answers: (method, path) → refused
        if user is not None:
            self.client.force_login(user)
            self.token = issue_token(user, "matrix", user)[1]
        self.fresh()

    def fresh(self) -> None:
        """The user as a request sees it: memberships as they are now (nothing cached)."""
        if self.user is not None:
            self.user = User.objects.prefetch_related("memberships").get(pk=self.user.pk)


def _walk(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, str]]:
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            namespace = getattr(p, "namespace", None)
            if namespace in ("admin", "api-v1"):
                continue
            yield from _walk(p, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield p.name, prefix + str(p.pattern)


def _csv_cells(response) -> list[str]:
    return [c for row in csv.reader(io.StringIO(response.content.decode())) for c in row]


def _text(response) -> str:
    if response.get("Content-Type", "").startswith(("text/", "application/json")):
        return response.content.decode(errors="replace")
    return ""


class Report:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.requests = 0
        self.allowed = 0
        self.refused = 0

    def check(self, what: str, actor: Actor, response, may: bool, also_ok, markers, api=False,
              conflicted: bool = False):  # fmt: skip
        self.requests += 1
        status = response.status_code
        anonymous = actor.user is None
        if status >= 500:
            self.problems.append(f"{what} as {actor.name}: {status}")
            return
        if anonymous:
            refused_as = (401,) if api else (302,)
            if status not in refused_as:
                self.problems.append(f"{what} as anonymous: {status}, expected {refused_as}")
            elif not api and "/sign-in/" not in response.get("Location", ""):
                self.problems.append(f"{what} as anonymous: redirected elsewhere than sign-in")
        elif may:
            self.allowed += 1
            refused = status in (401, 403) and not conflicted
            if refused or (status not in (200, *also_ok) and also_ok != "any"):
                self.problems.append(f"{what} as {actor.name}: {status}, the policy allows it")
            if response.get("Content-Type", "").startswith("text/csv") and status == 200:
                bad = [c for c in _csv_cells(response) if c.startswith(FORMULA)]
                if bad:
                    self.problems.append(f"{what}: CSV cells a spreadsheet would run: {bad[:3]}")
        else:
            self.refused += 1
            if status != 403:
                self.problems.append(f"{what} as {actor.name}: {status}, the policy refuses it")
        if (anonymous or not may) and markers:
            body = _text(response)
            leaked = [m for m in markers if m and m in body]
            if leaked:
                self.problems.append(f"{what} as {actor.name}: refused, but shows {leaked}")


_HREF = re.compile(r'<a\b[^>]*\bhref="(/[^"#?]*)')
_TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL)
_FORM = re.compile(r'<form\b[^>]*\baction="(/[^"#?]*)"[^>]*\bmethod="post"', re.IGNORECASE)


def unfollowable(actor: Actor, page: str, response) -> list[str]:
    """Links and buttons on a page that lead where the page's reader may not go: each is
    resolved to its route and asked of the same policy the route's own test asks (the menu,
    the work queue, the cards and every page's actions are all covered)."""
    if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
        return []
    html = response.content.decode(errors="replace")
    found = []
    title = _TITLE.search(html)
    if title and ("<" in title.group(1) or "&lt;" in title.group(1)):
        found.append(f"{page} as {actor.name}: markup in the browser tab's title")
    for pattern, method in ((_HREF, "GET"), (_FORM, "POST")):
        for path in set(pattern.findall(html)):
            # The same links (the menu, the cards) are on most pages: each account's answer for
            # a link is asked of the policy once (every write is rolled back, so the data the
            # policy reads are the same throughout).
            if (method, path) not in actor.refused:
                actor.refused[method, path] = _refused(actor, method, path)
            if actor.refused[method, path]:
                found.append(f"{page} as {actor.name}: a {method} to {path}, which is refused")
    return found


def _refused(actor: Actor, method: str, path: str) -> bool:
    try:
        match = resolve(path)
    except Resolver404:
        return False
    route = r.WEB.get(match.url_name or "")
    if route is None or route.method != method or match.url_name in r.PUBLIC:
        return False
    return not route.allowed(actor.user, match.kwargs)


def _rolled_back(call):
    with transaction.atomic():
        response = call()
        transaction.set_rollback(True)
    return response


def test_every_route_answers_as_its_policy_says(settings, tmp_path):
    _build_demo(settings, tmp_path)
    actors = [Actor(u) for u in User.objects.order_by("username")] + [Actor(None)]
    assert len(actors) == 17  # the 16 demo accounts and someone not signed in
    report = Report()
    links: list[str] = []

    # Every page of the URL configuration.
    names = {}
    for name, pattern in _walk(get_resolver()):
        names[name] = pattern
    missing = sorted(set(names) - set(r.WEB) - r.PUBLIC)
    assert missing == [], f"routes with no entry in routes.WEB: {missing}"
    for name in sorted(set(names) - r.PUBLIC):
        route = r.WEB[name]
        objects = route.objects()
        assert objects, f"{name}: the demo has nothing to request it with"
        for kw in objects:
            url = reverse(name, kwargs=kw)
            markers = route.markers(kw)
            for actor in actors:
                may = actor.user is not None and route.allowed(actor.user, kw)
                if route.method == "GET":
                    response = actor.client.get(url)
                    if actor.user is not None:
                        links.extend(unfollowable(actor, url, response))
                else:
                    response = _rolled_back(lambda a=actor, u=url: a.client.post(u, {}))
                also_ok = "any" if route.method != "GET" else route.also_ok
                report.check(f"{route.method} {url}", actor, response, may, also_ok, markers)

    # Every operation of the API's OpenAPI document.
    capitals = ods_capitals(Organisation.objects.values_list("name", flat=True))
    assert len(capitals) > 200  # the demo's organisations are named as ODS publishes them
    schema = api.get_openapi_schema(path_prefix="/api/v1")
    operations = {
        _op_name(op["operationId"]): (method.upper(), path, op)
        for path, methods in schema["paths"].items()
        for method, op in methods.items()
    }
    missing = sorted(set(operations) - set(API))
    assert missing == [], f"API operations with no entry in API: {missing}"
    for name, (method, path, op) in sorted(operations.items()):
        route = API[name]
        objects = route.objects()
        assert objects, f"{name}: the demo has nothing to request it with"
        for kw in objects:
            url = path.format(**{k: v for k, v in kw.items() if "{" + k + "}" in path})
            if route.query:
                url += "?" + urlencode(route.query(kw))
            body = route.body(kw) if route.body else _body(schema, op)
            for actor in actors:
                may = actor.user is not None and route.allowed(actor.user, kw)
                token = actor.user and actor.token
                if name == "rotate" and actor.user:  # rotating ends a token: rotate a copy
                    token = issue_token(actor.user, "copy", actor.user)[1]
                auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
                if method == "GET":
                    response = actor.client.get(url, **auth)
                else:
                    response = _rolled_back(
                        lambda a=actor, m=method, u=url, b=body, h=auth: a.client.generic(
                            m, u, json.dumps(b), "application/json", **h
                        )
                    )
                also_ok = "any" if method != "GET" else route.also_ok
                markers = route.markers(kw)
                is_json = response.get("Content-Type", "").startswith("application/json")
                if response.status_code == 200 and is_json:
                    # Organisations are named as the web names them, not in ODS capitals.
                    found = capitals_in(response.json(), capitals)
                    if found:
                        report.problems.append(f"GET {url}: ODS capitals {found[:3]}")
                # Someone the policy lets score or decide is still kept out by a conflict of
                # interest (the platform's policy, selection.rules.conflicts), once the state of
                # the process would let them act.
                conflicted = may and name in CONFLICTS and not CONFLICTS[name](actor.user, kw)
                report.check(f"{method} {url}", actor, response, may, also_ok, markers, api=True,
                             conflicted=conflicted)  # fmt: skip

    # The home page's work queue: every item of every account opens for that account, and the
    # demo gives each working role something waiting (issue 18).
    queued = {}
    for actor in actors:
        if actor.user is None:
            continue
        work = work_for(actor.user)
        queued[actor.name] = len(work)
        for item in work.to_do + work.waiting:
            response = actor.client.get(item.url)
            if response.status_code != 200:
                report.problems.append(
                    f"work item {item.title!r} as {actor.name}: {item.url} answers "
                    f"{response.status_code}"
                )
            elif item.action and not item.waiting_on:
                offered = controls(response.content.decode())
                if not any(item.action in text for text in offered):
                    report.problems.append(
                        f"work item {item.title!r} as {actor.name}: no {item.action!r} on "
                        f"{item.url}"
                    )
    for name in ("commissioner", "quality-lead", "finance-lead", "care-coordinator",
                 "budget-holder", "provider-representative", "bidder"):  # fmt: skip
        assert queued[name] > 0, f"the demo gives {name} nothing waiting: {queued}"

    # The admin is for administrators.
    for actor in actors:
        response = actor.client.get("/admin/")
        may = actor.user is not None and actor.user.is_staff and actor.user.is_active
        if actor.user is None or not may:
            ok = response.status_code == 302 and "/admin/login/" in response["Location"]
        else:
            ok = response.status_code == 200
        report.requests += 1
        if not ok:
            report.problems.append(f"/admin/ as {actor.name}: {response.status_code}")

    print(f"every route: {report.requests} requests, {report.allowed} allowed and "
          f"{report.refused} refused to signed-in accounts")  # fmt: skip
    assert report.problems == [], "\n".join(report.problems)
    # No page shows a person a link or a button the policy would refuse them (issue 18).
    assert links == [], f"{len(links)} links or buttons refused to their reader:\n" + "\n".join(
        sorted(links)[:60]
    )
    # Both sides of every rule were exercised, on thousands of requests.
    assert report.requests > 3000 and report.allowed > 300 and report.refused > 1000, vars(report)


# --- the API's table ---------------------------------------------------------------------------


def _op_name(operation_id: str) -> str:
    """``commissioning_api_contracts_get_contract`` -> ``get_contract``; the two operations named
    ``decide`` (a selection's decision, a primary care decision) keep their module's name."""
    module, function = operation_id.removeprefix("commissioning_api_").split("_", 1)
    return f"{module}_{function}" if function == "decide" else function


def api_route(objects, allowed, body=None, also_ok=(), markers=lambda kw: [], query=None):
    """``query``: the query string an operation needs, from the object's keys (FHIR's searches
    name what they search in the query, not the path)."""
    route = r.Route(objects, allowed, "API", also_ok, markers)
    object.__setattr__(route, "body", body)
    object.__setattr__(route, "query", query)
    return route


def renamed(objects, **names):
    """Objects of a web route with their keys renamed for the API's path parameters."""
    return lambda: [{names.get(k, k): v for k, v in kw.items()} for kw in objects()]


def by(rule, **names):
    """A web route's rule, for keyword arguments named as the API names them."""
    back = {v: k for k, v in names.items()}
    return lambda user, kw: rule(user, {back.get(k, k): v for k, v in kw.items()})


def _measure_report(item_id: int) -> dict:
    """A month's figure for a line as FHIR, in its contract's term and already over."""
    item = r.QualityScheduleItem.objects.select_related("contract").get(pk=item_id)
    month = max(item.contract.start_date, dt.date(2024, 1, 1)).replace(day=1)
    end = (month + dt.timedelta(days=31)).replace(day=1) - dt.timedelta(days=1)
    return {"resourceType": "MeasureReport", "status": "complete", "type": "summary",
            "measure": fhir.measure_url(item),
            "period": {"start": month.isoformat(), "end": end.isoformat()},
            "group": [{"measureScore": {"value": 90.5}}]}  # fmt: skip


def _example(schema: dict, spec: dict, depth: int = 0):
    if "$ref" in spec:
        return _example(
            schema, schema["components"]["schemas"][spec["$ref"].rsplit("/", 1)[1]], depth + 1
        )
    if "anyOf" in spec:
        return _example(schema, next(s for s in spec["anyOf"] if s.get("type") != "null"), depth)
    if "enum" in spec:
        return spec["enum"][-1]
    kind = spec.get("type")
    if kind == "object":
        return {
            k: _example(schema, v, depth + 1)
            for k, v in spec.get("properties", {}).items()
            if k in spec.get("required", [])
        }
    if kind == "array":
        return []
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return False
    if spec.get("format") == "date":
        return clock.today().isoformat()
    return "x"


def _body(schema, op) -> dict:
    body = op.get("requestBody")
    if not body:
        return {}
    return _example(schema, body["content"]["application/json"]["schema"])


def icb_code() -> str:
    return Organisation.objects.get(pk=ServiceSpecification.objects.first().commissioner_id).code


def spec_body(kw):
    return {
        "commissioner_code": icb_code(),
        "title": "Falls prevention",
        "service_description": "x",
        "population": "x",
        "area": "x",
        "annual_activity": 10,
        "activity_unit": "visits",
        "financial_envelope_pence": 100_00,
        "term_months": 12,
    }


def proposal_body(kw):
    return {
        "provider_code": "RJE",
        "description": "x",
        "capacity": 1,
        "total_price_pence": 100,
        "addressed_to_code": icb_code(),
        "title": "x",
    }


def rje_rep(user) -> bool:
    return has_role_at(
        user, Organisation.objects.get(code="RJE").pk, {orgs.Role.PROVIDER_REPRESENTATIVE}
    )


def writes_specs_here(user, kw) -> bool:
    icb = Organisation.objects.get(code=icb_code())
    return specs.can(user, specs.Action.WRITE_SPECIFICATION, ServiceSpecification(commissioner=icb))


def proposes_for_rje_on(user, kw) -> bool:
    process = SelectionProcess.objects.get(pk=kw["process_id"])
    return (
        r.process_view(user, {"pk": process.pk})
        and sel.can(user, sel.Action.SUBMIT_PROPOSAL)
        and rje_rep(user)
    )


def commits_to(user, kw) -> bool:
    pool = PooledBudget.objects.get(pk=kw["pool_id"])
    return r.pool_may(user, {"pk": pool.pk}) and ledger.can(
        user, ledger.Action.POST, pool.pool_account
    )


def commitment_body(kw):
    pool = PooledBudget.objects.get(pk=kw["pool_id"])
    return {
        "scheme_id": pool.schemes.first().pk,
        "reference": "PO-1",
        "supplier": "x",
        "description": "x",
        "amount_pence": 100,
        "made_on": clock.today().isoformat(),
        "key": "matrix-commitment",
    }


def decides_primary_care(user, kw) -> bool:
    a = CoCommissioningArrangement.objects.get(pk=kw["arrangement_id"])
    function = a.functions[0] if a.functions else "practice_mergers"
    return together.can(user, together.Action.DECIDE_PRIMARY_CARE, (a, function))


def primary_care_body(kw):
    a = CoCommissioningArrangement.objects.get(pk=kw["arrangement_id"])
    return {
        "function": a.functions[0] if a.functions else "practice_mergers",
        "subject": "x",
        "decision": "x",
    }


def transaction_body(kw):
    return {
        "key": "matrix-tx",
        "description": "Allocation",
        "legs": [
            {"account": f"{icb_code()}-ALLOCATION", "pence": -100},
            {"account": f"{icb_code()}-BCF", "pence": 100},
        ],
    }


def draws_icb_allocation(user, kw) -> bool:
    return ledger.can(
        user, ledger.Action.POST, Account.objects.get(code=f"{icb_code()}-ALLOCATION")
    )


def reads_finance(user, kw) -> bool:
    org = Organisation.objects.get(code=kw["commissioner_code"])
    return specialised.can(user, specialised.Action.VIEW_FINANCE, org.pk)


def contract_body(kw):
    decision = Decision.objects.get(pk=kw["decision_id"])
    proposal = Proposal.objects.filter(process=decision.process).order_by("pk").first()
    return {"proposal_id": proposal.pk, "start_date": "2027-04-01", "end_date": "2030-03-31"}


def represents_rtg(user, kw) -> bool:
    """The body names RTG: only its representatives may make that representation."""
    rtg = Organisation.objects.get(code="RTG")
    return dec(r.decision_may(sel.Action.MAKE_REPRESENTATION))(user, kw) and has_role_at(
        user, rtg.pk, {orgs.Role.PROVIDER_REPRESENTATIVE}
    )


def representation_body(kw):
    return {"provider_code": "RTG", "grounds": "x"}


def dec(rule):
    return by(rule, pk="decision_id")


def assesses_continuity(user, kw) -> bool:
    contract = Contract.objects.get(pk=kw["contract_id"])
    return r.market.can(user, r.market.Action.ASSESS_CONTINUITY, contract)


def _pool(kw) -> PooledBudget:
    return PooledBudget.objects.get(pk=kw["pool_id"])


def _host_partner(pool: PooledBudget):
    return pool.partners.select_related("organisation", "account").get(organisation=pool.host)


def reads_pool(user, pool) -> bool:
    return together.can(user, together.Action.VIEW_POOL, pool)


def keeps_fund(user, kw) -> bool:
    pool = _pool(kw)
    return reads_pool(user, pool) and ledger.can(user, ledger.Action.POST, pool.pool_account)


def pays_for_host(user, kw) -> bool:
    pool = _pool(kw)
    return reads_pool(user, pool) and ledger.can(
        user, ledger.Action.POST, _host_partner(pool).account
    )


def host_body(kw, **more) -> dict:
    return {"partner": _pool(kw).host.code, **more}


def releases(user, kw) -> bool:
    pool = SchemeCommitment.objects.get(pk=kw["commitment_id"]).scheme.pool
    return keeps_fund(user, {"pool_id": pool.pk})


def decides_for_host(user, kw) -> bool:
    plan = r.ActionPlan.objects.get(pk=kw["plan_id"])
    return pays_for_host(user, {"pool_id": plan.pool_id})


def region_code() -> str:
    return Organisation.objects.filter(org_type="nhse_region").order_by("code").first().code


def hosts_at_icb(user, kw) -> bool:
    icb = Organisation.objects.get(code=icb_code())
    return r.sees_together(user, kw) and any(
        m.role in ("finance_lead", "administrator") and m.organisation_id == icb.pk
        for m in r.current_memberships(user)
    )


def pool_body(kw) -> dict:
    icb = icb_code()
    account = Account.objects.filter(owner__code=icb, kind="budget").order_by("code").first()
    return {
        "code": "MATRIX-POOL", "name": "Matrix pool", "kind": "section_75", "host": icb,
        "fund_manager": "finance-lead", "aims_and_outcomes": "a", "functions_covered": "b",
        "people_and_services": "c", "resources_provided": "d", "management_and_monitoring": "e",
        "variation_and_termination": "f", "start_date": "2027-04-01", "end_date": "2028-03-31",
        "partners": [{"organisation": icb, "contribution_pence": 100,
                      "account": account.code if account else "NONE"}],
    }  # fmt: skip


P = {"pk": "process_id"}
S = {"pk": "spec_id"}
PR = {"pk": "proposal_id"}
D = {"pk": "decision_id"}
C = {"pk": "contract_id"}
LINE = {"pk": "item_id"}
Q = {"pk": "case_id"}

API: dict[str, r.Route] = {
    "rotate": api_route(r.none, r.anyone, body=lambda kw: {}),
    "list_organisations": api_route(r.none, r.org_may(orgs.Action.VIEW_DIRECTORY)),
    "get_organisation": api_route(r.codes("RJE"), r.org_may(orgs.Action.VIEW_DIRECTORY)),
    "list_children": api_route(r.codes("RJE"), r.org_may(orgs.Action.VIEW_DIRECTORY)),
    "list_ae_attendances": api_route(r.none, r.org_may(orgs.Action.VIEW_ACTIVITY)),
    "list_indicators": api_route(
        r.none, lambda u, kw: specs.can(u, specs.Action.VIEW_SPECIFICATION)
    ),
    "list_specifications": api_route(
        r.none, lambda u, kw: specs.can(u, specs.Action.VIEW_SPECIFICATION)
    ),
    "create_specification": api_route(r.none, writes_specs_here, body=spec_body),
    "get_specification": api_route(
        renamed(r.pks(ServiceSpecification), **S),
        by(r.spec_view, **S),
        markers=lambda kw: r.spec_title({"pk": kw["spec_id"]}),
    ),
    "update_specification": api_route(
        renamed(r.pks(ServiceSpecification), **S),
        by(r.spec_may(specs.Action.WRITE_SPECIFICATION), **S),
    ),
    "change_status": api_route(
        renamed(r.pks(ServiceSpecification), **S),
        by(r.spec_may(specs.Action.CHANGE_SPECIFICATION_STATUS), **S),
    ),
    "start_new_version": api_route(
        renamed(r.pks(ServiceSpecification), **S),
        by(r.spec_may(specs.Action.START_NEW_VERSION), **S),
    ),
    "add_outcome": api_route(
        renamed(r.pks(ServiceSpecification), **S),
        by(r.spec_may(specs.Action.WRITE_SPECIFICATION), **S),
    ),
    "remove_outcome": api_route(
        renamed(r.outcomes, pk="spec_id", outcome_pk="outcome_id"),
        by(r.spec_may(specs.Action.WRITE_SPECIFICATION), **S),
    ),
    "add_quality_requirement": api_route(
        renamed(r.pks(ServiceSpecification), **S),
        by(r.spec_may(specs.Action.WRITE_SPECIFICATION), **S),
    ),
    "remove_quality_requirement": api_route(
        renamed(r.requirements, pk="spec_id", requirement_pk="requirement_id"),
        by(r.spec_may(specs.Action.WRITE_SPECIFICATION), **S),
    ),
    "request_advice": api_route(
        renamed(r.pks(ServiceSpecification), **S),
        by(r.on_spec_may(sel.Action.REQUEST_ADVICE), **S),
        body=lambda kw: {
            "source": "scn_cardiovascular",
            "organisation_code": "XN001",
            "question": "x",
            "due_date": "2027-01-31",
        },
    ),
    "list_advice_requests": api_route(r.none, lambda u, kw: sel.can(u, sel.Action.VIEW_ADVICE)),
    "get_advice_request": api_route(
        renamed(r.pks(r.AdviceRequest), pk="request_id"), by(r.advice_view, pk="request_id")
    ),
    "give_advice": api_route(
        renamed(r.pks(r.AdviceRequest), pk="request_id"),
        lambda u, kw: sel.can(
            u, sel.Action.GIVE_ADVICE, r.AdviceRequest.objects.get(pk=kw["request_id"])
        ),
    ),
    "download_document": api_route(
        renamed(r.pks(r.Document), pk="document_id"), by(r.document_may, pk="document_id")
    ),
    "set_up_selection": api_route(
        renamed(r.pks(ServiceSpecification), **S),
        by(r.on_spec_may(sel.Action.MANAGE_SELECTION), **S),
        body=lambda kw: {"budget_code": f"{icb_code()}-ACS"},
    ),
    "get_selection": api_route(renamed(r.pks(SelectionProcess), **P), by(r.process_view, **P)),
    "invite_proposals": api_route(
        renamed(r.pks(SelectionProcess), **P), by(r.process_may(sel.Action.MANAGE_SELECTION), **P)
    ),
    "add_evaluator": api_route(
        renamed(r.pks(SelectionProcess), **P),
        by(r.process_may(sel.Action.MANAGE_SELECTION), **P),
        body=lambda kw: {"username": "finance-lead"},
    ),
    "list_proposals": api_route(renamed(r.pks(SelectionProcess), **P), by(r.process_view, **P)),
    "create_proposal": api_route(
        renamed(r.pks(SelectionProcess), **P), proposes_for_rje_on, body=proposal_body
    ),
    "create_unsolicited_proposal": api_route(
        r.none,
        lambda u, kw: sel.can(u, sel.Action.SUBMIT_PROPOSAL) and rje_rep(u),
        body=proposal_body,
    ),
    "get_proposal": api_route(renamed(r.proposals, **PR), by(r.proposal_view, **PR)),
    "update_proposal": api_route(
        renamed(r.proposals, **PR),
        by(r.proposal_may(sel.Action.SUBMIT_PROPOSAL), **PR),
        body=proposal_body,
    ),
    "submit_proposal": api_route(
        renamed(r.proposals, **PR), by(r.proposal_may(sel.Action.SUBMIT_PROPOSAL), **PR)
    ),
    "withdraw_proposal": api_route(
        renamed(r.proposals, **PR), by(r.proposal_may(sel.Action.SUBMIT_PROPOSAL), **PR)
    ),
    "respond_to_proposal": api_route(
        renamed(r.proposals, **PR), by(r.proposal_may(sel.Action.RESPOND_TO_PROPOSAL), **PR)
    ),
    "list_clarifications": api_route(
        renamed(r.pks(SelectionProcess), **P), by(r.process_view, **P)
    ),
    "ask_clarification": api_route(
        renamed(r.pks(SelectionProcess), **P), by(r.process_may(sel.Action.ASK_CLARIFICATION), **P)
    ),
    "answer_clarification": api_route(
        renamed(r.pks(r.Clarification), pk="clarification_id"),
        by(r.of_clarification, pk="clarification_id"),
    ),
    "declare_interests": api_route(
        renamed(r.pks(SelectionProcess), **P), by(r.process_may(sel.Action.DECLARE_INTERESTS), **P)
    ),
    "list_declarations": api_route(
        renamed(r.pks(SelectionProcess), **P), by(r.process_may(sel.Action.VIEW_EVALUATION), **P)
    ),
    "manage_declaration": api_route(
        renamed(r.pks(r.ConflictDeclaration), pk="declaration_id"),
        by(r.of_declaration, pk="declaration_id"),
    ),
    "score_proposal": api_route(
        renamed(r.proposals, **PR), by(r.proposal_may(sel.Action.SCORE_PROPOSAL), **PR)
    ),
    "moderate_proposal": api_route(
        renamed(r.proposals, **PR), by(r.proposal_may(sel.Action.MODERATE_SCORES, True), **PR)
    ),
    "get_evaluation": api_route(
        renamed(r.pks(SelectionProcess), **P), by(r.process_may(sel.Action.VIEW_EVALUATION), **P)
    ),
    "selection_decide": api_route(
        renamed(r.pks(SelectionProcess), **P), by(r.process_may(sel.Action.DECIDE), **P)
    ),
    "get_decision": api_route(renamed(r.pks(Decision), **D), dec(r.decision_may())),
    "publish_notice": api_route(
        renamed(r.pks(Decision), **D), dec(r.decision_may(sel.Action.PUBLISH_NOTICE))
    ),
    "withdraw_decision": api_route(
        renamed(r.pks(Decision), **D), dec(r.decision_may(sel.Action.WITHDRAW_DECISION))
    ),
    "list_representations": api_route(renamed(r.pks(Decision), **D), dec(r.decision_may())),
    "make_representation": api_route(
        renamed(r.pks(Decision), **D), represents_rtg, body=representation_body
    ),
    "respond_to_representation": api_route(
        renamed(r.pks(r.Representation), pk="representation_id"),
        by(r.of_representation, pk="representation_id"),
    ),
    "create_contract": api_route(
        renamed(r.pks(Decision), **D),
        lambda u, kw: contracts.can(
            u, contracts.Action.CREATE_CONTRACT, Decision.objects.get(pk=kw["decision_id"])
        ),
        body=contract_body,
    ),
    "list_contracts": api_route(
        r.none, lambda u, kw: contracts.can(u, contracts.Action.VIEW_CONTRACT)
    ),
    "get_contract": api_route(
        renamed(r.pks(Contract), **C),
        by(r.contract_may(), **C),
        markers=lambda kw: r.contract_reference({"pk": kw["contract_id"]}),
    ),
    "sign_contract": api_route(
        renamed(r.pks(Contract), **C), by(r.contract_may(contracts.Action.SIGN_CONTRACT), **C)
    ),
    "propose_variation": api_route(
        renamed(r.pks(Contract), **C),
        by(r.variation_may(contracts.Action.PROPOSE_VARIATION), **C),
        body=lambda kw: {"description": "Ten more beds", "value_change_pence": 100},
    ),
    "approve_variation": api_route(
        renamed(r.variations, **C), by(r.variation_may(contracts.Action.APPROVE_VARIATION), **C)
    ),
    "answer_variation": api_route(
        renamed(r.variations, **C),
        by(r.variation_may(contracts.Action.ANSWER_VARIATION), **C),
        body=lambda kw: {"agree": False, "reasons": "Not within the tariff"},
    ),
    "sign_variation": api_route(
        renamed(r.variations, **C), by(r.variation_may(contracts.Action.SIGN_VARIATION), **C)
    ),
    "record_month": api_route(
        renamed(r.pks(r.LineBudget, limit=2), pk="line_id"),
        lambda u, kw: (
            r.line_may(u, {"pk": kw["line_id"]})
            and specialised.can(
                u,
                specialised.Action.MANAGE_FINANCE,
                r.LineBudget.objects.get(pk=kw["line_id"]).commissioner_id,
            )
        ),
    ),
    "issue_statement": api_route(r.accounts, r.account_may(ledger.Action.ISSUE_STATEMENT)),
    "list_schedule_lines": api_route(
        renamed(r.pks(Contract), **C),
        lambda u, kw: quality.can(
            u, quality.Action.VIEW_CONTRACT_QUALITY, Contract.objects.get(pk=kw["contract_id"])
        ),
    ),
    "get_schedule_line": api_route(
        renamed(r.pks(r.QualityScheduleItem, limit=2), **LINE),
        by(r.item_quality, **LINE),
        markers=lambda kw: r.item_markers({"pk": kw["item_id"]}),
    ),
    "record_figures": api_route(
        renamed(r.pks(r.QualityScheduleItem, limit=2), **LINE),
        lambda u, kw: quality.can(
            u,
            quality.Action.RECORD_MEASUREMENT,
            r.QualityScheduleItem.objects.get(pk=kw["item_id"]),
        ),
        body=lambda kw: {"figures": [{"month": "2024-01", "value": "90.5"}]},
    ),
    "search_measures": api_route(
        renamed(r.pks(Contract), **C),
        lambda u, kw: quality.can(
            u, quality.Action.VIEW_CONTRACT_QUALITY, Contract.objects.get(pk=kw["contract_id"])
        ),
        query=lambda kw: {"contract": kw["contract_id"]},
    ),
    "read_measure": api_route(
        lambda: [
            {"measure_id": f"quality-schedule-line-{pk}", "item_id": pk}
            for pk in r.QualityScheduleItem.objects.order_by("pk").values_list("pk", flat=True)[:2]
        ],
        by(r.item_quality, **LINE),
        markers=lambda kw: r.item_markers({"pk": kw["item_id"]}),
    ),
    "search_reports": api_route(
        renamed(r.pks(r.QualityScheduleItem, limit=2), **LINE),
        by(r.item_quality, **LINE),
        markers=lambda kw: r.item_markers({"pk": kw["item_id"]}),
        query=lambda kw: {"measure": f"quality-schedule-line-{kw['item_id']}"},
    ),
    "submit_reports": api_route(
        renamed(r.pks(r.QualityScheduleItem, limit=2), **LINE),
        lambda u, kw: quality.can(
            u,
            quality.Action.RECORD_MEASUREMENT,
            r.QualityScheduleItem.objects.get(pk=kw["item_id"]),
        ),
        body=lambda kw: _measure_report(kw["item_id"]),
    ),
    "choose_chart": api_route(
        renamed(r.pks(r.QualityScheduleItem, limit=2), **LINE),
        lambda u, kw: quality.can(
            u, quality.Action.CHOOSE_CHART, r.QualityScheduleItem.objects.get(pk=kw["item_id"])
        ),
        body=lambda kw: {"measures": "value", "per": 1, "chart": ""},
    ),
    "get_risk_profile": api_route(
        lambda: [{"code": "RJE"}], r.sees_risk, markers=lambda kw: ["(synthetic)"]
    ),
    "record_intelligence": api_route(
        lambda: [{"code": "RJE"}],
        lambda u, kw: quality.can(u, quality.Action.RECORD_INTELLIGENCE),
        body=lambda kw: {
            "kind": "complaint",
            "weight": "concern",
            "occurred_on": "2026-01-05",
            "summary": "A complaint",
        },
    ),
    "list_cases": api_route(r.none, lambda u, kw: quality.can(u, quality.Action.VIEW_CASE)),
    "raise_concern": api_route(
        r.none,
        lambda u, kw: quality.can(u, quality.Action.RAISE_CONCERN, "a concern"),
        body=lambda kw: {
            "provider": "RJE",
            "source": "commissioner",
            "summary": "Falls",
            "description": "Falls with harm rising",
        },
    ),
    "get_case": api_route(
        renamed(r.pks(r.EscalationCase), **Q), by(r.case_may(quality.Action.VIEW_CASE), **Q)
    ),
    "issue_notice": api_route(
        renamed(r.pks(r.EscalationCase), **Q),
        by(r.case_may(quality.Action.MANAGE_CASE), **Q),
        body=lambda kw: {"matters": "Falls", "meeting_by": "2030-01-31"},
    ),
    "agree_remedial_plan": api_route(
        renamed(r.pks(r.EscalationCase), **Q),
        by(r.case_may(quality.Action.MANAGE_CASE), **Q),
        body=lambda kw: {
            "summary": "Training",
            "milestones": [{"description": "Train", "due": "2030-01-31"}],
        },
    ),
    "close_case": api_route(
        renamed(r.pks(r.EscalationCase), **Q),
        by(r.case_may(quality.Action.MANAGE_CASE), **Q),
        body=lambda kw: {"outcome": "Resolved"},
    ),
    "escalate_case": api_route(
        renamed(r.pks(r.EscalationCase), **Q),
        by(r.case_may(quality.Action.MANAGE_CASE), **Q),
        body=lambda kw: {"escalated_to": "Care Quality Commission", "outcome": "Not resolved"},
    ),
    "complete_milestone": api_route(
        renamed(r.pks(r.Milestone), pk="milestone_id"),
        by(r.milestone_may, pk="milestone_id"),
        body=lambda kw: {"completed_on": "2024-01-31"},
    ),
    "report_progress": api_route(
        renamed(r.pks(r.Milestone), pk="milestone_id"),
        by(r.milestone_progress_may, pk="milestone_id"),
        body=lambda kw: {"progress": "The second scanner is staffed on weekdays"},
    ),
    "get_mortality_run": api_route(renamed(r.pks(MortalityRun), pk="run_id"), r.sees_quality),
    "start_shmi_run": api_route(
        r.none, lambda u, kw: quality.can(u, quality.Action.LOAD_MORTALITY)
    ),
    "list_concentration": api_route(r.none, r.sees_market),
    "list_stress_tests": api_route(r.none, r.sees_market),
    "start_stress_test": api_route(
        r.none,
        lambda u, kw: r.market.can(u, r.market.Action.RUN_STRESS_TEST),
        body=lambda kw: {"fail": ["RJE"]},
    ),
    "get_stress_test": api_route(renamed(r.pks(r.StressTest), pk="test_id"), r.sees_market),
    "get_job": api_route(
        renamed(r.pks(r.Job), pk="job_id"),
        by(r.job_may(r.jobs.Action.VIEW_JOB), pk="job_id"),
        markers=lambda kw: r.job_title({"pk": kw["job_id"]}),
    ),
    "cancel_job": api_route(
        renamed(r.pks(r.Job), pk="job_id"), by(r.job_may(r.jobs.Action.CANCEL_JOB), pk="job_id")
    ),
    "list_priorities": api_route(r.none, r.sees_market),
    "get_assessment": api_route(renamed(r.pks(Contract), **C), r.sees_market, also_ok=(404,)),
    "gather_evidence": api_route(renamed(r.pks(Contract), **C), assesses_continuity),
    "decide_continuity": api_route(
        renamed(r.pks(Contract), **C),
        assesses_continuity,
        body=lambda kw: {"designated": False, "rationale": "Alternatives exist nearby"},
    ),
    "list_consortia": api_route(r.none, r.sees_together),
    "form_consortium": api_route(
        r.none,
        lambda u, kw: (
            r.sees_together(u, kw)
            and together.can(
                u, together.Action.FORM_CONSORTIUM, Organisation.objects.get(code=icb_code()).pk
            )
        ),
        body=lambda kw: {
            "name": "Matrix consortium",
            "scope": "service",
            "service": "Stroke",
            "co_ordinating": icb_code(),
            "members": [icb_code(), "XL001"],
            "decision_rules": "Unanimity",
            "agreement_date": "2026-04-01",
        },
    ),
    "list_arrangements": api_route(r.none, r.sees_together),
    "record_arrangement": api_route(
        r.none,
        r.records_arrangements,
        body=lambda kw: {
            "commissioner": icb_code(),
            "nhs_england": region_code(),
            "year_start": 2030,
            "model": "greater_involvement",
        },
    ),
    "list_pools": api_route(r.none, r.sees_together),
    "create_pool": api_route(r.none, hosts_at_icb, body=pool_body),
    "contribute": api_route(
        renamed(r.pks(PooledBudget), pk="pool_id"),
        pays_for_host,
        body=lambda kw: host_body(kw, amount_pence=100, key="matrix-contribution"),
    ),
    "record_spend": api_route(
        renamed(r.pks(PooledBudget), pk="pool_id"),
        keeps_fund,
        body=lambda kw: {
            "scheme_id": _pool(kw).schemes.order_by("pk").first().pk,
            "amount_pence": 100,
            "description": "Matrix spend",
            "key": "matrix-spend",
        },
    ),
    "release_commitment": api_route(
        renamed(r.pks(SchemeCommitment), pk="commitment_id"),
        releases,
        body=lambda kw: {"reason": "Cancelled"},
    ),
    "settle_year": api_route(renamed(r.pks(PooledBudget), pk="pool_id"), keeps_fund),
    "pay_share": api_route(
        lambda: [
            {"pool_id": s.pool_id, "year_start": s.year_start}
            for s in YearEndSettlement.objects.order_by("pk")
        ],
        pays_for_host,
        body=host_body,
    ),
    "list_action_plans": api_route(
        renamed(r.pks(PooledBudget), pk="pool_id"), lambda u, kw: reads_pool(u, _pool(kw))
    ),
    "propose_action_plan": api_route(
        renamed(r.pks(PooledBudget), pk="pool_id"),
        lambda u, kw: reads_pool(u, _pool(kw)) and u.pk == _pool(kw).fund_manager_id,
        body=lambda kw: {"actions": "Pause a scheme"},
    ),
    "decide_action_plan": api_route(
        renamed(r.pks(r.ActionPlan), pk="plan_id"),
        decides_for_host,
        body=lambda kw: {
            "partner": r.ActionPlan.objects.get(pk=kw["plan_id"]).pool.host.code,
            "agrees": True,
        },
    ),
    "get_account": api_route(r.accounts, r.account_may(), markers=r.account_markers),
    "post_transaction": api_route(r.none, draws_icb_allocation, body=transaction_body),
    "verify": api_route(r.none, lambda u, kw: ledger.can(u, ledger.Action.VERIFY_LEDGER)),
    "get_pool": api_route(renamed(r.pks(PooledBudget), pk="pool_id"), by(r.pool_may, pk="pool_id")),
    "list_commitments": api_route(
        renamed(r.pks(PooledBudget), pk="pool_id"), by(r.pool_may, pk="pool_id")
    ),
    "record_commitment": api_route(
        renamed(r.pks(PooledBudget), pk="pool_id"), commits_to, body=commitment_body
    ),
    "get_forecast": api_route(
        renamed(r.pks(PooledBudget), pk="pool_id"), by(r.pool_may, pk="pool_id"), also_ok=(404,)
    ),
    "collaboration_decide": api_route(
        lambda: [
            {"arrangement_id": a.pk} for a in CoCommissioningArrangement.objects.order_by("pk")
        ],
        decides_primary_care,
        body=primary_care_body,
    ),
    "list_people": api_route(r.none, r.anyone),
    "get_person": api_route(
        r.people, r.person_may(phb.Action.VIEW_RECORD), markers=r.person_markers
    ),
    "get_plan": api_route(r.plans, r.person_may(phb.Action.VIEW_RECORD), markers=r.person_markers),
    "get_statement": api_route(
        r.statements, r.person_may(phb.Action.VIEW_RECORD), markers=r.person_markers
    ),
    "post_payment": api_route(r.people, r.person_may(phb.Action.RECORD_SPEND)),
    "record_person": api_route(
        r.none,
        lambda u, kw: phb.can(
            u, phb.Action.CREATE_PERSON, Organisation.objects.get(code=icb_code()).pk
        ),
        body=lambda kw: {
            "commissioner": icb_code(),
            "nhs_number": "9434765919",
            "name": "Matrix Person",
            "date_of_birth": "1950-01-01",
            "entitlement": "continuing_healthcare",
        },
    ),
    "link_sign_in": api_route(
        r.people,
        r.person_may(phb.Action.MANAGE_RECORD),
        body=lambda kw: {"link": "nominee", "username": ""},
        markers=r.person_markers,
    ),
    "assess": api_route(r.people, r.person_may(phb.Action.MANAGE_RECORD), markers=r.person_markers),
    "draft_plan": api_route(
        r.people, r.person_may(phb.Action.MANAGE_RECORD), markers=r.person_markers
    ),
    "agree_plan": api_route(
        r.plans, r.person_may(phb.Action.MANAGE_RECORD), markers=r.person_markers
    ),
    "clear_flag": api_route(
        r.payments, r.person_may(phb.Action.MANAGE_RECORD), markers=r.person_markers
    ),
    "record_review": api_route(
        r.people, r.person_may(phb.Action.MANAGE_RECORD), markers=r.person_markers
    ),
    "issue_repayment_notice": api_route(
        r.people, r.person_may(phb.Action.MANAGE_RECORD), markers=r.person_markers
    ),
    "record_repayment": api_route(
        renamed(r.notices, notice="notice_id"),
        r.person_may(phb.Action.MANAGE_RECORD),
        markers=r.person_markers,
    ),
    "stop_direct_payments": api_route(
        r.people, r.person_may(phb.Action.MANAGE_RECORD), markers=r.person_markers
    ),
    "request_reconsideration": api_route(
        r.people, r.person_may(phb.Action.REQUEST_RECONSIDERATION), markers=r.person_markers
    ),
    "decide_reconsideration": api_route(
        r.reconsiderations, r.person_may(phb.Action.MANAGE_RECORD), markers=r.person_markers
    ),
    "month_end": api_route(
        lambda: [
            {"commissioner_code": o.code}
            for o in Organisation.objects.filter(specialised_budgets__isnull=False).distinct()
        ],
        reads_finance,
    ),
}


def _free_to_score(user, kw) -> bool:
    proposal = Proposal.objects.get(pk=kw["proposal_id"])
    return sel.free_of_conflict(user, proposal.process, proposal.provider_id)[0]


def _free_to_decide(user, kw) -> bool:
    return sel.free_of_conflict(user, SelectionProcess.objects.get(pk=kw["process_id"]))[0]


CONFLICTS = {"score_proposal": _free_to_score, "selection_decide": _free_to_decide}


def test_every_api_schema_has_a_name_of_its_own():
    """Two schemas of one name are one schema in the OpenAPI document: a client would send the
    wrong fields (a primary care decision's for a selection's decision, until this test)."""
    from ninja import Schema

    import commissioning.api.v1  # noqa: F401  (every router loaded)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = [s for s in subclasses(Schema) if s.__module__.startswith("commissioning.")]
    names: dict[str, set[str]] = {}

    def name(kind) -> None:
        names.setdefault(kind.__name__, set()).add(f"{kind.__module__}.{kind.__qualname__}")

    def choices(annotation) -> None:  # the enumerations a schema's fields use are schemas too
        for arg in typing.get_args(annotation):
            choices(arg)
        if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
            name(annotation)

    for schema in ours:
        name(schema)
        for field in schema.model_fields.values():
            choices(field.annotation)
    assert {n: m for n, m in names.items() if len(m) > 1} == {}
