"""OCDS 1.1 releases, release packages and records from the regime's published notices.

A contracting process here is a selection process: its ``ocid`` is the configured prefix and the
process's number. Every notice the platform publishes is one release (its id is the notice's),
dated when the notice was published, so the releases of a process are the history of what was
published about it; its record compiles them (``ocdsmerge``, with the shipped release schema's
merge rules: nothing is fetched). The mapping, decided in docs/decisions.md 053:

- parties: the commissioner as ``buyer`` and ``procuringEntity``, each provider awarded as
  ``supplier`` (under direct award B, every one),
  identified by ODS code under the scheme org-id.guide lists for NHS organisations (``GB-NHS``);
- tender: the service (title, description, the CPV code of Schedule 1 to SI 2023/1348 as its
  classification), the financial envelope as its value, the route as ``procurementMethod``
  (``direct`` for direct awards A, B and C, ``limited`` for the most suitable provider process,
  ``open`` for the competitive process; ``direct`` for an urgent award under regulation 14,
  with its reasons as ``procurementMethodRationale``) with the route's name in
  ``procurementMethodDetails`` and, where the key criteria were applied, their weights;
- award: a notice of intention is an award with status ``pending`` (the standstill), an award
  notice one with status ``active``; its value is what was decided (and, once the contract is
  entered into, the contract's);
- contract: once entered into, the contract (its reference, period and value);
- a decision withdrawn after its notice: a release tagged ``awardCancellation``, the award
  ``cancelled`` and the tender ``active`` again (the process returns to evaluation).

A value the commissioner marked commercially confidential is left out (``value_pence`` is
None; selection.rules.public). Values are in GBP, written from integer pence (an exact decimal
with two places at most). Everything here is plain data in, plain data out (no Django), so the
same functions serve the register's pages, the API and ``commissioning ocds export``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from ocdsmerge import Merger

from .validate import SCHEMA_DIR

VERSION = "1.1"
LONDON = ZoneInfo("Europe/London")
NHS_SCHEME = "GB-NHS"  # org-id.guide: NHS Digital's Organisation Data Service
METHOD = {
    "direct_award_a": "direct",
    "direct_award_b": "direct",
    "direct_award_c": "direct",
    "most_suitable_provider": "limited",
    "competitive": "open",
    "urgent_award": "direct",
}
ROUTE_NAME = {
    "direct_award_a": "Direct award process A",
    "direct_award_b": "Direct award process B",
    "direct_award_c": "Direct award process C",
    "most_suitable_provider": "Most suitable provider process",
    "competitive": "Competitive process",
    "urgent_award": "Urgent award under regulation 14, without a process",
}
# The award as each notice leaves it: pending during the standstill, active once awarded,
# cancelled when the decision is withdrawn (the platform's notice of withdrawal).
AWARD_STATUS = {"intention": "pending", "award": "active", "modification": "active",
                "withdrawal": "cancelled"}  # fmt: skip
CRITERIA = {
    "quality_innovation": "Quality and innovation",
    "value": "Value",
    "integration": "Integration, collaboration and service sustainability",
    "access": "Improving access, reducing health inequalities and facilitating choice",
    "social_value": "Social value",
}


def ocid(prefix: str, process_id: int) -> str:
    return f"{prefix}-{process_id}"


def amount(pence: int) -> int | float:
    """Pounds from integer pence: a whole number where there are no pence, else the decimal
    with two places (its nearest double, which JSON writes as those digits)."""
    if pence % 100 == 0:
        return pence // 100
    return float(Decimal(pence) / 100)


def value(pence: int) -> dict:
    return {"amount": amount(pence), "currency": "GBP"}


def _date_time(day: str) -> str:
    """A day as OCDS's date-time: its start in England."""
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(0), LONDON).isoformat()


def party_id(code: str) -> str:
    return f"{NHS_SCHEME}-{code}"


def _party(org: Mapping[str, Any], roles: list[str]) -> dict:
    party: dict[str, Any] = {
        "id": party_id(org["code"]),
        "name": org["name"],
        "identifier": {"scheme": NHS_SCHEME, "id": org["code"], "legalName": org["name"]},
        "roles": roles,
    }
    address = {k: v for k, v in (("streetAddress", org.get("address")),
                                 ("postalCode", org.get("postcode"))) if v}  # fmt: skip
    if address:
        party["address"] = {**address, "countryName": "United Kingdom"}
    return party


def suppliers_of(facts: Mapping[str, Any]) -> list[dict]:
    """The providers a notice names: every one awarded under direct award B (``suppliers``),
    else the one (``supplier``, all that notices published before issue 20's fix carry)."""
    if facts.get("suppliers"):
        return list(facts["suppliers"])
    return [facts["supplier"]] if facts.get("supplier") else []


