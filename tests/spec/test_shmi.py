"""The SHMI pipeline (docs/statistics.md sections 2–4): the fast grid engine against statsmodels on
the rows, the monthly CUSUM and its thresholds, and a known failure found."""

from __future__ import annotations

import datetime as dt
import threading

import numpy as np
import polars as pl
import pytest

from commissioning.engine.quality import shmi as S
from commissioning.engine.quality.reference import shmi_reference
from commissioning.engine.quality.risk import Family, fit_cells
from commissioning.engine.quality.tables import InputError
from commissioning.engine.synth import (
    Injection,
    SynthConfig,
    generate,
    load_age_sex_structure,
    load_providers,
)


@pytest.fixture(scope="module")
def inputs():
    from tests.conftest import REFERENCE

    providers = load_providers(REFERENCE / "nhs_trusts.csv", REFERENCE / "ae_attendances.csv")
    age_sex = load_age_sex_structure(REFERENCE / "ons_uk_population_2023.csv")
    return providers, age_sex


@pytest.fixture(scope="module")
def spells(inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("shmi")
    config = SynthConfig(
        spells_per_year=60_000, years=2, seed=3, areas=300, diagnosis_groups=4, chunk_size=25_000
    )
    generate(config, *inputs, out)
    return out / "spells"


ENGINES = [
    "polars",
    pytest.param("spark", marks=pytest.mark.spark),
]


@pytest.mark.parametrize("engine", ENGINES)
def test_the_grid_engine_matches_statsmodels_on_the_rows(spells, engine, request):
    if engine == "spark":
        request.getfixturevalue("spark")
    fast = S.shmi(spells, engine=engine)
    reference = shmi_reference(pl.read_parquet(spells))
    joined = fast.providers.join(reference, on="provider_code", suffix="_reference")
    assert joined.height == reference.height == fast.providers.height
    assert (joined["spells"] == joined["spells_reference"]).all()
    assert (joined["observed"] == joined["observed_reference"]).all()
    np.testing.assert_allclose(joined["expected"], joined["expected_reference"], rtol=1e-6)
    np.testing.assert_allclose(joined["shmi"], joined["shmi_reference"], rtol=1e-6)
    assert fast.converged_groups == fast.groups == 4
    assert fast.reporting_period == ("2022-04", "2023-03")
    assert fast.spells == 120_000


def test_fit_grid_gives_the_statsmodels_coefficients():
    rng = np.random.default_rng(5)
    grid = S.Grid((S.Axis("g", 1, 3), S.Axis("a", 0, 3), S.Axis("b", 1, 2), S.Axis("c", 0, 4)))
    n = rng.integers(200, 600, grid.shape)
    truth = rng.normal(-2, 0.6, grid.shape)
    d = rng.binomial(n, 1 / (1 + np.exp(-truth)))
    models = S.fit_grid(n, d, grid)
    assert models.converged.all()
    levels = np.indices(grid.shape[1:]).reshape(3, -1)
    for g in range(3):
        frame = pl.DataFrame(
            {
                "a": levels[0],
                "b": levels[1],
                "c": levels[2],
                "n": n[g].ravel(),
                "d": d[g].ravel(),
            }
        )
        rows = frame.select(
            pl.col("a", "b", "c").repeat_by("n").explode(),
            pl.int_ranges(0, "n").explode().alias("i"),
            pl.col("d").repeat_by("n").explode(),
        ).with_columns((pl.col("i") < pl.col("d")).cast(pl.Int8).alias("died"))
        model = fit_cells(rows, "died", ["a", "b", "c"], Family.BINOMIAL, ["a", "b", "c"])
        np.testing.assert_allclose(models.coefficients(g), model.coefficients, atol=1e-6)


def test_a_level_a_group_never_sees_changes_nothing():
    grid = S.Grid((S.Axis("g", 0, 1), S.Axis("a", 0, 3)))
    n = np.array([[500, 400, 0]])
    d = np.array([[50, 80, 0]])
    models = S.fit_grid(n, d, grid)
    p = models.probabilities()[0]
    assert p[0] == pytest.approx(0.1) and p[1] == pytest.approx(0.2)
    assert models.effects[0][0, 2] == pytest.approx(0.0, abs=1e-9)


def test_the_monthly_cusum_accumulates_resets_and_signals():
    increment = np.array([[1.0, 2.5, -0.5, 3.0, 1.0], [-1.0, -1.0, 0.5, 0.2, 0.1]])
    values, signals = S.monthly_cusum(increment, np.array([3.0, 1.0]))
    np.testing.assert_allclose(values[0], [1.0, 3.5, 0.0, 3.0, 1.0])
    assert signals[0].tolist() == [False, True, False, True, False]
    np.testing.assert_allclose(values[1], [0.0, 0.0, 0.5, 0.7, 0.8])
    assert not signals[1].any()


def test_thresholds_keep_false_alarms_to_the_rate_asked_for():
    spells = np.full((2, 12), 400.0)
    spells[1] /= 4
    expected = spells * 0.03
    log_terms = spells * np.log1p(0.03)  # R_A = 2: ln(1 + (2 − 1)·p) per spell
    strict, rate_strict = S.monthly_thresholds(spells, expected, log_terms, 2.0, 0.01, 4000)
    loose, rate_loose = S.monthly_thresholds(spells, expected, log_terms, 2.0, 0.10, 4000)
    assert (rate_strict <= 0.01).all() and (rate_loose <= 0.10).all()
    assert (strict > loose).all()
    # A fresh simulation of in-control data signals at about the stated rate.
    rng = np.random.default_rng(99)
    deaths = rng.binomial(400, 0.03, size=(20_000, 12))
    x = np.zeros(20_000)
    signalled = np.zeros(20_000, dtype=bool)
    for m in range(12):
        x = np.maximum(0, x + deaths[:, m] * np.log(2) - log_terms[0, m])
        signalled |= x >= strict[0]
    assert signalled.mean() == pytest.approx(0.01, abs=0.005)


def test_an_injected_failure_is_banded_and_alerted(inputs, tmp_path):
    config = SynthConfig(
        spells_per_year=400_000,
        years=1,
        seed=11,
        areas=600,
        diagnosis_groups=20,
        injections=(Injection(provider="RJE", start=dt.date(2021, 7, 1), odds_ratio=3.0),),
    )
    generate(config, *inputs, tmp_path)
    result = S.shmi(tmp_path / "spells" / "2021-22.parquet")
    row = result.providers.filter(pl.col("provider_code") == "RJE").row(0, named=True)
    assert row["shmi"] > 1.5
    assert row["band"] == "higher than expected"
    alerts = result.alerts.filter(pl.col("provider_code") == "RJE")
    assert alerts.height >= 1
    assert alerts["month"].min() >= "2021-07"


def test_bad_spells_are_refused_with_the_column(spells, tmp_path):
    frame = pl.read_parquet(spells).drop("charlson_band")
    frame.write_parquet(tmp_path / "bad.parquet")
    with pytest.raises(InputError, match="column 'charlson_band'"):
        S.shmi(tmp_path / "bad.parquet")
    with pytest.raises(InputError, match="no such file"):
        S.shmi(tmp_path / "missing.parquet")
    frame = pl.read_parquet(spells).with_columns(
        pl.when(pl.int_range(pl.len()) == 4).then(None).otherwise(pl.col("sex")).alias("sex")
    )
    frame.write_parquet(tmp_path / "gap.parquet")
    readers = {t for t in threading.enumerate() if t.is_alive()}
    with pytest.raises(InputError, match="row 5, column 'sex': the value is missing"):
        S.shmi(tmp_path / "gap.parquet")
    # Refused in the first batch, before the providers' reader (started with the pass) was
    # read from: it is stopped, not left waiting.
    assert {t for t in threading.enumerate() if t.is_alive()} <= readers


def test_rolling_windows_are_every_12_months_of_the_same_pass(spells):
    result = S.shmi(spells, S.ShmiOptions(rolling=True))
    windows = result.windows
    assert windows is not None
    months = sorted(result.monthly["month"].unique())
    ends = sorted(windows["window_to"].unique())
    assert ends == months[11:]  # one window ending in each month from the 12th on
    # The last window is the reporting period: the same SHMI and bands.
    last = windows.filter(pl.col("window_to") == months[-1]).sort("provider_code")
    providers = result.providers.sort("provider_code")
    assert last["provider_code"].to_list() == providers["provider_code"].to_list()
    np.testing.assert_allclose(last["shmi"], providers["shmi"], rtol=1e-12)
    assert last["band"].to_list() == providers["band"].to_list()
    # Each window's sums are its twelve months' sums, month by month.
    for end in (months[11], months[17]):
        start = months[months.index(end) - 11]
        direct = (
            result.monthly.filter(pl.col("month").is_between(pl.lit(start), pl.lit(end)))
            .group_by("provider_code")
            .agg(pl.col("observed", "expected").sum())
            .sort("provider_code")
        )
        window = windows.filter(pl.col("window_to") == end).sort("provider_code")
        assert window["window_from"].unique().to_list() == [start]
        joined = window.join(direct, on="provider_code", suffix="_direct")
        assert joined.height == window.height
        np.testing.assert_allclose(joined["observed"], joined["observed_direct"], rtol=1e-12)
        np.testing.assert_allclose(joined["expected"], joined["expected_direct"], rtol=1e-12)
        np.testing.assert_allclose(joined["shmi"], joined["observed"] / joined["expected"])


def test_rolling_windows_need_a_windows_worth_of_months(spells):
    with pytest.raises(InputError, match="cover 24 months, fewer than a window's 36"):
        S.shmi(spells, S.ShmiOptions(rolling=True, reporting_months=36, warning=None))


@pytest.mark.parametrize("engine", ENGINES)
def test_spells_partitioned_by_year_and_month_are_read_from_the_folders_below(
    inputs, spells, tmp_path, engine, request
):
    if engine == "spark":
        request.getfixturevalue("spark")
    # The fixture's economy again, written one file per month in a folder per year.
    config = SynthConfig(
        spells_per_year=60_000, years=2, seed=3, areas=300, diagnosis_groups=4,
        chunk_size=25_000, partition_by_month=True,
    )  # fmt: skip
    generate(config, *inputs, tmp_path)
    assert (tmp_path / "spells" / "2022" / "04" / "part-0.parquet").exists()
    assert len(list((tmp_path / "spells").rglob("*.parquet"))) == 24
    flat, nested = S.shmi(spells), S.shmi(tmp_path / "spells", engine=engine)
    assert nested.spells == flat.spells
    np.testing.assert_allclose(nested.providers["expected"], flat.providers["expected"], rtol=1e-9)
    assert nested.providers["band"].to_list() == flat.providers["band"].to_list()


def _sums_on_the_rows(spells, cells, per_cell, kinds):
    """The second pass's sums from the rows, by Polars: the oracle of LocalEngine.score."""
    frame = pl.read_parquet(spells)
    grid = cells.grid
    key = grid.key({a.name: frame[a.name].to_numpy() for a in grid.axes})
    month = (
        frame["period"].dt.year().to_numpy().astype(np.int64) * 12
        + frame["period"].dt.month().to_numpy()
        - 1
        - (cells.first_month + 12 * 1970)
    )
    provider = np.array([cells.codes.index(c) for c in frame["provider_code"].cast(pl.String)])
    kind = per_cell[key, 2].astype(np.int64)
    slot = (provider * cells.months + month) * kinds + kind
    size = len(cells.codes) * cells.months * kinds
    died = frame["died_30d"].to_numpy().astype(float)
    return {
        "spells": np.bincount(slot, minlength=size).astype(float),
        "observed": np.bincount(slot, weights=died, minlength=size),
        "expected": np.bincount(slot, weights=per_cell[key, 0], minlength=size),
        "variance": np.bincount(slot, weights=per_cell[key, 3], minlength=size),
        "log": np.bincount(
            provider * cells.months + month,
            weights=per_cell[key, 1],
            minlength=len(cells.codes) * cells.months,
        ),
    }


def _random_terms(cells: S.CellCounts, kind_of: np.ndarray) -> np.ndarray:
    rng = np.random.default_rng(4)
    n = cells.grid.cells
    return np.column_stack(
        [rng.uniform(0, 0.2, n), rng.uniform(0, 0.3, n), kind_of, rng.uniform(0, 0.1, n)]
    )


@pytest.mark.parametrize("kinds", ["as-counted", "others"])
def test_the_scoring_pass_adds_each_spell_once_to_its_provider_month_and_kind(spells, kinds):
    # The pipeline's kinds (diagnosis group × admission method), by which the spells are kept
    # as they are counted, and any others a caller sums by (one spell at a time).
    engine = S.LocalEngine(spells)
    try:
        cells = engine.count(lambda *a, **k: None)
        if kinds == "as-counted":
            kind_of, number = S.kinds_of(cells.grid)
        else:
            number = 13
            kind_of = np.random.default_rng(5).integers(0, number, cells.grid.cells)
        per_cell = _random_terms(cells, kind_of)
        sums = engine.score(cells, per_cell, number, True, lambda *a, **k: None)
    finally:
        engine.close()
    expected = _sums_on_the_rows(spells, cells, per_cell, number)
    assert sums.keys() == expected.keys()
    for name, values in expected.items():
        np.testing.assert_allclose(sums[name], values, rtol=1e-12, atol=1e-12, err_msg=name)
    assert sums["spells"].sum() == 120_000


def test_more_providers_than_4_bytes_hold_are_counted_again_in_8(spells, monkeypatch):
    # Providers are numbered as they are met, so a file may name more than the 4-byte words
    # have room for after some of its batches are packed: the pass starts again in 8 bytes,
    # and gives what it gives in 4 where they fit.
    from commissioning.engine.quality import passes
    from commissioning.engine.quality.passes import _Kinds

    told: list[int] = []

    def run() -> tuple[S.CellCounts, dict[str, np.ndarray], np.dtype]:
        told.clear()
        engine = S.LocalEngine(spells)
        try:
            cells = engine.count(lambda stage, rows=0: told.append(rows))
            kind_of, number = S.kinds_of(cells.grid)
            sums = engine.score(cells, _random_terms(cells, kind_of), number, True,
                                lambda *a, **k: None)  # fmt: skip
            return cells, sums, engine.spells.dtype
        finally:
            engine.close()

    wide, narrow = np.dtype(np.int64), np.dtype(np.uint32)
    cells, sums, width = run()
    assert width == narrow and sum(told) == 120_000
    shift = (_Kinds.of(cells.grid).cells_per_kind - 1).bit_length() + 1
    # Room in 4 bytes for 2 providers' months: the spells name more.
    monkeypatch.setattr(passes, "WORD_BITS", {narrow: shift + (2 * cells.months).bit_length(),
                                              wide: 63})  # fmt: skip
    monkeypatch.setattr(passes, "NARROW_PROVIDERS", 1)
    again, resummed, width = run()
    assert width == wide and len(cells.codes) > 2
    assert sum(told) == 120_000  # the rows counted in 4 bytes are not told twice
    assert again.codes == cells.codes
    np.testing.assert_array_equal(again.spells, cells.spells)
    np.testing.assert_array_equal(again.deaths, cells.deaths)
    for name, values in sums.items():
        np.testing.assert_array_equal(resummed[name], values, err_msg=name)


def test_the_fit_adds_each_cell_to_the_score_and_information_of_the_design():
    # The compiled loop's log-likelihood, score X'(d − nμ) and information X'WX against the
    # dense design matrix's, at coefficients away from the maximum.
    from commissioning.engine.quality import kernels

    grid = S.Grid((S.Axis("diagnosis_group", 0, 3), S.Axis("age_band", 0, 4),
                   S.Axis("sex", 1, 2), S.Axis("admission_method", 0, 3)))  # fmt: skip
    rng = np.random.default_rng(8)
    x = S.grid_design(grid)
    cells = x.shape[0]
    n = rng.integers(0, 40, (3, cells)).astype(float)
    n[0, :5] = 0  # cells without spells add nothing
    d = np.floor(n * rng.uniform(0, 0.3, n.shape))
    beta = rng.normal(0, 0.5, (3, x.shape[1]))
    score, hessian, loglik = (
        np.empty((3, x.shape[1])),
        np.empty((3,) + (x.shape[1],) * 2),
        np.empty(3),
    )
    kernels.group_terms(beta, np.arange(3), S.grid_columns(grid), n, d, score, hessian, loglik)
    for g in range(3):
        eta = x @ beta[g]
        mu = 1 / (1 + np.exp(-eta))
        np.testing.assert_allclose(score[g], x.T @ (d[g] - n[g] * mu), rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(
            hessian[g], x.T @ (x * (n[g] * mu * (1 - mu))[:, None]), rtol=1e-10, atol=1e-10
        )
        np.testing.assert_allclose(
            loglik[g], (d[g] * eta - n[g] * np.logaddexp(0, eta)).sum(), rtol=1e-12
        )


def test_a_pass_started_again_tells_its_progress_once():
    # The rows the abandoned start told are not told again: the progress a job shows never
    # passes the rows there are.
    from commissioning.engine.quality.passes import _once

    told: list[int] = []
    reported = [0]
    first = _once(lambda stage, rows=0: told.append(rows), reported)
    first("counting", 100)
    first("counting", 50)
    again = _once(lambda stage, rows=0: told.append(rows), reported)
    for rows in (100, 30, 40, 60):
        again("counting", rows)
    assert told == [100, 50, 20, 60] and sum(told) == 230


def test_spells_kept_in_8_bytes_are_scored_as_those_kept_in_4():
    # A grid too large for 4 bytes a spell keeps them in 8: the scoring loop gives the same
    # sums on either (values that fit both, in two batches), and the sums on the rows.
    from commissioning.engine.quality import kernels

    rng = np.random.default_rng(12)
    shift, size, cells_per_kind, kinds = 11, 9, 500, 7  # size: provider-months
    counts = rng.integers(0, 40, (2, kinds))
    begins = np.zeros((2, kinds + 1), dtype=np.int64)
    begins[:, 1:] = np.cumsum(counts, axis=1)
    starts = np.array([0, begins[0, -1]], dtype=np.int64)
    rows = int(begins[:, -1].sum())
    slot, within, died = (rng.integers(0, size, rows), rng.integers(0, cells_per_kind, rows),
                          rng.integers(0, 2, rows))  # fmt: skip
    kind = np.concatenate([np.repeat(np.arange(kinds), counts[b]) for b in range(2)])
    packed = (slot << shift) | (within << 1) | died
    terms = np.ascontiguousarray(rng.uniform(0, 1, (kinds * cells_per_kind, 4)))
    results = []
    for dtype in (np.uint32, np.int64):
        sums = np.zeros((kinds * size, 5))
        kernels.score_kinds(
            packed.astype(dtype), starts, begins, shift, np.arange(kinds), terms, cells_per_kind,
            size, sums, True,
        )  # fmt: skip
        results.append(sums)
    np.testing.assert_array_equal(results[0], results[1])
    at, cell = kind * size + slot, kind * cells_per_kind + within
    oracle = [
        np.bincount(at, minlength=kinds * size),
        np.bincount(at, weights=died, minlength=kinds * size),
        np.bincount(at, weights=terms[cell, 0], minlength=kinds * size),
        np.bincount(at, weights=terms[cell, 3], minlength=kinds * size),
        np.bincount(at, weights=terms[cell, 1], minlength=kinds * size),
    ]
    for got, want in zip(results[0].T, oracle, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("width", [np.uint32, np.int64], ids=["4-bytes", "8-bytes"])
@pytest.mark.parametrize("rows", [0, 1, 2, 3, 5, 8, 9, 1_001])
def test_a_row_group_is_packed_counted_and_grouped_by_kind_in_row_order(rows, width):
    # The counting loop against NumPy: each spell counted per cell × outcome, and kept packed
    # as (provider × months + month) << shift | cell within its kind << 1 | outcome, grouped
    # by kind (diagnosis group × admission method) in the order of its rows (a stable sort),
    # whatever the row group's length against the parts it is grouped in side by side.
    from commissioning.engine.quality import kernels
    from commissioning.engine.quality.passes import _Kinds

    rng = np.random.default_rng(rows)
    names = (S.GROUP, *S.COVARIATES)
    lows, sizes = (2, 0, 1, 0, 1, 0, 3), (4, 3, 2, 3, 12, 4, 2)
    grid = S.Grid(tuple(map(S.Axis, names, lows, sizes)))
    kinds = _Kinds.of(grid)
    low = np.array([a.low for a in grid.axes], dtype=np.int64)
    size = np.array(grid.shape, dtype=np.int64)
    columns = [
        (low[a] + rng.integers(0, size[a], rows)).astype(np.int16 if a == 0 else np.int8)
        for a in range(7)
    ]
    died = rng.random(rows) < 0.2
    providers = 5
    provider = np.repeat(rng.integers(0, providers, rows), rng.integers(1, 4, rows))[:rows]
    day_low, days_spanned = 19_000, 70
    days = rng.integers(day_low, day_low + days_spanned, rows).astype(np.int32)
    month_of_day = (
        np.arange(day_low, day_low + days_spanned).astype("datetime64[D]").astype("datetime64[M]")
    ).astype(np.int64)
    first_month, months = int(month_of_day[0]), int(month_of_day[-1] - month_of_day[0] + 1)
    shift = (kinds.cells_per_kind - 1).bit_length() + 1
    start = 7  # the row group's place among the spells kept
    spells = np.zeros(start + rows + 3, dtype=width)
    counts = np.zeros(2 * grid.cells, dtype=np.int32)

    keys = np.int32 if width == np.uint32 else np.int64  # the keys' scratch, either width

    def count(room: int) -> np.ndarray:
        return kernels.count_batch(
            *columns, low, kinds.cell_stride, kinds.kind_stride, kinds.within_stride, died,
            provider, providers, room, days, day_low, month_of_day, first_month, months,
            np.empty(rows, dtype=width), np.empty(rows, dtype=keys),
            np.empty(rows, dtype=np.int32), start, spells, shift, kinds.kinds, counts,
        )  # fmt: skip

    begins = count(providers * months)
    key = np.ravel_multi_index(
        [c.astype(np.int64) - lo for c, lo in zip(columns, low, strict=True)], size
    )
    kind = kinds.kind_of[key]
    within = kinds.place[key] - kind * kinds.cells_per_kind
    month = month_of_day[days - day_low] - first_month
    packed = ((provider * months + month) << shift) | (within << 1) | died
    order = np.argsort(kind, kind="stable")
    np.testing.assert_array_equal(spells[start : start + rows], packed[order])
    assert not spells[:start].any() and not spells[start + rows :].any()
    np.testing.assert_array_equal(counts, np.bincount(2 * key + died, minlength=2 * grid.cells))
    np.testing.assert_array_equal(
        begins, np.concatenate([[0], np.cumsum(np.bincount(kind, minlength=kinds.kinds))])
    )
    # A provider-month beyond the room given: nothing counted or kept, and it says so.
    if rows:
        spells[:] = 0
        counts[:] = 0
        assert len(count(providers * months - 1)) == 0
        assert not spells.any() and not counts.any()


def test_a_files_reader_ends_once_and_stops_when_let_go(spells):
    # The reader thread starts with the reader: read to the end it ends for good (a further
    # read ends at once); let go unread, with batches waiting, its thread is stopped.
    import gc

    from commissioning.engine.quality.passes import PROVIDER, _Batches, _files

    files = _files(spells)
    reader = _Batches(files, [PROVIDER], batch_size=10_000)
    assert sum(batch.num_rows for _, batch in reader) == 120_000
    assert next(reader, None) is None
    assert not reader.reader.is_alive()
    unread = _Batches(files, [PROVIDER], batch_size=10_000)
    thread = unread.reader
    del unread
    gc.collect()
    thread.join(timeout=5)
    assert not thread.is_alive()
