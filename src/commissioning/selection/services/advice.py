"""Asking for and giving clinical advice on a specification.

Recommendation 130 (seed document 000): commissioners consult clinicians from potential
providers and from elsewhere (strategic clinical networks, clinical senates). Advice is
recorded against the specification and shown to the decision maker; it never changes a
specification or a decision by itself (docs/domain.md section 10: networks and senates are
advisory only).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Prefetch

from commissioning import clock
from commissioning.audit import chain as audit
from commissioning.organisations.models import Organisation, User
from commissioning.organisations.permissions import roles_at
from commissioning.organisations.vocabulary import PROVIDER_TYPES, OrganisationType, Role
from commissioning.specifications.models import ServiceSpecification
from commissioning.specifications.rules.lifecycle import Status
from commissioning.validation import Problems, refuse

from ..documents import DocumentInput
from ..models import Advice, AdviceRequest, AdviceSource, Document
from ..permissions import Action, require
from ._common import check_documents, save_documents, text

REQUEST_FIELDS = ("specification_id", "source", "organisation_id", "clinician_id", "question",
                  "due_date", "requested_by_id")  # fmt: skip
ADVICE_FIELDS = ("request_id", "adviser_id", "recommendation", "summary", "clinical_evidence",
                 "risks", "suggested_changes")  # fmt: skip
NETWORK_SOURCES = {
    AdviceSource.SCN_CANCER,
    AdviceSource.SCN_CARDIOVASCULAR,
    AdviceSource.SCN_MENTAL_HEALTH,
    AdviceSource.SCN_MATERNITY_CHILDREN,
}


@dataclass(frozen=True)
class AdviceRequestInput:
    source: AdviceSource
    organisation_id: int | None
    question: str
    due_date: dt.date | None
    clinician_id: int | None = None


@dataclass(frozen=True)
class AdviceInput:
    recommendation: Advice.Recommendation
    summary: str
    clinical_evidence: str = ""
    risks: str = ""
    suggested_changes: str = ""
    documents: tuple[DocumentInput, ...] = field(default_factory=tuple)


def _expected_organisation(source: str, org: Organisation) -> str | None:
    if source in NETWORK_SOURCES and org.org_type != OrganisationType.CLINICAL_NETWORK:
        return "Choose a strategic clinical network"
    if source == AdviceSource.CLINICAL_SENATE and org.org_type != OrganisationType.CLINICAL_SENATE:
        return "Choose a clinical senate"
    if source == AdviceSource.PROVIDER_CLINICIAN and org.org_type not in PROVIDER_TYPES:
        return "Choose the provider the clinician works for"
    return None


def request_advice(spec: ServiceSpecification, cmd: AdviceRequestInput, actor) -> AdviceRequest:
    """Ask a network, a senate or a named clinician of a potential provider for advice."""
    require(actor, Action.REQUEST_ADVICE, spec)
    problems = Problems()
    if cmd.source not in AdviceSource.values:
        problems.add("source", "Choose who to ask for advice")
    org = (
        Organisation.objects.filter(pk=cmd.organisation_id).first() if cmd.organisation_id else None
    )
    if org is None:
        problems.add("organisation_id", "Choose the organisation to ask")
    elif cmd.source in AdviceSource.values and (why := _expected_organisation(cmd.source, org)):
        problems.add("organisation_id", why)
    clinician = None
    if cmd.source == AdviceSource.PROVIDER_CLINICIAN:
        clinician = (
            User.objects.filter(pk=cmd.clinician_id, is_active=True).first()
            if cmd.clinician_id is not None
            else None
        )
        if clinician is None:
            problems.add("clinician_id", "Name the clinician to ask")
        elif org is not None and Role.CLINICAL_ADVISER not in roles_at(clinician, org.pk):
            problems.add(
                "clinician_id", f"{clinician} is not a clinical adviser at {org.display_name}"
            )
    elif cmd.clinician_id:
        problems.add("clinician_id", "Name a clinician only when asking a provider's clinician")
    if not text(cmd.question):
        problems.add("question", "Say what you would like advice on")
    if cmd.due_date is None:
        problems.add("due_date", "Enter the date you need the advice by")
    elif cmd.due_date <= clock.today():
        problems.add("due_date", "The date advice is due must be in the future")
    problems.raise_if_any()
    assert org is not None and cmd.due_date is not None  # refused above when missing
    with transaction.atomic():
        spec = ServiceSpecification.objects.select_for_update().get(pk=spec.pk)
        if spec.status == Status.RETIRED:
            raise refuse(
                "", "This specification is retired; ask for advice on its current version."
            )
        request = AdviceRequest.objects.create(
            specification=spec,
            source=cmd.source,
            organisation=org,
            clinician=clinician,
            question=text(cmd.question),
            due_date=cmd.due_date,
            requested_by=actor,
            requested_at=clock.now(),
        )
        audit.record(actor, "create", request, after=audit.snapshot(request, REQUEST_FIELDS))
    return request


def give_advice(request: AdviceRequest, cmd: AdviceInput, actor) -> Advice:
    """Answer a request for advice, with any supporting documents. Advice is final once
    given; it changes neither the specification nor any decision."""
    require(actor, Action.GIVE_ADVICE, request)
    problems = Problems()
    if cmd.recommendation not in Advice.Recommendation.values:
        problems.add("recommendation", "Choose your recommendation")
    if not text(cmd.summary):
        problems.add("summary", "Summarise your advice")
    checked = check_documents(cmd.documents, problems)
    problems.raise_if_any()
    with transaction.atomic():
        request = AdviceRequest.objects.select_for_update().get(pk=request.pk)
        if Advice.objects.filter(request=request).exists():
            raise refuse("", "This request has already been answered.")
        advice = Advice.objects.create(
            request=request,
            adviser=actor,
            recommendation=cmd.recommendation,
            summary=text(cmd.summary),
            clinical_evidence=text(cmd.clinical_evidence),
            risks=text(cmd.risks),
            suggested_changes=text(cmd.suggested_changes),
            given_at=clock.now(),
        )
        audit.record(actor, "create", advice, after=audit.snapshot(advice, ADVICE_FIELDS))
        save_documents(checked, actor, advice=advice)
    return advice


def advice_on(spec: ServiceSpecification):
    """Advice given on any version of this specification, newest first."""
    return (
        Advice.objects.filter(request__specification__reference=spec.reference)
        .select_related("request__organisation", "request__specification", "adviser")
        .prefetch_related(Prefetch("documents", queryset=Document.objects.defer("content")))
        .order_by("-given_at")
    )
