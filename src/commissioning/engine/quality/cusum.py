"""Risk-adjusted CUSUM and VLAD for patient-level outcomes.

Source: Steiner, Cook, Farewell & Treasure (2000) "Monitoring surgical performance using
risk-adjusted cumulative sum charts", Biostatistics 1:441; the Imperial College mortality
alerts (Bottle & Aylin); docs/statistics.md section 4.

For patient t with modelled risk p_t and outcome y_t (1 = died), testing odds ratio R0
against R_A:

    W_t = y_t·ln(R_A/R0) + ln((1 − p_t + R0·p_t) / (1 − p_t + R_A·p_t))

The upper CUSUM X_t = max(0, X_{t−1} + W_t) signals when X_t ≥ h and restarts at 0. The
threshold h is chosen by simulating in-control outcomes (y ~ Bernoulli(p)) over the provider's
own case mix for a stated false-alarm probability. VLAD, "lives gained", is V_t = Σ (p_i − y_i).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .constants import ODDS_RATIO_ALTERNATIVE, ODDS_RATIO_NULL, THRESHOLD_SIMULATIONS


def weight(
    y: int, p: float, odds_ratio: float = ODDS_RATIO_ALTERNATIVE, null: float = ODDS_RATIO_NULL
) -> float:
    if not 0 < p < 1:
        raise ValueError(f"a risk must be between 0 and 1 (got {p})")
    return y * math.log(odds_ratio / null) + math.log((1 - p + null * p) / (1 - p + odds_ratio * p))


@dataclass(frozen=True)
class CusumResult:
    weights: list[float]
    values: list[float]
    signals: list[bool]
    vlad: list[float]


def cusum_reference(
    outcomes: Sequence[int],
    risks: Sequence[float],
    threshold: float,
    odds_ratio: float = ODDS_RATIO_ALTERNATIVE,
) -> CusumResult:
    """Patient by patient, in order: the test oracle."""
    weights, values, signals, vlad = [], [], [], []
    x = v = 0.0
    for y, p in zip(outcomes, risks, strict=True):
        w = weight(y, p, odds_ratio)
        x = max(0.0, x + w) if odds_ratio > 1 else min(0.0, x - w)
        signal = abs(x) >= threshold
        weights.append(w)
        values.append(x)
        signals.append(signal)
        if signal:
            x = 0.0
        v += p - y
        vlad.append(v)
    return CusumResult(weights, values, signals, vlad)


def weights_numpy(
    outcomes: np.ndarray, risks: np.ndarray, odds_ratio: float = ODDS_RATIO_ALTERNATIVE
) -> np.ndarray:
    if np.any((risks <= 0) | (risks >= 1)):
        raise ValueError("every risk must be between 0 and 1")
    return outcomes * math.log(odds_ratio) + np.log(
        (1 - risks + risks) / (1 - risks + odds_ratio * risks)
    )


def cusum_numpy(
    outcomes, risks, threshold: float, odds_ratio: float = ODDS_RATIO_ALTERNATIVE
) -> CusumResult:
    """The weights vectorised; the reset-on-signal recursion is a short loop over floats."""
    y = np.asarray(outcomes, dtype=float)
    p = np.asarray(risks, dtype=float)
    w = weights_numpy(y, p, odds_ratio)
    step = w if odds_ratio > 1 else -w
    values = np.empty_like(w)
    signals = np.zeros(len(w), dtype=bool)
    x = 0.0
    clamp = max if odds_ratio > 1 else min
    for i, s in enumerate(step.tolist()):
        x = clamp(0.0, x + s)
        values[i] = x
        if abs(x) >= threshold:
            signals[i] = True
            x = 0.0
    return CusumResult(w.tolist(), values.tolist(), signals.tolist(), np.cumsum(p - y).tolist())


def false_alarm_probability(
    risks,
    threshold: float,
    odds_ratio: float = ODDS_RATIO_ALTERNATIVE,
    simulations: int = THRESHOLD_SIMULATIONS,
    seed: int = 1,
) -> float:
    """The chance that an in-control provider with this case mix signals at least once."""
    p = np.asarray(risks, dtype=float)
    rng = np.random.default_rng(seed)
    y = rng.random((simulations, len(p))) < p
    w = y * math.log(odds_ratio) - np.log1p((odds_ratio - 1) * p)
    x = np.zeros(simulations)
    alarmed = np.zeros(simulations, dtype=bool)
    for column in w.T:
        x = np.maximum(0.0, x + column)
        alarmed |= x >= threshold
        x[x >= threshold] = 0.0
    return float(alarmed.mean())


def threshold_for(
    risks,
    false_alarm_rate: float,
    odds_ratio: float = ODDS_RATIO_ALTERNATIVE,
    simulations: int = THRESHOLD_SIMULATIONS,
    seed: int = 1,
) -> tuple[float, float]:
    """The smallest h (to 0.01) whose simulated false-alarm probability over this case mix is
    at most ``false_alarm_rate``, and the probability it implies."""
    if not 0 < false_alarm_rate < 1:
        raise ValueError("the false-alarm rate is a probability between 0 and 1")
    low, high = 0.0, 1.0
    while false_alarm_probability(risks, high, odds_ratio, simulations, seed) > false_alarm_rate:
        high *= 2
    while high - low > 0.01:
        mid = (low + high) / 2
        if false_alarm_probability(risks, mid, odds_ratio, simulations, seed) > false_alarm_rate:
            low = mid
        else:
            high = mid
    return round(high, 2), false_alarm_probability(
        risks, round(high, 2), odds_ratio, simulations, seed
    )


# --- A bank of CUSUMs with one threshold (the multi-chart of decision 062), patient by patient


@dataclass(frozen=True)
class BankResult:
    values: list[float]  # max over the bank of the CUSUMs after each patient
    signals: list[bool]
    odds_ratios: list[float]  # the member that is largest after each patient
    vlad: list[float]


def bank_reference(
    outcomes: Sequence[int], risks: Sequence[float], threshold: float, odds_ratios: Sequence[float]
) -> BankResult:
    """Patient by patient, in order: one Steiner CUSUM per odds ratio (each above 1), the
    statistic their maximum, a signal when it reaches ``threshold``, every member then reset.
    The test oracle of ``bank_numpy``."""
    x = [0.0] * len(odds_ratios)
    values, signals, best, vlad = [], [], [], []
    v = 0.0
    for y, p in zip(outcomes, risks, strict=True):
        x = [max(0.0, xk + weight(y, p, r)) for xk, r in zip(x, odds_ratios, strict=True)]
        top = max(x)
        values.append(top)
        best.append(odds_ratios[x.index(top)])
        signals.append(top >= threshold)
        if top >= threshold:
            x = [0.0] * len(odds_ratios)
        v += p - y
        vlad.append(v)
    return BankResult(values, signals, best, vlad)


def bank_numpy(outcomes, risks, threshold: float, odds_ratios: Sequence[float]) -> BankResult:
    """The weights of every member vectorised; the reset-on-signal recursion a short loop."""
    y = np.asarray(outcomes, dtype=float)
    p = np.asarray(risks, dtype=float)
    w = np.stack([weights_numpy(y, p, r) for r in odds_ratios], axis=1)
    values = np.empty(len(y))
    signals = np.zeros(len(y), dtype=bool)
    best = np.empty(len(y))
    x = np.zeros(len(odds_ratios))
    for i, step in enumerate(w):
        x = np.maximum(0.0, x + step)
        k = int(x.argmax())
        values[i], best[i] = x[k], odds_ratios[k]
        if x[k] >= threshold:
            signals[i] = True
            x[:] = 0.0
    return BankResult(values.tolist(), signals.tolist(), best.tolist(), np.cumsum(p - y).tolist())


def _bank_maxima(risks, odds_ratios: Sequence[float], simulations: int, seed: int):
    """The running maximum, over the patients, of the bank's statistic in each of
    ``simulations`` in-control runs (outcomes drawn from the risks; never reset)."""
    p = np.asarray(risks, dtype=float)
    rng = np.random.default_rng(seed)
    y = rng.random((simulations, len(p))) < p
    ratios = np.asarray(odds_ratios, dtype=float)
    log_r = np.log(ratios)
    x = np.zeros((len(log_r), simulations))
    top = np.zeros(simulations)
    for i in range(len(p)):
        drift = np.log1p((ratios - 1) * p[i])
        x = np.maximum(0.0, x + y[:, i] * log_r[:, None] - drift[:, None])
        np.maximum(top, x.max(0), out=top)
    return top


def bank_false_alarm_probability(
    risks,
    threshold: float,
    odds_ratios: Sequence[float],
    simulations: int = THRESHOLD_SIMULATIONS,
    seed: int = 1,
) -> float:
    """The chance that an in-control provider with this case mix signals at least once
    (before its first signal a chart is never reset: its running maximum reaches h)."""
    return float((_bank_maxima(risks, odds_ratios, simulations, seed) >= threshold).mean())


def bank_threshold_for(
    risks,
    false_alarm_rate: float,
    odds_ratios: Sequence[float],
    simulations: int = THRESHOLD_SIMULATIONS,
    seed: int = 1,
) -> tuple[float, float]:
    """The smallest h (to 0.01) whose simulated false-alarm probability over this case mix
    is at most ``false_alarm_rate``, read off the simulated maxima; and the probability."""
    if not 0 < false_alarm_rate < 1:
        raise ValueError("the false-alarm rate is a probability between 0 and 1")
    top = _bank_maxima(risks, odds_ratios, simulations, seed)
    h = max(0.01, math.ceil(float(np.quantile(top, 1 - false_alarm_rate, method="higher")) * 100)
            / 100)  # fmt: skip
    return h, float((top >= h).mean())
