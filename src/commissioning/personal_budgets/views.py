"""The pages of personal health budgets: the coordinator's caseload and each person's record,
the holder's own view in plain language, forms for every step, the plan and monthly
statements as documents (CSV). Every request for a person's record goes through ``_record``:
it is logged, allowed or not, and a refusal looks the same whether or not the record exists."""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from commissioning import clock, money, numbers
from commissioning.audit.stored import stored
from commissioning.engine import disclosure
from commissioning.ledger import services as ledger
from commissioning.ledger.permissions import Action as LedgerAction
from commissioning.ledger.permissions import can as can_ledger
from commissioning.organisations.models import Organisation
from commissioning.organisations.permissions import current_memberships
from commissioning.organisations.vocabulary import Role
from commissioning.ui.http import act, csv_response, submit
from commissioning.ui.templatetags.nhs import pounds

from . import forms as f
from . import ipc
from . import services as phb
from .models import Access, Payment, Plan, Reconsideration, RepaymentNotice
from .permissions import PROGRAMME_READERS, Action, can, relationship


def _record(request, pk: int, what: str, action=Action.VIEW_RECORD):
    return phb.require_record(request.user, pk, what, "web", action)


def _url(person, name="phb-person", **kw):
    return reverse(name, kwargs={"pk": person.pk, **kw})


def index(request):
    """The caseload (coordinators), the records an auditor reads, or the holder's own."""
    # Who is on it and what waits, once per version of the data and day (audit.stored); the
    # access to the records is logged on every request.
    context = stored("caseload", lambda: _caseload(request.user), request.user.pk, clock.today())
    if context is None:
        raise PermissionDenied(
            "Personal health budgets are seen by the person, their care team and auditors."
        )
    people, own = context["people"], context["own"]
    if own and len(own) == len(people) and len(own) == 1:
        return redirect(_url(own[0]))
    phb.log_access(request.user, [p.pk for p in people], "caseload", "web", True)
    return render(request, "personal_budgets/index.html", context)


def _caseload(user) -> dict | None:
    people = list(phb.records_of(user))
    own = [p for p in people if relationship(user, p) in ("holder", "representative", "nominee")]
    coordinating = [
        m.organisation for m in current_memberships(user) if m.role == Role.CARE_COORDINATOR
    ]
    programmes = [m.organisation for m in current_memberships(user) if m.role in PROGRAMME_READERS]
    if not people and not coordinating and not programmes:
        return None
    mine = [p for p in people if p.coordinator_id == user.pk]
    return {
        "people": people,
        "own": own,
        "reviews": phb.review_list(mine),
        "coordinating": coordinating,
        "programmes": sorted(set(programmes), key=lambda o: o.name),
        "flagged": Payment.objects.filter(
            person__in=mine, flagged=True, flag_cleared=False
        ).count(),
        "pending": Reconsideration.objects.filter(person__in=mine, outcome="pending").count(),
    }


def new_person(request):
    orgs = [
        m.organisation for m in current_memberships(request.user) if m.role == Role.CARE_COORDINATOR
    ]
    if not orgs:
        raise PermissionDenied("Care coordinators record people for personal health budgets.")
    org = orgs[0]
    form = f.PersonForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda: phb.record_person(phb.PersonInput(org.pk, **form.cleaned_data), request.user),
        "Recorded. Next: the needs assessment, or the care and support plan.",
        lambda person: _url(person),
    )
    return done or render(
        request,
        "ui/form_page.html",
        {
            "form": form,
            "title": "Record a person for a personal health budget",
            "caption": org.display_name,
            "submit": "Record the person",
            "cancel": reverse("phb"),
            "lede": "Only what the budget needs: the person will be on your caseload.",
        },
    )


def _record_figures(p) -> dict:
    """What a person's record shows, read once per version of the data and day
    (``audit.stored``): every plan, payment, review and notice is a revision of the trail."""
    plan = phb.current_plan(p)
    return {
        "plan": plan,
        "plans": list(p.plans.all()),
        "balance": p.budget_account.balance_pence,
        "payments": list(p.payments.select_related("service").order_by("-paid_on", "-pk")[:50]),
        "refused": list(p.refused_payments.all()[:25]),
        "statements": phb.statements(p, latest=12),
        "next_review": phb.next_review(p),
        "reviews": list(p.reviews.all()),
        "sign_in_notices": list(p.sign_in_notices.select_related("by")[:25]),
        "assessments": list(p.assessments.all()),
        "notices": list(p.repayment_notices.prefetch_related("repayments")),
        "stops": list(p.stop_decisions.all()),
        "reconsiderations": list(p.reconsiderations.all()),
        "spent": sum(x.amount_pence for x in p.payments.filter(plan=plan)) if plan else None,
    }


