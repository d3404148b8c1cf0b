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
