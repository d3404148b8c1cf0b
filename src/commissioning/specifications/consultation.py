"""What this app needs to know of the commissioning cycle that follows a specification.

Clinical advice on a specification is asked for and given, and providers selected, in
``selection``, an app above this one (its models point at specifications). A specification
still needs to know some of it: approval needs clinical advice to have been sought (the
platform's rule, ``rules.lifecycle``; docs/domain.md section 10 on clinical advice), a
clinician asked for advice may read the draft, and the specification's pages show where its
cycle stands. Rather than import the higher app, this app asks through the one
``Consultation`` that ``selection`` registers when Django is ready (its ``AppConfig.ready``).
"""

from __future__ import annotations

from typing import Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet


class Consultation(Protocol):
    def requests_on(self, reference: str) -> int:
        """How many requests for advice any version of the specification has had."""

    def asked_of(self, user, advising_at: list[int], reference: str | None = None) -> QuerySet:
        """The references of specifications (only ``reference``, if given) on which the person,
        a clinical adviser at these organisations, has been asked for advice: a query of
        ``reference`` values, to use as a subquery or ask ``exists()`` of."""

    def stage(self, spec) -> str:
        """Where the specification's cycle stands, in a few words, for lists."""

    def page(self, user, spec) -> dict:
        """What the specification's page shows of its cycle and advice, as the person may see
        it (template context: ``steps``, ``next_step``, ``advice_requests``, ``advice``,
        ``process``, ``may_request_advice``, ``may_set_up_selection``)."""


_registered: list[Consultation] = []


def register(consultation: Consultation) -> None:
    _registered[:] = [consultation]


def consultation() -> Consultation:
    if not _registered:
        raise ImproperlyConfigured("No consultation is registered: is selection installed?")
    return _registered[0]
