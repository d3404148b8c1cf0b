"""Web pages for contracts: make one from an award, read it with its quality schedule, sign it."""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from commissioning import clock, money, numbers
from commissioning.audit.stored import stored, stored_page, stored_row
from commissioning.organisations.models import Organisation
from commissioning.organisations.vocabulary import COMMISSIONER_TYPES
from commissioning.selection.models import URGENCY_FIELDS, Decision
from commissioning.selection.rules.modification import Ground
from commissioning.selection.services import state_of
from commissioning.ui.http import act, csv_response, guard, submit
from commissioning.ui.navigation import may_follow

from . import services
from .forms import ContractForm, VariationAnswerForm, VariationForm
from .models import Contract, QualityScheduleItem
from .permissions import Action, associate_represented, can, signing_side, visible_contracts


def contract_list(request):
    guard(can(request.user, Action.VIEW_CONTRACT))
    qs = visible_contracts(
        request.user,
        Contract.objects.select_related("provider", "specification").prefetch_related(
            "parties__organisation"
        ),
    )
    # The page's rows, kept until the data change (audit.stored).
    page = stored_page("contract-list", qs.order_by("-created_at"), 25, request.GET.get("page"),
                       request.user.pk, clock.today())  # fmt: skip
    return render(request, "contracts/list.html", {"page": page})


def contract_new(request, pk):
    decision = get_object_or_404(
        Decision.objects.select_related("process__specification__commissioner"), pk=pk
    )
    guard(can(request.user, Action.CREATE_CONTRACT, decision))
    spec = decision.process.specification
    if not services.may_make_now(request.user, decision):
        # During standstill (or while a representation is open) the form would only be
        # refused: say so, and when the contract may be made.
        return render(
            request,
            "contracts/not_yet.html",
            {"decision": decision, "spec": spec, "state": state_of(decision)},
        )
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
        "ui/form_page.html",
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


def _contract(request, pk, *, reading: bool = False) -> Contract:
    """The contract, if this person may see it. A page that only reads it (``reading``) takes
    it from ``audit.stored`` while the data are unchanged: the load joins ten tables, and
    planning that join costs PostgreSQL more than running it."""
    found = (
        stored_row("contract", _contracts(), pk) if reading else _contracts().filter(pk=pk).first()
    )
    if found is None:
        raise Http404("No contract with that number")
    guard(can(request.user, Action.VIEW_CONTRACT, found))
    return found


def _contracts():
    return Contract.objects.select_related(
        "provider",
        "specification__commissioner",
        "decision__process",
        "created_by",
        "provider_signed_by",
        "commissioner_signed_by",
    ).prefetch_related("parties__organisation")


def contract_detail(request, pk):
    contract = _contract(request, pk, reading=True)
    # What this reader is shown, worked out once per version of the data and day (audit.stored).
    context = stored("contract-page", lambda: _detail(request.user, contract), contract.pk,
                     request.user.pk, clock.today())  # fmt: skip
    # A form of its own each time (its fields are bound to this request's answers).
    return render(request, "contracts/detail.html", {**context, "variation_form": VariationForm()})


def _detail(user, contract) -> dict:
    side = signing_side(user, contract)
    signed = side and getattr(contract, f"{side}_signed_by_id") is not None
    schedule = list(contract.quality_schedule.select_related("indicator"))
    return {
        "contract": contract,
        "outcomes": [i for i in schedule if i.kind == QualityScheduleItem.OUTCOME],
        "requirements": [i for i in schedule if i.kind == QualityScheduleItem.REQUIREMENT],
        "may_sign": side is not None and not signed,
        "side": side,
        "variations": _variations(contract, user),
        "may_propose": contract.status == Contract.Status.SIGNED
        and can(user, Action.PROPOSE_VARIATION, contract),
        # Quality monitoring is an app above this one: its menu entry (the same policy as
        # its pages) says whether this person may follow the link to the figures.
        "may_see_quality": may_follow(user, "quality"),
    }


