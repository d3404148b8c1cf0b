"""The one-machine engine's loops over the spells, compiled (decision 064).

The counting pass packs each spell's risk-cell key, its month and its outcome into one integer
(4 bytes a spell where they fit, as for a year or five of the national grid; else 8), counts
the cell, and keeps it for the scoring pass, each row group's spells grouped by provider as
they are stored (a counting sort within the row group), so the provider need not be kept. The
scoring pass then works one provider at a time: the sums it adds into, the provider's months ×
diagnosis groups × admission methods, stay in the core's cache (about 110 kB for a year),
where sums for every provider at once (15 MB for 20 million spells) would miss it on almost
every spell. Each provider's sums are added in one thread, in the order of the rows, so the
result does not depend on how the providers are shared between threads.

NumPy would do each step as a pass of its own over the row group, each writing a temporary;
compiled, a loop keeps a spell in registers. The loops release the GIL, so each core decodes
and counts row groups of its own (or scores providers of its own) at the same time. They are
compiled on first use for the column types they meet and cached on disk.
"""

from __future__ import annotations

import numba
import numpy as np

_compile = numba.njit(nogil=True, cache=True, boundscheck=False, error_model="numpy")


@_compile
def count_batch(
    c0, c1, c2, c3, c4, c5, c6,  # the grid's seven columns, in its order (passes.Grid)
    low, size,  # each axis's lowest value and number of values (int64 arrays)
    died,  # bool
    provider, providers,  # each spell's provider, numbered from 0; how many numbered so far
    days, day_low, month_of_day, first_month, months,  # dates as days; their months
    scratch,  # int64, at least as long as the row group
    start, spells, shift, counts,  # packed spells from row ``start``; counts per key × outcome
):  # fmt: skip
    """The counting pass over one row group. Each spell is kept packed in one integer of
    ``spells`` (month << ``shift`` | key << 1 | outcome; its provider is where it is kept),
    written from row ``start`` grouped by provider (in the order of the rows within a
    provider). Returns where each provider's spells begin, relative to ``start``, and where
    the last ends (``providers`` + 1 numbers)."""
    n = len(c0)
    begins = np.zeros(providers + 1, dtype=np.int64)
    for i in range(n):
        key = np.int64(c0[i]) - low[0]
        key = key * size[1] + (np.int64(c1[i]) - low[1])
        key = key * size[2] + (np.int64(c2[i]) - low[2])
        key = key * size[3] + (np.int64(c3[i]) - low[3])
        key = key * size[4] + (np.int64(c4[i]) - low[4])
        key = key * size[5] + (np.int64(c5[i]) - low[5])
        key = key * size[6] + (np.int64(c6[i]) - low[6])
        month = month_of_day[np.int64(days[i]) - day_low] - first_month
        scratch[i] = (month << shift) | (key << 1) | np.int64(died[i])
        begins[np.int64(provider[i]) + 1] += 1
    low_bits = (np.int64(1) << shift) - 1
    for i in range(n):  # a loop of its own: fused with the one above it runs slower
        counts[scratch[i] & low_bits] += 1  # 2 × key + outcome
    for p in range(providers):
        begins[p + 1] += begins[p]
    at = begins[:-1].copy()
    for i in range(n):
        owner = np.int64(provider[i])
        spells[start + at[owner]] = scratch[i]
        at[owner] += 1
    return begins


@_compile
def score_providers(
    spells, shift, months,  # the spells kept (packed) by the counting pass
    starts, begins,  # each batch's first row; where its providers' spells begin in it
    chosen,  # the providers this call scores
    terms, kind_of, kinds,  # per cell: risk, CUSUM term, -, variance; its kind; kinds a slot
    count, observed, expected, spread, log,  # sums per provider × month × kind; per slot
    with_variance,
    gathered, gathered_kind, ordered,  # room for the largest provider's spells
):  # fmt: skip
    """The scoring pass for the ``chosen`` providers: each spell's cell terms added to its
    provider × month × kind (``kind_of`` its cell) and, for the CUSUM, to its provider ×
    month. ``begins`` has a row per batch and a column per provider (+ 1); a provider not in
    a batch begins and ends where the batch ends.

    A provider's spells are first put in order of kind (a counting sort, stable), so the
    cells looked up one after another lie close together (a diagnosis group's cells are next
    to each other in the grid) and each kind's sums are added in a run. Measured, this gains
    little on its own (the pass took 0.20–0.29 s with it, 0.20–0.27 s without, within this
    machine's noise): the gain is from working a provider at a time."""
    mask = (np.int64(1) << shift) - 1
    where = np.zeros(kinds + 1, dtype=np.int64)
    for p in chosen:
        n = 0
        where[:] = 0
        for b in range(len(starts)):
            for i in range(starts[b] + begins[b, p], starts[b] + begins[b, p + 1]):
                packed = np.int64(spells[i])
                k = kind_of[(packed & mask) >> 1]
                gathered[n] = packed
                gathered_kind[n] = k
                where[k + 1] += 1
                n += 1
        for k in range(kinds):
            where[k + 1] += where[k]
        at = where[:-1].copy()
        for j in range(n):
            k = gathered_kind[j]
            ordered[at[k]] = gathered[j]
            at[k] += 1
        for k in range(kinds):
            for j in range(where[k], where[k + 1]):
                packed = ordered[j]
                slot = p * months + (packed >> shift)
                cell = (packed & mask) >> 1
                fine = slot * kinds + k
                count[fine] += 1.0
                if packed & 1:
                    observed[fine] += 1.0
                expected[fine] += terms[cell, 0]
                if with_variance:
                    spread[fine] += terms[cell, 3]
                log[slot] += terms[cell, 1]
