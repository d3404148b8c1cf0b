"""Web pages for service specifications. Each view checks permission, calls a service and
shows the result; field-level problems from the service are shown against their fields."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from commissioning import clock, money
from commissioning.audit.stored import stored, stored_page, stored_row
from commissioning.organisations.models import Organisation
from commissioning.organisations.permissions import current_memberships
from commissioning.organisations.vocabulary import COMMISSIONER_TYPES, Role
from commissioning.ui.http import act, csv_response, guard, submit

from . import services
from .consultation import consultation
from .forms import OutcomeForm, QualityRequirementForm, SpecificationForm
from .models import OutcomeIndicator, QualityRequirement, ServiceSpecification, SpecificationOutcome
from .permissions import Action, can
from .queries.specifications_visible_to import specifications_visible_to
from .rules.lifecycle import Status, is_editable
from .rules.outcomes import QualityDimension


def _commissioners_for(user):
    ids = [m.organisation_id for m in current_memberships(user) if m.role == Role.COMMISSIONER]
    return Organisation.objects.filter(pk__in=ids, org_type__in=COMMISSIONER_TYPES).order_by("name")


def _visible(request, pk, *, reading: bool = False) -> ServiceSpecification:
    """The specification, to those who may see it; a page that only reads it (``reading``)
    takes it from ``audit.stored`` while the data are unchanged."""
    rows = ServiceSpecification.objects.select_related("commissioner")
    spec = stored_row("specification", rows, pk) if reading else rows.filter(pk=pk).first()
    if spec is None:
        raise Http404("No specification with that number")
    guard(can(request.user, Action.VIEW_SPECIFICATION, spec))
    return spec


def specification_list(request):
    guard(can(request.user, Action.VIEW_SPECIFICATION))
    status = request.GET.get("status", "")
    qs = (
        specifications_visible_to(request.user)
        .select_related("selection")
        .prefetch_related("selection__decisions__contracts")
        .order_by("-created_at", "-version")
    )
    if status in {s.value for s in Status}:
        qs = qs.filter(status=status)
    # The page's rows and their stages, kept until the data change or the day does.
    page = stored_page("specification-list", qs, 25, request.GET.get("page"), request.user.pk,
                       status, clock.today(), each=_with_stage)  # fmt: skip
    may_write = stored("may-write-specifications",
                       lambda: _commissioners_for(request.user).exists(),
                       request.user.pk, clock.today())  # fmt: skip
    return render(
        request,
        "specifications/list.html",
        {
            "page": page,
            "status": status,
            "statuses": [(s.value, s.label) for s in Status],
            "may_write": may_write,
        },
    )


def _with_stage(spec) -> None:
    spec.stage = consultation().stage(spec)


def specification_list_csv(request):
    guard(can(request.user, Action.VIEW_SPECIFICATION))
    response, writer = csv_response("service-specifications.csv")
    writer.writerow(
        [
            "reference",
            "version",
            "service",
            "commissioner_ods_code",
            "status",
            "annual_activity",
            "activity_unit",
            "financial_envelope_pounds",
            "term_months",
            "created",
            "approved",
        ]
    )
    for s in specifications_visible_to(request.user).order_by("reference", "version"):
        writer.writerow(
            [
                s.reference,
                s.version,
                s.title,
                s.commissioner.code,
                s.status,
                s.annual_activity,
                s.activity_unit,
                money.plain(s.financial_envelope_pence),
                s.term_months,
                s.created_at.date().isoformat(),
                s.approved_at.date().isoformat() if s.approved_at else "",
            ]
        )
    return response


def specification_new(request):
    commissioners = _commissioners_for(request.user)
    guard(commissioners.exists(), "Only commissioners write service specifications.")
    form = SpecificationForm(request.POST or None, commissioners=commissioners)
    done = submit(
        request,
        form,
        lambda: services.create_specification(
            services.SpecificationInput(**form.command_values()),
            form.cleaned_data["commissioner"],
            request.user,
        ),
        lambda spec: (
            f"{spec.reference} is saved as a draft. Next, add its outcomes and quality "
            "requirements."
        ),
        lambda spec: reverse("specification", args=[spec.pk]),
        SpecificationForm.RENAME,
    )
    return done or render(
        request,
        "ui/form_page.html",
        {
            "form": form,
            "title": "Write a service specification",
            "lede": "Say what the service must achieve for whom. You will add outcomes and "
            "quality requirements next, then consult clinicians before approving it.",
            "submit": "Save as a draft",
            "back": reverse("specifications"),
        },
    )


def specification_detail(request, pk):
    spec = _visible(request, pk, reading=True)
    # What this reader is shown, worked out once per version of the data and day
    # (audit.stored): the page, the cycle's steps and the links the policies allow them.
    context = stored(
        "specification-page", lambda: _detail(request.user, spec), spec.pk, request.user.pk,
        clock.today(),
    )  # fmt: skip
    return render(request, "specifications/detail.html", context)


def _detail(user, spec) -> dict:
    may_write = can(user, Action.WRITE_SPECIFICATION, spec)
    editable = is_editable(Status(spec.status))
    requirements = list(spec.quality_requirements.all())
    context = {
        "spec": spec,
        "outcomes": list(spec.outcomes.select_related("indicator")),
        "requirements_by_dimension": [
            (d, [r for r in requirements if r.dimension == d.value]) for d in QualityDimension
        ],
        "versions": list(
            ServiceSpecification.objects.filter(reference=spec.reference).order_by("version")
        ),
        "may_write": may_write and editable,
        "may_change_status": can(user, Action.CHANGE_SPECIFICATION_STATUS, spec),
        "may_new_version": can(user, Action.START_NEW_VERSION, spec)
        and spec.status == Status.APPROVED,
        "approval_problems": services.approval_problems(spec)
        if spec.status == Status.CONSULTATION
        else [],
    }
    context.update(consultation().page(user, spec))
    return context


def specification_edit(request, pk):
    spec = _visible(request, pk)
    guard(can(request.user, Action.WRITE_SPECIFICATION, spec))
    initial = {f: getattr(spec, f) for f in services.SPEC_FIELDS}
    initial["financial_envelope"] = spec.financial_envelope_pence
    form = SpecificationForm(request.POST or None, initial=initial)
    done = submit(
        request,
        form,
        lambda: services.update_specification(
            spec, services.SpecificationInput(**form.command_values()), request.user
        ),
        "Your changes are saved.",
        reverse("specification", args=[spec.pk]),
        SpecificationForm.RENAME,
    )
    return done or render(
        request,
        "ui/form_page.html",
        {
            "form": form,
            "title": "Change the description",
            "caption": f"{spec.reference} version {spec.version}",
            "submit": "Save changes",
            "back": reverse("specification", args=[spec.pk]),
        },
    )


def outcome_new(request, pk):
    spec = _visible(request, pk)
    guard(can(request.user, Action.WRITE_SPECIFICATION, spec))
    form = OutcomeForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda: services.add_outcome(
            spec, services.OutcomeInput(**form.cleaned_data), request.user
        ),
        "The outcome is added.",
        reverse("specification", args=[spec.pk]),
    )
    return done or render(
        request,
        "specifications/outcome_form.html",
        {
            "form": form,
            "title": "Add an outcome",
            "caption": f"{spec.title} ({spec.reference} v{spec.version})",
            "lede": "An outcome commits the provider to move an NHS Outcomes Framework indicator "
            "from where it is now to a better level by a date.",
            "submit": "Add the outcome",
            "back": reverse("specification", args=[spec.pk]),
            "unconfirmed": OutcomeIndicator.objects.filter(confirmed=False).count(),
        },
    )


@require_POST
def outcome_remove(request, pk, outcome_pk):
    spec = _visible(request, pk)
    outcome = get_object_or_404(SpecificationOutcome, pk=outcome_pk, specification=spec)
    guard(can(request.user, Action.WRITE_SPECIFICATION, spec))
    return act(
        request,
        lambda: services.remove_outcome(outcome, request.user),
        f"Outcome {outcome.indicator.code} is removed.",
        reverse("specification", args=[spec.pk]),
    )


def requirement_new(request, pk):
    spec = _visible(request, pk)
    guard(can(request.user, Action.WRITE_SPECIFICATION, spec))
    initial = {"dimension": request.GET.get("dimension")}
    form = QualityRequirementForm(request.POST or None, initial=initial)
    done = submit(
        request,
        form,
        lambda: services.add_quality_requirement(
            spec, services.QualityRequirementInput(**form.cleaned_data), request.user
        ),
        "The quality requirement is added.",
        reverse("specification", args=[spec.pk]),
    )
    return done or render(
        request,
        "ui/form_page.html",
        {
            "form": form,
            "title": "Add a quality requirement",
            "caption": f"{spec.title} ({spec.reference} v{spec.version})",
            "lede": "Quality requirements become the contract's quality schedule (Schedule 4), "
            "which quality monitoring tracks.",
            "submit": "Add the requirement",
            "back": reverse("specification", args=[spec.pk]),
        },
    )


@require_POST
def requirement_remove(request, pk, requirement_pk):
    spec = _visible(request, pk)
    requirement = get_object_or_404(QualityRequirement, pk=requirement_pk, specification=spec)
    guard(can(request.user, Action.WRITE_SPECIFICATION, spec))
    return act(
        request,
        lambda: services.remove_quality_requirement(requirement, request.user),
        "The quality requirement is removed.",
        reverse("specification", args=[spec.pk]),
    )


STATUS_DONE = {
    Status.CONSULTATION: "The specification is out for consultation. Ask clinicians for advice.",
    Status.DRAFT: "The specification is back to draft.",
    Status.APPROVED: "The specification is approved. Next, choose how to select a provider.",
    Status.RETIRED: "The specification is retired.",
}


@require_POST
def specification_status(request, pk):
    spec = _visible(request, pk)
    guard(can(request.user, Action.CHANGE_SPECIFICATION_STATUS, spec))
    return act(
        request,
        lambda: services.change_status(
            spec, request.POST.get("status", ""), request.user, request.POST.get("reason", "")
        ),
        lambda changed: STATUS_DONE[Status(changed.status)],
        reverse("specification", args=[spec.pk]),
    )


@require_POST
def specification_new_version(request, pk):
    spec = _visible(request, pk)
    guard(can(request.user, Action.START_NEW_VERSION, spec))
    try:
        new = services.start_new_version(spec, request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("specification", spec.pk)
    messages.success(
        request,
        f"Version {new.version} is a draft copy of version {spec.version}. Change it, consult "
        f"and approve it; approving it retires version {spec.version}.",
    )
    return redirect("specification", new.pk)