def _variations(contract, user):
    """Each variation with who has approved it, who has not, and what this person may do."""
    may_approve = can(user, Action.APPROVE_VARIATION, contract)
    may_answer = can(user, Action.ANSWER_VARIATION, contract)
    may_sign = can(user, Action.SIGN_VARIATION, contract)
    mine = associate_represented(user, contract)
    out = []
    for v in contract.variations.select_related("provider_answered_by").prefetch_related(
        "approvals__organisation"
    ):
        v.contract = contract  # its parties are already read
        approved = {a.organisation_id for a in v.approvals.all()}
        waiting = v.waiting_for()
        proposed = v.status == v.Status.PROPOSED
        out.append(
            {
                "v": v,
                "approvals": list(v.approvals.all()),
                "waiting": waiting,
                "may_answer": proposed and may_answer and v.provider_agreed is None,
                "may_approve": proposed and may_approve and mine not in approved,
                "may_sign": proposed and may_sign and not waiting,
            }
        )
    return out


@require_POST
def variation_propose(request, pk):
    contract = _contract(request, pk)
    guard(can(request.user, Action.PROPOSE_VARIATION, contract))
    form = VariationForm(request.POST)

    def propose():
        d = form.cleaned_data
        return services.propose_variation(
            contract,
            services.VariationInput(
                d["description"],
                d["value_change_pence"] or 0,
                d["ground"] or Ground.PROVIDED_FOR.value,
                d["materially_different"],
                d["attributable_to_authority"],
                **{name: d[name] for name in URGENCY_FIELDS},
            ),
            request.user,
        )

    done = submit(request, form, propose, lambda v: f"Variation {v.number} is proposed. {v.stage}.",
                  reverse("contract", args=[contract.pk]))  # fmt: skip
    if done is not None:
        return done
    # Refused: the page again, the form open with what was typed and each problem at its field.
    context = stored("contract-page", lambda: _detail(request.user, contract), contract.pk,
                     request.user.pk, clock.today())  # fmt: skip
    return render(request, "contracts/detail.html", {**context, "variation_form": form},
                  status=422)  # fmt: skip


@require_POST
def variation_approve(request, pk, number):
    contract = _contract(request, pk)
    variation = get_object_or_404(contract.variations, number=number)
    return act(
        request,
        lambda: services.approve_variation(variation, request.user),
        f"Your approval of variation {number} is recorded.",
        reverse("contract", args=[contract.pk]),
    )


def variation_answer(request, pk, number):
    """The provider's representative agrees or declines a proposed variation."""
    contract = _contract(request, pk)
    variation = get_object_or_404(contract.variations, number=number)
    guard(can(request.user, Action.ANSWER_VARIATION, contract))
    answered = (
        variation.status != variation.Status.PROPOSED or variation.provider_agreed is not None
    )
    form = None if answered else VariationAnswerForm(request.POST or None)
    back = reverse("contract", args=[contract.pk])
    done = (
        None
        if form is None
        else submit(
            request,
            form,
            lambda: services.answer_variation(
                variation, services.VariationAnswer(**form.cleaned_data), request.user
            ),
            lambda v: (
                f"You have agreed to variation {number} for {contract.provider.display_name}."
                if v.provider_agreed
                else f"You have declined variation {number}; the commissioners are told why."
            ),
            back,
        )
    )
    change = variation.value_change_pence
    value = (
        f"it changes the contract's value by {'+' if change > 0 else ''}{money.pounds(change)}"
        if change
        else "it does not change the contract's value"
    )
    return done or render(
        request,
        "ui/form_page.html",
        {
            "form": form,
            "title": f"Agree or decline variation {number}",
            "caption": f"Contract {contract.reference}: {contract.specification.title}",
            "lede": f"{variation.description} ({value}). {variation.stage}."
            + (" It has been answered: there is nothing more to do here." if answered else ""),
            "submit": "Send the provider's answer",
            "back": back,
        },
    )


@require_POST
def variation_sign(request, pk, number):
    contract = _contract(request, pk)
    variation = get_object_or_404(contract.variations, number=number)
    return act(
        request,
        lambda: services.sign_variation(variation, request.user),
        f"Variation {number} is signed for the commissioners.",
        reverse("contract", args=[contract.pk]),
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
                numbers.plain_figure(i.baseline),
                numbers.plain_figure(i.target),
                i.target_date.isoformat() if i.target_date else "",
                i.threshold,
                i.method_of_measurement,
                i.consequence_of_breach,
                i.frequency,
            ]
        )
    return response
