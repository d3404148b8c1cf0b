"""Benchmark: the SHMI pipeline on each engine, from one run on the same files (issue 23).

- 20 million spells, one year (``var/bench/spells-20m``, as benchmarks/quality.py): the Polars
  engine (``--engine polars``: Polars decoding, compiled passes, every group fitted at once;
  decision 064), the Spark engine in local mode on this machine (``--engine spark``), and the
  DuckDB + statsmodels baseline of benchmarks/quality.py. The Polars engine runs twice: like
  for like with the baseline (SHMI, its bands and the monthly CUSUM), and as the default
  pipeline, which adds the early warning;
- a 1-million-spell sample of them (its first million rows): the reference engine
  (``shmi_reference``: statsmodels on the rows), beside the other two;
- 100 million spells, five years (``var/bench/spells-100m``): every rolling 12-month window
  ending in each month of the five years, in one run (``ShmiOptions(rolling=True)``), on the
  Polars and the Spark engines.

Every engine runs in its own process (the Spark engine's includes its JVM), and its peak memory
is the largest resident set of that process and everything it started, sampled every 20 ms
(and, for a process without children, its own ru_maxrss where larger). Where an engine runs
more than once, the peak of its first run (the process's ru_maxrss then: a command run once) is
shown beside the peak over all its runs (a process that keeps running the pipeline holds more,
as freed memory is kept by the allocators). The time is the median run's (the baseline's: the
lower median of four runs, each in a fresh process, made before, between and after the Polars
engine's three), from
reading the files to the results, in a process that has imported what it needs; the Spark
session is started before the clock (once per process, as a cluster's is). The early warning's
tables depend on its options alone and are kept on disk once simulated (decision 068): every
run reads them from the cache directory (``COMMISSIONING_CACHE_DIR``, a new one for each run of
the benchmark, so the first run of the early warning simulates them), as every run after the
first on a machine does; they are also timed simulated afresh in every run (the cache emptied
before each). Each engine's expected deaths per provider are compared with the reference's or
the baseline's.

Usage: ``python benchmarks/engines.py [--repeats 3] [--skip-100m] [--skip-spark]``.
Data are generated once (20 million spells in about 15 s; 100 million in about 90 s).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from quality import BASELINE  # noqa: E402  (the same baseline as benchmarks/quality.py)

ENGINE = r"""
import gc, json, resource, shutil, sys, time
from commissioning.engine import cache
from commissioning.engine.quality.shmi import ShmiOptions, shmi  # imported before the clock
from commissioning.engine.quality.warning import table
path, engine, repeats, rolling = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
warning, afresh = sys.argv[5] == "1", sys.argv[6] == "1"
if engine == "spark":
    from commissioning.engine.spark import session
    session().range(1).count()  # the JVM up before the clock, as a cluster's would be
options = ShmiOptions(rolling=rolling) if warning else ShmiOptions(rolling=rolling, warning=None)
times, result, first_peak = [], None, None
for _ in range(repeats):
    table.cache_clear()  # the tables are read from the cache directory, as in a new process
    if afresh:  # or simulated: none kept
        shutil.rmtree(cache.directory(), ignore_errors=True)
    result = None  # the previous run's result is let go before the next run
    gc.collect()
    t = time.perf_counter()
    result = shmi(path, options, engine=engine)
    times.append(time.perf_counter() - t)
    if first_peak is None and engine != "spark":  # Spark's JVM is another process
        first_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": sorted(times)[len(times) // 2], "all": times,
                  "first_mb": first_peak,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "spells": result.spells,
                  "windows": 0 if result.windows is None else result.windows["window_to"].n_unique(),
                  "expected": dict(zip(result.providers["provider_code"],
                                       result.providers["expected"]))}))
