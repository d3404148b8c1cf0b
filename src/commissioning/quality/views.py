"""The quality workspace: A&E four-hour SPC and funnel, mortality (SHMI) with alerts, each
provider's contracts and quality schedules, and escalation cases. Every chart has its numbers
beside it and exports as SVG, PNG and CSV."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from commissioning import numbers
from commissioning.audit.stored import stored, stored_row
from commissioning.contracts.models import Contract, QualityScheduleItem
from commissioning.contracts.permissions import visible_contracts
from commissioning.engine.quality.constants import SHIFT_LENGTH
from commissioning.engine.quality.funnel import Overdispersion
from commissioning.organisations.models import Organisation
from commissioning.organisations.permissions import current_memberships
from commissioning.organisations.vocabulary import PROVIDER_TYPES
from commissioning.reference.models import AEAttendance
from commissioning.ui.http import act, csv_response, guard, submit

from . import charts, queries, risk, rules, services
from .forms import (
    ChartChoiceForm,
    CloseForm,
    CompleteForm,
    ConcernForm,
    EscalateForm,
    IntelligenceForm,
    MeasurementForm,
    NoticeForm,
    PlanForm,
    ProgressForm,
    UploadMeasurementsForm,
)
from .models import EscalationCase, Milestone, MortalityAlert, QualityMeasurement
from .permissions import Action, can, visible_cases

OVERDISPERSION = {
    "cqc": "Additive random effects (CQC)",
    "spiegelhalter": "Multiplicative (Spiegelhalter)",
    "none": "None (exact binomial limits)",
}


# What the z beside a band is: the one the band was decided on (engine.quality.funnel.bands).
Z_BASIS = {
    "cqc": "adjusted for overdispersion (additive random effects)",
    "spiegelhalter": "adjusted for overdispersion (multiplicative, Spiegelhalter)",
}
Z_EXACT = "from the exact limits (no adjustment for overdispersion)"


def z_basis(result, od: str) -> str:
    """How the z-score shown beside each band was worked out, for its column heading."""
    return Z_BASIS[od] if result.adjusted and od in Z_BASIS else Z_EXACT


def _alerts(run):
    return list(run.alerts.select_related("provider")) if run else []


def _latest_mortality():
    """The latest SHMI run, its alerts and its providers higher than expected."""
    run = queries.latest_run()
    outliers = list(run.results.filter(band="higher than expected")) if run else []
    return run, _alerts(run), outliers


def your_providers(user) -> set[str]:
    """The ODS codes of the providers this person's work is about: those of the contracts they
    may see, and the provider they work for."""
    seen = visible_contracts(user, Contract.objects.all())
    codes = set(seen.values_list("provider__code", flat=True))
    codes |= {
        m.organisation.code
        for m in current_memberships(user)
        if m.organisation.org_type in PROVIDER_TYPES
    }
    return codes


def workspace(request):
    """Your providers first (England on request: ``?scope=england``), alerts named by
    organisation."""
    guard(can(request.user, Action.VIEW_QUALITY))
    mine = stored("your-providers", lambda: your_providers(request.user), request.user.pk)
    england = request.GET.get("scope") == "england" or not mine
    summary = queries.ae_summary()
    run, alerts, outliers = stored("latest-mortality", _latest_mortality)
    if not england:
        summary = [r for r in summary if r["code"] in mine]
        alerts = [a for a in alerts if a.provider_code in mine]
        outliers = [o for o in outliers if o.provider_code in mine]
    concerns = [r for r in summary if r["point_type"] == "special_cause_concern"]
    context = {
        "england": england,
        "has_providers": bool(mine),
        "providers": len(mine),
        "summary": summary,
        "concerns": concerns,
        "run": run,
        "alerts": alerts,
        "outliers": outliers,
        "open_cases": EscalationCase.objects.exclude(status__in=["closed", "escalated"]).count()
        if can(request.user, Action.VIEW_CASE)
        else None,
        "can_raise": can(request.user, Action.RAISE_CONCERN),
        "target": queries.FOUR_HOUR_TARGET,
    }
    return render(request, "quality/workspace.html", context)


def ae_summary_csv(request):
    guard(can(request.user, Action.VIEW_QUALITY))
    response, writer = csv_response("ae-four-hour-summary.csv")
    writer.writerow(["org_code", "name", "latest_month", "pct_within_4h", "mean",
                     "variation", "assurance"])  # fmt: skip
    for r in queries.ae_summary():
        writer.writerow([r["code"], r["name"], r["period"], numbers.plain_figure(r["value"], 3),
                         numbers.plain_figure(r["mean"], 3), r["variation"],
                         r["assurance"]])  # fmt: skip
    return response


def _ae_points(code):
    points, icons = queries.ae_spc(code)
    if points.is_empty():
        raise Http404("There are no A&E figures for this organisation")
    return points.to_dicts(), icons.to_dicts()[0]


def ae_trust(request, code):
    guard(can(request.user, Action.VIEW_QUALITY))
    points, icons = _ae_points(code)
    org = Organisation.objects.filter(code=code).first()
    context = {
        "code": code,
        "org": org,
        "name": org.display_name if org else code,
        "points": points,
        "variation": queries.VARIATION.get(icons["variation_icon"], ""),
        "assurance": queries.ASSURANCE.get(icons["assurance_icon"], ""),
        "rules": queries.RULES,
        "target": queries.FOUR_HOUR_TARGET,
        "can_raise": can(request.user, Action.RAISE_CONCERN),
    }
    return render(request, "quality/ae_trust.html", context)


def ae_trust_chart(request, code, fmt):
    guard(can(request.user, Action.VIEW_QUALITY))
    points, _ = _ae_points(code)
    org = Organisation.objects.filter(code=code).first()
    title = f"{org.display_name if org else code}: A&E patients seen within four hours"
    figure = charts.spc_chart(points, title, "% within four hours", queries.FOUR_HOUR_TARGET)
    return charts.response(figure, fmt, f"ae-four-hour-{code}")


def ae_trust_csv(request, code):
    guard(can(request.user, Action.VIEW_QUALITY))
    points, _ = _ae_points(code)
    response, writer = csv_response(f"ae-four-hour-spc-{code}.csv")
    writer.writerow(["org_code", *SPC_COLUMNS])
    for p in points:
        writer.writerow([code, *(p[c] for c in SPC_COLUMNS)])
    return response


def _funnel_args(request):
    periods = queries.ae_periods()
    if not periods:
        raise Http404("There are no A&E figures")
    try:
        month = dt.date.fromisoformat(request.GET.get("month", "") + "-01")
    except ValueError:
        month = periods[0]
    if month not in periods:
        month = periods[0]
    od = request.GET.get("overdispersion", "cqc")
    if od not in OVERDISPERSION:
        od = "cqc"
    return periods, month, od


def _funnel_rows(month, od):
    result = queries.ae_funnel(month, Overdispersion(od))
    label = queries.names()
    rows = [
        {**r.__dict__, "name": label.get(r.group, r.group), "code": r.group} for r in result.rows
    ]
    return result, rows


def ae_funnel(request):
    guard(can(request.user, Action.VIEW_QUALITY))
    periods, month, od = _funnel_args(request)
    result, rows = _funnel_rows(month, od)
    rows = sorted(rows, key=lambda r: -r["band_z"])
    mine = your_providers(request.user)
    england = request.GET.get("scope") == "england" or not mine
    context = {
        "periods": periods,
        "month": month,
        "od": od,
        "methods": OVERDISPERSION,
        "result": result,
        "z_basis": z_basis(result, od),
        "england": england,
        "has_providers": bool(mine),
        "every": len(rows),
        # Your providers first, then every other trust outside the 99.8% limits; England on
        # request (?scope=england).
        "tables": _funnel_tables(rows, set() if england else mine),
        "query": f"month={month:%Y-%m}&overdispersion={od}",
    }
    return render(request, "quality/ae_funnel.html", context)


def _funnel_tables(rows, mine: set[str]) -> list[tuple[str, list]]:
    if not mine:
        return [("Trusts, most above the average first", rows)]
    return [
        ("Your providers, most above the average first", [r for r in rows if r["code"] in mine]),
        (
            "Other trusts outside the 99.8% limits",
            [r for r in rows if r["code"] not in mine and r["band_998"] != "as expected"],
        ),
    ]


def ae_funnel_chart(request, fmt):
    guard(can(request.user, Action.VIEW_QUALITY))
    _, month, od = _funnel_args(request)
    result, rows = _funnel_rows(month, od)
    figure = charts.funnel_chart(
        rows,
        result.target,
        f"A&E four-hour breaches by trust, {month:%B %Y} ({OVERDISPERSION[od].lower()})",
        "Attendances",
        "% waiting more than four hours",
        scale=100,
    )
    return charts.response(figure, fmt, f"ae-breach-funnel-{month:%Y-%m}")


def ae_funnel_csv(request):
    guard(can(request.user, Action.VIEW_QUALITY))
    _, month, od = _funnel_args(request)
    result, rows = _funnel_rows(month, od)
    response, writer = csv_response(f"ae-breach-funnel-{month:%Y-%m}.csv")
    # band_z is the z the bands were decided on (z_basis says how); z_unadjusted estimates φ.
    columns = ["numerator", "denominator", "value", "band_z", "lower_95", "upper_95",
               "lower_998", "upper_998", "band_95", "band_998", "z"]  # fmt: skip
    writer.writerow(["month", "org_code", "name", "numerator", "denominator", "value", "z",
                     "lower_95", "upper_95", "lower_998", "upper_998", "band_95", "band_998",
                     "z_unadjusted", "phi", "tau2", "method", "z_basis"])  # fmt: skip
    basis = z_basis(result, od)
    for r in rows:
        cells = [numbers.plain_figure(r[c]) if isinstance(r[c], float) else r[c] for c in columns]
        writer.writerow([f"{month:%Y-%m}", r["code"], r["name"], *cells,
                         numbers.plain_figure(result.phi), numbers.plain_figure(result.tau2), od,
                         basis])  # fmt: skip
    return response


def _mortality_rows(run):
    return [
        {
            "code": r.provider_code,
            "name": r.provider.display_name if r.provider else r.provider_code,
            "numerator": r.observed,
            "denominator": r.expected,
            "value": r.shmi,
            "lower_95": r.lower_95,
            "upper_95": r.upper_95,
            "lower_998": r.lower_998,
            "upper_998": r.upper_998,
            "band_95": r.band,
            "band_998": r.band_998,
            "spells": r.spells,
        }
        for r in run.results.select_related("provider")
    ]


def _run_or_404():
    run = queries.latest_run()
    if run is None:
        raise Http404("No mortality results have been loaded yet")
    return run


def mortality(request):
    guard(can(request.user, Action.VIEW_QUALITY))
    run = queries.latest_run()
    rows = _mortality_rows(run) if run else []
    context = {
        "run": run,
        "rows": sorted(rows, key=lambda r: -r["value"]),
        "alerts": _alerts(run),
        "can_raise": can(request.user, Action.RAISE_CONCERN),
    }
    return render(request, "quality/mortality.html", context)


@require_POST
def mortality_run(request):
    """A quality lead starts an SHMI run on the synthetic economy's spells: its job's page
    follows it."""
    guard(can(request.user, Action.LOAD_MORTALITY))
    try:
        job = services.start_shmi_run(request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("quality-mortality")
    messages.success(request, "SHMI run started: this page follows it")
    return redirect("job", job.pk)


def mortality_chart(request, fmt):
    guard(can(request.user, Action.VIEW_QUALITY))
    run = _run_or_404()
    figure = charts.funnel_chart(
        _mortality_rows(run),
        1.0,
        f"SHMI by provider, {run.period_from:%b %Y} to {run.period_to:%b %Y}",
        "Expected deaths",
        "SHMI (observed / expected deaths)",
    )
    return charts.response(figure, fmt, f"shmi-funnel-{run.period_to:%Y-%m}")


def mortality_csv(request):
    guard(can(request.user, Action.VIEW_QUALITY))
    run = _run_or_404()
    response, writer = csv_response(f"shmi-{run.period_to:%Y-%m}.csv")
    columns = ["code", "name", "spells", "numerator", "denominator", "value", "lower_95",
               "upper_95", "lower_998", "upper_998", "band_95", "band_998"]  # fmt: skip
    writer.writerow(["provider_code", "name", "spells", "observed_deaths", "expected_deaths",
                     "shmi", "lower_95", "upper_95", "lower_998", "upper_998", "band",
                     "band_998"])  # fmt: skip
    for r in _mortality_rows(run):
        writer.writerow([r[c] for c in columns])
    return response


def provider(request, code):
    guard(can(request.user, Action.VIEW_QUALITY))
    org = get_object_or_404(Organisation, code=code)
    contracts = visible_contracts(
        request.user,
        Contract.objects.filter(provider=org)
        .select_related("specification")
        .prefetch_related("quality_schedule__indicator"),
    )
    ae_points, ae_icons = queries.ae_spc(code)
    icons = ae_icons.row(0, named=True) if not ae_icons.is_empty() else {}
    run = queries.latest_run()
    context = {
        "org": org,
        "contracts": contracts,
        "ae": ae_points.row(-1, named=True) if not ae_points.is_empty() else None,
        "ae_variation": queries.VARIATION.get(icons.get("variation_icon")),
        "ae_assurance": queries.ASSURANCE.get(icons.get("assurance_icon")) if icons else None,
        "shmi": run.results.filter(provider_code=code).first() if run else None,
        "alerts": run.alerts.filter(provider_code=code) if run else [],
        "cases": visible_cases(request.user, EscalationCase.objects.filter(provider=org))
        if can(request.user, Action.VIEW_CASE)
        else None,
        "can_raise": can(request.user, Action.RAISE_CONCERN),
    }
    return render(request, "quality/provider.html", context)


# --- Risk profiles: every signal about a provider on one timeline ---------------------------

RISK_SORTS = {
    "name": lambda p: p.provider.display_name,
    "concerns": lambda p: -p.concern_count,
    "platform": lambda p: -p.concerns.get("platform", 0),
    "published": lambda p: -p.concerns.get("published", 0),
    "soft": lambda p: -p.concerns.get("soft", 0),
    "shmi": lambda p: p.shmi.band if p.shmi and p.shmi.band else 9,
    "segment": lambda p: -(p.segment.segment if p.segment else 0),
}


def risk_profiles(request):
    """The risk profiles of all the commissioner's providers, one sortable table."""
    guard(can(request.user, Action.VIEW_RISK))
    sort = request.GET.get("sort", "concerns")
    if sort not in RISK_SORTS:
        sort = "concerns"
    profiles = [risk.profile(request.user, org) for org in risk.providers_of(request.user)]
    profiles.sort(key=lambda p: (RISK_SORTS[sort](p), p.provider.display_name))
    if request.GET.get("format") == "csv":
        response, writer = csv_response("risk-profiles.csv")
        writer.writerow(["provider", "ods_code", "concerns_platform", "concerns_published",
                         "concerns_soft_intelligence", "latest_shmi_band", "cqc_overall",
                         "oversight_segment", "escalation_proposed", "open_case"])  # fmt: skip
        for p in profiles:
            writer.writerow([p.provider.display_name, p.provider.code,
                             p.concerns.get("platform", 0), p.concerns.get("published", 0),
                             p.concerns.get("soft", 0),
                             risk.SHMI_BAND.get(p.shmi.band, "") if p.shmi else "",
                             p.cqc_overall, p.segment.segment if p.segment else "",
                             "yes" if p.proposal else "no",
                             p.open_case.reference if p.open_case else ""])  # fmt: skip
        return response
    return render(request, "quality/risk_profiles.html", {"profiles": profiles, "sort": sort})


