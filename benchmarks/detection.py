"""Benchmark: how soon each method detects a failing provider, against the truth it is measured by.

For each volume (spells per provider per month: 1,000, 4,000 and 12,000 by default) and each
scenario, a synthetic economy of two years is generated with failures injected at 10 providers
from the first month of the second year:

- odds ratios of death of 1.25, 1.5 and 2 in all of the provider's spells;
- odds ratios of 2 and 3 confined to diagnosis groups that make up about a tenth of the
  provider's spells (groups drawn at random, weighted by their size, until they reach 10%).

Scenarios are generated apart (ten failing providers in each economy, not fifty), because the
national model is fitted on all providers and a fifth of them failing at once would move it.
The economy (providers, case mix, each provider's own true level of quality) is the same in
every scenario; only who fails, and how, differs.

The truth: every provider has its own true level of quality (a log-odds effect, SD 0.08), so
"in control" is defined for two questions:
- *deteriorated from its own level*: in control = no failure injected (its own level unchanged);
- *worse than the national model*: in control = no failure injected and its own true level no
  worse than the national (true effect ≤ 0).
False alarms per provider-year are counted for each question on its in-control providers over
the second year (the monitored year), pooled over the scenarios of a volume.

The oracle: for each failing provider, a monthly CUSUM of the log-likelihood ratio of its
affected spells' outcomes, told the true odds ratio and every spell's true risk before the
failure, with its threshold simulated for the same false-alarm rate (0.05 a year by default)
over those spells. Each method's median delay is given as a ratio to the oracle's median.

Methods watched over the second year:
- SPC of crude 30-day mortality (monthly XmR, limits fixed on the first year);
- the quarterly SHMI funnel (95%, known at the end of the quarter);
- the risk-adjusted CUSUM the product ran until now (monthly, R_A = 2, 1% a year);
- the early warning (decision 062): each question's all-spells chart alone, and the product's
  default: every chart (all spells, each admission method, each diagnosis group) of both
  questions under one budget per question. Its delay is the first signal of any chart.

Delay is months from the start of the failure to the first alarm, counting the month of the
alarm; a failure not flagged within the year counts as later than 12 months.

Usage: ``python benchmarks/detection.py [--volumes 1000,4000,12000] [--per-scenario 10]
[--false-alarm-rate 0.05] [--seed 1] [--shares 0.4,0.15,0.15,0.3]``. Data are generated once
under var/bench.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from commissioning.engine.quality.funnel import HIGHER, Method, Overdispersion, funnel_numpy
from commissioning.engine.quality.shmi import ShmiOptions, monthly_cusum, monthly_thresholds, shmi
from commissioning.engine.quality.spc import Improvement, SpcOptions, spc_polars
from commissioning.engine.quality.warning import SHARES, Question, WarningOptions

REPO = Path(__file__).resolve().parents[1]
START = "2021-04"
FAIL_FROM = "2022-04"
MONTHS = 12


@dataclass(frozen=True)
class Scenario:
    name: str
    odds_ratio: float
    confined: bool


SCENARIOS = (
    Scenario("OR 1.25", 1.25, False),
    Scenario("OR 1.5", 1.5, False),
    Scenario("OR 2", 2.0, False),
    Scenario("OR 2 in 10%", 2.0, True),
    Scenario("OR 3 in 10%", 3.0, True),
)


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
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    marker.write_text(json.dumps(wanted))


def confined_groups(rng: np.random.Generator, shares: np.ndarray) -> list[int]:
    """Diagnosis groups (1-based) drawn at random, weighted by size, until they hold 10%."""
    order = rng.choice(len(shares), size=len(shares), replace=False, p=shares)
    chosen, total = [], 0.0
    for g in order:
        chosen.append(int(g) + 1)
        total += shares[g]
        if total >= 0.10:
            break
    return sorted(chosen)


def first_alarm(flags: np.ndarray) -> float:
    hits = np.flatnonzero(flags)
    return float(hits[0] + 1) if len(hits) else np.inf


def onsets(flags: np.ndarray) -> int:
    """Alarms that start (flagged now, not flagged the month before)."""
    previous = np.concatenate([[False], flags[:-1]])
    return int((flags & ~previous).sum())


def oracle(
    spells_dir: Path, failing: dict[str, tuple[float, list[int] | None]], rate: float, seed: int
) -> dict[str, float]:
    """The delay of the oracle CUSUM of each failing provider (see the module's docstring)."""
    frame = (
        pl.scan_parquet(spells_dir / "*.parquet")
        .filter(
            pl.col("provider_code").cast(pl.String).is_in(list(failing)),
            pl.col("period") >= pl.lit(f"{FAIL_FROM}-01").str.to_date(),
        )
        .select(
            pl.col("provider_code").cast(pl.String),
            (pl.col("period").dt.year() * 12 + pl.col("period").dt.month()).alias("m"),
            "diagnosis_group",
            pl.col("true_risk").cast(pl.Float64),
            pl.col("died_30d").cast(pl.Int64),
        )
        .collect()
    )
    delays = {}
    for code, (ratio, groups) in failing.items():
        rows = frame.filter(pl.col("provider_code") == code)
        if groups:
            rows = rows.filter(pl.col("diagnosis_group").is_in(groups))
        # The risk before the failure: the odds divided by the true odds ratio.
        odds = rows["true_risk"] / (1 - rows["true_risk"]) / ratio
        rows = rows.with_columns(p0=odds / (1 + odds))
        monthly = (
            rows.group_by("m")
            .agg(
                n=pl.len(),
                deaths=pl.col("died_30d").sum(),
                expected=pl.col("p0").sum(),
                log_terms=(1 + (ratio - 1) * pl.col("p0")).log().sum(),
            )
            .sort("m")
        )
        n = monthly["n"].to_numpy()[None, :]
        log_terms = monthly["log_terms"].to_numpy()[None, :]
        h, _ = monthly_thresholds(
            n, monthly["expected"].to_numpy()[None, :], log_terms, ratio, rate, 4000, seed
        )
        increment = monthly["deaths"].to_numpy()[None, :] * np.log(ratio) - log_terms
        _, flags = monthly_cusum(increment, h)
        delays[code] = first_alarm(flags[0])
    return delays


def run_scenario(
    folder: Path, spells_per_year: int, scenario: Scenario, codes: list[str], args
) -> dict:
    """Generate (once) and analyse one economy; the alarms of every method, per provider."""
    rng = np.random.default_rng([args.seed, int(scenario.odds_ratio * 100), scenario.confined])
    chosen = [str(c) for c in rng.choice(codes, size=args.per_scenario, replace=False)]
    failing: dict[str, tuple[float, list[int] | None]] = {}
    injections = []
    shares = None
    if scenario.confined:
        manifest = folder.parent / "economy.json"
        shares = np.array(json.loads(manifest.read_text())["diagnosis_share"])
    for code in chosen:
        groups = confined_groups(rng, shares) if shares is not None else None
        failing[code] = (scenario.odds_ratio, groups)
        extra = f":groups={','.join(map(str, groups))}" if groups else ""
        injections.append(f"{code}:{FAIL_FROM}:{scenario.odds_ratio:g}{extra}")
    generate(folder, spells_per_year, injections, args.seed)

    started = time.perf_counter()
    options = ShmiOptions(
        reporting_months=MONTHS,
        warning=WarningOptions(
            false_alarm_rate=args.false_alarm_rate, seed=args.seed, shares=args.shares
        ),
    )
    result = shmi(folder / "spells", options)
    seconds = time.perf_counter() - started
    monthly = result.monthly.sort("provider_code", "month")
    providers = monthly["provider_code"].unique(maintain_order=True).to_list()
    months = monthly["month"].unique(maintain_order=True).to_list()
    assert months[MONTHS] == FAIL_FROM, months[: MONTHS + 1]
    shape = (len(providers), len(months))

    def grid(column: str) -> np.ndarray:
        return monthly[column].to_numpy().reshape(shape)

    spells, observed, expected = (grid(c) for c in ("spells", "observed", "expected"))
    year2 = slice(MONTHS, 2 * MONTHS)
    index = {p: i for i, p in enumerate(providers)}

    crude = pl.DataFrame(
        {
            "group": np.repeat(providers, len(months)),
            "period": np.tile(np.arange(len(months)), len(providers)),
            "value": (observed / np.maximum(spells, 1)).ravel(),
        }
    )
    points = spc_polars(crude, SpcOptions(improvement=Improvement.DECREASE, fix_after_n_points=12))
    concern = (points["point_type"] == "special_cause_concern").to_numpy().reshape(shape)[:, year2]

    funnel_flags = np.zeros((len(providers), MONTHS), dtype=bool)
    for q in range(4):
        months_q = slice(MONTHS + 3 * q, MONTHS + 3 + 3 * q)
        o, e = observed[:, months_q].sum(1), expected[:, months_q].sum(1)
        banded = funnel_numpy(providers, o, e, Method.RATIO, Overdispersion.SHMI)
        funnel_flags[:, 3 * q + 2] = [r.band_95 == HIGHER for r in banded.rows]

    # The product's CUSUM until now: R_A = 2, 1% a year, over the second year.
    increment = grid("increment")
    log_terms = observed[:, year2] * np.log(2.0) - increment[:, year2]
    h, _ = monthly_thresholds(spells[:, year2], expected[:, year2], log_terms, 2.0, 0.01,
                              seed=args.seed)  # fmt: skip
    _, cusum_flags = monthly_cusum(increment[:, year2], h)

    assert result.warning is not None
    signals = result.warning.months.filter(pl.col("signal"))
    month_index = {m: i - MONTHS for i, m in enumerate(months)}

    def flags_of(frame: pl.DataFrame) -> np.ndarray:
        out = np.zeros((len(providers), MONTHS), dtype=bool)
        for code, month in frame.select("provider_code", "month").iter_rows():
            out[index[code], month_index[month]] = True
        return out

    national = signals.filter(question=Question.NATIONAL.value)
    own = signals.filter(question=Question.OWN_LEVEL.value)
    # Each method's alarms by the question it answers: SPC with limits from the provider's
    # own first year asks whether it has changed; the funnel and the CUSUM against the national
    # model whether it is worse than national. (flags, counted by onset?)
    nat, det = Question.NATIONAL.value, Question.OWN_LEVEL.value
    methods = {
        "SPC, crude mortality (monthly XmR)": {det: (concern, True)},
        "SHMI funnel (quarterly, 95%)": {nat: (funnel_flags, True)},
        "Risk-adjusted CUSUM R_A = 2, 1%/year (the product until now)": {nat: (cusum_flags, True)},
        "Worse than national: all-spells chart": {nat: (flags_of(national.filter(chart="all")), False)},
        "Deteriorated: all-spells chart": {det: (flags_of(own.filter(chart="all")), False)},
        "Worse than national: every chart": {nat: (flags_of(national), False)},
        "Deteriorated: every chart": {det: (flags_of(own), False)},
        "Default: every chart, both questions": {
            nat: (flags_of(national), False), det: (flags_of(own), False)
        },
    }  # fmt: skip
    oracle_delays = oracle(folder / "spells", failing, args.false_alarm_rate, args.seed)
    return {
        "providers": providers,
        "index": index,
        "failing": failing,
        "methods": methods,
        "oracle": oracle_delays,
        "seconds": seconds,
        "spells": result.spells,
        "folder": folder,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volumes", default="1000,4000,12000",
                        help="spells per provider per month, comma-separated")  # fmt: skip
    parser.add_argument("--per-scenario", type=int, default=10, help="failing providers each")
    parser.add_argument("--false-alarm-rate", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scenarios", default=",".join(s.name for s in SCENARIOS))
    parser.add_argument("--shares", default=",".join(map(str, SHARES)),
                        help="the budget's shares: all spells, methods, groups, together")  # fmt: skip
    args = parser.parse_args()
    args.shares = tuple(float(x) for x in args.shares.split(","))

    from commissioning.engine.synth import load_providers

    reference = REPO / "data" / "reference"
    codes = sorted(
        p.code
        for p in load_providers(reference / "nhs_trusts.csv", reference / "ae_attendances.csv")
    )
    wanted = [s for s in SCENARIOS if s.name in args.scenarios.split(",")]
    for volume in (int(v) for v in args.volumes.split(",")):
        spells_per_year = volume * 12 * len(codes)
        base = REPO / "var" / "bench" / f"detection-{volume}"
        base.mkdir(parents=True, exist_ok=True)
        runs = {}
        for scenario in wanted:
            if scenario.confined and not (base / "economy.json").exists():
                # The diagnosis groups' shares of spells, read off an economy of this volume
                # (the same economy in every scenario).
                done = next(iter(runs.values()), None) or run_scenario(
                    folder(base, SCENARIOS[0]), spells_per_year, SCENARIOS[0], codes, args
                )
                counts = (
                    pl.scan_parquet(done["folder"] / "spells" / "*.parquet")
                    .group_by("diagnosis_group")
                    .len()
                    .collect()
                )
                share = np.zeros(int(counts["diagnosis_group"].max()))
                share[counts["diagnosis_group"].to_numpy() - 1] = counts["len"].to_numpy()
                (base / "economy.json").write_text(
                    json.dumps({"diagnosis_share": (share / share.sum()).tolist()})
                )
            runs[scenario.name] = run_scenario(
                folder(base, scenario), spells_per_year, scenario, codes, args
            )
        report(volume, runs, base, args)
        control(base, spells_per_year, args)


def control(base: Path, spells_per_year: int, args) -> None:
    """False alarms in the same economy with no failure at all: the scenarios' economies each
    have ten failing providers, which the national model (fitted on every provider, with a
    year effect) partly absorbs, so that everyone else looks a little better in the second
    year and raises fewer alarms than a quiet year would."""
    quiet = base / "no_failure"
    generate(quiet, spells_per_year, [], args.seed)
    options = ShmiOptions(
        reporting_months=MONTHS,
        warning=WarningOptions(
            false_alarm_rate=args.false_alarm_rate, seed=args.seed, shares=args.shares
        ),
    )
    result = shmi(quiet / "spells", options)
    assert result.warning is not None
    effects = pl.read_parquet(quiet / "providers.parquet")
    better = set(effects.filter(pl.col("true_quality_effect") <= 0)["code"].to_list())
    providers = result.providers["provider_code"].to_list()
    signals = result.warning.months.filter(pl.col("signal"))
    own = signals.filter(question=Question.OWN_LEVEL.value)
    national = signals.filter(question=Question.NATIONAL.value,
                              provider_code=pl.col("provider_code").is_in(list(better)))  # fmt: skip
    worse_all_along = (
        signals.filter(question=Question.NATIONAL.value)
        .filter(~pl.col("provider_code").is_in(list(better)))["provider_code"]
        .n_unique()
    )
    by_chart = own.group_by("chart").len().sort("chart").rows()
    print(
        f"\nIn the same economy with no failure ({len(providers)} providers, the second year "
        f"monitored): false alarms per provider-year, every chart of the default: deteriorated "
        f"{own.height / len(providers):.3f} (by chart: {by_chart}); worse than national "
        f"{national.height / max(1, len(better & set(providers))):.3f} over the "
        f"{len(better & set(providers))} providers whose true level is no worse than national. "
        f"Providers truly worse than national all along that the charts of that question "
        f"flagged: {worse_all_along} of {len(set(providers) - better)}."
    )


def folder(base: Path, scenario: Scenario) -> Path:
    return base / scenario.name.replace(" ", "_").replace("%", "pc")


def report(volume: int, runs: dict, base: Path, args) -> None:
    first = next(iter(runs.values()))
    effects = pl.read_parquet(next(base.glob("*/providers.parquet")))
    true = dict(zip(effects["code"], effects["true_quality_effect"], strict=True))
    analysis = np.median([r["seconds"] for r in runs.values()])
    print(
        f"\n## {volume:,} spells per provider per month ({first['spells']:,} spells over 2 "
        f"years, {len(first['providers'])} providers; {args.per_scenario} failing per scenario "
        f"from {FAIL_FROM}; false-alarm budget {args.false_alarm_rate:g} per provider-year; "
        f"SHMI pipeline with the early warning {analysis:.1f} s, median per economy)"
    )
    names = list(runs)
    print("| Method | " + " | ".join(f"{n}: median delay (found), × oracle" for n in names)
          + " | False alarms per provider-year: deteriorated | worse than national |")  # fmt: skip
    print("|" + "---|" * (len(names) + 3))
    oracle_medians = {n: float(np.median(list(r["oracle"].values()))) for n, r in runs.items()}
    cells = []
    for n in names:
        delays = np.array(list(runs[n]["oracle"].values()))
        cells.append(cell(delays, None))
    print("| Oracle CUSUM (true odds ratio and risks) | " + " | ".join(cells) + " | | |")
    nat, det = Question.NATIONAL.value, Question.OWN_LEVEL.value
    for method in first["methods"]:
        cells = []
        for n, r in runs.items():
            flags = np.logical_or.reduce([f for f, _ in r["methods"][method].values()])
            delays = np.array([first_alarm(flags[r["index"][c]]) for c in r["failing"]])
            cells.append(cell(delays, oracle_medians[n]))
        rates = {}
        for question in (det, nat):
            alarms = years = 0
            for r in runs.values():
                if question not in r["methods"][method]:
                    continue
                flags, by_onset = r["methods"][method][question]
                for code in r["providers"]:
                    if code in r["failing"] or (question == nat and true.get(code, 0.0) > 0):
                        continue
                    row = flags[r["index"][code]]
                    alarms += onsets(row) if by_onset else int(row.sum())
                    years += 1
            rates[question] = f"{alarms / years:.3f}" if years else "—"
        print(f"| {method} | " + " | ".join(cells) + f" | {rates[det]} | {rates[nat]} |")


def cell(delays: np.ndarray, oracle_median: float | None) -> str:
    found = int(np.isfinite(delays).sum())
    median = float(np.median(delays))
    text = (
        f"{median:g} ({found}/{len(delays)})"
        if np.isfinite(median)
        else f">12 ({found}/{len(delays)})"
    )
    if oracle_median is not None:
        ratio = median / oracle_median if np.isfinite(median) else np.inf
        text += f", {ratio:.2g}×" if np.isfinite(ratio) else ", ∞"
    return text


if __name__ == "__main__":
    main()
