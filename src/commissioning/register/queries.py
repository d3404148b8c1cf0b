"""What the public register shows: the notices as published (``selection.Notice``), found by
commissioner, provider, service, route and date. Only published notices exist as notices, so a
draft or an unpublished process has nothing here to show."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from commissioning.contracts.models import Contract, ContractVariation
from commissioning.ocds import releases as ocds
from commissioning.selection.models import Decision, Notice, Representation
from commissioning.selection.rules.modification import Ground
from commissioning.selection.rules.public import redact
from commissioning.selection.rules.selection_route import Route
from commissioning.selection.services import state_of
from commissioning.selection.services.notices import people_of

from . import annual


@dataclass(frozen=True)
class Filters:
    """A search of the register; each part optional."""

    text: str = ""  # words in the service's title or description
    commissioner: str = ""  # an ODS code
    provider: str = ""  # an ODS code
    route: str = ""  # a Route value
    published_from: dt.date | None = None
    published_to: dt.date | None = None


def _day(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        return None


def filters_from(params) -> tuple[Filters, dict[str, str]]:
    """The search a query string asks for, and a message for each part that cannot be read
    (by parameter name: the page says which field and what it takes)."""
    problems: dict[str, str] = {}
    route = params.get("route", "").strip()
    if route and route not in Route.__members__.values():
        problems["route"] = "Choose a route from the list"
        route = ""
    days = {}
    for name in ("published_from", "published_to"):
        raw = params.get(name, "").strip()
        days[name] = _day(raw)
        if raw and days[name] is None:
            problems[name] = (
                f"Enter a date as year-month-day, for example 2027-01-31, not “{raw[:40]}”"
            )
    text = params.get("text", "").strip()[:200]
    return (
        Filters(text, params.get("commissioner", "").strip().upper()[:10],
                params.get("provider", "").strip().upper()[:10], route,
                days["published_from"], days["published_to"]),
        problems,
    )  # fmt: skip


def notices(f: Filters = Filters()) -> QuerySet[Notice]:
    q = Q()
    if f.text:
        q &= Q(facts__title__icontains=f.text) | Q(facts__description__icontains=f.text)
    if f.commissioner:
        q &= Q(facts__buyer__code=f.commissioner)
    if f.provider:
        # Every provider a notice names (under direct award B, several), on every database.
        q &= Q(facts__supplier_codes__icontains=f" {f.provider} ") | Q(
            facts__supplier__code=f.provider
        )
    if f.route:
        q &= Q(facts__route=f.route)
    if f.published_from:
        q &= Q(published_on__gte=f.published_from)
    if f.published_to:
        q &= Q(published_on__lte=f.published_to)
    return Notice.objects.filter(q).order_by("-published_at", "-id")


def prefix() -> str:
    return settings.COMMISSIONING_OCID_PREFIX


def plain(notice: Notice) -> dict:
    """A notice as the OCDS builder takes it."""
    return {
        "id": notice.pk,
        "process_id": notice.process_id,
        "stage": notice.stage,
        "title": notice.title,
        "published_at": notice.published_at.isoformat(),
        "facts": notice.facts,
    }


def release(notice: Notice) -> dict:
    return ocds.release(plain(notice), prefix())


def record_of(process_id: int) -> dict | None:
    published = list(Notice.objects.filter(process_id=process_id).order_by("published_at", "id"))
    if not published:
        return None
    return ocds.record([release(n) for n in published])


def publisher() -> dict[str, str]:
    return {"name": settings.COMMISSIONING_PUBLISHER}


def annual_summary(code: str, year: int):
    """Regulation 25's summary for the commissioner with ODS code ``code`` and the financial
    year starting in ``year``, from its signed contracts and the representations made in its
    standstills (``annual.summarise``)."""
    signed = Contract.objects.filter(
        specification__commissioner__code=code, status=Contract.Status.SIGNED
    ).select_related("decision__process", "provider")
    contracts = [
        annual.Awarded(
            reference=c.reference,
            route=c.decision.process.route,
            entered_into=c.entered_into,
            provider=c.provider.code,
            start=c.start_date,
            end=c.end_date,
            urgent=c.decision.process.route == Route.URGENT_AWARD,
        )
        for c in signed
    ]
    variations = ContractVariation.objects.filter(
        contract__specification__commissioner__code=code, status=ContractVariation.Status.SIGNED
    ).select_related("contract")
    modifications = [
        annual.Modified(
            reference=f"{v.contract.reference} variation {v.number}",
            made_on=timezone_day(v.signed_at),
            urgent=v.ground == Ground.URGENT,
        )
        for v in variations
    ]
    decisions = (
        Decision.objects.filter(
            process__specification__commissioner__code=code, representations__isnull=False
        )
        .distinct()
        .select_related("process__specification")
        .prefetch_related("representations")
    )
    representations = []
    for d in decisions:
        state = state_of(d)
        ended = None if state.held_open or state.last_day is None else state.last_day
        # Their nature as the public may read it: what each was against, not the provider's
        # words (which may quote what is withheld, or name people; decision 057).
        about = (f"A representation against the decision to award "
                 f"{redact(d.process.specification.title, people_of(d))}")  # fmt: skip
        representations += [
            annual.Representation(ended, about, Representation.Status(r.status).label)
            for r in d.representations.all()
        ]
    return annual.summarise(annual.Year(year), contracts, modifications, representations)


def timezone_day(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment)
