"""Benchmark: the IPC cohort of the synthetic England (issue 7 sets no target number).

Baseline, measured in the same run: simulate every resident one by one (each group drawn for
each person, in chunks of areas so memory stays bounded) and count the cohort per
commissioner. Ours: one binomial draw per area x age band x group (``engine.ipc``), which has
the same distribution (tested). Prints both times, the ratio, and the two cohort shares (they
differ only by sampling noise).

    .venv/bin/python benchmarks/ipc.py [--areas 33000]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import polars as pl

from commissioning.engine.ipc import CohortRule, area_probabilities, cohort_by_commissioner
from commissioning.engine.synth import SynthConfig, load_age_sex_structure, load_providers
from commissioning.engine.synth.economy import build_economy
from commissioning.engine.synth.generate import _tables

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference"


def person_by_person(areas: pl.DataFrame, seed: int = 7, chunk: int = 500) -> tuple[int, int]:
    """(population, cohort) by drawing each resident's groups one by one."""
    rng = np.random.default_rng(seed)
    rule = CohortRule()
    population = cohort = 0
    for start in range(0, areas.height, chunk):
        part = areas.slice(start, chunk)
        people = np.asarray(part["male"].to_list()) + np.asarray(part["female"].to_list())
        probs = area_probabilities(part["deprivation_decile"].to_numpy(), rule)
        counts = people.astype(np.int64).ravel()
        member = np.zeros(counts.sum(), dtype=bool)
        for g in rule.groups:
            p = np.repeat(probs[g].ravel(), counts)  # each person's probability
            member |= rng.random(p.size) < p
        population += int(counts.sum())
        cohort += int(member.sum())
    return population, cohort


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--areas", type=int, default=33_000)
    args = parser.parse_args()
    economy = build_economy(
        SynthConfig(areas=args.areas, seed=3, spells_per_year=1, years=1),
        load_providers(REFERENCE / "nhs_trusts.csv", REFERENCE / "ae_attendances.csv"),
        load_age_sex_structure(REFERENCE / "ons_uk_population_2023.csv"),
    )
    areas = _tables(economy)["areas"]
    t = time.perf_counter()
    population, cohort = person_by_person(areas)
    baseline = time.perf_counter() - t
    t = time.perf_counter()
    table = cohort_by_commissioner(areas)
    ours = time.perf_counter() - t
    print(f"areas {areas.height:,}; residents {population:,}")
    print(f"baseline: person by person  {baseline:8.2f} s  cohort share {cohort / population:.4%}")
    share = table["cohort"].sum() / table["population"].sum()
    print(f"ours: one draw per cell     {ours:8.2f} s  cohort share {share:.4%}")
    print(f"ratio baseline / ours: {baseline / ours:.1f}x")


if __name__ == "__main__":
    main()
