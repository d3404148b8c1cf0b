"""The public register: no sign-in (``login_not_required``), only what was published."""

from __future__ import annotations

import datetime as dt
import json

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from commissioning import clock, money
from commissioning.ocds import releases as ocds
from commissioning.organisations.models import Organisation
from commissioning.organisations.vocabulary import COMMISSIONER_TYPES
from commissioning.selection.models import Notice
from commissioning.selection.rules.selection_route import Route
from commissioning.ui.http import csv_response, csv_stream, download

from . import queries

PER_PAGE = 25
FEED_PAGE = 100
ROUTES = [(r.value, r.label) for r in Route]


def _published_now() -> str:
    return clock.now().isoformat()


@login_not_required
def index(request):
    filters, problems = queries.filters_from(request.GET)
    page = Paginator(queries.notices(filters), PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "register/index.html", {
        "page": page, "filters": filters, "problems": problems, "routes": ROUTES,
        "query": query.urlencode(),
    })  # fmt: skip


@login_not_required
def notices_csv(request):
    filters, _ = queries.filters_from(request.GET)
    header = [
        "notice",
        "published_on",
        "notice_title",
        "schedule",
        "ocid",
        "service",
        "cpv_code",
        "commissioner_code",
        "commissioner",
        "provider_code",
        "provider",
        "route",
        "value_pounds",
        "contract_start",
        "contract_end",
        "value_withheld",
    ]

    def rows():
        for n in queries.notices(filters).iterator(chunk_size=500):
            f = n.facts
            suppliers = ocds.suppliers_of(f)
            codes, names = ("; ".join(o[k] for o in suppliers) for k in ("code", "name"))
            yield [
                n.pk,
                n.published_on.isoformat(),
                n.title,
                n.schedule or "",
                ocds.ocid(queries.prefix(), n.process_id),
                f["title"],
                f["cpv"],
                f["buyer"]["code"],
                f["buyer"]["name"],
                codes,
                names,
                Route(f["route"]).label,
                "" if f["value_pence"] is None else money.plain(f["value_pence"]),
                f.get("start") or "",
                f.get("end") or "",
                f.get("value_withheld", ""),
            ]

    return csv_stream("provider-selection-notices.csv", header, rows())  # fmt: skip


@login_not_required
def process(request, process_id: int):
    published = list(
        Notice.objects.filter(process_id=process_id)
        .select_related("decision")
        .order_by("published_at", "id")
    )
    if not published:
        raise Http404("Nothing has been published about this process.")
    latest = published[-1]
    facts = latest.facts
    days = {k: dt.date.fromisoformat(facts[k]) if facts.get(k) else None for k in ("start", "end")}
    criteria = [(ocds.CRITERIA.get(k, k), w) for k, w in facts.get("criteria", {}).items() if w]
    return render(request, "register/process.html", {
        "notices": published, "latest": latest, "facts": facts, **days, "criteria": criteria,
        "suppliers": ocds.suppliers_of(facts),
        "route": Route(latest.facts["route"]).label,
        "ocid": ocds.ocid(queries.prefix(), process_id),
    })  # fmt: skip


@login_not_required
def notice(request, pk: int):
    n = get_object_or_404(Notice.objects.select_related("decision"), pk=pk)
    return render(request, "register/notice.html", {
        "n": n, "route": Route(n.facts["route"]).label,
        "ocid": ocds.ocid(queries.prefix(), n.process_id),
    })  # fmt: skip


def _json(data: dict, filename: str):
    """JSON as a file to read or save (the one download helper: its name, nosniff)."""
    content = json.dumps(data, ensure_ascii=False, indent=1, cls=DjangoJSONEncoder)
    return download(content.encode(), "application/json", filename, attachment=False)


@login_not_required
def ocds_record(request, process_id: int):
    record = queries.record_of(process_id)
    if record is None:
        raise Http404("Nothing has been published about this process.")
    uri = request.build_absolute_uri()
    package = ocds.record_package([record], uri, _published_now(), queries.publisher())
    return _json(package, f"{record['ocid']}.json")


@login_not_required
def ocds_releases(request):
    """Every release, oldest first, from ``since`` (a date or date-time) on, a page at a time;
    the next page is in the ``Link`` header (``rel="next"``)."""
    since_text = request.GET.get("since", "").strip()
    published = Notice.objects.order_by("published_at", "id")
    if since_text:
        try:
            since = dt.datetime.fromisoformat(since_text)
        except ValueError:
            return JsonResponse(
                {"since": "Give a date or date-time in ISO 8601, for example 2027-01-31"},
                status=422,
            )
        if timezone.is_naive(since):
            since = timezone.make_aware(since)
        published = published.filter(published_at__gte=since)
    paginator = Paginator(published, FEED_PAGE, allow_empty_first_page=True)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except (EmptyPage, PageNotAnInteger):
        raise Http404("No such page of releases.") from None
    releases = [queries.release(n) for n in page.object_list]
    package = ocds.release_package(
        releases, request.build_absolute_uri(), _published_now(), queries.publisher()
    )
    response = _json(package, "releases.json")
    if page.has_next():
        query = request.GET.copy()
        query["page"] = str(page.next_page_number())
        response["Link"] = f'<{reverse("register-releases")}?{query.urlencode()}>; rel="next"'
    return response


def _summary(code: str, year: int):
    authority = Organisation.objects.filter(code=code.upper(), org_type__in=COMMISSIONER_TYPES)
    org = authority.first()
    if org is None or not 2023 <= year <= clock.today().year:
        raise Http404("No such relevant authority or year.")
    return org, queries.annual_summary(org.code, year)


@login_not_required
def annual(request, code: str, year: int):
    org, summary = _summary(code, year)
    return render(request, "register/annual.html", {"org": org, "summary": summary})


@login_not_required
def annual_csv(request, code: str, year: int):
    org, summary = _summary(code, year)
    response, writer = csv_response(f"psr-annual-summary-{org.code}-{summary.year.starts}.csv")
    writer.writerow(["authority_code", "authority", "year", "item", "what_regulation_25_asks",
                     "answer"])  # fmt: skip
    for letter, asks, answer in summary.items():
        writer.writerow([org.code, org.display_name, summary.year.name, f"25(2)({letter})",
                         asks, answer])  # fmt: skip
    return response


@login_not_required
def annual_json(request, code: str, year: int):
    org, summary = _summary(code, year)
    return _json({
        "authority": {"code": org.code, "name": org.display_name},
        "year": {"name": summary.year.name, "from": summary.year.first.isoformat(),
                 "to": summary.year.last.isoformat()},
        "regulation": "SI 2023/1348 regulation 25(2)",
        "items": [{"item": f"25(2)({letter})", "asks": asks, "answer": answer}
                  for letter, asks, answer in summary.items()],
        "direct_by_process": summary.direct_by_process,
        "new_providers": list(summary.new_providers),
        "providers_no_longer_holding_a_contract": list(summary.providers_gone),
        "representations": {"count": summary.representations,
                            "outcomes": summary.representation_outcomes},
    }, f"psr-annual-summary-{org.code}-{summary.year.starts}.json")  # fmt: skip
