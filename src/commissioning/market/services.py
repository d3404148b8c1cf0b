"""Everything that changes market data: stress tests and continuity-of-services
assessments. Each function checks permission, validates, writes all or nothing and records
the change in the audit trail."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from commissioning import clock
from commissioning.audit import chain as audit
from commissioning.engine.market import resilience as rs
from commissioning.engine.quality.tables import InputError
from commissioning.jobs.kinds import Kind
from commissioning.jobs.progress import Progress
from commissioning.jobs.running import Result, Store, perform
from commissioning.jobs.services import start_job
from commissioning.names import tidy_name
from commissioning.validation import Problems, refuse

from . import data, rules
from .models import ContinuityAssessment, StressTest
from .permissions import Action, can, require

MODEL_LOCK = threading.Lock()  # one HiGHS model per process, used by one request at a time
STRESS_FIELDS = ("title", "failed", "cuts", "sweep", "max_km", "status")
ASSESSMENT_FIELDS = ("contract_id", "no_alternative", "increases_inequalities",
                     "dependents_unviable", "indicated", "designated", "status")  # fmt: skip


@dataclass(frozen=True)
class StressInput:
    fail: tuple[str, ...] = ()
    cuts: dict[str, float] = field(default_factory=dict)
    sweep: bool = False


def start_stress_test(cmd: StressInput, actor, background: bool = False) -> StressTest:
    """Record a stress test and run it: a scenario straight away; a sweep of every
    single-provider failure as a job for the worker when ``background`` (the page and the API
    show its progress; the job is stored with the test, in one transaction), else straight
    away too."""
    require(actor, Action.RUN_STRESS_TEST)
    market = data.load_market()
    problems = Problems()
    if not cmd.sweep and not cmd.fail and not cmd.cuts:
        problems.add("fail", "Choose a provider that fails, or run every single failure")
    try:
        scenario = market.model.scenario(cmd.fail, cmd.cuts)
    except InputError as exc:
        problems.add("fail", str(exc))
        scenario = None
    problems.raise_if_any()
    names = dict(zip(market.providers["code"], market.providers["name"], strict=True))
    cut = "; ".join(f"{tidy_name(names.get(c, c))}'s capacity cut by {round(f * 100)}%"
                    for c, f in cmd.cuts.items())  # fmt: skip
    failed = " and ".join(tidy_name(names.get(c, c)) for c in cmd.fail)
    title = (
        "Every single-provider failure"
        if cmd.sweep
        else f"If {failed} failed" + (f", with {cut}" if cut else "")
        if cmd.fail
        else f"If {cut}"
    )
    options = market.model.options
    with transaction.atomic():
        test = StressTest.objects.create(
            title=title, failed=list(cmd.fail), cuts=dict(cmd.cuts), sweep=cmd.sweep,
            max_km=options.max_km, circuity=options.circuity, penalty=options.penalty,
            data=market.source, started_by=actor if getattr(actor, "pk", None) else None,
            started_at=timezone.now(), total=len(market.providers) if cmd.sweep else 1,
        )  # fmt: skip
        audit.record(actor, "create", test, after=audit.snapshot(test, STRESS_FIELDS))
        if cmd.sweep and background:
            # The job commits with the test, or neither does.
            test.job = start_job(SWEEP, title, actor, lambda _job: run_stress_test.enqueue(test.pk),
                                 total=test.total)  # fmt: skip
            test.save(update_fields=["job"])
            return test
    _run(test, market, scenario)
    return test


@task()
def run_stress_test(pk: int) -> str:
    """The worker's job (commissioning.jobs): the sweep of stress test ``pk``."""
    return run_queued(pk)


def run_queued(pk: int) -> str:
    """Run the sweep of stress test ``pk``, unless it has its results or was cancelled (a job
    run again after its worker died finds them and stops): safe to run twice. Its job
    (``jobs.running``) reports the progress, stops when cancelled, and stores the results
    once."""
    test = StressTest.objects.get(pk=pk)
    if test.status != StressTest.Status.RUNNING:
        return f"stress test {pk} was {test.status}: nothing to do"
    if test.job_id is None:  # queued before sweeps had a job of their own
        _run(test, data.load_market(), None)
    else:
        perform(test.job_id, lambda _job, progress: _sweep(test, progress))
    test.refresh_from_db()
    return f"stress test {pk}: {test.status}"


