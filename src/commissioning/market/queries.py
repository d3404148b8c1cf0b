"""What the market pages read and nothing writes: a stress test's result told in names."""

from __future__ import annotations

from dataclasses import dataclass

from commissioning.names import tidy_name

from . import data
from .models import StressTest


@dataclass(frozen=True)
class Outcome:
    """A single scenario's result told in names: where the failed provider's patients go,
    who is full because of it, the capacity cut applied, and the journeys."""

    failed: list[str]
    cuts: list[tuple[str, float]]  # (name, fraction)
    displaced: float
    took_on: list[dict]  # name, code, patients, full
    unmet: float
    newly_full: list[str]
    already_full: int
    mean_km: float
    baseline_mean_km: float
    extra_patient_km: float


def outcome(test: StressTest, market: data.Market) -> Outcome:
    names = dict(zip(market.providers["code"], market.providers["name"], strict=True))

    def name(code: str) -> str:
        return tidy_name(names.get(code, code))

    r = test.results[0]
    full = set(r["providers_at_capacity"])
    newly = r.get("newly_full", [])
    return Outcome(
        failed=[name(c) for c in r["failed"]],
        cuts=[(name(c), f) for c, f in r["cuts"].items()],
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