def risk_profile(request, code):
    guard(can(request.user, Action.VIEW_RISK))
    org = get_object_or_404(Organisation, code=code)
    may_record = can(request.user, Action.RECORD_INTELLIGENCE)
    form = None
    if request.method == "POST":
        guard(may_record)
        form = IntelligenceForm(request.POST)
        done = submit(
            request,
            form,
            lambda: services.record_intelligence(
                services.IntelligenceInput(org.pk, **form.cleaned_data), request.user
            ),
            "The intelligence has been added to the risk profile",
            request.path,
        )
        if done:
            return done
    found = risk.profile(request.user, org)
    context = {
        "org": org,
        "profile": found,
        "groups": rules.GROUPS,
        "window": rules.AGREEMENT_WINDOW_DAYS,
        "may_record": may_record,
        "form": form or IntelligenceForm(),
        "failed": form,
        "can_raise": can(request.user, Action.RAISE_CONCERN),
    }
    return render(request, "quality/risk_profile.html", context)


# --- Contract quality schedules: monthly figures on SPC charts ------------------------------


def _schedule_rows(contract):
    """Each line of the contract's quality schedule with its SPC icons, target and latest:
    computed when the contract's figures change (``audit.stored``)."""
    return stored("schedule-rows", lambda: _compute_schedule_rows(contract), contract.pk)


