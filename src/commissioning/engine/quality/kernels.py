"""The one-machine engine's loops over the spells and the cells, compiled (decisions 064, 065
and 068).

The counting pass counts each spell's risk cell and keeps the spell for the scoring pass,
packed in one integer (4 bytes a spell where it fits, as for a year or five of the national
grid; else 8): its provider and month, its cell within its kind (diagnosis group × admission
method) and its outcome. Each row group's spells are kept grouped by kind (a counting sort
within the row group, in the order of the rows), so the kind need not be kept. The scoring
pass then adds a kind at a time (``score_kinds``): the kind's cells' terms (a few thousand,
kept next to each other) and its sums per provider × month stay in the core's cache, where a
provider at a time looks up cells all over the grid's 17 MB of terms and waits on memory for
almost every spell (the pass took 0.45–0.54 s that way, 0.23–0.29 s a kind at a time,
measured on the same machine in one session). Each sum is added in one thread, in the order
of the rows within its provider and kind, so the result does not depend on how the work is
shared between threads. (Until decision 068 the spells were grouped by provider as counted
and put in order of kind in a step of its own while the models were fitted: 0.15 s of a core
and a second copy of the spells.)

The models are fitted on the cells (``group_terms``): a cell's design row is 1 for the
intercept and one level of each covariate, so it adds to the few pairs of parameters it has.

NumPy would do each step as a pass of its own, each writing a temporary; compiled, a loop
keeps a spell in registers. The loops release the GIL, so each core works on row groups or
kinds of its own at the same time. They are compiled on first use for the column types they
meet and cached on disk.
"""

from __future__ import annotations

import os

import numba
import numpy as np

WORKERS = min(4, os.cpu_count() or 1)  # threads that run the loops side by side
_compile = numba.njit(nogil=True, cache=True, boundscheck=False, error_model="numpy")


STREAMS = 4  # parts of a row group whose spells are grouped by kind side by side


@_compile
def count_batch(
    c0, c1, c2, c3, c4, c5, c6,  # the grid's seven columns, in its order (passes.Grid)
    low, cell_stride, kind_stride, within_stride,  # per axis: lowest value; its place value in
    # the cell's key, in the kind (diagnosis group × admission method), in the cell within it
    died,  # bool
    provider, providers, room,  # each spell's provider, numbered from 0; how many numbered so
    # far; how many provider-months the spells' width holds
    days, day_low, month_of_day, first_month, months,  # dates as days; their months
    scratch, key_scratch, kind_scratch,  # each at least as long as the row group (the
    # spells' width; 4 or 8 bytes; int32)
    start, spells, shift, kinds, counts,  # packed spells from row ``start``; counts per
    # cell × outcome
):  # fmt: skip
    """The counting pass over one row group. Each spell is counted in ``counts`` (at 2 × its
    cell's key + its outcome) and kept packed in one integer of ``spells``:
    (provider × months + month) << ``shift`` | cell within its kind << 1 | outcome, written
    from row ``start`` grouped by kind (in the order of the rows within a kind). Returns where
    each kind's spells begin, relative to ``start``, and where the last ends (``kinds`` + 1
    numbers); or, if a provider-month is beyond ``room`` (the width cannot hold it), an empty
    array, having written nothing to ``spells``.

    Each step is a loop of its own, so that the compiler does the keys' arithmetic on several
    spells at once (with the month's look-up in the same loop it does one at a time: 6.6
    against 0.6 ns a spell, measured). Spells of a kind come close together, so grouping them
    one at a time makes a write wait for the one before it to the same place; the row group
    is grouped as ``STREAMS`` parts side by side, each part's spells of a kind placed after
    the earlier parts' (the same order as one at a time)."""
    n = len(c0)
    if providers * months > room:
        return np.zeros(0, dtype=np.int64)
    l0, l1, l2, l3, l4, l5, l6 = low[0], low[1], low[2], low[3], low[4], low[5], low[6]
    s0, s1, s2, s3 = cell_stride[0], cell_stride[1], cell_stride[2], cell_stride[3]
    s4, s5, s6 = cell_stride[4], cell_stride[5], cell_stride[6]
    k0, k1, k2, k3 = kind_stride[0], kind_stride[1], kind_stride[2], kind_stride[3]
    k4, k5, k6 = kind_stride[4], kind_stride[5], kind_stride[6]
    w0, w1, w2, w3 = within_stride[0], within_stride[1], within_stride[2], within_stride[3]
    w4, w5, w6 = within_stride[4], within_stride[5], within_stride[6]
    for i in range(n):
        a0 = np.int64(c0[i]) - l0
        a1 = np.int64(c1[i]) - l1
        a2 = np.int64(c2[i]) - l2
        a3 = np.int64(c3[i]) - l3
        a4 = np.int64(c4[i]) - l4
        a5 = np.int64(c5[i]) - l5
        a6 = np.int64(c6[i]) - l6
        outcome = np.int64(died[i])
        key = a0 * s0 + a1 * s1 + a2 * s2 + a3 * s3 + a4 * s4 + a5 * s5 + a6 * s6
        key_scratch[i] = 2 * key + outcome
        kind_scratch[i] = a0 * k0 + a1 * k1 + a2 * k2 + a3 * k3 + a4 * k4 + a5 * k5 + a6 * k6
        within = a0 * w0 + a1 * w1 + a2 * w2 + a3 * w3 + a4 * w4 + a5 * w5 + a6 * w6
        scratch[i] = (within << 1) | outcome
    for i in range(n):
        month = month_of_day[np.int64(days[i]) - day_low] - first_month
        scratch[i] |= (np.int64(provider[i]) * months + month) << shift
    for i in range(n):
        counts[key_scratch[i]] += 1
    # Part q is rows q × part .. (q + 1) × part - 1 (the last parts may be shorter or empty).
    part = (n + STREAMS - 1) // STREAMS
    at = np.zeros((STREAMS, kinds + 1), dtype=np.int64)
    for j in range(part):
        for q in range(STREAMS):
            if q * part + j < n:
                at[q, kind_scratch[q * part + j] + 1] += 1
    begins = np.zeros(kinds + 1, dtype=np.int64)
    for k in range(kinds):
        place = begins[k]
        for q in range(STREAMS):
            spells_of = at[q, k + 1]
            at[q, k] = start + place  # where part q's spells of kind k go
            place += spells_of
        begins[k + 1] = place
    for j in range(part):
        for q in range(STREAMS):
            i = q * part + j
            if i < n:
                kind = kind_scratch[i]
                spells[at[q, kind]] = scratch[i]
                at[q, kind] += 1
    return begins


