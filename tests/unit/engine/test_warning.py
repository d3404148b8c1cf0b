"""The early warning's charts (engine/quality/warning.py; docs/statistics.md section 4a)."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import poisson

from commissioning.engine.quality.warning import (
    BANK,
    SHARES,
    TAIL_EXCEEDANCES,
    Counts,
    Question,
    WarningOptions,
    bank_cusum,
    early_warning,
    reference_bank_cusum,
    tail_chance,
    tail_threshold,
)


def test_each_cusum_adds_the_poisson_log_likelihood_ratio_of_a_rise_by_its_odds_ratio():
    # log P(O | R·λ) − log P(O | λ) = O·ln R − λ(R − 1): one month from zero, one CUSUM.
    for o, lam, r in [(3, 2.5, 2.0), (40, 31.2, 1.25), (0, 0.7, 3.0), (12, 4.0, 1.5)]:
        statistic, _, _ = bank_cusum(np.array([[o]]), np.array([[lam]]), odds_ratios=(r,))
        expected = poisson.logpmf(o, r * lam) - poisson.logpmf(o, lam)
        assert statistic[0, 0] == pytest.approx(max(0.0, expected), rel=1e-12, abs=1e-12)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    months=st.lists(st.tuples(st.integers(0, 60), st.floats(0.05, 40.0)), min_size=1, max_size=24),
    threshold=st.floats(0.2, 12.0),
    bank=st.sampled_from([BANK, (2.0,), (1.25, 3.0), (1.1, 1.5, 2.5)]),
)
def test_the_vectorised_bank_equals_the_month_by_month_reference(months, threshold, bank):
    observed = np.array([[o for o, _ in months]], dtype=float)
    level = np.array([[lam for _, lam in months]])
    statistic, _, signal = bank_cusum(observed, level, np.array([threshold]), bank)
    reference = reference_bank_cusum(observed[0], level[0], threshold, bank)
    np.testing.assert_allclose(statistic[0], [s for s, _ in reference], rtol=1e-12, atol=1e-12)
    assert signal[0].tolist() == [f for _, f in reference]


def _bank_in_numpy(observed, level, thresholds, odds_ratios):
    """The bank as array operations, month by month (what the compiled loop replaced)."""
    log_r = np.log(np.asarray(odds_ratios, dtype=float))
    excess = np.asarray(odds_ratios, dtype=float) - 1
    charts, months = observed.shape
    x = np.zeros((charts, len(log_r)))
    statistic = np.zeros((charts, months))
    best = np.zeros((charts, months), dtype=np.int8)
    signal = np.zeros((charts, months), dtype=bool)
    for m in range(months):
        x = np.maximum(0.0, x + observed[:, m, None] * log_r - level[:, m, None] * excess)
        statistic[:, m] = x.max(1)
        best[:, m] = x.argmax(1)
        if thresholds is not None:
            signal[:, m] = statistic[:, m] >= thresholds
            x[signal[:, m]] = 0.0
    return statistic, best, signal


@pytest.mark.parametrize("seed", range(6))
def test_the_compiled_bank_gives_the_array_operations_results_bit_for_bit(seed):
    # Counts, levels and thresholds at random, with zeros, ties between the bank's members
    # (an odds ratio twice), a missing value and an infinite one, no thresholds at all, and
    # thresholds of 0, infinity and NaN.
    rng = np.random.default_rng(seed)
    charts, months = 300, 14
    observed = rng.poisson(rng.uniform(0, 30, (charts, 1)), (charts, months)).astype(float)
    level = rng.uniform(0, 30, (charts, months)) * (rng.random((charts, months)) > 0.1)
    observed[rng.random((charts, months)) < 0.01] = np.nan
    observed[rng.random((charts, months)) < 0.005] = np.inf
    thresholds = rng.uniform(0, 15, charts)
    thresholds[:3] = (0.0, np.inf, np.nan)
    bank = (*BANK, 2.0)
    for given_thresholds in (None, thresholds):
        ours = bank_cusum(observed, level, given_thresholds, bank)
        arrays = _bank_in_numpy(observed, level, given_thresholds, bank)
        for got, want in zip(ours, arrays, strict=True):
            np.testing.assert_array_equal(got, want)
            assert np.array_equal(np.signbit(got), np.signbit(want))


@settings(max_examples=100, deadline=None, derandomize=True)
@given(alpha=st.floats(1e-6, 0.5), seed=st.integers(0, 1000))
def test_a_threshold_and_its_chance_are_inverse(alpha, seed):
    rng = np.random.default_rng(seed)
    peaks = np.sort(rng.exponential(1.0, 2000) + rng.random())
    h = tail_threshold(peaks, np.array([alpha]))[0]
    chance = tail_chance(peaks, np.array([h]))[0]
    # Read off the simulations the chance is a whole number of runs (within one run of
    # alpha); beyond them it is the e^{-h} extension exactly.
    if alpha < TAIL_EXCEEDANCES / len(peaks):
        assert chance == pytest.approx(alpha, rel=1e-9)
    else:
        assert abs(chance - alpha) <= 1 / len(peaks) + 1e-12


def test_beyond_the_simulations_the_tail_falls_as_e_to_the_minus_h():
    peaks = np.sort(np.random.default_rng(3).exponential(1.0, 4000))
    a0 = TAIL_EXCEEDANCES / 4000
    h0 = tail_threshold(peaks, np.array([a0]))[0]
    h = tail_threshold(peaks, np.array([a0 / math.e, a0 / math.e**3]))
    np.testing.assert_allclose(h, [h0 + 1, h0 + 3])


def in_control(providers, months, per_month, groups, rng, ratio=None, start=None):
    """Poisson deaths at the national model's expectation (times ``ratio`` from ``start``)."""
    share = rng.dirichlet(np.full(groups, 2.0), size=providers)  # each provider's case mix
    expected_group = per_month[:, None, None] * share[:, None, :] * np.ones((1, months, 1))
    mean = expected_group.copy()
    if ratio is not None:
        mean[..., start:, :] = mean[..., start:, :] * ratio
    observed_group = rng.poisson(mean).astype(float)
    methods_share = np.array([0.3, 0.7])
    total = observed_group.sum(2)
    emergency = rng.binomial(total.astype(np.int64), methods_share[1])
    return Counts(
        providers=[f"P{i:03d}" for i in range(providers)],
        months=[f"{2021 + (3 + m) // 12}-{(3 + m) % 12 + 1:02d}" for m in range(months)],
        observed=observed_group.sum(2),
        expected=expected_group.sum(2),
        methods=[1, 2],
        observed_method=np.stack([total - emergency, emergency], axis=2).astype(float),
        expected_method=expected_group.sum(2)[..., None] * methods_share,
        groups=list(range(1, groups + 1)),
        observed_group=observed_group,
        expected_group=expected_group,
    )