def _compute_schedule_rows(contract):
    items = list(contract.quality_schedule.select_related("indicator"))
    by_item: dict[int, list] = {i.pk: [] for i in items}
    for m in QualityMeasurement.objects.filter(item__contract=contract).order_by("period"):
        by_item[m.item_id].append(m)
    rows = []
    for item in items:
        points, icons, target = queries.schedule_spc(item, by_item[item.pk])
        rows.append({"item": item, "points": points, "icons": icons, "target": target,
                     "latest": points[-1] if points else None})  # fmt: skip
    return rows


def _needs_attention(row) -> bool:
    """The latest month is a special cause of concern, the target is consistently failed, or
    the last phase's mean is worse than the one before (a phase starts only on a shift the
    improving way, but months after it may fall back below where the process was)."""
    latest = row["latest"]
    return (
        bool(latest and latest["point_type"] == "special_cause_concern")
        or row["icons"].get("assurance_icon") == "consistent_fail"
        or row["icons"].get("shifted") == "concern"
    )


def _contract(request, pk) -> Contract:
    """A contract whose quality pages are asked for, to those who may see the contract (kept
    between requests until the data change: these pages only read it)."""
    contract = stored_row(
        "quality-contract",
        Contract.objects.select_related("provider", "specification").prefetch_related("parties"),
        pk,
    )
    if contract is None:
        raise Http404("No contract with that number")
    guard(can(request.user, Action.VIEW_CONTRACT_QUALITY, contract))
    return contract


