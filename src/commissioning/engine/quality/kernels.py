"""The one-machine engine's loops over the spells and the cells, compiled (decisions 064, 065).

The counting pass packs each spell's risk-cell key, its month and its outcome into one integer
(4 bytes a spell where they fit, as for a year or five of the national grid; else 8), counts
the cell, and keeps it for the scoring pass, each row group's spells grouped by provider as
they are stored (a counting sort within the row group), so the provider need not be kept.
While the models are fitted, each provider's spells are put in order of kind (diagnosis group
× admission method: ``order_by_kind``). The scoring pass then adds a kind at a time across
every provider (``score_kinds``): the kind's cells, a few thousand next to each other in the
grid, stay in the core's cache while they are looked up, where a provider at a time looks up
cells all over the grid's 17 MB of terms and waits on memory for almost every spell (the
pass took 0.45–0.54 s that way, 0.23–0.29 s a kind at a time, measured on the same machine in
one session). Each sum is added in one thread, in the order of the rows within its provider
and kind, so the result does not depend on how the work is shared between threads.

The models are fitted on the cells (``group_terms``): a cell's design row is 1 for the
intercept and one level of each covariate, so it adds to the few pairs of parameters it has.

NumPy would do each step as a pass of its own, each writing a temporary; compiled, a loop
keeps a spell in registers. The loops release the GIL, so each core works on row groups,
providers or kinds of its own at the same time. They are compiled on first use for the
column types they meet and cached on disk.
"""

from __future__ import annotations

import os

import numba
import numpy as np

WORKERS = min(4, os.cpu_count() or 1)  # threads that run the loops side by side
_compile = numba.njit(nogil=True, cache=True, boundscheck=False, error_model="numpy")


STREAMS = 4  # parts of a row group whose spells are grouped by provider side by side


@_compile
def count_batch(
    c0, c1, c2, c3, c4, c5, c6,  # the grid's seven columns, in its order (passes.Grid)
    low, size,  # each axis's lowest value and number of values (int64 arrays)
    died,  # bool
    provider, providers,  # each spell's provider, numbered from 0; how many numbered so far
    days, day_low, month_of_day, first_month, months,  # dates as days; their months
    scratch,  # at least as long as the row group, in the spells' width
    start, spells, shift, counts,  # packed spells from row ``start``; counts per key × outcome
):  # fmt: skip
    """The counting pass over one row group. Each spell is kept packed in one integer of
    ``spells`` (month << ``shift`` | key << 1 | outcome; its provider is where it is kept),
    written from row ``start`` grouped by provider (in the order of the rows within a
    provider). Returns where each provider's spells begin, relative to ``start``, and where
    the last ends (``providers`` + 1 numbers).

    Each step is a loop of its own, so that the compiler can do the key's arithmetic on
    several spells at once (with the month's look-up in the same loop it does one at a time:
    6.6 against 0.6 ns a spell, measured). Spells of one provider come in runs, so grouping
    them one at a time makes each write wait for the one before it to the same provider's
    place; the row group is grouped as ``STREAMS`` parts side by side, each part's spells of a
    provider placed after the earlier parts' (the same order as one at a time)."""
    n = len(c0)
    s6 = np.int64(1)
    s5 = s6 * size[6]
    s4 = s5 * size[5]
    s3 = s4 * size[4]
    s2 = s3 * size[3]
    s1 = s2 * size[2]
    s0 = s1 * size[1]
    l0, l1, l2, l3, l4, l5, l6 = low[0], low[1], low[2], low[3], low[4], low[5], low[6]
    for i in range(n):
        key = (
            (c0[i] - l0) * s0 + (c1[i] - l1) * s1 + (c2[i] - l2) * s2 + (c3[i] - l3) * s3
            + (c4[i] - l4) * s4 + (c5[i] - l5) * s5 + (c6[i] - l6) * s6
        )  # fmt: skip
        scratch[i] = (key << 1) | np.int64(died[i])
    for i in range(n):
        scratch[i] |= (month_of_day[np.int64(days[i]) - day_low] - first_month) << shift
    low_bits = (np.int64(1) << shift) - 1
    for i in range(n):
        counts[scratch[i] & low_bits] += 1  # 2 × key + outcome
    # Part q is rows q × part .. (q + 1) × part - 1 (the last parts may be shorter or empty).
    part = (n + STREAMS - 1) // STREAMS
    at = np.zeros((STREAMS, providers + 1), dtype=np.int64)
    for j in range(part):
        for q in range(STREAMS):
            if q * part + j < n:
                at[q, np.int64(provider[q * part + j]) + 1] += 1
    begins = np.zeros(providers + 1, dtype=np.int64)
    for p in range(providers):
        place = begins[p]
        for q in range(STREAMS):
            spells_of = at[q, p + 1]
            at[q, p] = start + place  # where part q's spells of provider p go
            place += spells_of
        begins[p + 1] = place
    for j in range(part):
        for q in range(STREAMS):
            i = q * part + j
            if i < n:
                owner = np.int64(provider[i])
                spells[at[q, owner]] = scratch[i]
                at[q, owner] += 1
    return begins