def person(request, pk: int):
    p = _record(request, pk, "record")  # the access is logged on every request
    rel = relationship(request.user, p)
    # Keyed by the postings to the person's account too: its balance and statements move with
    # payments to and from it, which the ledger records without a revision.
    paid = ledger.postings_made([p.budget_account_id]) if p.budget_account_id else 0
    figures = stored("person-record", lambda: _record_figures(p), p.pk, clock.today(), paid)
    plan = figures["plan"]
    context = {
        "p": p,
        "rel": rel,
        "own": rel in ("holder", "representative", "nominee"),
        "manage": can(request.user, Action.MANAGE_RECORD, p),
        "may_spend": can(request.user, Action.RECORD_SPEND, p)
        and p.status == "active"
        and plan is not None,
        "may_ask": can(request.user, Action.REQUEST_RECONSIDERATION, p),
        **figures,
        "today": clock.today(),
    }
    context["ledger_link"] = p.budget_account is not None and can_ledger(
        request.user, LedgerAction.VIEW_LEDGER, p.budget_account
    )
    if rel in ("auditor", "coordinator"):
        context["accesses"] = list(Access.objects.filter(person_id=p.pk)[:25])
    if plan is None:
        context.pop("spent")
    return render(request, "personal_budgets/person.html", context)


def _form_page(request, p, form, call, success, title, submit_label, lede="", then=None):
    done = submit(request, form, call, success, then or _url(p), getattr(form, "rename_map", None))
    return done or render(
        request,
        "ui/form_page.html",
        {
            "form": form,
            "title": title,
            "caption": p.reference,
            "submit": submit_label,
            "cancel": _url(p),
            "back": _url(p),
            "lede": lede,
        },
    )


def assessment(request, pk: int):
    p = _record(request, pk, "assessment", Action.MANAGE_RECORD)
    form = f.AssessmentForm(request.POST or None)
    form.rename_map = {f"ratings.{d}": f"rating_{d}" for d in phb.eligibility.DOMAINS}
    return _form_page(
        request,
        p,
        form,
        lambda: phb.assess(
            p,
            phb.AssessmentInput(
                form.cleaned_data["assessed_on"],
                form.ratings(),
                form.cleaned_data["decision"],
                form.cleaned_data["decision_reasons"],
            ),
            request.user,
        ),
        lambda a: (
            f"Assessment recorded. The tool indicates: {a.indication}. "
            f"The team's decision: {a.get_decision_display()}."
        ),
        "Needs assessment (Decision Support Tool)",
        "Record the assessment",
        "Rate each of the twelve care domains. One Priority, or Severe in two or more domains, "
        "indicates eligibility; the team's judgement decides.",
    )


def new_plan(request, pk: int):
    p = _record(request, pk, "plan", Action.MANAGE_RECORD)
    current = phb.current_plan(p)
    initial = {"start_date": clock.today()}
    if current:
        initial.update(
            {
                k: getattr(current, k)
                for k in (
                    "needs",
                    "outcomes",
                    "risks",
                    "contingency",
                    "mode",
                    "recipient",
                    "third_party_name",
                    "third_party_independent",
                    "amount_pence",
                    "scheme_id",
                )
            }
        )
        # An integrated budget's next version stays charged to its scheme, with its shares.
        initial.update({f"funding_{k}": v for k, v in current.funding.items()})
        for i, s in enumerate(current.services.all()[: f.SERVICE_ROWS]):
            initial.update(
                {
                    f"service_{i}_name": s.name,
                    f"service_{i}_category": s.category,
                    f"service_{i}_provider": s.provider,
                    f"service_{i}_annual_cost_pence": s.annual_cost_pence,
                }
            )
    form = f.PlanForm(request.POST or None, initial=initial)
    indicative = phb.indicative_for(p)

    if request.method == "POST" and form.is_valid():
        form.rename_map = form.rename()  # the service's services.N.field -> the row's fields

    def call():
        d = form.cleaned_data
        return phb.draft_plan(
            p,
            phb.PlanInput(
                d["start_date"],
                d["needs"],
                d["outcomes"],
                d["risks"],
                d["contingency"],
                d["mode"],
                d["amount_pence"],
                form.services(),
                d["recipient"],
                d["third_party_name"],
                d["third_party_independent"],
                d["reduction_reasons"],
                d["scheme_id"],
                form.funding(),
            ),
            request.user,
        )

    lede = "A new version of the care and support plan, in draft until the person and you agree it."
    if indicative is not None:
        lede += (
            " Indicative budget from the resource allocation table: "
            f"{money.pounds_and_pence(indicative)} a year."
        )
    return _form_page(
        request,
        p,
        form,
        call,
        lambda plan: f"{plan} saved as a draft. Agree it with the person to start it.",
        "Care and support plan",
        "Save the draft",
        lede,
        then=lambda plan: reverse("phb-plan", kwargs={"pk": p.pk, "version": plan.version}),
    )