def contract_quality(request, pk):
    contract = _contract(request, pk)
    rows = _schedule_rows(contract)
    context = {
        "contract": contract,
        "rows": rows,
        "concerns": [r for r in rows if _needs_attention(r)],
        "can_record": any(can(request.user, Action.RECORD_MEASUREMENT, r["item"]) for r in rows),
        "can_raise": can(request.user, Action.RAISE_CONCERN),
    }
    return render(request, "quality/contract.html", context)


def contract_quality_csv(request, pk):
    contract = _contract(request, pk)
    response, writer = csv_response(f"quality-schedule-{contract.reference}.csv")
    writer.writerow(["contract", "line", "dimension", "title", "month", *SPC_COLUMNS[1:],
                     "target", "variation", "assurance"])  # fmt: skip
    for r in _schedule_rows(contract):
        item = r["item"]
        for p in r["points"]:
            writer.writerow([contract.reference, item.pk, item.get_dimension_display(),
                             item.title, *(p[c] for c in SPC_COLUMNS), r["target"].target,
                             r["icons"]["variation"], r["icons"]["assurance"]])  # fmt: skip
    return response


SPC_COLUMNS = ["period", "value", "mean", "lpl", "upl", "near_lpl", "near_upl", "point_type",
               "rule", "phase"]  # fmt: skip


