"""Web pages for contracts: make one from an award, read it with its quality schedule, sign it."""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from commissioning import clock
from commissioning.organisations.models import Organisation
from commissioning.organisations.permissions import organisations_of, roles_of
from commissioning.organisations.vocabulary import COMMISSIONER_TYPES, Role
from commissioning.selection.models import Decision
from commissioning.selection.services import state_of
from commissioning.web.http import act, csv_response, guard, submit

from . import services
from .forms import ContractForm
from .models import Contract, QualityScheduleItem
from .permissions import Action, can, signing_side


def contract_list(request):
    guard(can(request.user, Action.VIEW_CONTRACT))
    qs = Contract.objects.select_related("provider", "specification").prefetch_related(
        "parties__organisation"
    )
    if Role.AUDITOR not in roles_of(request.user):
        mine = organisations_of(request.user)
        qs = qs.filter(Q(provider_id__in=mine) | Q(parties__organisation_id__in=mine)).distinct()
    page = Paginator(qs.order_by("-created_at"), 25).get_page(request.GET.get("page"))
    return render(request, "contracts/list.html", {"page": page})


def contract_new(request, pk):
    decision = get_object_or_404(
        Decision.objects.select_related("process__specification__commissioner"), pk=pk
    )
    guard(can(request.user, Action.CREATE_CONTRACT, decision))
    spec = decision.process.specification
    proposals = [
        p for p in decision.awarded.select_related("provider") if not hasattr(p, "contract")
    ]
    associates = (
        Organisation.objects.filter(org_type__in=COMMISSIONER_TYPES)
        .exclude(pk=spec.commissioner_id)
        .order_by("name")
    )
    start = clock.today() + dt.timedelta(days=1)
    initial = {"start_date": start, "end_date": _end_of_term(start, spec.term_months)}
    form = ContractForm(
        request.POST or None, proposals=proposals, associates=associates, initial=initial
    )
    done = submit(
        request,
        form,
        lambda: services.create_contract(
            decision, services.ContractInput(**form.cleaned_data), request.user
        ),
        lambda contract: (
            f"Contract {contract.reference} is made, with the specification's "
            "outcomes and quality requirements as its quality schedule. Next, both sides sign it."
        ),
        lambda contract: reverse("contract", args=[contract.pk]),
    )
    return done or render(
        request,
        "web/form_page.html",
        {
            "form": form,
            "title": "Make the contract",
            "caption": f"{spec.title} · NHS Standard Contract",
            "lede": f"The state of the award: {state_of(decision).explanation}",
            "submit": "Make the contract",
            "back": reverse("decision", args=[decision.pk]),
        },
    )


def _end_of_term(start: dt.date, months: int) -> dt.date:
    month = start.month - 1 + months
    year = start.year + month // 12
    anniversary = dt.date(year, month % 12 + 1, min(start.day, 28))
    return anniversary - dt.timedelta(days=1)


def _contract(request, pk) -> Contract:
    contract = get_object_or_404(
        Contract.objects.select_related(
            "provider",
            "specification__commissioner",
            "decision__process",
            "created_by",
            "provider_signed_by",
            "commissioner_signed_by",
        ).prefetch_related("parties__organisation"),
        pk=pk,
    )
    guard(can(request.user, Action.VIEW_CONTRACT, contract))
    return contract


def contract_detail(request, pk):
    contract = _contract(request, pk)
    side = signing_side(request.user, contract)
    signed = side and getattr(contract, f"{side}_signed_by_id") is not None
    schedule = contract.quality_schedule.select_related("indicator")
    return render(
        request,
        "contracts/detail.html",
        {
            "contract": contract,
            "outcomes": [i for i in schedule if i.kind == QualityScheduleItem.OUTCOME],
            "requirements": [i for i in schedule if i.kind == QualityScheduleItem.REQUIREMENT],
            "may_sign": side is not None and not signed,
            "side": side,
        },
    )


@require_POST
def contract_sign(request, pk):
    contract = _contract(request, pk)
    guard(can(request.user, Action.SIGN_CONTRACT, contract))
    return act(
        request,
        lambda: services.sign_contract(contract, request.user),
        lambda signed: (
            "The contract is signed by both sides."
            if signed.status == Contract.Status.SIGNED
            else "Your signature is recorded. The contract is signed when the other side signs."
        ),
        reverse("contract", args=[contract.pk]),
    )


def contract_schedule_csv(request, pk):
    contract = _contract(request, pk)
    response, writer = csv_response(f"quality-schedule-{contract.reference}.csv")
    writer.writerow(
        [
            f"# Quality schedule of contract {contract.reference}: {contract.specification.title} "
            f"with {contract.provider.display_name} ({contract.provider.code})"
        ]
    )
    writer.writerow(
        [
            "kind",
            "dimension",
            "indicator_code",
            "title",
            "baseline",
            "target",
            "target_date",
            "threshold",
            "method_of_measurement",
            "consequence_of_breach",
            "reported",
        ]
    )
    for i in contract.quality_schedule.select_related("indicator"):
        writer.writerow(
            [
                i.kind,
                i.dimension,
                i.indicator.code if i.indicator else "",
                i.title,
                "" if i.baseline is None else i.baseline.normalize(),
                "" if i.target is None else i.target.normalize(),
                i.target_date.isoformat() if i.target_date else "",
                i.threshold,
                i.method_of_measurement,
                i.consequence_of_breach,
                i.frequency,
            ]
        )
    return response