@pytest.mark.parametrize("question", list(Question))
def test_in_control_providers_raise_no_more_false_alarms_than_the_budget(question):
    # 600 in-control provider-years with 12 baseline months, each with its all-spells, method
    # and group charts: the share with any signal is at most the budget (Bonferroni makes it
    # conservative), and not far below it (the budget is spent).
    rng = np.random.default_rng(11)
    counts = in_control(600, 24, rng.uniform(3, 120, 600), 6, rng)
    result = early_warning(counts, WarningOptions(simulations=2000, seed=5))
    alerted = result.alerts.filter(question=question.value)["provider_code"].n_unique()
    rate = alerted / 600
    assert rate <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / 600)
    assert rate >= 0.01


def bernoulli_in_control(providers, months, rng):
    """Deaths of spells at risks from 0.5% to 40% (the national model's, unchanged): each
    diagnosis group's deaths binomial, so a month's deaths vary less than a Poisson count."""
    risks = np.array([0.005, 0.02, 0.08, 0.2, 0.4])
    spells = rng.integers(100, 600, size=(providers, 1, len(risks))) * np.ones((1, months, 1))
    spells = spells.astype(np.int64)
    observed_group = rng.binomial(spells, risks).astype(float)
    expected_group = spells * risks
    variance_group = spells * risks * (1 - risks)
    return Counts(
        providers=[f"P{i:03d}" for i in range(providers)],
        months=[f"{2021 + (3 + m) // 12}-{(3 + m) % 12 + 1:02d}" for m in range(months)],
        observed=observed_group.sum(2),
        expected=expected_group.sum(2),
        variance=variance_group.sum(2),
        groups=list(range(1, len(risks) + 1)),
        observed_group=observed_group,
        expected_group=expected_group,
        variance_group=variance_group,
    )


