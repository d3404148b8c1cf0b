"""Benchmark: how long the command line takes to answer `commissioning --help` (issue 18).

Every command used to import the numerical libraries (statsmodels, SciPy, Polars, HiGHS) when
the command line started, so even `--help` took seconds. Now they load when a command that
needs them runs. This times `python -m commissioning.cli --help` (a fresh process each time,
the median of ``--runs``) against this tree and, for the baseline in the same run, against the
commit before the change (``--baseline``, a git worktree made for the run and removed after),
with the same interpreter and packages:

    .venv/bin/python benchmarks/cli_start.py [--runs 7] [--baseline f0facc8]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COMMANDS = (["--help"], ["quality", "--help"], ["market", "--help"])


def _median_seconds(src: Path, args: list[str], runs: int) -> float:
    env = {**os.environ, "PYTHONPATH": str(src)}
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "commissioning.cli", *args],
            env=env,
            cwd=src.parent,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--baseline", default="f0facc8")
    options = parser.parse_args()
    worktree = Path(tempfile.mkdtemp(prefix="cli-baseline-"))
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(worktree), options.baseline],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    try:
        print(f"{'command':<28}{'baseline':>10}{'ours':>10}{'ratio':>8}")
        for args in COMMANDS:
            base = _median_seconds(worktree / "src", args, options.runs)
            ours = _median_seconds(REPO / "src", args, options.runs)
            name = "commissioning " + " ".join(args)
            print(f"{name:<28}{base:>9.2f}s{ours:>9.2f}s{base / ours:>7.1f}x")
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(worktree)], cwd=REPO, check=False
        )
        shutil.rmtree(worktree, ignore_errors=True)


if __name__ == "__main__":
    main()