def _sweep(test: StressTest, progress: Progress) -> Store:
    """Every single failure, its progress reported as each scenario is solved; the results
    are stored by the function returned (``jobs.running.finish``)."""
    market = data.load_market()
    progress.stage("Solving each provider's failure in turn", total=test.total, done=0)
    with MODEL_LOCK:
        model = market.model
        baseline = model.solve()
        results = progress.watch(model.sweep, lambda _code: progress.advance())
    outcome = {
        "baseline": baseline.as_dict(),
        "results": [_summary(r, market) for r in results],
        "status": StressTest.Status.DONE,
        "done": test.total,
        "finished_at": timezone.now(),
    }

    def store() -> Result:
        StressTest.objects.filter(pk=test.pk, status=StressTest.Status.RUNNING).update(**outcome)
        return Result(reverse("market-stress", args=[test.pk]),
                      reverse("api-v1:get_stress_test", args=[test.pk]))  # fmt: skip

    return store


def _sweep_ended(job, state: str, error: str) -> None:
    """A sweep's job failed or was cancelled: its stress test says so, with nothing stored."""
    StressTest.objects.filter(job_id=job.pk, status=StressTest.Status.RUNNING).update(
        status=StressTest.Status(state), error=error, finished_at=timezone.now()
    )


def sweep_reported(sender, job, done: int, **_kwargs) -> None:
    """A sweep's scenarios solved, kept on its stress test too (its page and the API read them
    there): connected to ``jobs.progress.reported`` when the app is ready."""
    if job.kind == SWEEP:
        StressTest.objects.filter(job_id=job.pk, status=StressTest.Status.RUNNING).update(done=done)


SWEEP = "market.sweep"
SWEEP_KIND = Kind(
    SWEEP,
    "Stress test of every single failure",
    result_label="See the stress test",
    steps="scenarios solved",
    may_view=lambda user, _job: can(user, Action.VIEW_MARKET),
    may_cancel=lambda user, _job: can(user, Action.RUN_STRESS_TEST),
    ended=_sweep_ended,
)


def _run(test: StressTest, market: data.Market, scenario) -> None:
    try:
        with MODEL_LOCK:
            model = market.model
            baseline = model.solve()
            if test.sweep:
                results = _sweep_with_progress(model, test)
            else:
                results = [model.solve(scenario, flows=True)]
        outcome = {
            "baseline": baseline.as_dict(),
            "results": [_summary(r, market) for r in results],
            "status": StressTest.Status.DONE,
            "done": test.total,
        }
    except Exception as exc:  # the page says it failed and why; nothing else is changed
        outcome = {"status": StressTest.Status.FAILED, "error": str(exc)}
    # Stored once: only a test still running takes the outcome (a job run twice stores nothing
    # the second time).
    outcome["finished_at"] = timezone.now()
    StressTest.objects.filter(pk=test.pk, status=StressTest.Status.RUNNING).update(**outcome)
    test.refresh_from_db()


def _sweep_with_progress(model, test: StressTest) -> list[rs.Result]:
    """The sweep runs on its own threads; this thread writes its progress to the database
    twice a second (one connection, this thread's) for the page to show."""
    finished = [0]

    def tick(_code) -> None:  # called under the sweep's lock
        finished[0] += 1

    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(model.sweep, tick)
        while True:
            try:
                results = future.result(timeout=0.5)
                break
            except FutureTimeout:
                StressTest.objects.filter(pk=test.pk).update(done=finished[0])
    return results


def _summary(result: rs.Result, market: data.Market) -> dict:
    doc = result.as_dict(flows=result.flows is not None)
    unmet = {a for a, _ in result.unmet_areas}
    areas = market.areas.filter(pl.col("area").is_in(list(unmet)))
    doc["population_without_service"] = int(areas["population"].sum()) if unmet else 0
    doc["deprived_share_without_service"] = data.deprived_share(areas) if unmet else 0.0
    return doc


# --- Continuity of services -----------------------------------------------------------------


def gather_evidence(contract, actor) -> ContinuityAssessment:
    """The three tests' evidence for the contract's provider, from the resilience model; a
    new draft assessment (or the draft brought up to date). A decided one is kept."""
    require(actor, Action.ASSESS_CONTINUITY, contract)
    existing = ContinuityAssessment.objects.filter(contract=contract).first()
    if existing and existing.status == ContinuityAssessment.Status.DECIDED:
        raise refuse("contract", "The assessment has been decided; it is kept as decided")
    market = data.load_market()
    evidence = evidence_for(market, contract.provider.code)
    assessment = existing or ContinuityAssessment(contract=contract)
    with transaction.atomic(), audit.saving(actor, assessment, ASSESSMENT_FIELDS):
        assessment.evidence = evidence
        assessment.no_alternative = evidence["no_alternative"]
        assessment.increases_inequalities = evidence["increases_inequalities"]
        assessment.indicated = rules.is_crs(assessment.no_alternative,
                                            assessment.increases_inequalities,
                                            assessment.dependents_unviable)  # fmt: skip
        assessment.assessed_by, assessment.assessed_on = actor, clock.today()
        assessment.save()
    return assessment


