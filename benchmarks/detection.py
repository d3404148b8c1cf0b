"""Benchmark: how soon each method detects a failing provider, and how often it cries wolf.

On a synthetic economy (two years of national volumes by default) with failures injected at
known providers from the first month of the second year, at odds ratios of death of 1.25, 1.5
and 2, three methods watch the second year (STATISTICS.md section 5):

- SPC of crude 30-day mortality: a monthly XmR chart per provider (improvement "decrease"),
  limits fixed on the first year's 12 months; an alarm is a month that starts a run of
  special-cause concern (a point outside the limits, a shift, a trend or two of three near
  the limit);
- the quarterly SHMI funnel: each quarter's observed / expected deaths per provider (one
  logistic model per diagnosis group, fitted on both years), banded with the SHMI
  overdispersion method; an alarm is "higher than expected" at 95% (the SHMI band), known at
  the end of the quarter;
- the risk-adjusted CUSUM (monthly; R_A = 2 as the Imperial alerts, and R_A = 1.25) started
  at the first month of the second year, with thresholds simulated per provider for a 1%
  chance of a false alarm in the year.

Detection delay is months from the start of the failure to the first alarm, counting the month
of the alarm (a failure flagged in its first month has delay 1); a failure not flagged within
the year counts as later than 12 months. False alarms per provider-year are the alarms raised
for the providers without a failure in the second year.

Usage: ``python benchmarks/detection.py [--spells 20000000] [--per-ratio 10] [--seed 1]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

from commissioning.engine.quality.funnel import HIGHER, Method, Overdispersion, funnel_numpy
from commissioning.engine.quality.shmi import ShmiOptions, monthly_cusum, monthly_thresholds, shmi
from commissioning.engine.quality.spc import Improvement, SpcOptions, spc_polars

REPO = Path(__file__).resolve().parents[1]
RATIOS = (1.25, 1.5, 2.0)
START = "2021-04"
FAIL_FROM = "2022-04"


def generate(folder: Path, spells: int, injections: list[str], seed: int) -> None:
    marker = folder / "injections.json"
    wanted = {"spells": spells, "injections": injections, "seed": seed}
    if marker.exists() and json.loads(marker.read_text()) == wanted:
        return
    command = [sys.executable, "-m", "commissioning.cli", "synth", "--spells", str(spells),
               "--years", "2", "--seed", str(seed), "--start", START, "--out", str(folder)]  # fmt: skip
    for text in injections:
        command += ["--inject", text]
    print(f"Generating {2 * spells:,} synthetic spells with {len(injections)} failures…")
    subprocess.run(command, check=True)
    marker.write_text(json.dumps(wanted))


def first_alarm(flags: np.ndarray) -> float:
    hits = np.flatnonzero(flags)
    return float(hits[0] + 1) if len(hits) else np.inf


def onsets(flags: np.ndarray) -> int:
    """Alarms that start (flagged now, not flagged the month before)."""
    previous = np.concatenate([[False], flags[:-1]])
    return int((flags & ~previous).sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spells", type=int, default=20_000_000, help="spells per year")
    parser.add_argument("--per-ratio", type=int, default=10, help="failing providers per ratio")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", type=Path, default=None)
    args = parser.parse_args()
    data = args.data or REPO / "var" / "bench" / f"detection-{args.spells // 1_000_000}m"

    from commissioning.engine.synth import load_providers

    reference = REPO / "data" / "reference"
    codes = sorted(
        p.code
        for p in load_providers(reference / "nhs_trusts.csv", reference / "ae_attendances.csv")
    )
    rng = np.random.default_rng(args.seed)
    chosen = rng.choice(codes, size=args.per_ratio * len(RATIOS), replace=False)
    failing = {str(c): RATIOS[i // args.per_ratio] for i, c in enumerate(chosen)}
    generate(data, args.spells, [f"{c}:{FAIL_FROM}:{r}" for c, r in failing.items()], args.seed)

    started = time.perf_counter()
    result = shmi(data / "spells", ShmiOptions(reporting_months=12))
    monthly = result.monthly.sort("provider_code", "month")
    providers = monthly["provider_code"].unique(maintain_order=True).to_list()
    months = monthly["month"].unique(maintain_order=True).to_list()
    assert months[12] == FAIL_FROM, months[:13]
    shape = (len(providers), len(months))

    def grid(column: str) -> np.ndarray:
        return monthly[column].to_numpy().reshape(shape)

    spells, observed, expected, increment = (
        grid(c) for c in ("spells", "observed", "expected", "increment")
    )
    year2 = slice(12, 24)

    # SPC of crude mortality, limits fixed on the first year.
    crude = pl.DataFrame(
        {
            "group": np.repeat(providers, len(months)),
            "period": np.tile(np.arange(len(months)), len(providers)),
            "value": (observed / np.maximum(spells, 1)).ravel(),
        }
    )
    points = spc_polars(crude, SpcOptions(improvement=Improvement.DECREASE, fix_after_n_points=12))
    concern = (points["point_type"] == "special_cause_concern").to_numpy().reshape(shape)[:, year2]

    # Quarterly SHMI funnel.
    funnel_flags = np.zeros((len(providers), 12), dtype=bool)
    for q in range(4):
        months_q = slice(12 + 3 * q, 15 + 3 * q)
        o, e = observed[:, months_q].sum(1), expected[:, months_q].sum(1)
        banded = funnel_numpy(providers, o, e, Method.RATIO, Overdispersion.SHMI)
        funnel_flags[:, 3 * q + 2] = [r.band_95 == HIGHER for r in banded.rows]

    methods = {
        "SPC, crude mortality (monthly XmR)": concern,
        "SHMI funnel (quarterly, 95%)": funnel_flags,
    }
    # Risk-adjusted CUSUM over the second year, for R_A = 2 (the Imperial alerts) and for an
    # alternative as small as the smallest failure.
    for odds_ratio in (2.0, 1.25):
        if odds_ratio != 2.0:
            other = shmi(data / "spells", ShmiOptions(reporting_months=12, odds_ratio=odds_ratio))
            increment = (
                other.monthly.sort("provider_code", "month")["increment"].to_numpy().reshape(shape)
            )
        log_terms = observed[:, year2] * np.log(odds_ratio) - increment[:, year2]
        h, _ = monthly_thresholds(
            spells[:, year2], expected[:, year2], log_terms, odds_ratio, 0.01, seed=args.seed
        )
        _, flags = monthly_cusum(increment[:, year2], h)
        methods[f"Risk-adjusted CUSUM (monthly, R_A = {odds_ratio:g}, 1%/year)"] = flags
    seconds = time.perf_counter() - started

    index = {p: i for i, p in enumerate(providers)}
    controls = [index[p] for p in providers if p not in failing]
    print(
        f"Detection benchmark: {result.spells:,} spells over 2 years, {len(providers)} providers; "
        f"{args.per_ratio} failing providers per odds ratio from {FAIL_FROM}; "
        f"{len(controls)} in control; analysis {seconds:.1f} s"
    )
    header = (
        "| Method | " + " | ".join(f"OR {r:g}: median delay (found)" for r in RATIOS)
        + " | False alarms per provider-year |"
    )  # fmt: skip
    print(header)
    print("|" + "---|" * (len(RATIOS) + 2))
    for name, flags in methods.items():
        cells = []
        for ratio in RATIOS:
            rows = [index[p] for p, r in failing.items() if r == ratio and p in index]
            delays = np.array([first_alarm(flags[i]) for i in rows])
            median = float(np.median(delays))
            found = int(np.isfinite(delays).sum())
            cells.append(f"{median:g} months ({found}/{len(rows)})" if np.isfinite(median)
                         else f">12 months ({found}/{len(rows)})")  # fmt: skip
        false = sum(onsets(flags[i]) for i in controls) / len(controls)
        print(f"| {name} | " + " | ".join(cells) + f" | {false:.3f} |")


if __name__ == "__main__":
    main()
