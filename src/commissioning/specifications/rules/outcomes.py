"""The NHS Outcomes Framework: its five domains, and what counts as an improvement.

Source: NHS Outcomes Framework indicators (HSCIC; editions 2013/14 to March 2022), docs/domain.md
section 1. The framework has five domains:

1. Preventing people from dying prematurely
2. Enhancing quality of life for people with long-term conditions
3. Helping people to recover from episodes of ill health or following injury
4. Ensuring that people have a positive experience of care
5. Treating and caring for people in a safe environment and protecting them from avoidable harm

Seed document 000 (Recommendation 130's response, on commissioning for quality) names three
dimensions: services that are safe, clinically effective and give patients a positive
experience. Reading domains 1 to 3 as clinical effectiveness, domain 4 as patient experience
and domain 5 as safety is the platform's own mapping. Indicators are versioned data
(framework year, code, title, domain), not constants, because their codes and names change
from one edition to the next.

An outcome in a specification commits the provider to move an indicator from a baseline to a
target by a date; the target must be an improvement in the indicator's direction.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

DOMAINS: dict[int, str] = {
    1: "Preventing people from dying prematurely",
    2: "Enhancing quality of life for people with long-term conditions",
    3: "Helping people to recover from episodes of ill health or following injury",
    4: "Ensuring that people have a positive experience of care",
    5: "Treating and caring for people in a safe environment and protecting them from "
    "avoidable harm",
}


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher"
    LOWER_IS_BETTER = "lower"

    @property
    def label(self) -> str:
        return "Higher is better" if self is Direction.HIGHER_IS_BETTER else "Lower is better"


class QualityDimension(StrEnum):
    """The three dimensions of quality (safe, effective, positive experience)."""

    SAFE = "safe"
    EFFECTIVE = "effective"
    EXPERIENCE = "experience"

    @property
    def label(self) -> str:
        return {
            QualityDimension.SAFE: "Safe",
            QualityDimension.EFFECTIVE: "Clinically effective",
            QualityDimension.EXPERIENCE: "Positive experience",
        }[self]


def domain_title(domain: int) -> str:
    if domain not in DOMAINS:
        raise ValueError(f"the NHS Outcomes Framework has domains 1 to 5, not {domain}")
    return DOMAINS[domain]


def quality_dimension(domain: int) -> QualityDimension:
    """Domains 1-3 are clinical effectiveness, 4 patient experience, 5 safety."""
    domain_title(domain)
    if domain <= 3:
        return QualityDimension.EFFECTIVE
    if domain == 4:
        return QualityDimension.EXPERIENCE
    return QualityDimension.SAFE


def target_problem(direction: Direction, baseline: Decimal, target: Decimal) -> str | None:
    """Why a target is not an improvement on its baseline, or ``None`` if it is.

    A target equal to the baseline commits the provider to nothing, so it is refused too.
    """
    if direction is Direction.HIGHER_IS_BETTER and target <= baseline:
        return (
            f"For this indicator higher is better, so the target must be above the baseline "
            f"({baseline})"
        )
    if direction is Direction.LOWER_IS_BETTER and target >= baseline:
        return (
            f"For this indicator lower is better, so the target must be below the baseline "
            f"({baseline})"
        )
    return None