"""

REFERENCE = r"""
import json, resource, sys, time
import polars as pl
from commissioning.engine.quality.reference import shmi_reference
frame = pl.read_parquet(sys.argv[1])
t = time.perf_counter()
result = shmi_reference(frame)
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "all": [seconds],
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "expected": dict(zip(result["provider_code"], result["expected"]))}))
"""


def measured(code: str, *args) -> dict:
    """Run ``code`` in a process; its JSON result with the peak memory of its process tree."""
    process = subprocess.Popen(
        [sys.executable, "-c", code, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        try:
            root = psutil.Process(process.pid)
        except psutil.NoSuchProcess:
            return
        while not done.wait(0.02):
            try:
                tree = [root, *root.children(recursive=True)]
                peak[0] = max(peak[0], sum(p.memory_info().rss for p in tree))
            except psutil.Error:
                continue  # a process of the tree ended between listing and reading it

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    done.set()
    sampler.join()
    if process.returncode:
        raise SystemExit(f"an engine failed:\n{err[-3000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    result["tree_mb"] = max(peak[0] / 2**20, result.get("peak_mb", 0))
    return result


def ensure(folder: Path, spells_per_year: int, years: int) -> Path:
    manifest = folder / "manifest.json"
    if manifest.exists():
        counts = json.loads(manifest.read_text())["counts"]
        if counts["spells"] == spells_per_year * years:
            return folder / "spells"
    print(f"Generating {spells_per_year * years:,} spells into {folder} (once)…", flush=True)
    subprocess.run(
        [sys.executable, "-m", "commissioning.cli", "synth", "--spells", str(spells_per_year),
         "--years", str(years), "--out", str(folder)],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return folder / "spells"


def sample(spells: Path, rows: int) -> Path:
    """The first ``rows`` spells of the files, as one file (the reference engine's input)."""
    import polars as pl

    out = spells.parent / f"sample-{rows // 1_000_000}m.parquet"
    if not out.exists():
        pl.scan_parquet(str(spells / "*.parquet")).head(rows).collect().write_parquet(out)
    return out


def largest_difference(ours: dict, theirs: dict) -> float:
    return max(abs(theirs["expected"][c] - e) / e for c, e in ours["expected"].items() if e > 0)


def line(name: str, result: dict, base: dict | None = None) -> str:
    times = ", ".join(f"{s:.2f}" for s in result["all"])
    memory = f"{result['tree_mb']:,.0f} MB"
    if result.get("first_mb") and len(result["all"]) > 1:
        memory = f"{result['first_mb']:,.0f} MB ({memory} after {len(result['all'])} runs)"
    text = f"| {name} | {result['seconds']:.2f} s ({times}) | {memory} |"
    if base is not None and base is not result:
        text += f" {base['seconds'] / result['seconds']:.1f}× | {largest_difference(base, result):.1e} |"
    else:
        text += " | |"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-100m", action="store_true")
    parser.add_argument("--skip-spark", action="store_true")
    args = parser.parse_args()
    cores = len(psutil.Process().cpu_affinity() or []) or psutil.cpu_count()
    print(f"Engines benchmark: {cores} cores, {psutil.virtual_memory().total / 2**30:.0f} GB")
    # The engines' cache directory, empty at the start: its first run simulates the early
    # warning's tables and keeps them.
    os.environ["COMMISSIONING_CACHE_DIR"] = tempfile.mkdtemp(prefix="engines-cache-")
    one_year = ensure(REPO / "var" / "bench" / "spells-20m", 20_000_000, 1)

    small = sample(one_year, 1_000_000)
    print("\n## 1 million spells (the first million of the 20 million)")
    print(
        "| engine | time (runs) | peak memory | reference ÷ engine | largest relative difference in expected deaths |"
    )
    print("|---|---|---|---|---|")
    reference = measured(REFERENCE, small)
    polars_small = measured(ENGINE, small, "polars", args.repeats, 0, 1, 0)
    print(line("reference (statsmodels on the rows)", reference))
    print(line("polars", polars_small, reference))
    if not args.skip_spark:
        print(
            line(
                "spark (local mode)",
                measured(ENGINE, small, "spark", args.repeats, 0, 1, 0),
                reference,
            )
        )

    print("\n## 20 million spells, one year")
    print(
        "| engine | time (runs) | peak memory | baseline ÷ engine | largest relative difference in expected deaths from the baseline |"
    )
    print("|---|---|---|---|---|")
    # The baseline in a fresh process each time (its script runs once), four times, between
    # the Polars engine's runs, so that both meet the machine in the same moods (a shared
    # machine's speed drifts over minutes): its lower median run, its largest peak. Like for like:
    # what the baseline computes (SHMI, its bands, the monthly CUSUM); then the default
    # pipeline, which adds the early warning (every chart of every provider, both questions),
    # its tables read from the cache; and again with them simulated in every run.
    runs = [measured(BASELINE, one_year)]
    shmi_only = measured(ENGINE, one_year, "polars", args.repeats, 0, 0, 0)
    runs.append(measured(BASELINE, one_year))
    default = measured(ENGINE, one_year, "polars", args.repeats, 0, 1, 0)
    runs.append(measured(BASELINE, one_year))
    afresh = measured(ENGINE, one_year, "polars", args.repeats, 0, 1, 1)
    runs.append(measured(BASELINE, one_year))
    baseline = sorted(runs, key=lambda r: r["seconds"])[(len(runs) - 1) // 2]  # the lower median
    baseline["all"] = [r["seconds"] for r in runs]
    baseline["tree_mb"] = max(r["tree_mb"] for r in runs)
    print(line("DuckDB + statsmodels (baseline: SHMI, bands, monthly CUSUM)", baseline))
    print(line("polars: SHMI, bands, monthly CUSUM", shmi_only, baseline))
    print(line("polars: and the early warning (the default)", default, baseline))
    print(line("polars: and the early warning, its tables simulated in every run", afresh,
               baseline))  # fmt: skip
    if not args.skip_spark:
        print(
            line(
                "spark (local mode), with the early warning",
                measured(ENGINE, one_year, "spark", args.repeats, 0, 1, 0),
                baseline,
            )
        )
    for name, result in (
        ("like for like", shmi_only),
        ("with the early warning", default),
        ("with the early warning, its tables simulated in every run", afresh),
    ):
        memory = result["first_mb"] or result["tree_mb"]
        ratio = baseline["seconds"] / result["seconds"]
        print(
            f"\nTargets, {name}: ≤ 1.0 s: {'met' if result['seconds'] <= 1.0 else 'NOT met'} "
            f"({result['seconds']:.2f} s); ≤ 1 GB for a run: "
            f"{'met' if memory <= 1024 else 'NOT met'} ({memory:,.0f} MB; "
            f"{result['tree_mb']:,.0f} MB after {len(result['all'])} runs in one process); "
            f"≥ 9× the baseline: {'met' if ratio >= 9 else 'NOT met'} ({ratio:.1f}×)"
        )

    if args.skip_100m:
        return
    five_years = ensure(REPO / "var" / "bench" / "spells-100m", 20_000_000, 5)
    print("\n## 100 million spells, five years: every rolling 12-month window in one run")
    print(
        "| engine | time (runs) | peak memory | polars ÷ engine | largest relative difference in expected deaths from polars |"
    )
    print("|---|---|---|---|---|")
    rolling = measured(ENGINE, five_years, "polars", 1, 1, 1, 0)
    print(line(f"polars ({rolling['windows']} windows)", rolling))
    if not args.skip_spark:
        on_spark = measured(ENGINE, five_years, "spark", 1, 1, 1, 0)
        print(line(f"spark (local mode, {on_spark['windows']} windows)", on_spark, rolling))
    print(
        f"\nTarget: five years of rolling windows ≤ 4 GB peak: "
        f"{'met' if rolling['tree_mb'] <= 4096 else 'NOT met'} ({rolling['tree_mb']:,.0f} MB)"
    )


if __name__ == "__main__":
    main()