def release(notice: Mapping[str, Any], prefix: str) -> dict:
    """The release for one published notice: ``notice`` has its ``id``, ``process_id``,
    ``stage`` (intention or award), ``published_at`` (ISO date-time), ``title`` and ``facts``
    (as ``selection.services.notices`` keeps them)."""
    facts = notice["facts"]
    the_ocid = ocid(prefix, notice["process_id"])
    buyer = facts["buyer"]
    parties = [_party(buyer, ["buyer", "procuringEntity"])]
    suppliers = suppliers_of(facts)
    parties += [_party(supplier, ["supplier"]) for supplier in suppliers]
    route = facts["route"]
    weighted = {k: w for k, w in facts.get("criteria", {}).items() if w}
    tender: dict[str, Any] = {
        "id": f"{the_ocid}-tender",
        "title": facts["title"],
        "description": facts["description"],
        "status": "active" if notice["stage"] in ("intention", "withdrawal") else "complete",
        "procuringEntity": {"id": party_id(buyer["code"]), "name": buyer["name"]},
        "procurementMethod": METHOD[route],
        "procurementMethodDetails": f"{ROUTE_NAME[route]} (Provider Selection Regime)",
        "mainProcurementCategory": "services",
        "classification": {"scheme": "CPV", "id": facts["cpv"], "description": facts["cpv_label"]},
        "items": [
            {
                "id": "1",
                "description": facts["title"],
                "classification": {
                    "scheme": "CPV", "id": facts["cpv"], "description": facts["cpv_label"],
                },
            }
        ],
    }  # fmt: skip
    if route == "urgent_award" and facts.get("urgent_reasons"):
        tender["procurementMethodRationale"] = facts["urgent_reasons"]
    if weighted:
        tender["awardCriteria"] = "ratedCriteria"
        tender["awardCriteriaDetails"] = "The key criteria of regulation 5, weighted: " + ", ".join(
            f"{CRITERIA.get(k, k)} {w}%" for k, w in weighted.items()
        )
    award: dict[str, Any] = {
        "id": f"{the_ocid}-award-{facts['award_id']}",
        "title": notice["title"],
        "status": AWARD_STATUS[notice["stage"]],
        "date": _date_time(facts["decided_on"]),
    }
    if facts.get("value_pence") is not None:  # None: withheld as commercially confidential
        award["value"] = value(facts["value_pence"])
    if suppliers:
        award["suppliers"] = [{"id": party_id(o["code"]), "name": o["name"]} for o in suppliers]
    if facts.get("start") and facts.get("end"):
        award["contractPeriod"] = {
            "startDate": _date_time(facts["start"]),
            "endDate": _date_time(facts["end"]),
        }
    out: dict[str, Any] = {
        "ocid": the_ocid,
        "id": f"{the_ocid}-notice-{notice['id']}",
        "date": notice["published_at"],
        "tag": ["award"],
        "initiationType": "tender",
        "language": "en",
        "parties": parties,
        "buyer": {"id": party_id(buyer["code"]), "name": buyer["name"]},
        "tender": tender,
        "awards": [award],
    }
    if notice["stage"] == "withdrawal":
        out["tag"] = ["awardCancellation"]
    if notice["stage"] in ("award", "modification") and facts.get("start"):
        out["tag"] = ["award", "contract"]
        out["contracts"] = [
            {
                "id": f"{the_ocid}-contract-{facts['reference']}",
                "awardID": award["id"],
                "title": f"{facts['title']} ({facts['reference']})",
                "status": "active",
                "period": award["contractPeriod"],
            }
        ]
        if "value" in award:
            out["contracts"][0]["value"] = award["value"]
        if facts.get("signed_on"):
            out["contracts"][0]["dateSigned"] = _date_time(facts["signed_on"])
    amendment = facts.get("amendment")
    if notice["stage"] == "modification" and amendment:
        # A modification under regulation 13 (Schedule 12) or 14 (Schedule 14): the contract
        # as modified, and the amendment.
        out["tag"] = ["contractAmendment"]
        del out["awards"]
        changed = f"the value changed by {amount(amendment['value_change_pence'])} GBP."
        rationale = (
            "Urgent modification in reliance on regulation 14 of SI 2023/1348: "
            f"{facts['urgent_reasons'].rstrip('.')}; {changed}"
            if facts.get("schedule") == 14
            else "Modification without a new procurement (regulation 13 of SI 2023/1348); "
            + changed
        )
        out["contracts"][0]["amendments"] = [
            {
                "id": f"{the_ocid}-amendment-{amendment['number']}",
                "date": _date_time(amendment["date"]),
                "description": amendment["description"],
                "rationale": rationale,
            }
        ]
    return out


LICENSE = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"


def _package(
    what: str, items: Sequence[dict], uri: str, published: str, publisher: Mapping[str, str]
) -> dict:
    """A release or record package: the metadata every package carries, then its items."""
    return {"uri": uri, "version": VERSION, "publishedDate": published,
            "publisher": dict(publisher), "license": LICENSE, what: list(items)}  # fmt: skip


def release_package(
    releases: Sequence[dict], uri: str, published: str, publisher: Mapping[str, str]
) -> dict:
    return _package("releases", releases, uri, published, publisher)


@cache
def _merger() -> Merger:
    """The merge rules of the shipped release schema (read once; nothing fetched)."""
    return Merger(schema=json.loads((SCHEMA_DIR / "release-schema.json").read_text()))


def record(releases: Iterable[dict]) -> dict:
    """The record of one contracting process: its releases, and the compiled release that says
    where the process stands (``ocdsmerge``)."""
    ordered = sorted(releases, key=lambda r: (r["date"], r["id"]))
    if not ordered:
        raise ValueError("a record needs at least one release")
    return {
        "ocid": ordered[0]["ocid"],
        "releases": ordered,
        "compiledRelease": _merger().create_compiled_release(ordered),
    }


def record_package(
    records: Sequence[dict], uri: str, published: str, publisher: Mapping[str, str]
) -> dict:
    return _package("records", records, uri, published, publisher)