def evidence_for(market: data.Market, code: str) -> dict:
    """The figures behind the three tests for one provider (see ``rules``)."""
    served = data.served_by(market, code).with_columns(
        weighted=pl.col("population") * pl.col("share")
    )
    order = {a: i for i, a in enumerate(market.areas["area"])}
    alternatives = data.alternatives_without(market, code)
    idx = np.array([order[a] for a in served["area"]], dtype=np.int64)
    served = served.with_columns(alternatives=pl.Series(alternatives[idx] if len(idx) else []))
    population = float(served["weighted"].sum())
    without = float(served.filter(pl.col("alternatives") == 0)["weighted"].sum())
    with MODEL_LOCK:
        model = market.model
        model.solve()
        failure = model.solve(model.scenario([code]))
    everyone = data.deprived_share(market.areas)
    affected = data.deprived_share(served, "weighted")
    patients = float(market.providers.filter(pl.col("code") == code)["patients"].sum())
    hhi = (
        served.join(market.area_hhi.select("area", "hhi"), on="area")
        .select((pl.col("hhi") * pl.col("weighted")).sum() / pl.col("weighted").sum())
        .item()
        if population
        else 0.0
    )
    return {
        "provider": code,
        "max_km": model.options.max_km,
        "areas_served": served.height,
        "population_served": round(population),
        "population_without_alternative": round(without),
        "areas_without_alternative": int((served["alternatives"] == 0).sum()),
        "no_alternative": rules.no_alternative(without, population),
        "deprived_share_served": round(affected, 4),
        "deprived_share_everyone": round(everyone, 4),
        "increases_inequalities": rules.increases_inequalities(affected, everyone),
        "patients": patients,
        "unmet_if_failed": round(failure.unmet_demand, 1),
        "unmet_share_if_failed": round(failure.unmet_demand / patients, 4) if patients else 0.0,
        "extra_patient_km_if_failed": round(failure.extra_patient_km, 1),
        "areas_left_without": len(failure.unmet_areas),
        "hhi_of_areas_served": round(float(hhi or 0.0), 1),
        "source": market.source,
    }


@dataclass(frozen=True)
class DecisionInput:
    designated: bool | None
    dependents_unviable: bool
    dependent_services: str
    rationale: str


def decide_continuity(assessment: ContinuityAssessment, cmd: DecisionInput, actor):
    """The commissioner's decision: a Commissioner Requested Service or not, with the third
    test (dependent services) answered. A decision against the tests needs its reasons."""
    require(actor, Action.ASSESS_CONTINUITY, assessment.contract)
    problems = Problems()
    if assessment.status == ContinuityAssessment.Status.DECIDED:
        problems.add("designated", "The assessment has already been decided")
    if cmd.dependents_unviable and not cmd.dependent_services.strip():
        problems.add("dependent_services", "Name the services that would become unviable")
    indicated = rules.is_crs(assessment.no_alternative, assessment.increases_inequalities,
                             cmd.dependents_unviable)  # fmt: skip
    if why := rules.decision_problem(indicated, cmd.designated, cmd.rationale):
        problems.add("rationale" if cmd.designated is not None else "designated", why)
    problems.raise_if_any()
    with transaction.atomic(), audit.changing(actor, assessment, ASSESSMENT_FIELDS):
        assessment.dependents_unviable = cmd.dependents_unviable
        assessment.dependent_services = cmd.dependent_services.strip()
        assessment.indicated = indicated
        assessment.designated = cmd.designated
        assessment.rationale = cmd.rationale.strip()
        assessment.status = ContinuityAssessment.Status.DECIDED
        assessment.decided_by, assessment.decided_on = actor, clock.today()
        assessment.save()
    return assessment


def priority_list(contracts) -> list[dict]:
    """Services ranked by where alternative provision matters most (``rules.priority_score``),
    from each contract's assessment evidence (gathered if there is none yet)."""
    market = data.load_market()
    rows = []
    for contract in contracts:
        assessment = getattr(contract, "continuity", None)
        if assessment:
            evidence = assessment.evidence
        else:
            evidence = evidence_for(market, contract.provider.code)
        rows.append({"contract": contract, "evidence": evidence, "assessment": assessment})
    largest = max((r["evidence"]["population_served"] for r in rows), default=0)
    for r in rows:
        e = r["evidence"]
        r.update(rules.priority_score(
            rules.PriorityInputs(e["hhi_of_areas_served"], e["unmet_share_if_failed"],
                                 e["population_served"], e["deprived_share_served"]),
            largest,
        ))  # fmt: skip
    return sorted(rows, key=lambda r: -r["score"])
