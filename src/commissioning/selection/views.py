"""Web pages for clinical advice and provider selection. Each view checks permission, calls a
service and shows the result; field-level problems are shown against their fields."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from commissioning import clock
from commissioning.organisations.models import Budget, Organisation
from commissioning.organisations.permissions import current_memberships
from commissioning.organisations.vocabulary import COMMISSIONER_TYPES, PROVIDER_TYPES, Role
from commissioning.specifications.models import ServiceSpecification
from commissioning.specifications.permissions import Action as SpecAction
from commissioning.specifications.permissions import can as can_spec
from commissioning.ui.http import act, csv_response, download, guard, submit

from . import services as sel
from .forms import (
    QUESTIONS,
    AdviceForm,
    AdviceRequestForm,
    DecisionForm,
    DeclarationForm,
    InvitationForm,
    ManageDeclarationForm,
    ProposalForm,
    RepresentationForm,
    ScoresForm,
    SelectionSetupForm,
    documents_from,
)
from .models import (
    AdviceRequest,
    Clarification,
    ConflictDeclaration,
    Decision,
    Document,
    Proposal,
    Representation,
    SelectionProcess,
)
from .permissions import Action, can, is_evaluator
from .queries.clarifications_for_bidders import clarifications_for_bidders
from .queries.decision_record import decision_record as build
from .queries.evaluation_for_process import declarations_by_user, evaluation_for_process
from .record_pdf import render_decision_record
from .rules.award import Outcome, needs_evaluation, representation_window_open
from .rules.conflicts import may_take_part
from .rules.evaluation import SCALE, Criterion
from .sequels import sequel


def _spec(request, pk) -> ServiceSpecification:
    spec = get_object_or_404(ServiceSpecification.objects.select_related("commissioner"), pk=pk)
    guard(can_spec(request.user, SpecAction.VIEW_SPECIFICATION, spec))
    return spec


def _process(request, pk) -> SelectionProcess:
    process = get_object_or_404(
        SelectionProcess.objects.select_related(
            "specification__commissioner", "budget", "incumbent"
        ),
        pk=pk,
    )
    guard(can(request.user, Action.VIEW_SELECTION, process))
    return process


def _providers_of(user) -> list[Organisation]:
    ids = [
        m.organisation_id
        for m in current_memberships(user)
        if m.role == Role.PROVIDER_REPRESENTATIVE
    ]
    return list(
        Organisation.objects.filter(pk__in=ids, org_type__in=PROVIDER_TYPES).order_by("name")
    )


def _form_page(request, form, title, back, **extra):
    return render(
        request, "ui/form_page.html", {"form": form, "title": title, "back": back, **extra}
    )


# --- Clinical advice --------------------------------------------------------------------------


def advice_request_new(request, pk):
    spec = _spec(request, pk)
    guard(can(request.user, Action.REQUEST_ADVICE, spec))
    form = AdviceRequestForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda: sel.request_advice(spec, sel.AdviceRequestInput(**form.cleaned_data), request.user),
        "Your request for advice is sent.",
        reverse("specification", args=[spec.pk]),
    )
    return done or _form_page(
        request,
        form,
        "Ask for clinical advice",
        reverse("specification", args=[spec.pk]),
        caption=f"{spec.title} ({spec.reference} v{spec.version})",
        lede="Ask a strategic clinical network, a clinical senate or a named clinician of a "
        "potential provider. Their advice is recorded against the specification and shown to "
        "whoever takes the decision; it never makes the decision.",
        submit="Send the request",
    )


def advice_inbox(request):
    guard(can(request.user, Action.GIVE_ADVICE))
    advising_at = [
        m.organisation_id
        for m in current_memberships(request.user)
        if m.role == Role.CLINICAL_ADVISER
    ]
    requests = (
        AdviceRequest.objects.filter(organisation_id__in=advising_at)
        .filter(Q(clinician__isnull=True) | Q(clinician=request.user))
        .select_related("specification__commissioner", "organisation", "advice")
        .order_by("due_date")
    )
    waiting = [r for r in requests if not r.answered]
    answered = [r for r in requests if r.answered]
    return render(
        request, "selection/advice_inbox.html", {"waiting": waiting, "answered": answered}
    )


def advice_request_detail(request, pk):
    advice_request = get_object_or_404(
        AdviceRequest.objects.select_related(
            "specification__commissioner", "organisation", "clinician"
        ),
        pk=pk,
    )
    guard(can(request.user, Action.VIEW_ADVICE, advice_request))
    may_answer = not advice_request.answered and can(
        request.user, Action.GIVE_ADVICE, advice_request
    )
    form = AdviceForm(request.POST or None, request.FILES or None) if may_answer else None
    if form is not None and request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            sel.give_advice(
                advice_request,
                sel.AdviceInput(
                    d["recommendation"],
                    d["summary"],
                    d["clinical_evidence"],
                    d["risks"],
                    d["suggested_changes"],
                    documents_from(d["documents"]),
                ),
                request.user,
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, "Your advice is recorded and shown to the commissioner.")
            return redirect("advice-request", advice_request.pk)
    advice = getattr(advice_request, "advice", None) if advice_request.answered else None
    return render(
        request,
        "selection/advice_request.html",
        {
            "r": advice_request,
            "form": form,
            "advice": advice,
            "spec": advice_request.specification,
            "documents": advice.documents.defer("content") if advice else [],
        },
    )


def document_download(request, pk):
    document = get_object_or_404(
        Document.objects.select_related("advice__request", "proposal"), pk=pk
    )
    guard(can(request.user, Action.DOWNLOAD_DOCUMENT, document))
    return download(bytes(document.content), document.content_type, document.filename)


# --- Setting up a selection ---------------------------------------------------------------------


def selection_new(request, pk):
    spec = _spec(request, pk)
    guard(can(request.user, Action.MANAGE_SELECTION, spec))
    if getattr(spec, "selection", None) is not None:
        return redirect("selection", spec.selection.pk)
    budgets = Budget.objects.filter(organisation=spec.commissioner).order_by(
        "-financial_year", "name"
    )
    form = SelectionSetupForm(request.POST or None, budgets=budgets)
    assessment = None
    if request.method == "POST":
        valid = form.is_valid()
        facts = {name: form.cleaned_data.get(name, False) for name in QUESTIONS}
        value = form.cleaned_data.get("current_lifetime_value")
        assessment = sel.assess_route(
            sel.SelectionSetup(budget_id=None, current_lifetime_value_pence=value, **facts), spec
        )
        if valid and "check" not in request.POST:
            cmd = sel.SelectionSetup(**form.command_values())
            try:
                process = sel.set_up_selection(spec, cmd, request.user)
            except ValidationError as exc:
                form.add_service_errors(exc, SelectionSetupForm.RENAME)
            else:
                messages.success(
                    request,
                    f"{process.route_enum.label} is recorded with its reasons. Next, invite "
                    "proposals.",
                )
                return redirect("selection", process.pk)
    template = (
        "selection/_route.html" if request.headers.get("HX-Request") else "selection/setup.html"
    )
    return render(request, template, {"form": form, "spec": spec, "assessment": assessment})


def selection_detail(request, pk):
    process = _process(request, pk)
    user = request.user
    spec = process.specification
    team = can(user, Action.VIEW_EVALUATION, process) or can(user, Action.MANAGE_SELECTION, process)
    my_providers = _providers_of(user)
    mine = list(
        Proposal.objects.filter(process=process, provider__in=my_providers).select_related(
            "provider"
        )
    )
    decision = process.decisions.exclude(status=Decision.Status.WITHDRAWN).first()
    context = {
        "process": process,
        "spec": spec,
        "team": team,
        "manage": can(user, Action.MANAGE_SELECTION, process),
        "answer": can(user, Action.ANSWER_CLARIFICATION, process),
        "open": process.status == "inviting" and clock.today() <= process.proposals_deadline,
        "weights": [(c, process.weights[c]) for c in Criterion],
        "scale": SCALE.items(),
        "my_providers": my_providers,
        "mine": mine,
        "may_propose": bool(my_providers) and can(user, Action.SUBMIT_PROPOSAL),
        "decision": decision if decision and can(user, Action.VIEW_DECISION, decision) else None,
        "outcomes": spec.outcomes.select_related("indicator"),
        "requirements": spec.quality_requirements.all(),
        "may_decide": can(user, Action.DECIDE, process) and process.status == "inviting",
        "may_record": can(user, Action.VIEW_DECISION_RECORD, process),
    }
    if team:
        context["proposals"] = process.proposals.exclude(status="draft").select_related("provider")
        context["clarifications"] = process.clarifications.select_related("asked_for").order_by(
            "asked_at"
        )
        context["evaluators"] = process.evaluators.select_related("user")
        context["eligible"] = [
            u
            for u in sel.eligible_evaluators(process)
            if u.pk not in {e.user_id for e in context["evaluators"]}
        ]
    else:
        context["clarifications_public"] = clarifications_for_bidders(process, user)
    return render(request, "selection/detail.html", context)


def selection_invite(request, pk):
    process = _process(request, pk)
    guard(can(request.user, Action.MANAGE_SELECTION, process))
    if process.status != "setting_up":
        messages.error(request, "Proposals have already been invited; the weights are published.")
        return redirect("selection", process.pk)
    eligible = sel.eligible_evaluators(process)
    initial = {f"weight_{c.value}": w for c, w in zip(Criterion, (40, 20, 15, 15, 10), strict=True)}
    if request.user in eligible:
        initial["evaluator_ids"] = [request.user.pk]
    form = InvitationForm(request.POST or None, eligible=eligible, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            sel.invite_proposals(
                process,
                sel.Invitation(
                    form.weights(),
                    form.cleaned_data["proposals_deadline"],
                    tuple(form.cleaned_data["evaluator_ids"]),
                ),
                request.user,
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request, "Proposals are invited. Providers can now see the opportunity."
            )
            return redirect("selection", process.pk)
    return render(
        request, "selection/invite.html", {"form": form, "process": process, "scale": SCALE.items()}
    )


@require_POST
def evaluator_add(request, pk):
    process = _process(request, pk)
    guard(can(request.user, Action.MANAGE_SELECTION, process))
    return act(
        request,
        lambda: sel.add_evaluator(process, int(request.POST.get("user_id") or 0), request.user),
        lambda evaluator: f"{evaluator.user} is now an evaluator.",
        reverse("selection", args=[process.pk]),
    )


# --- Proposals ---------------------------------------------------------------------------------


def opportunities(request):
    guard(can(request.user, Action.SUBMIT_PROPOSAL))
    providers = _providers_of(request.user)
    today = clock.today()
    open_processes = (
        SelectionProcess.objects.filter(status="inviting", proposals_deadline__gte=today)
        .select_related("specification__commissioner")
        .order_by("proposals_deadline")
    )
    proposals = (
        Proposal.objects.filter(provider__in=providers)
        .select_related("process__specification", "provider", "addressed_to")
        .order_by("-created_at")
    )
    return render(
        request,
        "selection/opportunities.html",
        {"open": open_processes, "proposals": proposals, "providers": providers},
    )


def proposal_new(request, pk=None):
    process = _process(request, pk) if pk else None
    guard(
        can(request.user, Action.SUBMIT_PROPOSAL), "Only provider representatives write proposals."
    )
    providers = _providers_of(request.user)
    guard(bool(providers), "You do not represent a provider.")
    commissioners = Organisation.objects.filter(org_type__in=COMMISSIONER_TYPES).order_by("name")
    form = ProposalForm(
        request.POST or None,
        request.FILES or None,
        providers=providers,
        process=process,
        commissioners=commissioners,
    )
    if request.method == "POST" and form.is_valid():
        try:
            proposal = sel.create_proposal(
                process, sel.ProposalInput(**form.command_values()), request.user
            )
        except ValidationError as exc:
            form.add_service_errors(exc, ProposalForm.RENAME)
        else:
            messages.success(
                request,
                "Your proposal is saved as a draft. Check it, then submit it: the commissioner "
                "sees it only once it is submitted.",
            )
            return redirect("proposal", proposal.pk)
    title = "Write a proposal" if process else "Put forward a proposal"
    return _form_page(
        request,
        form,
        title,
        reverse("selection", args=[process.pk]) if process else reverse("opportunities"),
        caption=process.specification.title if process else "An unsolicited proposal",
        lede=(
            f"Say how you will meet each outcome. The last day for proposals is "
            f"{process.proposals_deadline:%-d %B %Y}."
            if process
            else "Propose a service to a commissioner. They will consider it and respond; "
            "commissioners, not providers, decide what is provided."
        ),
        submit="Save as a draft",
    )


def _proposal(request, pk) -> Proposal:
    proposal = get_object_or_404(
        Proposal.objects.select_related("process__specification", "provider", "addressed_to"), pk=pk
    )
    guard(can(request.user, Action.VIEW_PROPOSAL, proposal))
    return proposal


def proposal_detail(request, pk):
    proposal = _proposal(request, pk)
    user = request.user
    own = can(user, Action.SUBMIT_PROPOSAL, proposal)
    answers = {a.outcome_id: a.approach for a in proposal.outcome_answers.all()}
    outcomes = (
        [
            (o, answers.get(o.pk, ""))
            for o in proposal.process.specification.outcomes.select_related("indicator")
        ]
        if proposal.process
        else []
    )
    return render(
        request,
        "selection/proposal.html",
        {
            "proposal": proposal,
            "outcomes": outcomes,
            "documents": proposal.documents.defer("content"),
            "own": own,
            "may_respond": proposal.unsolicited
            and proposal.status == "submitted"
            and can(user, Action.RESPOND_TO_PROPOSAL, proposal),
            "may_score": proposal.process is not None
            and proposal.status == "submitted"
            and can(user, Action.SCORE_PROPOSAL, proposal),
        },
    )


def proposal_edit(request, pk):
    proposal = _proposal(request, pk)
    guard(can(request.user, Action.SUBMIT_PROPOSAL, proposal))
    if proposal.status != "draft":
        messages.error(request, "A submitted proposal is final.")
        return redirect("proposal", proposal.pk)
    initial = {
        "provider_id": proposal.provider_id,
        "title": proposal.title,
        "addressed_to_id": proposal.addressed_to_id,
        "description": proposal.description,
        "capacity": proposal.capacity,
        "total_price": proposal.total_price_pence,
    }
    initial.update({f"outcome_{a.outcome_id}": a.approach for a in proposal.outcome_answers.all()})
    commissioners = Organisation.objects.filter(org_type__in=COMMISSIONER_TYPES).order_by("name")
    form = ProposalForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        providers=[proposal.provider],
        process=proposal.process,
        commissioners=commissioners,
    )
    if request.method == "POST" and form.is_valid():
        try:
            sel.update_proposal(proposal, sel.ProposalInput(**form.command_values()), request.user)
        except ValidationError as exc:
            form.add_service_errors(exc, ProposalForm.RENAME)
        else:
            messages.success(request, "Your changes are saved. The proposal is still a draft.")
            return redirect("proposal", proposal.pk)
    return _form_page(
        request,
        form,
        "Change your proposal",
        reverse("proposal", args=[proposal.pk]),
        caption=proposal.title,
        submit="Save changes",
    )


@require_POST
def proposal_submit(request, pk):
    proposal = _proposal(request, pk)
    guard(can(request.user, Action.SUBMIT_PROPOSAL, proposal))
    return act(
        request,
        lambda: sel.submit_proposal(proposal, request.user),
        "Your proposal is submitted. It can no longer be changed.",
        reverse("proposal", args=[proposal.pk]),
    )


@require_POST
def proposal_withdraw(request, pk):
    proposal = _proposal(request, pk)
    guard(can(request.user, Action.SUBMIT_PROPOSAL, proposal))
    return act(
        request,
        lambda: sel.withdraw_proposal(proposal, request.user),
        "Your proposal is withdrawn.",
        reverse("proposal", args=[proposal.pk]),
    )


@require_POST
def proposal_respond(request, pk):
    proposal = _proposal(request, pk)
    guard(can(request.user, Action.RESPOND_TO_PROPOSAL, proposal))
    return act(
        request,
        lambda: sel.respond_to_proposal(proposal, request.POST.get("response", ""), request.user),
        "Your response is recorded and shown to the provider.",
        reverse("proposal", args=[proposal.pk]),
    )


@require_POST
def clarification_ask(request, pk):
    process = _process(request, pk)
    guard(can(request.user, Action.ASK_CLARIFICATION, process))
    question = sel.ClarificationInput(
        int(request.POST.get("provider_id") or 0), request.POST.get("question", "")
    )
    return act(
        request,
        lambda: sel.ask_clarification(process, question, request.user),
        "Your question is sent. The answer will be published to every bidder, without saying "
        "who asked.",
        reverse("selection", args=[process.pk]),
    )


@require_POST
def clarification_answer(request, pk):
    clarification = get_object_or_404(Clarification.objects.select_related("process"), pk=pk)
    process = _process(request, clarification.process_id)
    guard(can(request.user, Action.ANSWER_CLARIFICATION, process))
    return act(
        request,
        lambda: sel.answer_clarification(
            clarification, request.POST.get("answer", ""), request.user
        ),
        "The answer is published to every bidder.",
        reverse("selection", args=[process.pk]),
    )


# --- Evaluation --------------------------------------------------------------------------------


def evaluation(request, pk):
    process = _process(request, pk)
    user = request.user
    evaluator = is_evaluator(user, process)
    overview = can(user, Action.VIEW_EVALUATION, process)
    guard(evaluator or overview or can(user, Action.DECLARE_INTERESTS, process))
    summary = evaluation_for_process(process)
    my_declarations = ConflictDeclaration.objects.filter(process=process, user=user).select_related(
        "provider"
    )
    mine = declarations_by_user(process).get(user.pk, [])
    to_score = []
    if evaluator:
        for pe in summary.proposals:
            allowed, why = may_take_part(mine, pe.proposal.provider_id)
            to_score.append((pe, user.pk in pe.scores, allowed, why))
    context = {
        "process": process,
        "summary": summary,
        "overview": overview,
        "evaluator": evaluator,
        "to_score": to_score,
        "my_declarations": my_declarations,
        "scoring_open": clock.today() > process.proposals_deadline and process.status == "inviting",
        "criteria": list(Criterion),
        "manage": can(user, Action.MANAGE_SELECTION, process),
        "moderate": can(user, Action.MODERATE_SCORES, process) and process.status == "inviting",
    }
    if overview:
        context["declarations"] = (
            ConflictDeclaration.objects.filter(process=process)
            .select_related("user", "provider", "managed_by")
            .order_by("declared_at")
        )
    return render(request, "selection/evaluation.html", context)


def evaluation_csv(request, pk):
    process = _process(request, pk)
    guard(can(request.user, Action.VIEW_EVALUATION, process))
    summary = evaluation_for_process(process)
    response, writer = csv_response(f"evaluation-{process.specification.reference}.csv")
    writer.writerow(
        [
            f"# Evaluation of proposals for {process.specification} under the "
            f"{process.route_enum.label.lower()}; weights: "
            + ", ".join(f"{c.value} {w}%" for c, w in summary.weights.items())
        ]
    )
    writer.writerow(["provider_ods_code", "who", "criterion", "weight_percent", "score", "reason"])
    for pe in summary.proposals:
        for uid, by_c in pe.scores.items():
            for c, s in by_c.items():
                writer.writerow(
                    [
                        pe.proposal.provider.code,
                        summary.evaluator_names.get(uid, uid),
                        c.value,
                        summary.weights[c],
                        s.score,
                        s.justification,
                    ]
                )
        for c, m in pe.moderated.items():
            writer.writerow(
                [
                    pe.proposal.provider.code,
                    "moderated",
                    c.value,
                    summary.weights[c],
                    m.score,
                    m.rationale,
                ]
            )
        if pe.total is not None:
            writer.writerow(
                [
                    pe.proposal.provider.code,
                    "weighted total (%)",
                    "",
                    100,
                    f"{float(pe.total):.2f}",
                    f"rank {pe.rank}",
                ]
            )
    return response


def declare(request, pk):
    process = _process(request, pk)
    guard(can(request.user, Action.DECLARE_INTERESTS, process))
    bidders = Organisation.objects.filter(
        proposals__process=process, proposals__status="submitted"
    ).distinct()
    form = DeclarationForm(request.POST or None, providers=list(bidders.order_by("name")))
    done = submit(
        request,
        form,
        lambda: sel.declare_interests(
            process, sel.DeclarationInput(**form.cleaned_data), request.user
        ),
        "Your declaration is recorded.",
        reverse("evaluation", args=[process.pk]),
    )
    return done or _form_page(
        request,
        form,
        "Declare your interests",
        reverse("evaluation", args=[process.pk]),
        caption=str(process.specification),
        lede="Everyone who evaluates or decides declares their interests, or that they have "
        "none, before taking part. An interest does not stop you taking part until the "
        "commissioner has decided how to manage it.",
        submit="Make the declaration",
    )


@require_POST
def declaration_manage(request, pk):
    declaration = get_object_or_404(ConflictDeclaration.objects.select_related("process"), pk=pk)
    process = _process(request, declaration.process_id)
    guard(can(request.user, Action.MANAGE_SELECTION, process))
    form = ManageDeclarationForm(request.POST)
    if form.is_valid():
        try:
            sel.manage_declaration(
                declaration,
                form.cleaned_data["management"],
                form.cleaned_data["management_note"],
                request.user,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "How the interest is managed is recorded.")
    else:
        messages.error(request, "Choose how the interest is managed and record the reason.")
    return redirect("evaluation", process.pk)


def score(request, pk):
    proposal = _proposal(request, pk)
    guard(proposal.process is not None and can(request.user, Action.SCORE_PROPOSAL, proposal))
    form = ScoresForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sel.score_proposal(proposal, form.scores(), request.user)
        except ValidationError as exc:
            form.add_service_errors(exc)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
            return redirect("evaluation", proposal.process_id)
        else:
            messages.success(
                request, f"Your scores for {proposal.provider.display_name} are recorded."
            )
            return redirect("evaluation", proposal.process_id)
    answers = {a.outcome_id: a.approach for a in proposal.outcome_answers.all()}
    return render(
        request,
        "selection/score.html",
        {
            "form": form,
            "proposal": proposal,
            "process": proposal.process,
            "outcomes": [
                (o, answers.get(o.pk, ""))
                for o in proposal.process.specification.outcomes.select_related("indicator")
            ],
            "documents": proposal.documents.defer("content"),
            "title": f"Score the proposal from {proposal.provider.display_name}",
            "criteria_fields": [
                (c, form[f"{c.value}_score"], form[f"{c.value}_justification"]) for c in Criterion
            ],
            "weights": proposal.process.weights,
        },
    )


def moderate(request, pk):
    proposal = _proposal(request, pk)
    process = proposal.process
    guard(process is not None and can(request.user, Action.MODERATE_SCORES, process))
    evaluation = evaluation_for_process(process)
    found = next(p for p in evaluation.proposals if p.proposal.pk == proposal.pk)
    initial = {}
    for c in Criterion:
        if c in found.moderated:
            initial[f"{c.value}_score"] = found.moderated[c].score
            initial[f"{c.value}_rationale"] = found.moderated[c].rationale
    form = ScoresForm(request.POST or None, word="rationale", initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            sel.moderate_proposal(proposal, form.scores(), request.user)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request, f"The moderated scores for {proposal.provider.display_name} are recorded."
            )
            return redirect("evaluation", process.pk)
    names = evaluation.evaluator_names
    rows = [
        (
            c,
            [(names.get(uid, uid), by_c.get(c)) for uid, by_c in found.scores.items()],
            form[f"{c.value}_score"],
            form[f"{c.value}_rationale"],
            c in found.divergent(),
        )
        for c in Criterion
    ]
    return render(
        request,
        "selection/moderate.html",
        {
            "form": form,
            "proposal": proposal,
            "process": process,
            "rows": rows,
            "ready": found.ready_to_moderate,
            "title": f"Moderate the scores for {proposal.provider.display_name}",
        },
    )


# --- The decision ------------------------------------------------------------------------------


def decide(request, pk):
    process = _process(request, pk)
    guard(
        can(request.user, Action.DECIDE, process),
        "Only a commissioner of this organisation can take this decision.",
    )
    if process.status != "inviting":
        messages.error(request, "A decision already stands for this selection.")
        return redirect("selection", process.pk)
    summary = evaluation_for_process(process)
    advice = list(sel.advice_on(process.specification))
    declared = declarations_by_user(process).get(request.user.pk, [])
    allowed, conflict = may_take_part(declared)
    value_hint = process.specification.financial_envelope_pence
    delegation, authority = sel.delegation_for(request.user, process, value_hint, clock.today())
    initial = {"advice_considered": [a.pk for a in advice]}
    form = DecisionForm(
        request.POST or None, proposals=summary.proposals, advice=advice, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            decision = sel.decide(
                process,
                sel.DecisionInput(
                    d["outcome"],
                    d["rationale"],
                    tuple(d["awarded"]),
                    tuple(d["advice_considered"]),
                    d["departure_confirmed"],
                ),
                request.user,
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _decided_message(decision))
            return redirect("decision", decision.pk)
    return render(
        request,
        "selection/decide.html",
        {
            "form": form,
            "process": process,
            "summary": summary,
            "advice": advice,
            "conflict": "" if allowed else conflict,
            "delegation": delegation,
            "authority": authority,
            "needs_evaluation": needs_evaluation(process.route_enum),
        },
    )


def _decided_message(decision: Decision) -> str:
    if decision.outcome_enum is Outcome.AWARD:
        if decision.process.route_enum.needs_standstill:
            return "Your decision is recorded. Next, publish the notice of intention to award."
        return (
            "Your decision is recorded. You can make the contract now; publish the award notice "
            "within 30 days."
        )
    if decision.outcome_enum is Outcome.CHANGE_SPECIFICATION:
        return (
            f"Your decision is recorded, and version {decision.new_version.version} of the "
            "specification is a draft to change."
        )
    return "Your decision is recorded. No contract follows."


def _decision(request, pk) -> Decision:
    decision = get_object_or_404(
        Decision.objects.select_related(
            "process__specification__commissioner",
            "process__budget",
            "decided_by",
            "delegation",
            "new_version",
        ).prefetch_related(
            Prefetch("awarded", queryset=Proposal.objects.select_related("provider")),
            "representations__provider",
            "contracts",
        ),
        pk=pk,
    )
    guard(can(request.user, Action.VIEW_DECISION, decision))
    return decision


def decision_detail(request, pk):
    decision = _decision(request, pk)
    user = request.user
    process = decision.process
    state = sel.state_of(decision)
    team = can(user, Action.VIEW_EVALUATION, process) or can(user, Action.PUBLISH_NOTICE, decision)
    my_providers = _providers_of(user)
    bidders = set(
        process.proposals.filter(status="submitted").values_list("provider_id", flat=True)
    )
    representing = [p for p in my_providers if p.pk in bidders]
    representations = decision.representations.all()
    if not team:
        representations = [
            r for r in representations if r.provider_id in {p.pk for p in representing}
        ]
    may_represent = (
        bool(representing)
        and representation_window_open(state, clock.today())
        and can(user, Action.MAKE_REPRESENTATION, decision)
    )
    contract = sequel("contract")
    awarded_without_contract = [
        p
        for p in decision.awarded.all()
        if not any(c.proposal_id == p.pk for c in decision.contracts.all())
    ]
    return render(
        request,
        "selection/decision.html",
        {
            "decision": decision,
            "process": process,
            "state": state,
            "team": team,
            "representations": representations,
            "representation_form": RepresentationForm(providers=representing)
            if may_represent
            else None,
            "may_notice": can(user, Action.PUBLISH_NOTICE, decision)
            and decision.status == "recorded"
            and decision.outcome == Outcome.AWARD,
            "may_respond": can(user, Action.RESPOND_TO_REPRESENTATION, decision),
            "may_withdraw": can(user, Action.WITHDRAW_DECISION, decision)
            and decision.status != "withdrawn"
            and decision.outcome == Outcome.AWARD
            and not decision.contracts.all(),
            "may_contract": state.contract_may_be_made
            and awarded_without_contract
            and contract is not None
            and contract.may_make(user, decision),
            "contracts": [
                c
                for c in decision.contracts.all()
                if contract is not None and contract.may_view(user, c)
            ],
            "advice": decision.advice_considered.select_related("request__organisation")
            if team
            else [],
            "may_record": can(user, Action.VIEW_DECISION_RECORD, process),
        },
    )


@require_POST
def notice_publish(request, pk):
    decision = _decision(request, pk)
    guard(can(request.user, Action.PUBLISH_NOTICE, decision))
    return act(
        request,
        lambda: sel.publish_notice(decision, request.user),
        lambda published: (
            "The notice is recorded as published today. " + sel.state_of(published).explanation
        ),
        reverse("decision", args=[decision.pk]),
    )


@require_POST
def representation_new(request, pk):
    decision = _decision(request, pk)
    guard(can(request.user, Action.MAKE_REPRESENTATION, decision))
    provider_id = int(request.POST.get("provider_id") or 0)
    return act(
        request,
        lambda: sel.make_representation(
            decision, provider_id, request.POST.get("grounds", ""), request.user
        ),
        "Your representation is received. The standstill stays open while the commissioner "
        "reviews the decision.",
        reverse("decision", args=[decision.pk]),
    )


@require_POST
def representation_respond(request, pk):
    representation = get_object_or_404(
        Representation.objects.select_related("decision__process__specification"), pk=pk
    )
    guard(can(request.user, Action.RESPOND_TO_REPRESENTATION, representation))
    uphold = request.POST.get("outcome") == "uphold"
    if request.POST.get("outcome") not in ("uphold", "withdraw"):
        messages.error(request, "Choose whether the decision stands or is withdrawn.")
        return redirect("decision", representation.decision_id)
    try:
        sel.respond_to_representation(
            representation, uphold, request.POST.get("response", ""), request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            "Your response is recorded. "
            + (
                "5 more working days of standstill follow."
                if uphold
                else "The decision is withdrawn; you can take a new one."
            ),
        )
    return redirect("decision", representation.decision_id)


@require_POST
def decision_withdraw(request, pk):
    decision = _decision(request, pk)
    guard(can(request.user, Action.WITHDRAW_DECISION, decision))
    try:
        sel.withdraw_decision(decision, request.POST.get("reason", ""), request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "The decision is withdrawn. You can take a new one.")
        return redirect("selection", decision.process_id)
    return redirect("decision", decision.pk)


# --- The decision record -------------------------------------------------------------------------


def decision_record(request, pk):

    process = _process(request, pk)
    guard(can(request.user, Action.VIEW_DECISION_RECORD, process))
    return render(request, "selection/record.html", {"r": build(process, request.user)})


def decision_record_pdf(request, pk):

    process = _process(request, pk)
    guard(can(request.user, Action.VIEW_DECISION_RECORD, process))
    pdf = render_decision_record(build(process, request.user))
    return download(
        pdf, "application/pdf", f"decision-record-{process.specification.reference}.pdf"
    )