@_compile
def order_by_kind(
    spells, shift,  # the spells kept (packed) by the counting pass
    starts, begins,  # each batch's first row; where its providers' spells begin in it
    chosen,  # the providers this call orders
    kind_of, kinds,  # each cell's kind (diagnosis group × admission method); how many
    ordered, runs,  # out: the spells by provider then kind; where each provider's kind begins
):  # fmt: skip
    """The first step of the scoring pass: each of the ``chosen`` providers' spells, from
    every batch, put in order of kind (a counting sort, stable) from ``runs[p, 0]`` of
    ``ordered``; kind k's begin at ``runs[p, k]`` (``runs[p, 0]`` is given; the rest are
    filled in, ``runs[p, kinds]`` where the provider's spells end)."""
    mask = (np.int64(1) << shift) - 1
    for p in chosen:
        first = runs[p, 0]
        runs[p, 1:] = 0
        for b in range(len(starts)):
            for i in range(starts[b] + begins[b, p], starts[b] + begins[b, p + 1]):
                runs[p, kind_of[(np.int64(spells[i]) & mask) >> 1] + 1] += 1
        runs[p, 0] = first
        for k in range(kinds):
            runs[p, k + 1] += runs[p, k]
        at = runs[p, :kinds].copy()
        for b in range(len(starts)):
            for i in range(starts[b] + begins[b, p], starts[b] + begins[b, p + 1]):
                packed = spells[i]
                k = kind_of[(np.int64(packed) & mask) >> 1]
                ordered[at[k]] = packed
                at[k] += 1


@_compile
def score_kinds(
    ordered, runs, shift, providers, months,  # the spells by provider and kind (order_by_kind)
    chosen,  # the kinds this call scores
    terms,  # per cell: risk, CUSUM term, -, variance
    count, observed, expected, spread, log,  # sums per kind × provider × month
    with_variance,
):  # fmt: skip
    """The second step of the scoring pass: each spell's cell terms added to its kind ×
    provider × month, a kind at a time across every provider, so the kind's cells (a few
    thousand, next to each other in the grid) stay in the core's cache while they are looked
    up, where a provider at a time would look up every cell of the grid from memory. Each
    kind's sums are one call's, added in the order of ``ordered``."""
    mask = (np.int64(1) << shift) - 1
    for k in chosen:
        for p in range(providers):
            base = (k * providers + p) * months
            for j in range(runs[p, k], runs[p, k + 1]):
                packed = np.int64(ordered[j])
                cell = (packed & mask) >> 1
                slot = base + (packed >> shift)
                count[slot] += 1.0
                if packed & 1:
                    observed[slot] += 1.0
                expected[slot] += terms[cell, 0]
                if with_variance:
                    spread[slot] += terms[cell, 3]
                log[slot] += terms[cell, 1]