def _item(request, pk):
    """A line of a contract's quality schedule, to those who may see the contract."""

    item = get_object_or_404(
        QualityScheduleItem.objects.select_related(
            "contract__provider", "contract__specification", "indicator"
        ),
        pk=pk,
    )
    guard(can(request.user, Action.VIEW_CONTRACT_QUALITY, item))
    return item


def schedule_item(request, pk):
    item = _item(request, pk)
    may_record = can(request.user, Action.RECORD_MEASUREMENT, item)
    may_choose = can(request.user, Action.CHOOSE_CHART, item)
    entry = upload = choice = None
    if request.method == "POST" and request.POST.get("form") == "chart":
        guard(may_choose)
        choice = ChartChoiceForm(request.POST)
        done = submit(
            request,
            choice,
            lambda: services.choose_chart(
                item,
                services.ChartChoice(
                    choice.cleaned_data["measures"],
                    choice.cleaned_data["per"],
                    choice.cleaned_data["chart"],
                ),
                request.user,
            ),
            lambda _item: "How the line is charted has been saved",
            request.path,
        )
        if done:
            return done
    elif request.method == "POST":
        guard(may_record)
        if "file" in request.FILES or request.POST.get("form") == "upload":
            upload = UploadMeasurementsForm(request.POST, request.FILES)
            done = submit(
                request,
                upload,
                lambda: services.record_measurements(
                    item,
                    services.parse_measurements(upload.cleaned_data["file"], item),
                    QualityMeasurement.Source.UPLOADED,
                    request.user,
                ),
                _recorded,
                request.path,
            )
        else:
            entry = MeasurementForm(request.POST, item=item)
            done = submit(
                request,
                entry,
                lambda: services.record_measurements(
                    item,
                    [
                        services.MeasurementInput(
                            entry.cleaned_data["month"],
                            entry.cleaned_data["value"],
                            entry.cleaned_data.get("numerator"),
                            entry.cleaned_data.get("denominator"),
                        )
                    ],
                    QualityMeasurement.Source.ENTERED,
                    request.user,
                ),
                _recorded,
                request.path,
                rename={"period": "month"},
            )
        if done:
            return done
    points, icons, target = queries.schedule_spc(item)
    context = {
        "item": item,
        "contract": item.contract,
        "points": points,
        "phases": queries.phases(points, target.improvement),
        "shift_length": SHIFT_LENGTH,
        "icons": icons,
        "target": target,
        "rules": queries.RULES,
        "may_record": may_record,
        "entry_form": entry or MeasurementForm(item=item),
        "upload_form": upload or UploadMeasurementsForm(),
        "failed": entry or upload or choice,
        "may_choose": may_choose,
        "chart_form": choice
        or ChartChoiceForm(
            initial={"measures": item.measures, "per": item.per, "chart": item.chart}
        ),
        "can_raise": can(request.user, Action.RAISE_CONCERN),
    }
    return render(request, "quality/schedule_item.html", context)