@numba.njit(inline="always", boundscheck=False, error_model="numpy")
def _add_spell(sums, slot, packed, terms, cell, with_variance):
    """A spell's cell terms added to its slot's sums: spells, observed, expected, variance,
    CUSUM term (compiled into each scoring loop that calls it)."""
    sums[slot, 0] += 1.0
    if packed & 1:
        sums[slot, 1] += 1.0
    sums[slot, 2] += terms[cell, 0]
    if with_variance:
        sums[slot, 3] += terms[cell, 3]
    sums[slot, 4] += terms[cell, 1]


@_compile
def score_kinds(
    spells, starts, begins, shift,  # the spells kept, each batch's first row and where its
    # kinds' spells begin in it (count_batch)
    chosen,  # the kinds this call scores
    terms,  # per kind × cell within it: risk, CUSUM term, -, variance
    cells_per_kind, size,  # a kind's cells; provider-months
    sums,  # per kind × provider × month: spells, observed, expected, variance, CUSUM term
    with_variance,
):  # fmt: skip
    """The scoring pass: each spell's cell terms added to its kind × provider × month, a kind
    at a time, its spells from each batch in turn. A slot's five sums are side by side (one
    cache line, where five arrays took five). Each kind's sums are one call's, added in the
    order of the rows."""
    mask = (np.int64(1) << shift) - 1
    for k in chosen:
        base = k * size
        first_cell = k * cells_per_kind
        for b in range(len(starts)):
            for i in range(starts[b] + begins[b, k], starts[b] + begins[b, k + 1]):
                packed = np.int64(spells[i])
                cell = first_cell + ((packed & mask) >> 1)
                slot = base + (packed >> shift)
                _add_spell(sums, slot, packed, terms, cell, with_variance)


@_compile
def score_other_kinds(
    spells, starts, begins, shift, counted_kinds, cells_per_kind,  # as score_kinds
    terms,  # per kind counted × cell within it: risk, CUSUM term, the kind to sum by, variance
    size,
    sums,  # per kind summed by × provider × month: as score_kinds
    with_variance,
):  # fmt: skip
    """The scoring pass for kinds other than those the spells were grouped by as counted (an
    engine's caller may sum by any): one spell at a time, in the order they are kept (by the
    kind counted, then the batch, then the row), on one thread."""
    mask = (np.int64(1) << shift) - 1
    for k in range(counted_kinds):
        first_cell = k * cells_per_kind
        for b in range(len(starts)):
            for i in range(starts[b] + begins[b, k], starts[b] + begins[b, k + 1]):
                packed = np.int64(spells[i])
                cell = first_cell + ((packed & mask) >> 1)
                slot = np.int64(terms[cell, 2]) * size + (packed >> shift)
                _add_spell(sums, slot, packed, terms, cell, with_variance)


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


@_compile
def bank_cusum(observed, level, thresholds, log_r, excess, statistic, best, signal):
    """Each chart's bank of CUSUMs month by month (``warning.bank_cusum``): each member k's
    X = max(0, X + O·log r_k − λ·(r_k − 1)); the chart's statistic the largest X, ``best`` the
    first member that has it; a signal where it reaches the chart's threshold (none where the
    threshold is NaN), after which every X of the chart restarts at 0. The same operations in
    the same order as NumPy's array by array."""
    charts, months = observed.shape
    members = len(log_r)
    x = np.zeros(members)
    for i in range(charts):
        x[:] = 0.0
        h = thresholds[i]
        for m in range(months):
            o = observed[i, m]
            lam = level[i, m]
            top = 0.0
            at = 0
            for k in range(members):
                v = x[k] + o * log_r[k]
                v = v - lam * excess[k]
                if v < 0.0:  # np.maximum(0.0, v), which keeps −0 and NaN
                    v = 0.0
                x[k] = v
                # The largest and the first that has it, a NaN taking precedence (as NumPy's
                # max and argmax).
                if k == 0 or (top == top and (v > top or v != v)):
                    top = v
                    at = k
            statistic[i, m] = top
            best[i, m] = at
            if top >= h:
                signal[i, m] = True
                x[:] = 0.0