def plan(request, pk: int, version: int):
    agreeing = request.method == "POST"
    p = _record(request, pk, "plan", Action.MANAGE_RECORD if agreeing else Action.VIEW_RECORD)
    the_plan = get_object_or_404(Plan, person=p, version=version)
    form = f.AgreeForm(
        request.POST or None, initial={"agreed_on": clock.today(), "agreed_by": "person"}
    )
    manage = can(request.user, Action.MANAGE_RECORD, p)
    if agreeing:
        done = submit(
            request,
            form,
            lambda: phb.agree_plan(the_plan, phb.AgreeInput(**form.cleaned_data), request.user),
            "Plan agreed: the budget is set to its amount.",
            _url(p),
        )
        if done:
            return done
    return render(
        request,
        "personal_budgets/plan.html",
        {
            "p": p,
            "plan": the_plan,
            "form": form,
            "manage": manage and the_plan.status == "draft",
            "own": relationship(request.user, p) in ("holder", "representative", "nominee"),
        },
    )


def plan_csv(request, pk: int, version: int):
    p = _record(request, pk, "plan document")
    the_plan = get_object_or_404(Plan, person=p, version=version)
    response, w = csv_response(f"{p.reference}-plan-v{version}.csv")
    w.writerow(
        [
            "Care and support plan",
            p.reference,
            f"version {the_plan.version}",
            the_plan.get_status_display(),
        ]
    )
    for label, value in (
        ("Starts", the_plan.start_date),
        ("Needs", the_plan.needs),
        ("Outcomes", the_plan.outcomes),
        ("Risks", the_plan.risks),
        ("Contingency", the_plan.contingency),
        ("How the budget is held", the_plan.get_mode_display()),
        ("Annual budget (pounds)", money.plain(the_plan.amount_pence)),
    ):
        w.writerow([label, value])
    w.writerow([])
    w.writerow(["Service", "Kind", "Provider", "Cost a year (pounds)"])
    for s in the_plan.services.all():
        w.writerow([s.name, s.get_category_display(), s.provider, money.plain(s.annual_cost_pence)])
    return response


def pay(request, pk: int):
    p = _record(request, pk, "payment", Action.RECORD_SPEND)
    plan_ = phb.current_plan(p)
    form = f.PaymentForm(
        request.POST or None,
        plan=plan_,
        initial={"key": uuid.uuid4().hex, "paid_on": clock.today()},
    )
    return _form_page(
        request,
        p,
        form,
        lambda: phb.record_payment(p, phb.PaymentInput(**form.cleaned_data), request.user),
        lambda paid: f"Payment recorded. {paid.reason}",
        "Record a payment from the budget",
        "Record the payment",
        f"{money.pounds_and_pence(p.budget_account.balance_pence)} left. Alcohol, tobacco, "
        "gambling, debt repayment, anything unlawful, and NHS services such as emergency care "
        "or GP appointments cannot be bought.",
    )