def _recorded(counts):
    parts = [f"{n} {word}" for word, n in counts.items() if n]
    return "Figures recorded: " + ", ".join(parts)


def schedule_item_chart(request, pk, fmt):
    item = _item(request, pk)
    points, icons, target = queries.schedule_spc(item)
    if not points:
        raise Http404("No figures have been recorded for this line yet")
    figure = charts.spc_chart(
        points,
        f"{item.contract.reference}: {item.title}"[:110],
        icons["chart_label"],
        target.target,
    )
    return charts.response(figure, fmt, f"quality-{item.contract.reference}-{item.pk}")


def schedule_item_csv(request, pk):
    item = _item(request, pk)
    points, icons, target = queries.schedule_spc(item)
    response, writer = csv_response(f"quality-{item.contract.reference}-{item.pk}.csv")
    writer.writerow(
        ["contract", "title", "chart", *SPC_COLUMNS, "target", "variation", "assurance"]
    )
    for p in points:
        writer.writerow([item.contract.reference, item.title, icons["chart_label"],
                         *(p[c] for c in SPC_COLUMNS), target.target, icons["variation"],
                         icons["assurance"]])  # fmt: skip
    return response


# --- Escalation ------------------------------------------------------------------------------


def _visible_cases(user):
    return visible_cases(user, EscalationCase.objects.select_related("provider", "contract"))


