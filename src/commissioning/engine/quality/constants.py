"""Named constants of the quality methods, each with its source (docs/statistics.md).

NaN/NULL policy: SPC drops points whose value is missing before calculating (a missing month
is not a zero); a series with fewer than 2 points has no moving range, so no limits.
"""

from __future__ import annotations

from enum import StrEnum

# --- SPC: "Making Data Count" XmR charts (NHS England; NHSRplotthedots ptd_spc_standard.R) ---
# Process limits are mean ± 2.66 × average moving range (3 / d2 with d2 = 1.128, rounded as
# the NHS England tool and NHSRplotthedots round it).
LIMIT = 2.66
# The "near limit" (2 sigma) lines sit two thirds of the way to the process limits.
NEAR_LIMIT = 2 * LIMIT / 3
# Moving ranges at or above 3.267 × the average moving range are screened out (D4 for n = 2).
SCREEN_MR = 3.267
# Special-cause rules: runs of this many points.
TREND_LENGTH = 7
SHIFT_LENGTH = 7
# Limits are fixed after at least 12 points (docs/statistics.md section 1: n ≥ 12).
MIN_POINTS_TO_FIX = 12

# --- Funnel plots (Spiegelhalter 2005, Statistics in Medicine 24:1185; docs/statistics.md §2) ---
Z_95 = 1.959964  # two-sided 95%
Z_998 = 3.090232  # two-sided 99.8%
ALPHA_95 = 0.05
ALPHA_998 = 0.002
# Winsorise (Spiegelhalter) or truncate (SHMI) 10% at each end before estimating
# overdispersion (docs/statistics.md §2); winsorising for CQC too is the platform's choice.
TRIM = 0.1

# --- Risk-adjusted CUSUM (Steiner, Cook, Farewell & Treasure 2000, Biostatistics 1:441) -------
# Test the odds of death against a doubling (the Imperial College mortality alerts' choice);
# a lower CUSUM with odds ratio 1/2 detects improvement.
ODDS_RATIO_ALTERNATIVE = 2.0
ODDS_RATIO_NULL = 1.0
# Simulated in-control runs used to choose a threshold for a stated false-alarm rate.
THRESHOLD_SIMULATIONS = 2000


# The engine's choices, here (a module with no dependencies) so that the command line can offer
# them without importing the engine's numerical libraries.
class Method(StrEnum):
    PROPORTION = "proportion"
    RATIO = "ratio"


class Overdispersion(StrEnum):
    NONE = "none"
    SPIEGELHALTER = "spiegelhalter"
    SHMI = "shmi"
    CQC = "cqc"


class Family(StrEnum):
    BINOMIAL = "binomial"
    POISSON = "poisson"


class Improvement(StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"
    NEUTRAL = "neutral"

    @property
    def sign(self) -> int:
        return {"increase": 1, "decrease": -1, "neutral": 0}[self.value]


# --- The chart for each kind of measure (engine.quality.charts; docs/statistics.md §1a) --------
class Chart(StrEnum):
    RUN = "run"  # median and run rules only (Anhøj & Olesen 2014)
    XMR = "xmr"  # individuals and moving range (Making Data Count)
    P = "p"  # proportions, binomial limits from each month's denominator
    P_PRIME = "p_prime"  # Laney's p′: p-chart limits scaled by the between-month variation
    U = "u"  # rates, Poisson limits from each month's exposure
    U_PRIME = "u_prime"  # Laney's u′
    C = "c"  # counts of events in equal opportunity
    G = "g"  # cases between rare events (Benneyan 2001)
    T = "t"  # time between rare events (Nelson's transformation to an individuals chart)

    @property
    def label(self) -> str:
        return CHART_LABELS[self]

    @property
    def needs_denominator(self) -> bool:
        return self in (Chart.P, Chart.P_PRIME, Chart.U, Chart.U_PRIME)


CHART_LABELS = {
    Chart.RUN: "Run chart",
    Chart.XMR: "XmR chart (individuals)",
    Chart.P: "p chart (proportion)",
    Chart.P_PRIME: "p′ chart (Laney, proportion with large denominators)",
    Chart.U: "u chart (rate)",
    Chart.U_PRIME: "u′ chart (Laney, rate with large denominators)",
    Chart.C: "c chart (count)",
    Chart.G: "g chart (cases between events)",
    Chart.T: "t chart (days between events)",
}

# Laney (2002) scales by the moving range of the z-scores over d2 = 1.128 (for n = 2).
D2 = 1.128
# Attribute charts' limits are three sigma, their near-limit lines two (Shewhart).
SIGMAS = 3.0
NEAR_SIGMAS = 2.0
# Nelson (1994): days between events to the power 1/3.6 are close to normal.
T_POWER = 1 / 3.6
# Above this average denominator a proportion or rate is charted as Laney's p′ or u′: with
# thousands of patients a month, the binomial or Poisson limits are too narrow for the
# month-to-month variation every real process has, and nearly every point is "special"
# (Laney 2002; Mohammed, Panesar, Laney & Wilson 2013, BMJ Qual Saf 22:362). The figure is
# the platform's choice (docs/decisions.md 059); a line's chart can be chosen by hand.
PRIME_DENOMINATOR = 1000


class Measures(StrEnum):
    """What a line of the quality schedule measures, which decides its chart (``choose_chart``)."""

    VALUE = "value"  # a figure each month (a mean, a score, a time)
    PROPORTION = "proportion"  # patients who … of those eligible: numerator and denominator
    RATE = "rate"  # events per unit of exposure (per 1,000 bed days): events and exposure
    COUNT = "count"  # events each month, in about the same opportunity
    CASES_BETWEEN = "cases_between"  # rare events: cases (operations, admissions) since the last
    DAYS_BETWEEN = "days_between"  # for rare events: days since the last