def statement(request, pk: int, year: int, month: int, fmt: str = "html"):
    p = _record(request, pk, "statement")
    if (
        fmt not in ("html", "csv")
        or not 1 <= month <= 12
        or dt.date(year, month, 1) > clock.today()
    ):
        raise Http404
    s = phb.statement(p, year, month)
    if fmt == "csv":
        response, w = csv_response(f"{p.reference}-statement-{year}-{month:02d}.csv")
        w.writerow(["Statement", p.reference, f"{s.start:%B %Y}"])
        w.writerow(["Opening balance (pounds)", money.plain(s.opening_pence)])
        w.writerow(["Money in (pounds)", money.plain(s.money_in_pence)])
        w.writerow(["Money out (pounds)", money.plain(s.money_out_pence)])
        w.writerow(["Closing balance (pounds)", money.plain(s.closing_pence)])
        w.writerow([])
        w.writerow(["Date", "Paid to", "What", "Kind", "Amount (pounds)", "In the plan"])
        for x in s.payments:
            w.writerow(
                [
                    x.paid_on,
                    x.payee,
                    x.description,
                    x.get_category_display(),
                    money.plain(x.amount_pence),
                    "no: flagged for review" if x.flagged else "yes",
                ]
            )
        for r in s.repayments:
            w.writerow(
                [
                    r.received_on,
                    "Repaid to the NHS",
                    f"Under the repayment notice of {r.notice.issued_on:%-d %B %Y}",
                    "Repayment",
                    money.plain(r.amount_pence),
                    "",
                ]
            )
        return response
    return render(
        request,
        "personal_budgets/statement.html",
        {
            "p": p,
            "s": s,
            "own": relationship(request.user, p) in ("holder", "representative", "nominee"),
        },
    )


def review(request, pk: int):
    p = _record(request, pk, "review", Action.MANAGE_RECORD)
    form = f.ReviewForm(request.POST or None, initial={"held_on": clock.today()})
    return _form_page(
        request,
        p,
        form,
        lambda: phb.record_review(p, phb.ReviewInput(**form.cleaned_data), request.user),
        "Review recorded.",
        "Record a review",
        "Record the review",
        f"Next review due {phb.next_review(p) or 'once a plan is agreed'}.",
    )


def repayment(request, pk: int):
    p = _record(request, pk, "repayment", Action.MANAGE_RECORD)
    form = f.RepaymentForm(request.POST or None)
    return _form_page(
        request,
        p,
        form,
        lambda: phb.issue_repayment_notice(
            p, phb.RepaymentInput(**form.cleaned_data), request.user
        ),
        "Repayment notice issued.",
        "Require repayment of a direct payment",
        "Issue the notice",
        "The notice states the reasons, the amount, the deadline and who must repay "
        "(regulation 15). The person may ask for reconsideration.",
    )


def repaid(request, pk: int, notice: int):
    p = _record(request, pk, "repayment", Action.MANAGE_RECORD)
    n = get_object_or_404(RepaymentNotice, pk=notice, person=p)
    form = f.RepaidForm(
        request.POST or None, initial={"key": uuid.uuid4().hex, "received_on": clock.today()}
    )
    return _form_page(
        request,
        p,
        form,
        lambda: phb.record_repayment(n, phb.RepaidInput(**form.cleaned_data), request.user),
        "Repayment recorded.",
        "Record money repaid",
        "Record the repayment",
        f"Notice of {n.issued_on:%-d %B %Y}: {money.pounds_and_pence(n.outstanding_pence)} "
        f"still to be repaid of {money.pounds_and_pence(n.amount_pence)}, by "
        f"{n.deadline:%-d %B %Y}. The money goes back to where the budget came from.",
    )


def stop(request, pk: int):
    p = _record(request, pk, "stopping", Action.MANAGE_RECORD)
    form = f.StopForm(request.POST or None)
    return _form_page(
        request,
        p,
        form,
        lambda: phb.stop_direct_payments(p, phb.StopInput(**form.cleaned_data), request.user),
        "Direct payments stopped.",
        "Stop direct payments",
        "Stop the direct payments",
        "You must stop when consent is absent or withdrawn; you may stop on the other grounds "
        "(regulation 17). No payment can be recorded afterwards; a new plan held another way "
        "restarts the budget.",
    )


def reconsider(request, pk: int):
    p = _record(request, pk, "reconsideration", Action.REQUEST_RECONSIDERATION)
    form = f.ReconsiderationForm(request.POST or None)
    return _form_page(
        request,
        p,
        form,
        lambda: phb.request_reconsideration(
            p, phb.ReconsiderationInput(**form.cleaned_data), request.user
        ),
        "Your request has been sent to the care coordinator.",
        "Ask for a decision to be reconsidered",
        "Send the request",
        "You have the right to ask for a decision to be looked at again. "
        "You will be told the outcome and the reasons.",
    )


