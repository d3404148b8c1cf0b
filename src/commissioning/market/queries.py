"""What the market pages read and nothing writes: a stress test's result told in names."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from commissioning.engine.market import concentration
from commissioning.names import tidy_name
from commissioning.organisations.models import Organisation
from commissioning.organisations.permissions import current_memberships

from . import data
from .models import StressTest


def your_commissioners(user, market: data.Market) -> set[str]:
    """The commissioners whose small areas this person's work is about: the organisations
    they work for, and the integrated care boards under a region they work for, that have
    small areas in the market."""
    mine = {m.organisation.code for m in current_memberships(user)}
    below = Organisation.objects.filter(parent__code__in=mine).values_list("code", flat=True)
    present = set(market.areas["commissioner_code"].unique().to_list())
    return (mine | set(below)) & present


def provider_shares_for(market: data.Market, commissioners: set[str]) -> pl.DataFrame:
    """Each provider's share of the patients of these commissioners' small areas."""
    areas = market.areas.filter(pl.col("commissioner_code").is_in(list(commissioners)))
    flows = market.flows.filter(pl.col("area").is_in(areas["area"].implode()))
    return concentration.provider_shares(flows)


@dataclass(frozen=True)
class Outcome:
    """A single scenario's result told in names: where the failed provider's patients go,
    who is full because of it, the capacity cut applied, and the journeys."""

    failed: list[str]
    cuts: list[tuple[str, float, bool]]  # (name, fraction, full after the cut)
    displaced: float
    took_on: list[dict]  # name, code, patients, full
    unmet: float
    newly_full: list[str]
    already_full: int
    mean_km: float
    baseline_mean_km: float
    extra_patient_km: float


def outcome(test: StressTest, market: data.Market) -> Outcome | None:
    """None for a result stored before the model said where patients go (it would read as
    nobody moving): the page then shows what that result holds."""
    names = dict(zip(market.providers["code"], market.providers["name"], strict=True))

    def name(code: str) -> str:
        return tidy_name(names.get(code, code))

    r = test.results[0]
    if "took_on" not in r:
        return None
    full = set(r["providers_at_capacity"])
    newly = r.get("newly_full", [])
    return Outcome(
        failed=[name(c) for c in r["failed"]],
        cuts=[(name(c), f, c in full) for c, f in r["cuts"].items()],
        displaced=r.get("displaced", 0.0),
        took_on=[
            {
                "name": name(t["provider"]),
                "code": t["provider"],
                "patients": t["patients"],
                "full": t["provider"] in full,
            }
            for t in r.get("took_on", [])
        ],
        unmet=r.get("extra_unmet", r["unmet_demand"]),
        newly_full=[name(c) for c in newly],
        already_full=len(full) - len(newly),
        mean_km=r.get("mean_km", 0.0),
        baseline_mean_km=test.baseline.get("mean_km", 0.0),
        extra_patient_km=r["extra_patient_km"],
    )
