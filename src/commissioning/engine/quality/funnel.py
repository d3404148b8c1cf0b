"""Funnel plots for comparing providers on a proportion or an indirectly standardised ratio.

Source of the formulas: docs/statistics.md section 2 (Spiegelhalter 2005, Statistics in
Medicine 24:1185, doi:10.1002/sim.1970, with the SHMI and "CQC" methods it names). Where the
specification is open, the platform's choices follow docs/decisions.md 026, which names the
NHS-R community's FunnelPlotR as a reference.

- Exact limits (no overdispersion): for a ratio O/E, Poisson limits
  qchisq(α/2, 2E)/(2E) and qchisq(1 − α/2, 2(E + 1))/(2E); for a proportion, the interpolated
  binomial quantile (r_p − α')/n with α' = (F(r_p) − p)/(F(r_p) − F(r_p − 1)).
- z-scores on a transformed scale: proportion asin √(O/n) (s = 1/(2√n)); ratio by the SHMI
  method ln(O/E) (s = 1/√E); ratio by the CQC method √(O/E) (s = 1/(2√E)). Using the √
  scale for a ratio under the Spiegelhalter adjustment (and with none) is the platform's
  choice; decisions 026 puts multiplicative limits on the z-scores' scale.
- Trimming before estimating overdispersion: the Spiegelhalter method winsorises z at the
  10th and 90th percentiles; SHMI drops the top and bottom 10% by rank (rank groups 1 to 8
  kept). Winsorising for the CQC method as well is the platform's choice: section 2 names
  winsorising only for Spiegelhalter.
- φ = Σz²/N over what is kept; an adjustment is made only if φ > 1: multiplicative
  (z·√φ·s) or additive random effects (τ² by DerSimonian–Laird, limits from √(s² + τ²), as
  section 2 gives them for SHMI and CQC). Applying the multiplicative adjustment as the
  Spiegelhalter method is decisions 026.

Limits are reported on the scale of the indicator (the square of the √ scale for CQC, as
FunnelPlotR draws them: decisions 026), and each provider is banded higher than expected / as
expected / lower than expected at 95% and 99.8% (section 2).

The band is decided on one z-score, ``FunnelRow.band_z``, and on nothing else (``bands``), so
that the z a reader is shown and the band beside it cannot disagree:

- adjusted for overdispersion, it is Spiegelhalter's (2005, section 6) z-score against the
  widened limits: ``z / √φ`` (multiplicative) or ``(y − θ0) / √(s² + τ²)`` (additive random
  effects), the "z_D" of "Handling over-dispersion of performance indicators" (Spiegelhalter,
  Qual Saf Health Care 2005;14:347, doi:10.1136/qshc.2005.013755). A provider is outside
  the adjusted 95% limits exactly when |band_z| > 1.959964;
- with no adjustment the limits are exact (binomial or Poisson), so band_z is the normal
  quantile of the exact tail probability those limits cut: Φ⁻¹ of the interpolated binomial
  distribution function at O (whose inverse the interpolated limits are), or for a ratio
  Φ⁻¹(P(E, O/θ0)) below and Φ⁻¹(P(E + 1, O/θ0)) above (the regularised gamma functions whose
  quantiles are Garwood's limits), 0 between them. Where the tail is 0 (a proportion of 0 or 1:
  the interpolated distribution ends there, beyond every limit) or too small for a double, the
  z is at least ``Z_BEYOND`` (38.47) in the tail's direction: the transformed-scale z if it is
  larger, else that bound.

``FunnelRow.z`` stays the unadjusted transformed-scale z-score that estimates φ (section 2).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from .constants import ALPHA_95, ALPHA_998, TRIM, Z_95, Z_998, Method, Overdispersion

HIGHER, AS_EXPECTED, LOWER = "higher than expected", "as expected", "lower than expected"


@dataclass(frozen=True)
class FunnelRow:
    group: object
    numerator: float
    denominator: float  # n for a proportion, E for a ratio
    value: float
    z: float  # unadjusted, on the transformed scale: what estimates overdispersion
    band_z: float  # the z-score the bands were decided on (adjusted when the result is)
    lower_95: float
    upper_95: float
    lower_998: float
    upper_998: float
    band_95: str
    band_998: str


@dataclass(frozen=True)
class FunnelResult:
    rows: list[FunnelRow]
    target: float
    phi: float
    tau2: float
    kept: int
    adjusted: bool


# --- Exact limits ---------------------------------------------------------------------------


def poisson_limits(expected: float, alpha: float) -> tuple[float, float]:
    lower = stats.chi2.ppf(alpha / 2, 2 * expected) / (2 * expected)
    upper = stats.chi2.ppf(1 - alpha / 2, 2 * (expected + 1)) / (2 * expected)
    return float(lower), float(upper)


def binomial_limit(n: float, theta: float, p: float) -> float:
    r = float(stats.binom.ppf(p, n, theta))
    f_r = float(stats.binom.cdf(r, n, theta))
    f_below = float(stats.binom.cdf(r - 1, n, theta)) if r > 0 else 0.0
    interpolation = (f_r - p) / (f_r - f_below) if f_r > f_below else 0.0
    return (r - interpolation) / n


def binomial_limits(n: float, theta: float, alpha: float) -> tuple[float, float]:
    return binomial_limit(n, theta, alpha / 2), binomial_limit(n, theta, 1 - alpha / 2)


# --- Transformed scale ------------------------------------------------------------------------


def _scale(method: Method, od: Overdispersion):
    """(transform of a value, its standard error from the denominator, target on the scale,
    inverse transform)."""
    if method is Method.PROPORTION:
        return (
            lambda v: math.asin(math.sqrt(v)),
            lambda d: 1 / (2 * math.sqrt(d)),
            lambda t: math.asin(math.sqrt(t)),
            lambda y: math.sin(min(max(y, 0.0), math.pi / 2)) ** 2,
        )
    if od is Overdispersion.SHMI:
        return (
            lambda v: math.log(v) if v > 0 else -math.inf,
            lambda d: 1 / math.sqrt(d),
            lambda t: math.log(t),
            math.exp,
        )
    return (
        math.sqrt,
        lambda d: 1 / (2 * math.sqrt(d)),
        math.sqrt,
        lambda y: max(y, 0.0) ** 2,
    )


def _kept(z: Sequence[float], s: Sequence[float], od: Overdispersion):
    """The z-scores (and their standard errors) that estimate overdispersion: winsorised at the
    10th and 90th percentiles, or (SHMI) truncated to rank groups 1 to 8."""
    finite = [(v, e) for v, e in zip(z, s, strict=True) if math.isfinite(v)]
    if not finite:
        return [], []
    values = [v for v, _ in finite]
    if od is Overdispersion.SHMI:
        ranks = stats.rankdata(values, method="average")
        keep = [1 <= math.floor(r * 10 / (len(values) + 1)) <= 8 for r in ranks]
        return (
            [v for v, k in zip(values, keep, strict=True) if k],
            [e for (_, e), k in zip(finite, keep, strict=True) if k],
        )
    low, high = np.percentile(values, [100 * TRIM, 100 * (1 - TRIM)])
    return [min(max(v, low), high) for v in values], [e for _, e in finite]


def _tau2(phi: float, kept_s: Sequence[float]) -> float:
    n = len(kept_s)
    w = [1 / s**2 for s in kept_s]
    denominator = sum(w) - sum(x**2 for x in w) / sum(w)
    if denominator <= 0:
        return 0.0
    return max(0.0, (n * phi - (n - 1)) / denominator)


def _band(z: float, critical: float) -> str:
    if z > critical:
        return HIGHER
    if z < -critical:
        return LOWER
    return AS_EXPECTED


def bands(band_z: float) -> tuple[str, str]:
    """The bands at 95% and 99.8% of a provider whose z-score is ``band_z``: the one place a
    band is decided, so the z shown beside a band always explains it."""
    return _band(band_z, Z_95), _band(band_z, Z_998)


# |Φ⁻¹| of the smallest positive double: a tail that is 0 (beyond every limit: a proportion of
# 0 or 1 cuts the interpolated distribution at its end) or underflows is at least this far out.
Z_BEYOND = float(-special.ndtri(5e-324))


def _probit(lower_tail: float, upper_tail: float, fallback: float) -> float:
    """Φ⁻¹ of a probability given as both tails (the smaller one is the accurate one). Where
    the tail is 0 the z is infinite in its direction: the transformed-scale z (``fallback``)
    or, if that is nearer, ``Z_BEYOND`` (a lower bound), so that the band follows from it."""
    z = float(special.ndtri(lower_tail)) if lower_tail < 0.5 else -float(special.ndtri(upper_tail))
    return z if math.isfinite(z) else math.copysign(max(abs(fallback), Z_BEYOND), z)


def exact_z(method: Method, o: float, d: float, target: float, fallback: float) -> float:
    """The z-score of the exact limits (no overdispersion): Φ⁻¹ of the tail probability that
    the interpolated binomial limits, or Garwood's Poisson limits, cut at this provider."""
    if method is Method.PROPORTION:
        r = math.ceil(o)
        mass = float(stats.binom.pmf(r, d, target))
        below = float(stats.binom.cdf(r - 1, d, target)) if r > 0 else 0.0
        lower_tail = below + (o - r + 1) * mass
        upper_tail = float(stats.binom.sf(r, d, target)) + (r - o) * mass
        return _probit(lower_tail, upper_tail, fallback)
    x = 2 * o / target
    high = _probit(
        float(stats.chi2.cdf(x, 2 * (d + 1))), float(stats.chi2.sf(x, 2 * (d + 1))), fallback
    )
    if high > 0:
        return high
    low = _probit(float(stats.chi2.cdf(x, 2 * d)), float(stats.chi2.sf(x, 2 * d)), fallback)
    return min(low, 0.0)


