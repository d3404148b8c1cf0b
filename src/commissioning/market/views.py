"""The market and resilience workspace: a map of England, market shares and HHI, stress
tests of provider failure with progress, continuity-of-services assessments and the priority
list. Every table exports as CSV and every map as SVG or PNG."""

from __future__ import annotations

from urllib.parse import urlencode

import polars as pl
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from commissioning import numbers
from commissioning.audit.stored import stored
from commissioning.contracts.models import Contract
from commissioning.engine.market import concentration
from commissioning.jobs.worker import worker_alive
from commissioning.names import tidy_name
from commissioning.organisations.models import Organisation
from commissioning.quality.charts import response as chart_response
from commissioning.ui.forms import Select
from commissioning.ui.http import act, csv_response, guard, submit

from . import charts, data, queries, services
from .forms import DecisionForm, StressForm
from .models import ContinuityAssessment, StressTest
from .permissions import Action, can


def _market():
    try:
        return data.load_market()
    except data.NoMarketData as exc:
        raise Http404("The synthetic health economy has not been generated yet: run "
                      "`make demo` (or `commissioning demo-setup`)") from exc  # fmt: skip


def _choices(market):
    """The providers' names by code, the providers in order of name, and the catchment
    choices."""
    names = dict(zip(market.providers["code"], market.providers["name"], strict=True))
    providers = sorted(names.items(), key=lambda x: x[1])
    catchments = [("", "None")] + [
        (code, f"{tidy_name(name)} ({code})") for code, name in providers
    ]
    return names, providers, catchments


def _shares(market, mine, names):
    """The codes of the providers your commissioners' patients use (none for England), and the
    fifteen largest shares with their providers' names."""
    shares = (
        concentration.provider_shares(market.flows)
        if mine is None
        else queries.provider_shares_for(market, mine)
    )
    yours = [] if mine is None else shares["provider"].to_list()
    top = shares.head(15).with_columns(
        name=pl.col("provider").replace_strict(names, default=pl.col("provider"))
    )
    return yours, top.to_dicts()


def _commissioner_hhi(market):
    by_area = market.flows.join(market.areas.select("area", "commissioner_code"), on="area")
    table = concentration.hhi(by_area, by="commissioner_code")
    names = dict(Organisation.objects.filter(code__in=table["commissioner_code"].to_list())
                 .values_list("code", "name"))  # fmt: skip
    return [{**r, "name": names.get(r["commissioner_code"], r["commissioner_code"])}
            for r in table.sort("hhi", descending=True).iter_rows(named=True)]  # fmt: skip


def workspace(request):
    """Your commissioner's small areas and the providers their patients use first (England on
    request: ``?scope=england``)."""
    guard(can(request.user, Action.VIEW_MARKET))
    market = _market()
    # What the model's files give every reader, kept until the data or the files change
    # (audit.stored, keyed by the files' source): the providers' names in order, as choices.
    names, providers, catchments = stored("market-choices", lambda: _choices(market),
                                          market.source)  # fmt: skip
    mine = stored("your-commissioners", lambda: queries.your_commissioners(request.user, market),
                  request.user.pk, market.source)  # fmt: skip
    england = request.GET.get("scope") == "england" or not mine
    yours, shares = stored(
        "provider-shares-top",
        lambda: _shares(market, None if england else mine, names),
        market.source,
        "england" if england else ",".join(sorted(mine)),
    )
    bound = request.POST if request.method == "POST" else None
    form = StressForm(bound, providers=providers, first=yours)
    done = None
    if request.method == "POST":
        guard(can(request.user, Action.RUN_STRESS_TEST))
        done = submit(
            request,
            form,
            lambda: services.start_stress_test(
                services.StressInput(
                    tuple(form.cleaned_data["fail"]), form.cuts(), sweep=form.cleaned_data["sweep"]
                ),
                request.user,
                background=True,
            ),
            lambda test: "Stress test started" if test.sweep else "Stress test finished",
            lambda test: reverse("market-stress", args=[test.pk]),
        )
    if done:
        return done
    catchment = request.GET.get("catchment") or ""
    commissioners = stored("commissioner-hhi", lambda: _commissioner_hhi(market), market.source)
    if not england:
        commissioners = [r for r in commissioners if r["commissioner_code"] in mine]
    query = {k: v for k, v in (("catchment", catchment if catchment in names else ""),
                               ("scope", "england" if england and mine else "")) if v}  # fmt: skip
    context = {
        "england": england,
        "has_area": bool(mine),
        "map_query": urlencode(query),
        "market": market,
        "catchment": catchment if catchment in names else "",
        "catchment_name": names.get(catchment, ""),
        "catchment_select": Select(
            choices=catchments, attrs={"class": "nhsuk-select", "id": "catchment"}
        ).render("catchment", catchment if catchment in names else ""),
        "commissioners": commissioners[:15],
        "shares": shares,
        "form": form,
        "can_run": can(request.user, Action.RUN_STRESS_TEST),
        "tests": StressTest.objects.all()[:10],
        "thresholds": (concentration.CONCENTRATED, concentration.HIGHLY_CONCENTRATED),
    }
    return render(request, "market/workspace.html", context)


