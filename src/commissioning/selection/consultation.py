"""Selection's answers to what specifications asks of it (``specifications.consultation``):
requests for advice on a specification, and where its commissioning cycle stands."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from commissioning.specifications.rules.lifecycle import Status

from .models import AdviceRequest
from .permissions import Action, can
from .queries.cycle_for_specification import cycle_for_specification, stage_of
from .services import advice_on


class SelectionConsultation:
    def requests_on(self, reference: str) -> int:
        return AdviceRequest.objects.filter(specification__reference=reference).count()

    def asked_of(self, user, advising_at: list[int], reference: str | None = None) -> QuerySet:
        asked = AdviceRequest.objects.filter(organisation_id__in=advising_at).filter(
            Q(clinician__isnull=True) | Q(clinician=user)
        )
        if reference is not None:
            asked = asked.filter(specification__reference=reference)
        return asked.values_list("specification__reference", flat=True)

    def stage(self, spec) -> str:
        return stage_of(spec)

    def page(self, user, spec) -> dict:
        steps = cycle_for_specification(spec, user)
        requests = spec.advice_requests.select_related(
            "organisation", "clinician", "advice"
        ).order_by("-requested_at")
        process = getattr(spec, "selection", None)
        return {
            "steps": steps,
            "next_step": next(
                (s for s in steps if s.state in ("not_started", "in_progress") and s.href), None
            ),
            "may_request_advice": can(user, Action.REQUEST_ADVICE, spec)
            and spec.status != Status.RETIRED,
            "advice_requests": [r for r in requests if can(user, Action.VIEW_ADVICE, r)],
            "advice": [a for a in advice_on(spec) if can(user, Action.VIEW_ADVICE, a.request)],
            "process": process,
            "may_set_up_selection": process is None
            and spec.status == Status.APPROVED
            and can(user, Action.MANAGE_SELECTION, spec),
        }