def cases(request):
    guard(can(request.user, Action.VIEW_CASE))
    context = {
        "cases": _visible_cases(request.user),
        "can_raise": can(request.user, Action.RAISE_CONCERN),
    }
    return render(request, "quality/cases.html", context)


def case_new(request):
    guard(can(request.user, Action.RAISE_CONCERN))
    alert = None
    if alert_id := request.GET.get("alert") or request.POST.get("alert"):
        alert = MortalityAlert.objects.filter(pk=alert_id).select_related("provider").first()
    providers = Organisation.objects.filter(
        pk__in=Contract.objects.values("provider_id")
    ) | Organisation.objects.filter(code__in=[a[0] for a in _ae_codes()])
    initial = {}
    if alert is not None and alert.provider:
        initial = {
            "provider_id": alert.provider_id,
            "source": "alert",
            "summary": f"Mortality alert: {alert.provider.display_name}, {alert.month:%B %Y}",
            "description": alert.description,
        }
    elif contract := Contract.objects.filter(pk=_int(request.GET.get("contract"))).first():
        initial = {"provider_id": contract.provider_id, "contract_id": contract.pk}
    elif (code := request.GET.get("risk")) and (org := Organisation.objects.filter(
        code=code).first()) and can(request.user, Action.VIEW_RISK):  # fmt: skip
        proposal = risk.profile(request.user, org).proposal
        initial = {"provider_id": org.pk}
        if proposal is not None:
            initial |= {"source": "risk_profile", "summary": proposal.summary()[:200],
                        "description": proposal.description()}  # fmt: skip
    elif code := request.GET.get("provider"):
        org = Organisation.objects.filter(code=code).first()
        if org:
            initial = {"provider_id": org.pk}
    form = ConcernForm(
        request.POST or None,
        initial=initial,
        providers=providers.distinct().order_by("name"),
        contracts=Contract.objects.select_related("specification", "provider"),
        alert=alert,
    )
    done = submit(
        request,
        form,
        lambda: services.raise_concern(
            services.ConcernInput(
                provider_id=form.cleaned_data["provider_id"],
                source=form.cleaned_data["source"],
                summary=form.cleaned_data["summary"],
                description=form.cleaned_data["description"],
                contract_id=form.cleaned_data["contract_id"],
                alert_id=alert.pk if alert else None,
            ),
            request.user,
        ),
        lambda case: f"Case {case.reference} opened",
        lambda case: reverse("quality-case", args=[case.pk]),
    )
    return done or render(request, "quality/case_new.html", {"form": form, "alert": alert})


def _int(text) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def _ae_codes():

    return AEAttendance.objects.values_list("org_code").distinct()


STEPS = {
    "notice": NoticeForm,
    "plan": PlanForm,
    "close": CloseForm,
    "escalate": EscalateForm,
}