def market_map(request, fmt):
    guard(can(request.user, Action.VIEW_MARKET))
    market = _market()
    code = request.GET.get("catchment") or None
    if code and code not in set(market.providers["code"]):
        code = None
    mine = set() if request.GET.get("scope") == "england" else (
        queries.your_commissioners(request.user, market))  # fmt: skip
    title = "NHS trusts and the small areas they serve"
    figure = charts.market_map(market, title, catchment_of=code, around=mine)
    return chart_response(figure, fmt, "market-map")


def hhi_csv(request):
    guard(can(request.user, Action.VIEW_MARKET))
    market = _market()
    response, writer = csv_response("market-concentration.csv")
    writer.writerow(["level", "code", "name", "patients", "providers", "largest_share", "hhi",
                     "concentration", "source"])  # fmt: skip
    for r in _commissioner_hhi(market):
        writer.writerow(["commissioner", r["commissioner_code"], r["name"], r["patients"],
                         r["providers"], numbers.plain_figure(r["largest_share"], 4),
                         numbers.plain_figure(r["hhi"], 1), r["level"],
                         market.source])  # fmt: skip
    for r in market.area_hhi.iter_rows(named=True):
        writer.writerow(["area", r["area"], "", r["patients"], r["providers"],
                         numbers.plain_figure(r["largest_share"], 4),
                         numbers.plain_figure(r["hhi"], 1), r["level"],
                         market.source])  # fmt: skip
    return response


def stress(request, pk):
    guard(can(request.user, Action.VIEW_MARKET))
    test = get_object_or_404(StressTest, pk=pk)
    results = sorted(test.results, key=lambda r: (-r["unmet_demand"], -r["extra_patient_km"]))
    context = {"test": test, "results": results, "outcome": None, "worker_alive": True}
    if test.status == StressTest.Status.RUNNING:
        context["worker_alive"] = worker_alive()
    if test.status == StressTest.Status.DONE and not test.sweep and results:
        context["outcome"] = queries.outcome(test, _market())
    return render(request, "market/stress.html", context)


def stress_map(request, pk, fmt):
    guard(can(request.user, Action.VIEW_MARKET))
    test = get_object_or_404(StressTest, pk=pk, status=StressTest.Status.DONE)
    if test.sweep:
        raise Http404("A sweep has one map per scenario: run the scenario on its own")
    result = test.results[0]
    unmet = [a["area"] for a in result["areas_with_unmet_demand"]]
    took_on = [(t["provider"], t["patients"]) for t in result.get("took_on", [])]
    figure = charts.market_map(_market(), test.title, failed=test.failed, unmet_areas=unmet,
                               took_on=took_on, cuts=list(test.cuts))  # fmt: skip
    return chart_response(figure, fmt, f"stress-test-{test.pk}")


