"""Benchmark: the SHMI pipeline on national volumes, ours against a straightforward baseline.

Both compute the same indirect standardisation (STATISTICS.md section 3) on the same Parquet
file of spells (one year of English admissions, 20 million by default, from the synthetic
economy) and are measured in the same run, each in its own process so that its peak resident
memory (ru_maxrss) is its own:

- baseline: DuckDB SQL counts spells and deaths per risk cell (GROUP BY), statsmodels fits one
  logistic GLM per diagnosis group on those cells (as one would first write it), the cell
  probabilities go back into DuckDB and are joined to every spell to sum observed and
  expected deaths per provider and month;
- ours: ``commissioning.engine.quality.shmi`` (packed integer keys and bincount, every group
  fitted at once, an array gather instead of the join).
Both then band SHMI with the same funnel code and run the same monthly CUSUM. The benchmark
prints both times and peak memory, the ratio, and the largest difference between the two
engines' expected deaths per provider (they must agree).

Usage: ``python benchmarks/quality.py [--spells 20000000] [--data var/bench/spells-20m]``.
The spells are generated once into ``--data`` and reused.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

OURS = r"""
import json, resource, sys, time
from commissioning.engine.quality.shmi import shmi  # imported before the clock starts
from commissioning.engine.quality.warning import table
path = sys.argv[1]
times = []
for _ in range(int(sys.argv[2])):
    table.cache_clear()  # every run reads the early warning's tables from the cache directory
    t = time.perf_counter()
    result = shmi(path)
    times.append(time.perf_counter() - t)
print(json.dumps({"seconds": sorted(times)[len(times) // 2], "all": times,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "expected": dict(zip(result.providers["provider_code"],
                                       result.providers["expected"])),
                  "bands": result.providers["band"].value_counts().rows(),
                  "alerts": result.alerts.height,
                  "warning_alerts": result.warning.alerts.height}))
"""

BASELINE = r"""
import json, math, resource, sys, time
import duckdb, numpy as np, pandas as pd, polars as pl, statsmodels.api as sm
from commissioning.engine.quality.funnel import funnel_numpy
from commissioning.engine.quality.shmi import monthly_cusum, monthly_thresholds
path = sys.argv[1]
keys = ["age_band", "sex", "admission_method", "month", "charlson_band", "year_index"]
t = time.perf_counter()
con = duckdb.connect()
src = f"read_parquet('{path}/*.parquet')"
cells = con.sql(f"SELECT diagnosis_group, {', '.join(keys)}, count(*) AS n, "
                f"sum(died_30d::INTEGER) AS d FROM {src} GROUP BY ALL").df()
parts = []
for group, frame in cells.groupby("diagnosis_group"):
    x = pd.get_dummies(frame[keys].astype("category"), drop_first=True, dtype=float)
    x.insert(0, "const", 1.0)
    fit = sm.GLM(frame["d"] / frame["n"], x, family=sm.families.Binomial(),
                 var_weights=frame["n"]).fit()
    parts.append(frame.assign(p=fit.predict(x)))
probs = pd.concat(parts)[["diagnosis_group", *keys, "p"]]
con.register("probs", probs)
monthly = con.sql(f"SELECT provider_code::VARCHAR AS provider_code, "
                  f"strftime(period, '%Y-%m') AS ym, count(*) AS n, "
                  f"sum(died_30d::INTEGER) AS o, sum(p) AS e, sum(ln(1 + p)) AS l "
                  f"FROM {src} JOIN probs USING (diagnosis_group, {', '.join(keys)}) "
                  f"GROUP BY ALL ORDER BY 1, 2").pl()
wide = {k: monthly.pivot(on="ym", index="provider_code", values=k).fill_null(0).sort("provider_code")
        for k in ("n", "o", "e", "l")}
codes = wide["n"]["provider_code"].to_list()
arr = {k: v.drop("provider_code").to_numpy().astype(float) for k, v in wide.items()}
last = slice(-12, None)
o, e = arr["o"][:, last].sum(1), arr["e"][:, last].sum(1)
funnel = funnel_numpy(codes, o, e, "ratio", "shmi")
h, _ = monthly_thresholds(arr["n"][:, last], arr["e"][:, last], arr["l"][:, last], 2.0, 0.01)
values, signals = monthly_cusum(arr["o"] * math.log(2) - arr["l"], h)
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "expected": dict(zip(codes, e.tolist())), "alerts": int(signals.sum())}))
"""


def run(code: str, *args) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def ensure_spells(folder: Path, spells: int) -> Path:
    manifest = folder / "manifest.json"
    if manifest.exists() and json.loads(manifest.read_text())["counts"]["spells"] == spells:
        return folder / "spells"
    print(f"Generating {spells:,} synthetic spells into {folder} (once)…", flush=True)
    subprocess.run(
        [sys.executable, "-m", "commissioning.cli", "synth", "--spells", str(spells),
         "--years", "1", "--out", str(folder)],
        check=True,
    )  # fmt: skip
    return folder / "spells"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spells", type=int, default=20_000_000)
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()
    data = args.data or REPO / "var" / "bench" / f"spells-{args.spells // 1_000_000}m"
    spells = ensure_spells(data, args.spells)
    print(f"SHMI pipeline benchmark: {args.spells:,} spells, one year, 2 cores")
    # An empty cache directory: the first run simulates the early warning's tables and keeps
    # them, as the first run on a machine does; the others read them (decision 068).
    os.environ["COMMISSIONING_CACHE_DIR"] = tempfile.mkdtemp(prefix="quality-cache-")
    ours = run(OURS, spells, args.repeats)
    print(
        f"ours (packed keys, all groups fitted at once, gather): {ours['seconds']:.2f} s "
        f"(median of {args.repeats}: {', '.join(f'{s:.2f}' for s in ours['all'])}), "
        f"peak {ours['peak_mb']:,.0f} MB; bands {ours['bands']}; {ours['alerts']} CUSUM alerts"
    )
    target = "met" if ours["seconds"] < 3 and ours["peak_mb"] < 2048 else "NOT met"
    print(f"target (under 3 s and under 2 GB): {target}")
    if args.skip_baseline:
        return
    base = run(BASELINE, spells)
    print(
        f"baseline (DuckDB GROUP BY + statsmodels per group + DuckDB join): "
        f"{base['seconds']:.2f} s, peak {base['peak_mb']:,.0f} MB; {base['alerts']} CUSUM alerts"
    )
    diff = max(abs(ours["expected"][c] - e) / e for c, e in base["expected"].items() if e > 0)
    print(f"largest relative difference in expected deaths per provider: {diff:.2e}")
    print(
        f"ratio, time baseline / ours: {base['seconds'] / ours['seconds']:.1f}x; "
        f"peak memory baseline / ours: {base['peak_mb'] / ours['peak_mb']:.1f}x"
    )


if __name__ == "__main__":
    main()
