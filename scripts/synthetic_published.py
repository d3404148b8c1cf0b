"""Write the demo's synthetic files in the published layouts of the SHMI trust-level data file,
the CQC's latest ratings (the Providers sheet, as CSV) and the NHS Oversight Framework's
league table, for the trusts in ``data/reference/nhs_trusts.csv``.

Every value is synthetic (seeded, the same every run) and the files say so in their names and
in every name column; no real published file is shipped (data/reference/SOURCES.md). The
demo's provider (RJE) is given a higher-than-expected mortality ratio in the latest periods, a
"Requires improvement" rating for safety and segment 3, so that its risk profile has
independent signals that agree; every other trust is drawn at random.

    python scripts/synthetic_published.py
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from commissioning.engine.quality.constants import Method, Overdispersion  # noqa: E402
from commissioning.engine.quality.funnel import funnel_numpy  # noqa: E402

REFERENCE = ROOT / "data" / "reference"
PERIODS = ["JUL24_JUN25", "OCT24_SEP25", "JAN25_DEC25", "APR25_MAR26"]
DEMO_PROVIDER = "RJE"
QUESTIONS = ("Overall", "Safe", "Effective", "Caring", "Responsive", "Well-led")
RATINGS = ("Outstanding", "Good", "Requires improvement", "Inadequate")
MARK = " (SYNTHETIC)"


def trusts() -> list[tuple[str, str]]:
    with (REFERENCE / "nhs_trusts.csv").open(encoding="utf-8") as fh:
        rows = [(r["org_code"], r["name"]) for r in csv.DictReader(fh) if not r["close_date"]]
    return [(c, n) for c, n in rows if "HOSPITAL" in n or c == DEMO_PROVIDER]


def shmi(rng, acute) -> None:
    band_of = {"higher than expected": 1, "as expected": 2, "lower than expected": 3}
    quality = {c: rng.normal(0, 0.08) for c, _ in acute}
    size = {c: int(rng.integers(40_000, 160_000)) for c, _ in acute}
    with (REFERENCE / "synthetic_shmi_trust_level.csv").open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["TIME_PERIOD", "PROVIDER_CODE", "PROVIDER_NAME", "SHMI_VALUE",
                      "SHMI_BANDING", "SPELLS", "OBSERVED", "EXPECTED"])  # fmt: skip
        for i, period in enumerate(PERIODS):
            rows = []
            for code, name in acute:
                spells = int(size[code] * rng.uniform(0.97, 1.03))
                expected = round(spells * rng.uniform(0.025, 0.035), 2)
                effect = quality[code] + (0.22 * i / 3 if code == DEMO_PROVIDER else 0)
                observed = int(rng.poisson(expected * np.exp(effect)))
                rows.append((code, name, spells, observed, expected))
            result = funnel_numpy([r[0] for r in rows], [r[3] for r in rows],
                                  [r[4] for r in rows], Method.RATIO, Overdispersion.SHMI,
                                  target=1.0)  # fmt: skip
            bands = {r.group: band_of[r.band_95] for r in result.rows}
            for code, name, spells, observed, expected in rows:
                out.writerow([period, code, name + MARK, f"{observed / expected:.4f}",
                              bands[code], spells, observed, f"{expected:.2f}"])  # fmt: skip


def cqc(rng, acute) -> None:
    with (REFERENCE / "synthetic_cqc_latest_ratings.csv").open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["Provider ID", "Provider ODS Code", "Provider Name", "Provider Type",
                      "Provider Primary Inspection Category", "Service / Population Group",
                      "Domain", "Latest Rating", "Publication Date", "Report Type",
                      "URL"])  # fmt: skip
        for n, (code, name) in enumerate(acute):
            for question in QUESTIONS:
                if code == DEMO_PROVIDER:
                    rating = ("Requires improvement" if question in ("Overall", "Safe",
                              "Well-led") else "Good")  # fmt: skip
                else:
                    rating = RATINGS[int(rng.choice(4, p=[0.1, 0.6, 0.25, 0.05]))]
                out.writerow([f"1-9{n:08d}", code, name + MARK, "NHS Healthcare Organisation",
                              "NHS Acute Hospitals", "Overall", question, rating,
                              "14/03/2025", "Provider", ""])  # fmt: skip


def oversight(rng, acute) -> None:
    with (REFERENCE / "synthetic_oversight_league_table.csv").open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["Region", "Trust_type", "Trust_subtype", "Trust_code", "Trust_name",
                      "Reporting_date", "Average_score", "Likely_range_of_average_score",
                      "Segment", "Trust_in_financial_deficit", "Rank",
                      "Likely_range_of_rank"])  # fmt: skip
        scores = {c: rng.uniform(1.5, 3.5) for c, _ in acute}
        scores[DEMO_PROVIDER] = 3.1
        ranked = sorted(scores, key=scores.get)
        for code, name in acute:
            score = scores[code]
            segment = 1 + min(3, int((ranked.index(code) / len(ranked)) * 4))
            out.writerow(["SYNTHETIC", "Acute trust", "", code, name + MARK, "Q2 2025/26",
                          f"{score:.2f}", "", segment if code != DEMO_PROVIDER else 3,
                          "Yes" if code == DEMO_PROVIDER else rng.choice(["Yes", "No"]),
                          ranked.index(code) + 1, ""])  # fmt: skip


def main() -> None:
    rng = np.random.default_rng(21)
    acute = trusts()
    shmi(rng, acute)
    cqc(rng, acute)
    oversight(rng, acute)
    print(f"Wrote synthetic published files for {len(acute)} trusts to {REFERENCE}")


if __name__ == "__main__":
    main()