@pytest.mark.parametrize("question", list(Question))
def test_thresholds_allow_for_deaths_varying_less_than_poisson(question):
    # Spells' deaths are Bernoulli: a month's deaths have variance Σp(1 − p), here about 0.75
    # of a Poisson count's. Thresholds scaled by that dispersion still keep false alarms within
    # the budget, and spend more of it than thresholds that take the deaths as Poisson.
    rng = np.random.default_rng(21)
    counts = bernoulli_in_control(1000, 24, rng)
    share = 1 - counts.variance.sum() / counts.expected.sum()
    assert 0.2 < share < 0.3  # the dispersion φ = 1 − Σp²/Σp this test is about
    options = WarningOptions(simulations=2000, seed=5)
    rates = {}
    for name, variance in (("dispersed", True), ("poisson", False)):
        if not variance:
            counts.variance = counts.variance_group = None
        alerts = early_warning(counts, options).alerts.filter(question=question.value)
        rates[name] = alerts["provider_code"].n_unique() / 1000
    assert rates["dispersed"] <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / 1000)
    assert rates["dispersed"] >= 0.015
    assert rates["dispersed"] > rates["poisson"]


def test_the_budget_of_each_provider_is_split_between_its_charts():
    rng = np.random.default_rng(2)
    counts = in_control(20, 24, rng.uniform(20, 60, 20), 5, rng)
    result = early_warning(counts, WarningOptions(false_alarm_rate=0.05))
    budget = result.charts.group_by("provider_code", "question").agg(
        total=pl.col("false_alarm_rate").sum()
    )
    np.testing.assert_allclose(budget["total"].to_numpy(), 0.05, rtol=1e-9)
    assert set(result.charts["question"]) == {q.value for q in Question}


def test_without_method_charts_the_groups_keep_their_own_share():
    rng = np.random.default_rng(6)
    counts = in_control(5, 24, np.full(5, 40.0), 4, rng)
    charts = early_warning(counts, WarningOptions(by_method=False)).charts
    groups = charts.filter(chart="diagnosis_group", question="worse_than_national")
    shares = groups.group_by("provider_code").agg(pl.col("false_alarm_rate").sum())
    np.testing.assert_allclose(shares["false_alarm_rate"].to_numpy(), 0.05 * SHARES[2], rtol=1e-9)


def test_a_failure_in_one_diagnosis_group_is_found_and_said_where():
    rng = np.random.default_rng(8)
    counts = in_control(10, 24, np.full(10, 60.0), 8, rng)
    # Provider P003's group 4 triples its deaths from the second month of monitoring.
    counts.observed_group[3, 13:, 3] = rng.poisson(counts.expected_group[3, 13:, 3] * 3)
    counts.observed = counts.observed_group.sum(2)
    result = early_warning(counts, WarningOptions())
    mine = result.alerts.filter(provider_code="P003", chart="diagnosis_group", value=4)
    assert len(mine) >= 1
    first = mine.sort("month").row(0, named=True)
    assert first["sure"] >= 0.95
    assert first["odds_ratio"] in BANK
    assert first["month"] <= counts.months[17]


def test_a_failure_spread_over_several_small_groups_is_found_by_the_groups_together():
    # 40 groups of about 1.5 expected deaths a month each; at P002 six of them triple their
    # deaths from the first month monitored. Each alone is small; together they are not.
    rng = np.random.default_rng(21)
    counts = in_control(8, 24, np.full(8, 60.0), 40, rng)
    failing = [3, 9, 14, 22, 30, 37]
    mean = counts.expected_group[2, 12:, :][:, [g - 1 for g in failing]] * 3
    counts.observed_group[2, 12:, [g - 1 for g in failing]] = rng.poisson(mean).T
    counts.observed = counts.observed_group.sum(2)
    result = early_warning(counts, WarningOptions(by_method=False))
    together = result.alerts.filter(provider_code="P002", chart="diagnosis_groups")
    assert together.height >= 1
    first = together.sort("month").row(0, named=True)
    named = {int(g) for g in first["groups"].split(", ")}
    assert len(named & set(failing)) >= 2  # the alert names where the deaths are
    assert first["value"] in named and first["sure"] >= 0.95
    alone = result.alerts.filter(provider_code="P002", chart="diagnosis_group")
    assert alone.height == 0 or alone["month"].min() >= first["month"]
    # The others' groups together stay quiet.
    assert result.alerts.filter(chart="diagnosis_groups", provider_code="P005").height == 0


def test_a_provider_worse_all_along_is_worse_than_national_but_has_not_deteriorated():
    rng = np.random.default_rng(4)
    counts = in_control(30, 24, np.full(30, 50.0), 3, rng, ratio=1.5, start=0)
    result = early_warning(counts, WarningOptions(by_group=False, by_method=False))
    national = result.alerts.filter(question="worse_than_national")["provider_code"].n_unique()
    own = result.alerts.filter(question="deteriorated")["provider_code"].n_unique()
    assert national == 30
    assert own <= 3
    level = result.charts.filter(question="deteriorated", chart="all")["level"].to_numpy()
    np.testing.assert_allclose(level, 1.5, rtol=0.15)


