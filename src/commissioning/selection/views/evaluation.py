"""Evaluation: declarations of interest, scores, moderation and the evaluation's page and export."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from commissioning import clock, numbers
from commissioning.audit.stored import stored
from commissioning.organisations.models import Organisation
from commissioning.ui.http import csv_response, guard, submit

from .. import services as sel
from ..forms import (
    DeclarationForm,
    ManageDeclarationForm,
    ScoresForm,
)
from ..models import (
    ConflictDeclaration,
)
from ..permissions import Action, can, is_evaluator, may_open_evaluation
from ..queries.evaluation_for_process import declarations_by_user, evaluation_for_process
from ..rules.conflicts import may_take_part
from ..rules.evaluation import Criterion
from .common import _form_page, _process
from .proposals import _proposal


def evaluation(request, pk):
    process = _process(request, pk, reading=True)
    user = request.user
    guard(may_open_evaluation(user, process))
    # What this reader is shown, worked out once per version of the data and day (audit.stored).
    context = stored("evaluation-page", lambda: _evaluation(user, process), process.pk, user.pk,
                     clock.today())  # fmt: skip
    return render(request, "selection/evaluation.html", context)


def _evaluation(user, process) -> dict:
    evaluator = is_evaluator(user, process)
    overview = can(user, Action.VIEW_EVALUATION, process)
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
        # A selection being set up has no deadline yet; scoring opens only after one has passed.
        "scoring_open": process.status == "inviting"
        and process.proposals_deadline is not None
        and clock.today() > process.proposals_deadline,
        "criteria": list(Criterion),
        "manage": can(user, Action.MANAGE_SELECTION, process),
        "may_declare": process.status == "inviting"
        and can(user, Action.DECLARE_INTERESTS, process),
        "moderate": can(user, Action.MODERATE_SCORES, process) and process.status == "inviting",
    }
    if overview:
        context["declarations"] = (
            ConflictDeclaration.objects.filter(process=process)
            .select_related("user", "provider", "managed_by")
            .order_by("declared_at")
        )
    return context


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
                    numbers.plain_figure(float(pe.total), 2),
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
    # Where every evaluator gave the same score, moderation starts from it (and says so);
    # the moderator confirms it with a rationale, or changes it.
    agreed = {c: s for c, s in found.agreed().items() if c not in found.moderated}
    for c in Criterion:
        if c in found.moderated:
            initial[f"{c.value}_score"] = found.moderated[c].score
            initial[f"{c.value}_rationale"] = found.moderated[c].rationale
        elif c in agreed:
            initial[f"{c.value}_score"] = agreed[c]
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
            agreed.get(c),
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
