"""Benchmark: the resilience model at England scale.

About 33,000 synthetic small areas around every acute trust with an A&E department (the real
trusts and locations), a 50 km threshold. Ours: the model built once, the no-failure baseline
solved, then every single-provider failure warm-started from the baseline's basis with column
generation (``commissioning.engine.market.resilience``). Baseline, measured in the same run:
the same scenarios solved from scratch with HiGHS, every pair within reach a column (the full
LP as the issue states it). Solving all of them from scratch would take most of an hour, so
the from-scratch time is measured on a sample of scenarios spread over the providers' sizes
and the sweep's from-scratch time is projected from it; every sampled scenario's optimum is
checked to agree to 1e-6.

Targets (issue 5): one failure scenario in under 2 seconds; the sweep over every
single-provider failure in under 60 seconds on this 2-core machine.

    .venv/bin/python benchmarks/market.py [--areas 33000] [--sample 6]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from commissioning.engine.market import resilience as rs  # noqa: E402
from commissioning.engine.market.synthetic import synthetic_market  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--areas", type=int, default=33_000)
    parser.add_argument("--sample", type=int, default=6)
    parser.add_argument("--max-km", type=float, default=50.0)
    args = parser.parse_args()

    providers, demand = synthetic_market(REPO / "data" / "reference", areas=args.areas)
    p = rs.providers_from_columns(
        providers["code"], providers["easting"], providers["northing"], providers["capacity"]
    )
    a = rs.areas_from_columns(
        demand["area"], demand["easting"], demand["northing"], demand["demand"]
    )
    print(
        f"Resilience benchmark: {len(a.codes):,} areas, {len(p.codes)} acute trusts, "
        f"{args.max_km:g} km threshold, total demand {a.demand.sum():,.0f}"
    )

    started = time.perf_counter()
    model = rs.ResilienceModel(p, a, rs.Options(max_km=args.max_km))
    built = time.perf_counter() - started
    base = model.solve()
    setup = time.perf_counter() - started
    print(
        f"model: {model.n_pairs:,} pairs within reach; built in {built:.2f} s; baseline "
        f"solved in {base.seconds:.2f} s with {len(model.columns):,} columns "
        f"({base.unmet_demand:,.0f} unmet, {len(base.at_capacity)} trusts full)"
    )

    sweep_started = time.perf_counter()
    results = model.sweep()
    sweep = time.perf_counter() - sweep_started
    times = sorted(r.seconds for r in results)
    by_code = {r.scenario.fail[0]: r for r in results}
    print(
        f"ours, every single failure warm-started ({rs.SWEEP_WORKERS} threads): sweep {sweep:.1f} s for {len(results)} "
        f"scenarios ({setup + sweep:.1f} s with building and the baseline); per scenario "
        f"median {statistics.median(times):.2f} s, 90th percentile "
        f"{times[int(0.9 * len(times))]:.2f} s, slowest {times[-1]:.2f} s "
        f"({max(results, key=lambda r: r.seconds).scenario.name})"
    )

    # One scenario on its own (the sweep runs two at a time): the five slowest of the sweep.
    slowest = sorted(results, key=lambda r: -r.seconds)[:5]
    alone = [(r.scenario.fail[0], model.solve(r.scenario).seconds) for r in slowest]
    worst_code, worst_alone = max(alone, key=lambda ct: ct[1])
    print(
        "ours, one scenario alone (the five slowest of the sweep): "
        + ", ".join(f"{c} {t:.2f} s" for c, t in alone)
    )
    # The slowest scenario from scratch too: the target scenario's own baseline.
    cold_worst = model.solve_cold(model.scenario([worst_code]))
    print(
        f"the slowest scenario ({worst_code}) from scratch: {cold_worst.seconds:.2f} s; ours "
        f"alone {worst_alone:.2f} s, {cold_worst.seconds / worst_alone:.1f}x"
    )

    # From scratch, on a sample spread over the providers' capacities.
    order = sorted(p.codes, key=lambda c: p.capacity[model.index[c]])
    step = max(1, len(order) // args.sample)
    sample = order[step // 2 :: step][: args.sample]
    cold_times, warm_times = [], []
    worst = abs(cold_worst.objective - by_code[worst_code].objective) / abs(cold_worst.objective)
    for code in sample:
        cold = model.solve_cold(model.scenario([code]))
        warm = by_code[code]
        worst = max(worst, abs(cold.objective - warm.objective) / abs(cold.objective))
        cold_times.append(cold.seconds)
        warm_times.append(warm.seconds)
        print(
            f"  {code}: from scratch {cold.seconds:.2f} s, ours {warm.seconds:.2f} s; "
            f"extra patient-km {warm.extra_patient_km:,.0f}, unmet {warm.unmet_demand:,.0f}"
        )
    cold_mean = statistics.mean(cold_times)
    print(
        f"baseline, from scratch (sample of {len(sample)}): mean {cold_mean:.2f} s per "
        f"scenario; the sweep projected at {cold_mean * len(results):.0f} s"
    )
    print(f"largest relative difference in the optimum, ours against from scratch: {worst:.1e}")
    print(
        f"ratio, from scratch / ours: per scenario on the sample "
        f"{cold_mean / statistics.mean(warm_times):.1f}x; sweep "
        f"{cold_mean * len(results) / sweep:.1f}x"
    )
    one = "met" if worst_alone < 2 else "NOT met"
    whole = "met" if sweep < 60 else "NOT met"
    print(
        f"targets: one scenario under 2 s: {one} (slowest alone {worst_alone:.2f} s); "
        f"sweep under 60 s: {whole} ({sweep:.1f} s, {rs.SWEEP_WORKERS} threads)"
    )


if __name__ == "__main__":
    main()