def decide(request, pk: int, rid: int):
    p = _record(request, pk, "reconsideration", Action.MANAGE_RECORD)
    r = get_object_or_404(Reconsideration, person=p, pk=rid)
    form = f.DecideForm(request.POST or None)
    return _form_page(
        request,
        p,
        form,
        lambda: phb.decide_reconsideration(r, phb.DecideInput(**form.cleaned_data), request.user),
        "Decision recorded.",
        "Decide a reconsideration request",
        "Record the decision",
        f"{r.get_about_display()}: {r.grounds}",
    )


def link(request, pk: int):
    p = _record(request, pk, "sign-in", Action.MANAGE_RECORD)
    form = f.LinkForm(request.POST or None)
    return _form_page(
        request,
        p,
        form,
        lambda: phb.link_sign_in(
            p, form.cleaned_data["link"], form.cleaned_data["username"], request.user
        ),
        "Sign-in linked.",
        "Give a sign-in access to this record",
        "Link the sign-in",
        "The person, their representative or their nominee then sees this record, and nothing "
        "else.",
    )


@require_POST
def clear(request, pk: int, payment_id: int):
    p = _record(request, pk, "payment", Action.MANAGE_RECORD)
    payment = get_object_or_404(Payment, person=p, pk=payment_id)
    return act(
        request, lambda: phb.clear_flag(payment, request.user), "Marked as reviewed.", _url(p)
    )


def _programme(request, code: str):
    org = get_object_or_404(Organisation, code=code)
    if not can(request.user, Action.VIEW_PROGRAMME, org.pk):
        raise PermissionDenied("Your role does not give you access to this programme.")
    return org, phb.programme(org, request.user)


def _shown_text(figure: disclosure.Shown) -> str:
    """A count (rounded) or a total of money, as the page shows it."""
    if figure.suppressed:
        return (
            disclosure.SUPPRESSED_TEXT
            if figure.rounded
            else (f"Not shown: {disclosure.SUPPRESSED_TEXT} people")
        )
    return numbers.figure(figure.value) if figure.rounded else pounds(figure.value)


def _programme_rows(fig: phb.Programme) -> list[tuple[str, str, disclosure.Shown, str]]:
    """Every figure of the programme page, in order: (section, what, figure, as shown)."""
    rows = [
        ("Totals", "People with a budget record", fig.people),
        ("Totals", "Agreed plans", fig.agreed_plans),
        ("Totals", "Integrated budgets (through a pooled budget)", fig.integrated),
        ("Money", "Allocated in agreed plans, a year", fig.allocated_pence),
        ("Money", "Spent, less spending recovered by repayments", fig.spent_pence),
    ]
    rows += [("By basis of entitlement", k, v) for k, v in fig.by_entitlement.items()]
    rows += [("By way of holding the budget", k, v) for k, v in fig.by_mode.items()]
    return [(section, what, v, _shown_text(v)) for section, what, v in rows]


def programme(request, code: str):
    org, fig = _programme(request, code)

    return render(
        request,
        "personal_budgets/programme.html",
        {
            "org": org,
            "rows": _programme_rows(fig),
            "threshold": disclosure.SUPPRESSION_THRESHOLD,
            "multiple": disclosure.ROUNDING_MULTIPLE,
            "cohort": ipc.cohort_for(org),
        },
    )


def programme_csv(request, code: str):
    org, fig = _programme(request, code)
    response, w = csv_response(f"{org.code}-personal-health-budgets.csv")
    w.writerow(["Section", "Figure", "Value", "Note"])
    for section, what, figure, _text in _programme_rows(fig):
        if figure.suppressed:
            value = ""
            note = f"not shown: {disclosure.SUPPRESSED_TEXT}" + (
                "" if figure.rounded else " people behind it"
            )
        elif figure.rounded:
            value, note = figure.value, f"rounded to the nearest {disclosure.ROUNDING_MULTIPLE}"
        else:
            value, note = money.plain(figure.value), "pounds"
        w.writerow([section, what, value, note])
    return response