def _parse_milestones(text: str):
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        when, _, what = line.partition(",")
        due = numbers.read_day(when)
        if due is None:
            what = line
        out.append(services.MilestoneInput(description=what.strip(), due=due))
    return out


def case_detail(request, pk):
    case = get_object_or_404(
        EscalationCase.objects.select_related("provider", "contract", "raised_by", "alert"), pk=pk
    )
    guard(can(request.user, Action.VIEW_CASE, case))
    return render(request, "quality/case.html", _case_context(request, case))


def _case_context(request, case, **forms):
    manage = can(request.user, Action.MANAGE_CASE, case)
    context = {
        "case": case,
        "notice": getattr(case, "notice", None),
        "plan": getattr(case, "plan", None),
        "manage": manage,
        "finished": case.status in ("closed", "escalated"),
        "complete_form": CompleteForm(),
        "may_report": can(request.user, Action.REPORT_PROGRESS, case),
        "failed": next(iter(forms.values()), None),
    }
    if manage:
        for name, form_class in STEPS.items():
            context[f"{name}_form"] = forms.get(name) or form_class(prefix=name)
    return context


@require_POST
def case_step(request, pk, step):
    case = get_object_or_404(EscalationCase, pk=pk)
    guard(can(request.user, Action.MANAGE_CASE, case))
    if step not in STEPS:
        raise Http404("No such step")
    form = STEPS[step](request.POST, prefix=step)

    def call():
        data = form.cleaned_data
        if step == "notice":
            return services.issue_notice(
                case, services.NoticeInput(data["matters"], data["meeting_by"]), request.user
            )
        if step == "plan":
            return services.agree_plan(
                case,
                services.PlanInput(data["summary"], _parse_milestones(data["milestones"])),
                request.user,
            )
        if step == "close":
            return services.close_case(case, data["outcome"], request.user)
        return services.escalate_case(case, data["escalated_to"], data["outcome"], request.user)

    messages = {
        "notice": "Contract performance notice issued",
        "plan": "Remedial action plan agreed",
        "close": "Case closed",
        "escalate": "Case escalated",
    }
    done = submit(request, form, call, messages[step], reverse("quality-case", args=[pk]))
    if done:
        return done
    return render(request, "quality/case.html", _case_context(request, case, **{step: form}))


@require_POST
def milestone_met(request, pk):
    milestone = get_object_or_404(Milestone.objects.select_related("plan__case"), pk=pk)
    case = milestone.plan.case
    guard(can(request.user, Action.MANAGE_CASE, case))
    form = CompleteForm(request.POST)
    when = form.cleaned_data["completed_on"] if form.is_valid() else None
    return act(
        request,
        lambda: services.complete_milestone(milestone, when, request.user),
        "Milestone recorded as met",
        reverse("quality-case", args=[case.pk]),
    )


def milestone_progress(request, pk):
    """The provider's representative reports progress on a milestone of the remedial action
    plan (General Condition 9)."""
    milestone = get_object_or_404(Milestone.objects.select_related("plan__case__provider"), pk=pk)
    case = milestone.plan.case
    guard(can(request.user, Action.REPORT_PROGRESS, case))
    form = ProgressForm(request.POST or None, initial={"progress": milestone.progress})
    back = reverse("quality-case", args=[case.pk])
    done = submit(
        request,
        form,
        lambda: services.report_progress(
            milestone, services.ProgressInput(**form.cleaned_data), request.user
        ),
        "Your progress report is recorded; the commissioners see it on the case.",
        back,
    )
    return done or render(
        request,
        "ui/form_page.html",
        {
            "form": form,
            "title": "Report progress on a milestone",
            "caption": f"Quality case {case.reference}: remedial action plan",
            "lede": f"{milestone.description} (due {numbers.day(milestone.due)}).",
            "submit": "Send the progress report",
            "back": back,
        },
    )
