"""The Integrated Personal Commissioning cohort (docs/domain.md section 7): people with multiple
long-term conditions, people with severe and enduring mental illness, and people with complex
learning disabilities or autism; the IPC operating model is meant for about 5% of a
population.

The synthetic economy has no person-level records, only each small area's residents by age
band and sex and its deprivation decile. The person-level model below draws, for every
resident, a number of long-term conditions and the other conditions, with probabilities that
depend on age and deprivation. Because a person's conditions are drawn independently given
their area, age band and sex, the number of residents of a cell who meet the cohort rule is
exactly Binomial(n, p_cell) with p_cell = 1 - prod(1 - p_group): the engine draws those
counts directly (one draw per cell, not one per person), which is the same distribution as
simulating every person and counting, at a fraction of the cost.

The prevalences are *assumptions chosen to look plausible* (of the order of the QOF registers:
severe mental illness about 1%, learning disability about 0.5%; multimorbidity rising steeply
with age and deprivation), not estimates: the share the rule selects is reported against the
5% planning ratio, not tuned to it."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl
from scipy.stats import poisson

# Age band mid-points of the synthetic economy's 20 bands (0, 1-4, 5-9, ..., 85-89, 90+).
BAND_MIDS = np.array([0.5, 3.0, *(a + 2.5 for a in range(5, 90, 5)), 92.5])


@dataclass(frozen=True)
class Assumptions:
    # Mean number of long-term conditions: base + top / (1 + exp(-(age - mid) / scale)).
    ltc_base: float = 0.03
    ltc_top: float = 3.2
    ltc_mid: float = 70.0
    ltc_scale: float = 12.0
    # Relative increase per decile more deprived than the middle (decile 5.5).
    deprivation_gradient: float = 0.04
    smi_prevalence: float = 0.0095  # adults 18+
    learning_disability: float = 0.005
    complex_autism: float = 0.003


ASSUMPTIONS = Assumptions()


@dataclass(frozen=True)
class CohortRule:
    """Who is in the cohort: at least ``min_conditions`` long-term conditions, or severe
    mental illness, or a learning disability, or autism with complex needs."""

    min_conditions: int = 3
    groups: tuple[str, ...] = field(
        default=("multiple_conditions", "severe_mental_illness", "learning_disability_autism")
    )


def area_probabilities(
    deprivation: np.ndarray, rule: CohortRule = CohortRule(), a: Assumptions = ASSUMPTIONS
) -> dict[str, np.ndarray]:
    """Per (area, age band) the probability that a resident is in each group and in the
    cohort (any group). ``deprivation``: decile per area, 1 most deprived."""
    dep = 1.0 + a.deprivation_gradient * (5.5 - np.asarray(deprivation, dtype=float))[:, None]
    mean = (a.ltc_base + a.ltc_top / (1.0 + np.exp(-(BAND_MIDS - a.ltc_mid) / a.ltc_scale))) * dep
    multi = poisson.sf(rule.min_conditions - 1, mean)
    adult = (BAND_MIDS >= 18).astype(float)
    smi = np.clip(a.smi_prevalence * dep * adult, 0, 1)
    ld = np.clip(np.broadcast_to(a.learning_disability + a.complex_autism, multi.shape) * dep, 0, 1)
    groups = {
        "multiple_conditions": multi,
        "severe_mental_illness": smi,
        "learning_disability_autism": ld,
    }
    none = np.ones_like(multi)
    for g in rule.groups:
        none = none * (1.0 - groups[g])
    return {**{g: groups[g] for g in rule.groups}, "cohort": 1.0 - none}


def cohort_by_commissioner(
    areas: pl.DataFrame, seed: int = 7, rule: CohortRule = CohortRule(), chunk: int = 5_000
) -> pl.DataFrame:
    """Per commissioner: population, the cohort and each group (a person may be in more than
    one group), the cohort's share. ``areas``: the synthetic economy's areas (code,
    commissioner_code, deprivation_decile, male and female residents by age band). Streams
    the areas in chunks."""
    rng = np.random.default_rng(seed)
    names = [*rule.groups, "cohort"]
    totals: dict[str, dict[str, int]] = {}
    for start in range(0, areas.height, chunk):
        part = areas.slice(start, chunk)
        people = np.asarray(part["male"].to_list()) + np.asarray(part["female"].to_list())
        probs = area_probabilities(part["deprivation_decile"].to_numpy(), rule)
        counts = {g: rng.binomial(people.astype(np.int64), probs[g]).sum(axis=1) for g in names}
        frame = pl.DataFrame(
            {
                "commissioner_code": part["commissioner_code"],
                "population": people.sum(axis=1),
                **counts,
            }
        )
        for row in frame.group_by("commissioner_code").sum().iter_rows(named=True):
            acc = totals.setdefault(
                row["commissioner_code"], dict.fromkeys(["population", *names], 0)
            )
            for k in acc:
                acc[k] += int(row[k])
    out = pl.DataFrame([{"commissioner_code": c, **v} for c, v in sorted(totals.items())])
    if out.is_empty():
        return out
    return out.with_columns(share=pl.col("cohort") / pl.col("population"))