def funnel_reference(
    groups: Sequence[object],
    numerators: Sequence[float],
    denominators: Sequence[float],
    method: Method | str,
    overdispersion: Overdispersion | str = Overdispersion.NONE,
    target: float | None = None,
) -> FunnelResult:
    """One provider at a time, in plain Python: the test oracle."""
    method, od = Method(method), Overdispersion(overdispersion)
    if target is None:
        target = sum(numerators) / sum(denominators) if method is Method.PROPORTION else 1.0
    transform, se, on_scale, back = _scale(method, od)
    values = [o / d for o, d in zip(numerators, denominators, strict=True)]
    z = [
        (transform(v) - on_scale(target)) / se(d) for v, d in zip(values, denominators, strict=True)
    ]
    phi = tau2 = 0.0
    kept = 0
    adjusted = False
    if od is not Overdispersion.NONE:
        kept_z, kept_s = _kept(z, [se(d) for d in denominators], od)
        kept = len(kept_z)
        phi = sum(v * v for v in kept_z) / kept if kept else 0.0
        if od is not Overdispersion.SPIEGELHALTER and phi > 1:
            tau2 = _tau2(phi, kept_s)
        adjusted = phi > 1
    rows = []
    for g, o, d, v, zi in zip(groups, numerators, denominators, values, z, strict=True):
        limits = []
        for zc, alpha in ((Z_95, ALPHA_95), (Z_998, ALPHA_998)):
            if not adjusted:
                limits.append(
                    binomial_limits(d, target, alpha)
                    if method is Method.PROPORTION
                    else tuple(target * x for x in poisson_limits(d, alpha))
                )
            else:
                width = zc * (
                    math.sqrt(phi) * se(d)
                    if od is Overdispersion.SPIEGELHALTER
                    else math.sqrt(se(d) ** 2 + tau2)
                )
                centre = on_scale(target)
                limits.append((back(centre - width), back(centre + width)))
        (l95, u95), (l998, u998) = limits
        if not adjusted:
            band_z = exact_z(method, o, d, target, zi)
        elif od is Overdispersion.SPIEGELHALTER:
            band_z = zi / math.sqrt(phi)
        else:
            band_z = (transform(v) - on_scale(target)) / math.sqrt(se(d) ** 2 + tau2)
        rows.append(FunnelRow(g, o, d, v, zi, band_z, l95, u95, l998, u998, *bands(band_z)))
    return FunnelResult(rows, target, phi, tau2, kept, adjusted)


