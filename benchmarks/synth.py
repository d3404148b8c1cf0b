"""Benchmark: synthetic spells per second and peak memory, streaming vs two baselines.

Measured in one run on the same machine:
- baseline A, naive: a row-by-row pure-Python generator of the same model (``random`` and a
  per-spell loop, as one would first write it), timed on a sample and reported per second;
- baseline B, load-everything: the same vectorised generator with one chunk per year, so the
  whole year is held in memory before it is written;
- ours: the streaming generator (1,000,000-spell chunks appended to Parquet row groups).

Each generator runs in its own process so that its peak resident memory (ru_maxrss) is its own.
Usage: ``python benchmarks/synth.py [--spells 20000000] [--naive-sample 200000]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO / "data" / "reference"

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from commissioning.engine.synth import SynthConfig, generate, load_age_sex_structure, load_providers
ref, out, spells, chunk = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
providers = load_providers(ref / "nhs_trusts.csv", ref / "ae_attendances.csv")
age_sex = load_age_sex_structure(ref / "ons_uk_population_2023.csv")
config = SynthConfig(spells_per_year=spells, years=1, seed=1, chunk_size=chunk)
t = time.perf_counter()
manifest = generate(config, providers, age_sex, out)
seconds = time.perf_counter() - t
size = sum(p.stat().st_size for p in (out / "spells").glob("*.parquet"))
print(json.dumps({"seconds": seconds, "spells": manifest["counts"]["spells"],
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "parquet_mb": size / 2**20}))
"""

NAIVE = r"""
import csv, json, math, random, resource, sys, time
from pathlib import Path
from commissioning.engine.synth import SynthConfig, load_age_sex_structure, load_providers
from commissioning.engine.synth.economy import build_economy, age_log_odds
from commissioning.engine.synth import constants as C
ref, out, n = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
providers = load_providers(ref / "nhs_trusts.csv", ref / "ae_attendances.csv")
age_sex = load_age_sex_structure(ref / "ons_uk_population_2023.csv")
config = SynthConfig(spells_per_year=n, years=1, seed=1)
eco = build_economy(config, providers, age_sex)
rng = random.Random(1)
areas = list(range(len(eco.area_codes)))
pop = eco.area_population.tolist()
area_w = [sum(pop[a][b][s] * C.ADMISSION_RATE_BY_AGE[b] for b in range(C.N_AGE_BANDS) for s in (0, 1)) for a in areas]
cells = [(b, s) for b in range(C.N_AGE_BANDS) for s in (0, 1)]
t = time.perf_counter()
with open(out / "spells.csv", "w", newline="") as fh:
    w = csv.writer(fh)
    for i in range(n):
        a = rng.choices(areas, area_w)[0]
        b, s = rng.choices(cells, [pop[a][b][s] * C.ADMISSION_RATE_BY_AGE[b] for b, s in cells])[0]
        elective = rng.random() < C.ELECTIVE_SHARE_BY_AGE[b]
        d = rng.choices(range(config.diagnosis_groups), eco.diagnosis_freq[0 if elective else 1].tolist())[0]
        c = rng.choices(range(4), [0.5, 0.3, 0.15, 0.05])[0]
        m = rng.randrange(12)
        p = rng.choices(eco.choice_providers[a].tolist(), eco.choice_probs[a].tolist())[0]
        eta = (C.INTERCEPT + age_log_odds(b) + (C.MALE if s == 0 else 0) + (C.ELECTIVE if elective else 0)
               + C.CHARLSON[c] + eco.diagnosis_effect[d] + eco.provider_effect[p])
        risk = 1 / (1 + math.exp(-eta))
        w.writerow([i + 1, eco.area_codes[a], b, s + 1, 1 if elective else 2, d + 1, c, m, providers[p].code, risk, rng.random() < risk])
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "spells": n,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(code: str, *args) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spells", type=int, default=20_000_000)
    parser.add_argument("--naive-sample", type=int, default=200_000)
    parser.add_argument("--skip-load-everything", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        print(f"Synthetic spells benchmark: {args.spells:,} spells in one year, 2 cores")
        naive = run(NAIVE, REFERENCE, tmp, args.naive_sample)
        naive_rate = naive["spells"] / naive["seconds"]
        print(
            f"baseline A (row-by-row Python, {naive['spells']:,}-spell sample): "
            f"{naive_rate:,.0f} spells/s, peak {naive['peak_mb']:,.0f} MB"
        )
        (tmp / "spells.csv").unlink()
        load_all = None
        if not args.skip_load_everything:
            load_all = run(CHILD, REFERENCE, tmp / "all", args.spells, args.spells)
            print(
                f"baseline B (whole year in memory): {load_all['spells'] / load_all['seconds']:,.0f}"
                f" spells/s, {load_all['seconds']:.1f} s, peak {load_all['peak_mb']:,.0f} MB"
            )
            subprocess.run(["rm", "-rf", str(tmp / "all")], check=True)
        t = time.perf_counter()
        ours = run(CHILD, REFERENCE, tmp / "ours", args.spells, 1_000_000)
        wall = time.perf_counter() - t
        rate = ours["spells"] / ours["seconds"]
        print(
            f"ours (streaming, 1,000,000-spell chunks): {rate:,.0f} spells/s, "
            f"{ours['seconds']:.1f} s generating ({wall:.1f} s with start-up), "
            f"peak {ours['peak_mb']:,.0f} MB, Parquet {ours['parquet_mb']:,.0f} MB"
        )
        print(f"ratio, speed ours / baseline A: {rate / naive_rate:,.0f}x")
        if load_all:
            print(
                f"ratio, peak memory baseline B / ours: {load_all['peak_mb'] / ours['peak_mb']:.1f}x"
            )


if __name__ == "__main__":
    main()
