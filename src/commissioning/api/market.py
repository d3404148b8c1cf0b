"""The market and continuity of services in the JSON API: concentration (HHI) by commissioner,
stress tests of provider failure (a scenario answered at once; a sweep of every single failure
runs on and reports its progress), the continuity-of-services priority list, and a contract's
assessment: the evidence gathered from the resilience model and the commissioner's decision.

Every endpoint calls the same service as the web page does, so permissions, rules, audit and
all-or-nothing writes are the same. A service's field-level problems come back as 422 with one
entry per field (``loc`` ends with the field's name); a refusal is 403 with the reason. With no
synthetic health economy generated yet, the market's reads answer 404 saying so.
"""

import datetime as dt

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from commissioning.contracts.models import Contract
from commissioning.engine.market import concentration
from commissioning.market import data, services
from commissioning.market.models import ContinuityAssessment, StressTest
from commissioning.market.permissions import Action, can
from commissioning.organisations.models import Organisation

from .common import _allow
from .pagination import Pagination
from .types import Id, OrgName, RequestBody

router = Router()
TAGS = ["market and continuity"]


class ConcentrationOut(Schema):
    commissioner_code: str
    name: OrgName
    patients: float
    providers: int
    largest_share: float
    hhi: float
    level: str


class StressTestIn(RequestBody):
    fail: list[str] = Field(
        default_factory=list, max_length=50, description="ODS codes of providers that fail",
        examples=[["RJE"]],
    )  # fmt: skip
    cuts: dict[str, float] = Field(
        default_factory=dict,
        description="ODS code: the fraction of its capacity cut (0 to 1)",
        examples=[{"RJE": 0.2}],
    )
    sweep: bool = Field(False, description="Every single-provider failure, one by one")


class StressTestOut(Schema):
    id: int
    title: str
    failed: list[str]
    cuts: dict[str, float]
    sweep: bool
    status: str
    done: int
    total: int
    started_at: dt.datetime
    finished_at: dt.datetime | None
    error: str
    data: str
    baseline: dict | None
    results: list[dict] = Field(
        description="Each scenario: unmet demand, extra patient-km, providers at capacity, "
        "areas left without the service and their population"
    )
    job_id: int | None = Field(
        description="A sweep's job in the worker: its state, or cancel it, at /jobs/{job_id}"
    )


class PriorityOut(Schema):
    rank: int
    contract_id: int
    contract_reference: str
    service: str
    provider_code: str
    score: float
    concentration: float
    resilience: float
    population: float
    deprivation: float
    evidence: dict
    crs_indicated: bool | None
    crs_designated: bool | None


class AssessmentOut(Schema):
    contract_id: int
    status: str
    evidence: dict
    no_alternative: bool
    increases_inequalities: bool
    dependents_unviable: bool
    dependent_services: str
    indicated: bool = Field(description="What the three tests indicate")
    designated: bool | None = Field(description="The commissioner's decision")
    rationale: str
    assessed_on: dt.date
    decided_on: dt.date | None


class ContinuityDecisionIn(RequestBody):
    designated: bool | None = Field(
        description="Designate the service a Commissioner Requested Service (true) or not"
    )
    dependents_unviable: bool = Field(
        False, description="Whether other services would become unviable without it"
    )
    dependent_services: str = ""
    rationale: str = Field("", description="Needed when the decision goes against the tests")


def _market() -> data.Market:
    try:
        return data.load_market()
    except data.NoMarketData as exc:
        raise Http404(
            "The synthetic health economy has not been generated yet (`commissioning demo-setup`)"
        ) from exc


def _viewer(request) -> None:
    _allow(can(request.user, Action.VIEW_MARKET), "see the market and resilience workspace")


@router.get("/market/concentration", response=list[ConcentrationOut], tags=TAGS)
@paginate(Pagination)
def list_concentration(request):
    """Each commissioner's market concentration (HHI of its population's admissions), most
    concentrated first."""
    _viewer(request)
    market = _market()
    by_area = market.flows.join(market.areas.select("area", "commissioner_code"), on="area")
    table = concentration.hhi(by_area, by="commissioner_code").sort("hhi", descending=True)
    names = dict(Organisation.objects.filter(code__in=table["commissioner_code"].to_list())
                 .values_list("code", "name"))  # fmt: skip
    return [
        {**r, "name": names.get(r["commissioner_code"], r["commissioner_code"])}
        for r in table.iter_rows(named=True)
    ]


def _test_out(test: StressTest) -> dict:
    return {
        "id": test.pk, "title": test.title, "failed": test.failed, "cuts": test.cuts,
        "sweep": test.sweep, "status": test.status, "done": test.done, "total": test.total,
        "started_at": test.started_at, "finished_at": test.finished_at, "error": test.error,
        "data": test.data, "baseline": test.baseline, "results": test.results,
        "job_id": test.job_id,
    }  # fmt: skip