# --- The vectorised engine ---------------------------------------------------------------------


def funnel_numpy(
    groups: Sequence[object],
    numerators: Sequence[float],
    denominators: Sequence[float],
    method: Method | str,
    overdispersion: Overdispersion | str = Overdispersion.NONE,
    target: float | None = None,
) -> FunnelResult:
    """Every provider at once with NumPy and SciPy's vectorised distributions."""
    method, od = Method(method), Overdispersion(overdispersion)
    o = np.asarray(numerators, dtype=float)
    d = np.asarray(denominators, dtype=float)
    if target is None:
        target = float(o.sum() / d.sum()) if method is Method.PROPORTION else 1.0
    v = o / d
    if method is Method.PROPORTION:
        y, s, centre = np.arcsin(np.sqrt(v)), 1 / (2 * np.sqrt(d)), math.asin(math.sqrt(target))

        def back(x):
            return np.sin(np.clip(x, 0, np.pi / 2)) ** 2
    elif od is Overdispersion.SHMI:
        with np.errstate(divide="ignore"):
            y = np.log(v)
        s, centre, back = 1 / np.sqrt(d), math.log(target), np.exp
    else:
        y, s, centre = np.sqrt(v), 1 / (2 * np.sqrt(d)), math.sqrt(target)

        def back(x):
            return np.clip(x, 0, None) ** 2

    z = (y - centre) / s
    phi = tau2 = 0.0
    kept = 0
    adjusted = False
    if od is not Overdispersion.NONE:
        finite = np.isfinite(z)
        zf, sf = z[finite], s[finite]
        if od is Overdispersion.SHMI:
            ranks = stats.rankdata(zf, method="average")
            keep = (np.floor(ranks * 10 / (len(zf) + 1)) >= 1) & (
                np.floor(ranks * 10 / (len(zf) + 1)) <= 8
            )
            kept_z, kept_s = zf[keep], sf[keep]
        else:
            low, high = np.percentile(zf, [100 * TRIM, 100 * (1 - TRIM)])
            kept_z, kept_s = np.clip(zf, low, high), sf
        kept = len(kept_z)
        phi = float((kept_z**2).sum() / kept) if kept else 0.0
        if od is not Overdispersion.SPIEGELHALTER and phi > 1:
            w = 1 / kept_s**2
            denominator = w.sum() - (w**2).sum() / w.sum()
            tau2 = (
                max(0.0, float((kept * phi - (kept - 1)) / denominator)) if denominator > 0 else 0.0
            )
        adjusted = phi > 1
    limits = {}
    for name, zc, alpha in (("95", Z_95, ALPHA_95), ("998", Z_998, ALPHA_998)):
        if not adjusted:
            if method is Method.PROPORTION:
                limits[name] = (
                    _binomial_vector(d, target, alpha / 2),
                    _binomial_vector(d, target, 1 - alpha / 2),
                )
            else:
                lower = stats.chi2.ppf(alpha / 2, 2 * d) / (2 * d)
                upper = stats.chi2.ppf(1 - alpha / 2, 2 * (d + 1)) / (2 * d)
                limits[name] = (target * lower, target * upper)
        else:
            width = zc * (
                np.sqrt(phi) * s if od is Overdispersion.SPIEGELHALTER else np.sqrt(s**2 + tau2)
            )
            limits[name] = (back(centre - width), back(centre + width))
    if not adjusted:
        band_z = _exact_z_vector(method, o, d, target, z)
    elif od is Overdispersion.SPIEGELHALTER:
        band_z = z / math.sqrt(phi)
    else:
        band_z = (y - centre) / np.sqrt(s**2 + tau2)
    rows = []
    for i, g in enumerate(groups):
        l95, u95 = float(limits["95"][0][i]), float(limits["95"][1][i])
        l998, u998 = float(limits["998"][0][i]), float(limits["998"][1][i])
        rows.append(
            FunnelRow(
                g,
                float(o[i]),
                float(d[i]),
                float(v[i]),
                float(z[i]),
                float(band_z[i]),
                l95,
                u95,
                l998,
                u998,
                *bands(float(band_z[i])),
            )
        )
    return FunnelResult(rows, target, phi, tau2, kept, adjusted)


