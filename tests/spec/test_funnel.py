"""Funnel plots (Spiegelhalter 2005): the specification, run on every engine."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from commissioning.engine.quality.funnel import (
    AS_EXPECTED,
    HIGHER,
    LOWER,
    funnel_numpy,
    funnel_reference,
)


@pytest.fixture(params=[funnel_reference, funnel_numpy], ids=["reference", "numpy"])
def funnel(request):
    return request.param


def test_exact_poisson_limits_for_a_ratio(funnel):
    result = funnel(["A"], [10], [10.0], "ratio")
    row = result.rows[0]
    # Garwood's exact interval for 10 events is 4.7954 to 18.3904.
    assert row.lower_95 == pytest.approx(0.479539, abs=1e-6)
    assert row.upper_95 == pytest.approx(1.839036, abs=1e-6)
    assert (row.value, row.z) == (1.0, 0.0) and row.band_95 == AS_EXPECTED


def test_exact_binomial_limits_are_interpolated(funnel):
    result = funnel(["A", "B"], [5, 5], [10, 10], "proportion", target=0.5)
    # Bin(10, 0.5): F(1) = 11/1024, F(2) = 56/1024, so the 2.5% point is r = 2.
    interpolation = (56 / 1024 - 0.025) / (45 / 1024)
    assert result.rows[0].lower_95 == pytest.approx((2 - interpolation) / 10, abs=1e-9)
    # and F(7) = 968/1024, F(8) = 1013/1024, so the 97.5% point is r = 8.
    upper = (8 - (1013 / 1024 - 0.975) / (45 / 1024)) / 10
    assert result.rows[0].upper_95 == pytest.approx(upper, abs=1e-9)


def test_z_scores_on_each_scale(funnel):
    proportion = funnel(["A", "B"], [30, 20], [100, 100], "proportion", target=0.25).rows[0]
    assert proportion.z == pytest.approx((math.asin(math.sqrt(0.3)) - math.asin(0.5)) * 2 * 10)
    shmi = funnel(["A", "B"], [60, 40], [50.0, 50.0], "ratio", "shmi").rows[0]
    assert shmi.z == pytest.approx(math.sqrt(50) * math.log(1.2))
    cqc = funnel(["A", "B"], [60, 40], [50.0, 50.0], "ratio", "cqc").rows[0]
    assert cqc.z == pytest.approx((math.sqrt(1.2) - 1) * 2 * math.sqrt(50))


def test_the_target_of_a_proportion_defaults_to_the_overall_rate(funnel):
    assert funnel(["A", "B"], [10, 30], [100, 100], "proportion").target == pytest.approx(0.2)


# Twenty providers of varied size with more spread than chance alone: overdispersed.
E = np.linspace(20, 400, 20)
OBS = np.round(E * np.linspace(0.6, 1.5, 20))
GROUPS = [f"P{i:02d}" for i in range(20)]


def by_hand(od):
    z = np.sqrt(E) * np.log(OBS / E) if od == "shmi" else (np.sqrt(OBS / E) - 1) * 2 * np.sqrt(E)
    s = 1 / np.sqrt(E) if od == "shmi" else 1 / (2 * np.sqrt(E))
    if od == "shmi":
        groups = np.floor(np.argsort(np.argsort(z)) + 1) * 10 // 21
        keep = (groups >= 1) & (groups <= 8)
        kz, ks = z[keep], s[keep]
    else:
        low, high = np.percentile(z, [10, 90])
        kz, ks = np.clip(z, low, high), s
    phi = (kz**2).mean()
    w = 1 / ks**2
    tau2 = max(0, (len(kz) * phi - (len(kz) - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    return phi, tau2, len(kz)


@pytest.mark.parametrize("od", ["shmi", "cqc"])
def test_overdispersion_by_additive_random_effects(funnel, od):
    result = funnel(GROUPS, OBS, E, "ratio", od)
    phi, tau2, kept = by_hand(od)
    assert result.adjusted and result.phi > 1
    assert (result.phi, result.tau2, result.kept) == (pytest.approx(phi), pytest.approx(tau2), kept)
    assert kept == (16 if od == "shmi" else 20)
    row = result.rows[0]
    if od == "shmi":
        assert row.upper_95 == pytest.approx(math.exp(1.959964 * math.sqrt(1 / E[0] + tau2)))
    else:
        assert row.upper_95 == pytest.approx((1 + 1.959964 * math.sqrt(1 / (4 * E[0]) + tau2)) ** 2)


def test_spiegelhalter_multiplicative_adjustment(funnel):
    result = funnel(GROUPS, OBS, E, "ratio", "spiegelhalter")
    phi, _, _ = by_hand("cqc")
    assert result.phi == pytest.approx(phi) and result.tau2 == 0
    width = 3.090232 * math.sqrt(phi) / (2 * math.sqrt(E[-1]))
    assert result.rows[-1].upper_998 == pytest.approx((1 + width) ** 2)


def test_no_adjustment_unless_phi_exceeds_1(funnel):
    expected = np.full(20, 100.0)
    observed = np.array([100, 101, 99, 100, 102, 98, 100, 100, 101, 99] * 2)
    result = funnel(GROUPS, observed, expected, "ratio", "shmi")
    assert result.phi < 1 and not result.adjusted and result.tau2 == 0
    lower, upper = 0.813640, 1.216268  # Garwood's exact interval for 100 events, over 100
    assert result.rows[0].lower_95 == pytest.approx(lower, abs=1e-4)
    assert result.rows[0].upper_95 == pytest.approx(upper, abs=1e-4)


def test_bands_at_95_and_998(funnel):
    result = funnel(["A", "B", "C"], [30, 13, 10], [10.0, 10.0, 10.0], "ratio")
    assert [(r.band_95, r.band_998) for r in result.rows] == [
        (HIGHER, HIGHER),
        (AS_EXPECTED, AS_EXPECTED),
        (AS_EXPECTED, AS_EXPECTED),
    ]
    low = funnel(["A"], [3], [10.0], "ratio").rows[0]  # 99.8% lower limit 0.296
    assert (low.band_95, low.band_998) == (LOWER, AS_EXPECTED)


@settings(max_examples=150, deadline=None)
@given(
    data=st.lists(st.tuples(st.integers(0, 300), st.integers(5, 400)), min_size=3, max_size=25),
    method=st.sampled_from(["proportion", "ratio"]),
    od=st.sampled_from(["none", "spiegelhalter", "shmi", "cqc"]),
)
def test_the_engines_agree(data, method, od):
    if method == "proportion":
        data = [(min(o, d), d) for o, d in data]
    groups = [f"G{i}" for i in range(len(data))]
    numerators = [o for o, _ in data]
    denominators = [float(d) for _, d in data]
    if method == "proportion" and sum(numerators) in (0, sum(denominators)):
        return  # a target of 0 or 1 leaves nothing to compare
    a = funnel_reference(groups, numerators, denominators, method, od)
    b = funnel_numpy(groups, numerators, denominators, method, od)
    assert (a.kept, a.adjusted) == (b.kept, b.adjusted)
    assert a.phi == pytest.approx(b.phi, rel=1e-9) and a.tau2 == pytest.approx(
        b.tau2, rel=1e-9, abs=1e-12
    )
    for x, y in zip(a.rows, b.rows, strict=True):
        assert (x.band_95, x.band_998) == (y.band_95, y.band_998)
        for name in ("value", "z", "band_z", "lower_95", "upper_95", "lower_998", "upper_998"):
            u, v = getattr(x, name), getattr(y, name)
            assert (math.isinf(u) and u == v) or u == pytest.approx(v, rel=1e-9, abs=1e-12), name


# --- The z-score a band is decided on (issue 18) ---------------------------------------------


def _consistent(result):
    for row in result.rows:
        z = row.band_z
        expected = [
            HIGHER if z > c else LOWER if z < -c else AS_EXPECTED for c in (1.959964, 3.090232)
        ]
        assert [row.band_95, row.band_998] == expected, row


@pytest.mark.parametrize("od", ["spiegelhalter", "shmi", "cqc"])
def test_the_band_follows_from_the_adjusted_z_shown(funnel, od):
    result = funnel(GROUPS, OBS, E, "ratio", od)
    assert result.adjusted
    _consistent(result)
    # and it is the z that the widened limits imply: outside them exactly when |z| > 1.96
    for row in result.rows:
        outside = row.value > row.upper_95 or row.value < row.lower_95
        assert outside == (abs(row.band_z) > 1.959964)


def test_spiegelhalters_adjusted_z_divides_by_root_phi(funnel):
    result = funnel(GROUPS, OBS, E, "ratio", "spiegelhalter")
    for row in result.rows:
        assert row.band_z == pytest.approx(row.z / math.sqrt(result.phi))


def test_the_additive_adjusted_z_uses_tau2(funnel):
    result = funnel(GROUPS, OBS, E, "ratio", "shmi")
    _, tau2, _ = by_hand("shmi")
    row = result.rows[-1]
    assert row.band_z == pytest.approx(math.log(OBS[-1] / E[-1]) / math.sqrt(1 / E[-1] + tau2))


def test_a_large_deviation_is_not_as_expected_when_overdispersion_is_small(funnel):
    # The case: a trust 78 standard errors out, shown "as expected" beside z = 78.
    # With a huge spread among the others, its adjusted z is small and says so.
    n = np.full(20, 20000.0)
    o = np.round(n * np.linspace(0.05, 0.45, 20))
    result = funnel([f"T{i}" for i in range(20)], o, n, "proportion", "cqc")
    assert result.adjusted
    assert max(abs(r.z) for r in result.rows) > 50
    assert max(abs(r.band_z) for r in result.rows) < 4
    _consistent(result)


def test_exact_z_follows_the_exact_limits(funnel):
    # Without adjustment the band comes from the exact limits: band_z is their tail probit.
    result = funnel(["A", "B", "C", "D"], [30, 13, 10, 3], [10.0] * 4, "ratio")
    _consistent(result)
    assert [r.band_95 for r in result.rows] == [HIGHER, AS_EXPECTED, AS_EXPECTED, LOWER]
    binomial = funnel(["A", "B", "C"], [0, 5, 10], [10, 10, 10], "proportion", target=0.5)
    _consistent(binomial)
    # Bin(10, 0.5): F(0) = 1/1024, below 2.5%
    assert binomial.rows[0].band_z == pytest.approx(float(stats.norm.ppf(1 / 1024)))


@settings(max_examples=150, deadline=None)
@given(
    data=st.lists(st.tuples(st.integers(0, 3000), st.integers(5, 4000)), min_size=3, max_size=25),
    method=st.sampled_from(["proportion", "ratio"]),
    od=st.sampled_from(["none", "spiegelhalter", "shmi", "cqc"]),
)
def test_every_band_follows_from_its_z_and_agrees_with_the_limits(data, method, od):
    if method == "proportion":
        data = [(min(o, d), d) for o, d in data]
    numerators = [o for o, _ in data]
    denominators = [float(d) for _, d in data]
    if method == "proportion" and sum(numerators) in (0, sum(denominators)):
        return
    for engine in (funnel_reference, funnel_numpy):
        result = engine([f"G{i}" for i in range(len(data))], numerators, denominators, method, od)
        _consistent(result)
        for row in result.rows:
            for band, low, high in ((row.band_95, row.lower_95, row.upper_95),
                                    (row.band_998, row.lower_998, row.upper_998)):  # fmt: skip
                margin = 1e-9 * max(1.0, abs(high))
                if row.value > high + margin:
                    assert band == HIGHER
                elif row.value < low - margin:
                    assert band == LOWER
                elif low + margin < row.value < high - margin:
                    assert band == AS_EXPECTED


def test_a_proportion_of_one_beyond_every_limit_is_higher_than_expected():
    """Found by hypothesis: 5 of 5 against an average of 0.6 lies above the interpolated exact
    limits (the interpolated distribution function reaches 1 there), so its tail is 0 and its
    z infinite; the small transformed-scale z (1.8) must not stand in and call it as expected."""
    for engine in (funnel_reference, funnel_numpy):
        result = engine(["A", "B", "C"], [0, 4, 5], [5.0, 5.0, 5.0], "proportion", "none")
        top = result.rows[2]
        assert top.value > top.upper_95 and top.band_95 == HIGHER
        assert top.band_z >= 38
