"""NHS Continuing Healthcare: the Decision Support Tool's indication (docs/domain.md section 6,
[P DST-gov, CareAdvocate]: the DST guidance, partly verified).

Needs are rated in twelve care domains as No needs, Low, Moderate, High, Severe or Priority.
Eligibility is likely where there is a Priority rating in any domain, or Severe ratings in two
or more domains. Otherwise there is no points threshold: the team judges on the nature,
complexity, intensity and unpredictability of the needs. The domains' names are [U] in
section 6; the highest level each domain allows (below) is the platform's reading, not in the
docs. That the tool only indicates and the recorded professional judgement decides is the
platform's reading of "the team judges".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum


class Level(IntEnum):
    NO_NEEDS = 0
    LOW = 1
    MODERATE = 2
    HIGH = 3
    SEVERE = 4
    PRIORITY = 5

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").capitalize()


# Domain: the highest level the tool allows in it. The names are [U] (docs/domain.md section
# 6); the maximums are the platform's reading, not in the docs.
DOMAINS: dict[str, Level] = {
    "breathing": Level.PRIORITY,
    "nutrition": Level.SEVERE,
    "continence": Level.HIGH,
    "skin_integrity": Level.SEVERE,
    "mobility": Level.SEVERE,
    "communication": Level.HIGH,
    "psychological_emotional": Level.HIGH,
    "cognition": Level.SEVERE,
    "behaviour": Level.PRIORITY,
    "drug_therapies_medication": Level.PRIORITY,
    "altered_states_of_consciousness": Level.PRIORITY,
    "other_significant_care_needs": Level.SEVERE,
}


@dataclass(frozen=True)
class Indication:
    likely_eligible: bool
    reason: str


def problems(ratings: Mapping[str, Level]) -> dict[str, str]:
    """Every domain rated once, at a level the domain has."""
    out = {}
    for domain, ceiling in DOMAINS.items():
        if domain not in ratings:
            out[domain] = "Rate this domain (No needs if there are none)"
        elif ratings[domain] > ceiling:
            out[domain] = f"The highest level in this domain is {ceiling.label}"
    for domain in ratings:
        if domain not in DOMAINS:
            out[domain] = "Not a care domain of the Decision Support Tool"
    return out


def indicate(ratings: Mapping[str, Level]) -> Indication:
    priority = [d for d, level in ratings.items() if level == Level.PRIORITY]
    severe = [d for d, level in ratings.items() if level == Level.SEVERE]
    if priority:
        return Indication(True, f"A Priority need ({priority[0].replace('_', ' ')})")
    if len(severe) >= 2:
        return Indication(True, f"Severe needs in {len(severe)} domains")
    return Indication(
        False,
        "No Priority need and fewer than two Severe: the team judges on "
        "the nature, intensity, complexity and unpredictability of the needs",
    )