@_compile
def group_terms(
    beta, groups,  # coefficients (one row per group worked on); those groups' rows of n, d
    columns,  # per cell of a group, its design's non-zero columns after the intercept (-1: none)
    spells, deaths,  # per group × cell
    score, hessian, loglik,  # out: per group worked on
):  # fmt: skip
    """The log-likelihood of each group's logistic model at ``beta``, its score X'(d − nμ)
    and its information X'WX, W = nμ(1 − μ), summed cell by cell. A cell's design row is 1
    for the intercept and for one level of each covariate (treatment coding), so a cell adds
    to the few pairs of parameters it has (up to 28 for seven), where the product of the
    dense design with the weights would multiply every pair of every cell; a cell without
    spells adds nothing and is passed over."""
    cells, axes = columns.shape
    parameters = beta.shape[1]
    # A group's cells in three loops: the linear predictors; each cell's terms (the
    # exponential and logarithm on every cell one after another); the sums into the score and
    # information (the cell's pairs). Fused into one loop the same work took 10–40 % longer.
    linear = np.empty(cells)
    residual = np.empty(cells)
    weight = np.empty(cells)
    for a in range(len(groups)):
        g = groups[a]
        b = beta[a]
        for c in range(cells):
            eta = b[0]
            for k in range(axes):
                j = columns[c, k]
                if j >= 0:
                    eta += b[j]
            linear[c] = eta
        total = 0.0
        for c in range(cells):
            n = spells[g, c]
            eta = linear[c]
            # log(1 + e^η) and μ = 1 / (1 + e^−η), stably
            e = np.exp(-abs(eta))
            if eta > 0:
                softplus = eta + np.log1p(e)
                mu = 1.0 / (1.0 + e)
            else:
                softplus = np.log1p(e)
                mu = e / (1.0 + e)
            d = deaths[g, c]
            if n != 0.0:
                total += d * eta - n * softplus
            residual[c] = d - n * mu
            weight[c] = n * mu * (1.0 - mu)
        s = score[a]
        h = hessian[a]
        s[:] = 0.0
        h[:, :] = 0.0
        for c in range(cells):
            if spells[g, c] == 0.0:
                continue  # a cell without spells adds nothing
            r = residual[c]
            w = weight[c]
            s[0] += r
            h[0, 0] += w
            for k in range(axes):
                j = columns[c, k]
                if j >= 0:
                    s[j] += r
                    h[0, j] += w
                    for k2 in range(k, axes):  # columns rise with the axis: j ≤ j2
                        j2 = columns[c, k2]
                        if j2 >= 0:
                            h[j, j2] += w
        loglik[a] = total
        for p in range(parameters):
            for q in range(p + 1, parameters):
                h[q, p] = h[p, q]


@_compile
def together_maxima(together, nearest, runs, starts, maxima, first, last):
    """For charts ``first``..``last`` − 1 of the groups-together kind: each in-control draw's
    largest monthly sum, over the chart's groups, of a run from the table's runs at the
    group's volume. Chart i's groups are ``starts[i]``..``starts[i + 1]`` − 1 of ``nearest``
    (its grid row) and ``runs`` (its runs, one per draw). Summed in single precision in the
    order of the groups, as the table is kept."""
    draws = runs.shape[1]
    months = together.shape[2]
    summed = np.empty((draws, months), dtype=np.float32)
    for i in range(first, last):
        summed[:, :] = 0.0
        for j in range(starts[i], starts[i + 1]):
            row = nearest[j]
            for r in range(draws):
                run = together[row, runs[j, r]]
                for m in range(months):
                    summed[r, m] += run[m]
        for r in range(draws):
            top = summed[r, 0]
            for m in range(1, months):
                if summed[r, m] > top:
                    top = summed[r, m]
            maxima[i, r] = top


@_compile
def bank_month(x, deaths, level, expected, log_r, excess, top, paths, month, member):
    """One month of in-control runs of a bank of CUSUMs (``warning.simulate_peaks``): for
    each chart i (rows of ``deaths``, its simulated deaths per run) and run j, each member
    k's X = max(0, X + deaths·log r_k − c·E·(r_k − 1)), c the run's level and E the
    chart's expected deaths this month; the largest X of any member kept in ``top``, member
    ``member``'s written to ``paths[i, j, month]`` (single precision) if ``paths`` has rows.
    The same operations in the same order as NumPy's array by array, without their
    temporaries."""
    members, charts, runs = x.shape
    for i in range(charts):
        e = expected[i]
        for j in range(runs):
            drift = level[i, j] * e
            d = np.float64(deaths[i, j])
            peak = top[i, j]
            for k in range(members):
                v = x[k, i, j] + d * log_r[k]
                v = v - drift * excess[k]
                if v < 0.0:
                    v = 0.0
                x[k, i, j] = v
                if v > peak:
                    peak = v
            top[i, j] = peak
            if paths.shape[0]:
                paths[i, j, month] = x[member, i, j]