def test_without_months_before_monitoring_only_the_national_question_is_asked():
    rng = np.random.default_rng(1)
    counts = in_control(5, 12, np.full(5, 20.0), 3, rng)
    result = early_warning(counts, WarningOptions())
    assert set(result.charts["question"]) == {"worse_than_national"}
    assert result.baseline is None


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"false_alarm_rate": 0}, "false_alarm_rate"),
        ({"odds_ratios": (1.0, 2.0)}, "odds_ratios"),
        ({"shares": (0.5, 0.5, 0.5)}, "shares"),
        ({"simulations": 10}, "simulations"),
    ],
)
def test_bad_options_name_the_field(options, field):
    with pytest.raises(ValueError, match=field):
        WarningOptions(**options)


def test_groups_together_peaks_are_the_table_runs_summed_month_by_month():
    # The compiled sums against NumPy's on the same draws: each chart's groups' runs summed
    # (in single precision, as the table is kept) month by month, the largest month taken.
    from commissioning.engine.quality.warning import GRID, table

    known = table(12, None, BANK, 800, 1)
    means = [np.array([0.6, 3.0, 40.0]), np.array([1.5, 1.5]), np.linspace(0.5, 80, 60)]
    peaks = known.together_peaks(means, 300, np.random.default_rng(5))
    rng = np.random.default_rng(5)
    for mean, mine in zip(means, peaks, strict=True):
        nearest = np.abs(np.log(np.clip(mean, GRID[0], GRID[-1]))[:, None] - np.log(GRID))
        runs = rng.integers(0, known.together.shape[1], size=(len(mean), 300))
        summed = known.together[nearest.argmin(1)[:, None], runs].sum(0)
        np.testing.assert_array_equal(mine, np.sort(summed.max(1).astype(np.float64)))
    assert known.together_peaks([], 300, rng).shape == (0, 300)


@pytest.mark.parametrize("own_level", [False, True], ids=["known-level", "estimated-level"])
def test_the_tables_runs_are_numpys_array_operations_on_the_same_draws(own_level):
    # The compiled month of a bank's runs against the same steps done array by array in
    # NumPy on the same Poisson draws: identical peaks and paths.
    from commissioning.engine.quality.warning import simulate_peaks

    expected = np.array([[0.4, 0.9, 2.0], [5.0, 3.5, 6.0], [30.0, 28.0, 35.0]])
    level = np.array([1.0, 1.0, 1.2])
    baseline = np.array([4.0, 50.0, 300.0]) if own_level else None
    runs = 500
    paths = np.empty((3, runs, 3), dtype=np.float32)
    peaks = simulate_peaks(
        expected, level, baseline, BANK, runs, np.random.default_rng(9), paths, 1
    )

    rng = np.random.default_rng(9)
    log_r, excess = np.log(np.array(BANK)), np.array(BANK) - 1
    c = (
        (rng.poisson(level[:, None] * baseline[:, None] * np.ones((3, runs))) + 1)
        / (baseline[:, None] + 1)
        if own_level
        else np.broadcast_to(level[:, None], (3, runs))
    )
    x = [np.zeros((3, runs)) for _ in BANK]
    top = np.zeros((3, runs))
    mine = np.empty_like(paths)
    for m in range(3):
        deaths = rng.poisson(np.broadcast_to(level[:, None] * expected[:, m, None], (3, runs)))
        drift = c * expected[:, m, None]
        for k in range(len(BANK)):
            x[k] += deaths * log_r[k]
            x[k] -= drift * excess[k]
            np.maximum(x[k], 0.0, out=x[k])
        mine[:, :, m] = x[1]
        np.maximum(top, np.maximum.reduce(x), out=top)
    np.testing.assert_array_equal(peaks, np.sort(top, axis=1))
    np.testing.assert_array_equal(paths, mine)
    assert (peaks > 0).any()


def test_a_path_member_outside_the_bank_is_refused():
    from commissioning.engine.quality.warning import simulate_peaks

    paths = np.empty((1, 10, 2), dtype=np.float32)
    with pytest.raises(ValueError, match="path_member"):
        simulate_peaks(np.ones((1, 2)), np.ones(1), None, BANK, 10, np.random.default_rng(1),
                       paths, len(BANK))  # fmt: skip