def _probit_vector(lower_tail: np.ndarray, upper_tail: np.ndarray, fallback: np.ndarray):
    z = np.where(lower_tail < 0.5, special.ndtri(lower_tail), -special.ndtri(upper_tail))
    beyond = np.copysign(np.maximum(np.abs(fallback), Z_BEYOND), z)  # as ``_probit``
    return np.where(np.isfinite(z), z, beyond)


def _exact_z_vector(method: Method, o: np.ndarray, d: np.ndarray, target: float, fallback):
    """``exact_z`` for every provider at once."""
    if method is Method.PROPORTION:
        r = np.ceil(o)
        mass = stats.binom.pmf(r, d, target)
        below = np.where(r > 0, stats.binom.cdf(r - 1, d, target), 0.0)
        upper = stats.binom.sf(r, d, target) + (r - o) * mass
        return _probit_vector(below + (o - r + 1) * mass, upper, fallback)
    x = 2 * o / target
    high = _probit_vector(stats.chi2.cdf(x, 2 * (d + 1)), stats.chi2.sf(x, 2 * (d + 1)), fallback)
    low = _probit_vector(stats.chi2.cdf(x, 2 * d), stats.chi2.sf(x, 2 * d), fallback)
    return np.where(high > 0, high, np.minimum(low, 0.0))


def _binomial_vector(n: np.ndarray, theta: float, p: float) -> np.ndarray:
    r = stats.binom.ppf(p, n, theta)
    f_r = stats.binom.cdf(r, n, theta)
    f_below = np.where(r > 0, stats.binom.cdf(r - 1, n, theta), 0.0)
    gap = f_r - f_below
    interpolation = np.divide(f_r - p, gap, out=np.zeros_like(gap), where=gap > 0)
    return (r - interpolation) / n