def stress_csv(request, pk):
    guard(can(request.user, Action.VIEW_MARKET))
    test = get_object_or_404(StressTest, pk=pk, status=StressTest.Status.DONE)
    response, writer = csv_response(f"stress-test-{test.pk}.csv")
    writer.writerow(["scenario", "objective", "unmet_demand", "patient_km", "extra_patient_km",
                     "providers_at_capacity", "areas_with_unmet_demand",
                     "population_without_service", "patients_displaced",
                     "providers_taking_more", "providers_newly_full", "mean_km_served",
                     "max_km", "circuity", "penalty", "data"])  # fmt: skip
    for r in test.results:
        writer.writerow([r["scenario"], numbers.plain_figure(r["objective"], 3),
                         numbers.plain_figure(r["unmet_demand"], 3),
                         numbers.plain_figure(r["patient_km"], 3),
                         numbers.plain_figure(r["extra_patient_km"], 3),
                         " ".join(r["providers_at_capacity"]),
                         len(r["areas_with_unmet_demand"]), r["population_without_service"],
                         numbers.plain_figure(r.get("displaced", 0), 3),
                         " ".join(f"{t['provider']}:{numbers.plain_figure(t['patients'], 1)}"
                                  for t in r.get("took_on", [])),
                         " ".join(r.get("newly_full", [])),
                         numbers.plain_figure(r.get("mean_km", 0), 2),
                         test.max_km, test.circuity, test.penalty, test.data])  # fmt: skip
    return response


# --- Continuity of services -----------------------------------------------------------------


def _contracts():
    return Contract.objects.select_related("provider", "specification", "continuity")


def continuity(request):
    guard(can(request.user, Action.VIEW_MARKET))
    _market()
    rows = services.priority_list(_contracts())
    context = {"rows": rows, "weights": services.rules.WEIGHTS}
    return render(request, "market/continuity.html", context)


def continuity_csv(request):
    guard(can(request.user, Action.VIEW_MARKET))
    _market()
    response, writer = csv_response("continuity-priority-list.csv")
    writer.writerow(["rank", "contract", "service", "provider", "score", "concentration",
                     "resilience", "population", "deprivation", "population_served",
                     "unmet_share_if_failed", "crs_indicated", "crs_decision"])  # fmt: skip
    for rank, r in enumerate(services.priority_list(_contracts()), start=1):
        a, c = r["assessment"], r["contract"]
        writer.writerow([rank, c.reference, c.specification.title, c.provider.code,
                         numbers.plain_figure(r["score"], 1),
                         numbers.plain_figure(r["concentration"], 4),
                         numbers.plain_figure(r["resilience"], 4),
                         numbers.plain_figure(r["population"], 4),
                         numbers.plain_figure(r["deprivation"], 4),
                         r["evidence"]["population_served"],
                         r["evidence"]["unmet_share_if_failed"],
                         a.indicated if a else "", "" if not a or a.designated is None else
                         ("designated" if a.designated else "not designated")])  # fmt: skip
    return response


def assessment(request, pk):
    guard(can(request.user, Action.VIEW_MARKET))
    contract = get_object_or_404(_contracts(), pk=pk)
    current = ContinuityAssessment.objects.filter(contract=contract).first()
    may = can(request.user, Action.ASSESS_CONTINUITY, contract)
    form = None
    if request.method == "POST":
        guard(may)
        if request.POST.get("step") == "evidence":
            return act(request, lambda: services.gather_evidence(contract, request.user),
                       "Evidence gathered from the resilience model", request.path)  # fmt: skip
        if current is None:
            raise Http404("Gather the evidence first")
        form = DecisionForm(request.POST)
        done = submit(
            request,
            form,
            lambda: services.decide_continuity(
                current,
                services.DecisionInput(
                    {"yes": True, "no": False}.get(form.cleaned_data["designated"]),
                    form.cleaned_data["dependents_unviable"],
                    form.cleaned_data["dependent_services"],
                    form.cleaned_data["rationale"],
                ),
                request.user,
            ),
            "Decision recorded",
            request.path,
        )
        if done:
            return done
    others = Contract.objects.filter(provider=contract.provider).exclude(pk=contract.pk)
    context = {
        "contract": contract,
        "assessment": current,
        "may": may,
        "form": form or DecisionForm(),
        "others": others.select_related("specification"),
    }
    return render(request, "market/assessment.html", context)