@router.get("/market/stress-tests", response=list[StressTestOut], tags=TAGS)
@paginate(Pagination)
def list_stress_tests(request):
    """Stress tests, newest first."""
    _viewer(request)
    return [_test_out(t) for t in StressTest.objects.order_by("-started_at", "-pk")]


@router.post("/market/stress-tests", response={201: StressTestOut}, tags=TAGS)
def start_stress_test(request, payload: StressTestIn):
    """Run a scenario (answered when solved) or start a sweep of every single-provider failure
    (answered at once: read its ``done`` of ``total`` until its status is ``done``, or follow
    its job at ``/jobs/{job_id}``, where it can be cancelled)."""
    _allow(can(request.user, Action.RUN_STRESS_TEST), "run a stress test")
    _market()
    test = services.start_stress_test(
        services.StressInput(tuple(payload.fail), dict(payload.cuts), sweep=payload.sweep),
        request.user,
        background=True,
    )
    return 201, _test_out(StressTest.objects.get(pk=test.pk))


@router.get("/market/stress-tests/{test_id}", response=StressTestOut, tags=TAGS)
def get_stress_test(request, test_id: Id):
    _viewer(request)
    return _test_out(get_object_or_404(StressTest, pk=test_id))


def _contracts():
    return Contract.objects.select_related("provider", "specification", "continuity")


@router.get("/market/continuity", response=list[PriorityOut], tags=TAGS)
@paginate(Pagination)
def list_priorities(request):
    """Services ranked by where alternative provision matters most (the priority list)."""
    _viewer(request)
    _market()
    rows = []
    for rank, r in enumerate(services.priority_list(_contracts()), start=1):
        a, c = r["assessment"], r["contract"]
        rows.append({
            "rank": rank, "contract_id": c.pk, "contract_reference": c.reference,
            "service": c.specification.title, "provider_code": c.provider.code,
            "score": r["score"], "concentration": r["concentration"],
            "resilience": r["resilience"], "population": r["population"],
            "deprivation": r["deprivation"], "evidence": r["evidence"],
            "crs_indicated": a.indicated if a else None,
            "crs_designated": a.designated if a else None,
        })  # fmt: skip
    return rows


def _assessment_out(a: ContinuityAssessment) -> dict:
    return {
        "contract_id": a.contract_id, "status": a.status, "evidence": a.evidence,
        "no_alternative": a.no_alternative, "increases_inequalities": a.increases_inequalities,
        "dependents_unviable": a.dependents_unviable, "dependent_services": a.dependent_services,
        "indicated": a.indicated, "designated": a.designated, "rationale": a.rationale,
        "assessed_on": a.assessed_on, "decided_on": a.decided_on,
    }  # fmt: skip


def _contract(request, pk: Id) -> Contract:
    _viewer(request)
    return get_object_or_404(_contracts(), pk=pk)


@router.get("/market/contracts/{contract_id}/continuity", response=AssessmentOut, tags=TAGS)
def get_assessment(request, contract_id: Id):
    """A contract's continuity-of-services assessment (404 until its evidence is gathered)."""
    contract = _contract(request, contract_id)
    return _assessment_out(get_object_or_404(ContinuityAssessment, contract=contract))


@router.post(
    "/market/contracts/{contract_id}/continuity/evidence", response=AssessmentOut, tags=TAGS
)
def gather_evidence(request, contract_id: Id):
    """Gather the three tests' evidence from the resilience model: a new draft assessment, or
    the draft brought up to date (a decided assessment is kept)."""
    contract = _contract(request, contract_id)
    _allow(can(request.user, Action.ASSESS_CONTINUITY, contract), "assess this contract")
    _market()
    return _assessment_out(services.gather_evidence(contract, request.user))


@router.post(
    "/market/contracts/{contract_id}/continuity/decision", response=AssessmentOut, tags=TAGS
)
def decide_continuity(request, contract_id: Id, payload: ContinuityDecisionIn):
    """The commissioner's decision: a Commissioner Requested Service or not (a decision against
    the tests needs its reasons)."""
    contract = _contract(request, contract_id)
    _allow(can(request.user, Action.ASSESS_CONTINUITY, contract), "assess this contract")
    assessment = get_object_or_404(ContinuityAssessment, contract=contract)
    decided = services.decide_continuity(
        assessment,
        services.DecisionInput(
            payload.designated,
            payload.dependents_unviable,
            payload.dependent_services,
            payload.rationale,
        ),
        request.user,
    )
    return _assessment_out(decided)
