"""The passes over the spells, and the engine contract the SHMI pipeline runs them through
(docs/national-scale.md; decisions 027 and 063).

An engine does two things with the spells: ``count`` (spells and deaths per risk cell, the
providers and the months) and ``score`` (for each risk cell's modelled risk, the sums per
provider × month × diagnosis group × admission method). Everything between and after the passes
is ``shmi._pipeline``, the same for every engine. ``LocalEngine`` is the one-machine engine;
``spark.SparkEngine`` the cluster's.
"""

from __future__ import annotations

import abc
import contextlib
import functools
import math
import queue
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import kernels
from .kernels import WORKERS
from .tables import InputError

BATCH = 1 << 18  # spells decoded at a time by each core
# A spell kept between the passes: 4 bytes while its provider-month fits beside its cell and
# outcome (bits of each width that hold it), with room for at least this many providers.
WORD_BITS: dict[np.dtype, int] = {np.dtype(np.uint32): 32, np.dtype(np.int64): 63}
NARROW_PROVIDERS = 256
SCORES = ("spells", "observed", "expected", "variance")  # per provider × month × kind

GROUP = "diagnosis_group"
COVARIATES = ("age_band", "sex", "admission_method", "month", "charlson_band", "year_index")
PROVIDER, PERIOD, OUTCOME = "provider_code", "period", "died_30d"
SPELL_COLUMNS = (PROVIDER, PERIOD, OUTCOME, GROUP, *COVARIATES)


@dataclass(frozen=True)
class Axis:
    name: str
    low: int
    size: int


@dataclass(frozen=True)
class Grid:
    """The risk cells: diagnosis group first, then the covariates, each an integer range."""

    axes: tuple[Axis, ...]

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(a.size for a in self.axes)

    @property
    def cells(self) -> int:
        return math.prod(self.shape)

    def key(self, columns: dict[str, np.ndarray]) -> np.ndarray:
        key = np.zeros(len(next(iter(columns.values()))), dtype=np.int32)
        for axis in self.axes:
            key *= axis.size
            key += columns[axis.name]
            key -= axis.low
        return key


KIND_AXES = (GROUP, "admission_method")  # a kind of spell: what the scoring pass sums by


@dataclass(frozen=True)
class _Kinds:
    """How the one-machine engine keeps the spells by kind: each axis's place value in a
    cell's key, in its kind and in its cell within the kind (the axes other than the kind's,
    in the grid's order); and, per cell, its kind and where its terms go when laid out kind
    by kind (made when first asked for: the counting pass needs only the place values)."""

    grid: Grid
    cell_stride: np.ndarray
    kind_stride: np.ndarray
    within_stride: np.ndarray
    kinds: int
    cells_per_kind: int

    @classmethod
    @functools.lru_cache(maxsize=4)  # the counting pass's, and the pipeline's after it
    def of(cls, grid: Grid) -> _Kinds:
        shape = np.array(grid.shape, dtype=np.int64)
        cell_stride = np.ones(len(shape), dtype=np.int64)
        cell_stride[:-1] = np.cumprod(shape[::-1])[::-1][1:]
        first, second = (_axis(grid, name) for name in KIND_AXES)
        kind_stride = np.zeros(len(shape), dtype=np.int64)
        kind_stride[first], kind_stride[second] = shape[second], 1
        within_stride = np.zeros(len(shape), dtype=np.int64)
        others = [a for a in range(len(shape)) if a not in (first, second)]
        place_value = 1
        for a in reversed(others):
            within_stride[a] = place_value
            place_value *= int(shape[a])
        for array in (cell_stride, kind_stride, within_stride):
            array.flags.writeable = False  # shared by every caller
        kinds = int(shape[first] * shape[second])
        return cls(grid, cell_stride, kind_stride, within_stride, kinds, place_value)

    @functools.cached_property
    def kind_of(self) -> np.ndarray:
        kind_of = _place_values(self.grid, self.kind_stride)
        kind_of.flags.writeable = False
        return kind_of

    @functools.cached_property
    def place(self) -> np.ndarray:
        place = self.kind_of * self.cells_per_kind + _place_values(self.grid, self.within_stride)
        place.flags.writeable = False
        return place


def kinds_of(grid: Grid) -> tuple[np.ndarray, int]:
    """Each cell's kind, its diagnosis group × admission method (the scoring pass sums by it,
    for the early warning's charts), and how many kinds there are."""
    kinds = _Kinds.of(grid)
    return kinds.kind_of, kinds.kinds


def _axis(grid: Grid, name: str) -> int:
    return [a.name for a in grid.axes].index(name)


def _place_values(grid: Grid, stride: np.ndarray) -> np.ndarray:
    """Σ over the axes of each cell's level (from 0) × the axis's ``stride``, for every cell in
    the grid's order."""
    width = np.int32 if grid.cells < 2**31 else np.int64
    total = np.zeros(grid.shape, dtype=width)
    for a, axis in enumerate(grid.axes):
        if stride[a]:
            view = [1] * len(grid.axes)
            view[a] = axis.size
            total += (np.arange(axis.size) * stride[a]).astype(width).reshape(view)
    return total.ravel()


def _files(paths: Sequence[Path | str] | Path | str) -> list[Path]:
    paths = [paths] if isinstance(paths, str | Path) else list(paths)
    out: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            # A folder's files, in it or below it (spells partitioned by year and month:
            # spells/2024/04/part-0.parquet, or Hive-style year=2024/month=4).
            out += sorted(path.rglob("*.parquet"))
        elif path.is_file():
            out.append(path)
        else:
            raise InputError(f"{path}: no such file or folder")
    if not out:
        raise InputError("no Parquet files of spells were given")
    return out


def _check_schema(files: list[Path]) -> None:
    for path in files:
        try:
            names = pq.read_schema(path).names
        except (pa.ArrowInvalid, OSError) as exc:
            raise InputError(f"{path}: cannot be read as Parquet ({exc})") from None
        for column in SPELL_COLUMNS:
            if column not in names:
                raise InputError(
                    f"column '{column}': not in {path.name} (a spells file needs "
                    f"{', '.join(SPELL_COLUMNS)})"
                )


class _Batches:
    """Row groups (or batches of ``batch_size`` rows) of every file with the row number
    (1-based, across files) of their first row; ``close`` when done (or use ``closing``).

    A reader thread, started at once (not at the first ``next``: the caller may have other
    decoding to wait for first), decodes the next batch, and applies ``prepare(first_row,
    batch)`` to it if given, while the caller works on the one before (Parquet decoding and
    NumPy both release the GIL), with at most two batches waiting."""

    def __init__(
        self,
        files: list[Path],
        columns: Sequence[str],
        prepare: Callable[[int, pa.RecordBatch], Any] | None = None,
        batch_size: int = 1 << 20,
    ) -> None:
        # The thread holds the queue and the event, not this object, so that an object let go
        # without ``close`` is collected and its reader stopped (``__del__``).
        waiting: queue.Queue = queue.Queue(maxsize=2)
        stop = threading.Event()

        def hand_on(item: Any) -> bool:
            """Put ``item`` in the queue unless stopped meanwhile (so a stopped reader never
            waits on a full queue, whoever is left to empty it)."""
            while not stop.is_set():
                try:
                    waiting.put(item, timeout=0.05)
                    return True
                except queue.Full:
                    continue
            return False

        def read():
            try:
                first = 1
                for path in files:
                    reader = pq.ParquetFile(path)
                    for batch in reader.iter_batches(batch_size=batch_size, columns=columns):
                        if not hand_on((first, prepare(first, batch) if prepare else batch)):
                            return
                        first += batch.num_rows
                hand_on(None)
            except BaseException as exc:  # handed to the caller, raised there
                hand_on(exc)

        self.waiting, self.stop, self.finished = waiting, stop, False
        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()

    def __iter__(self) -> _Batches:
        return self

    def __next__(self) -> tuple[int, Any]:
        if self.finished:
            raise StopIteration
        item = self.waiting.get()
        if item is None or isinstance(item, BaseException):
            self.close()
            if item is None:
                raise StopIteration
            raise item
        return item

    def close(self) -> None:
        self.finished = True
        self.stop.set()
        if threading.current_thread() is self.reader:
            return  # let go by the garbage collector on the reader's thread: it stops itself
        while self.reader.is_alive():  # let a blocked reader finish
            with contextlib.suppress(queue.Empty):
                self.waiting.get_nowait()
            self.reader.join(timeout=0.01)

    def __del__(self) -> None:
        if hasattr(self, "reader"):  # not if the thread never started
            self.close()


def _integers(batch: pa.RecordBatch, name: str, first_row: int) -> np.ndarray:
    column = batch.column(name)
    if column.null_count:
        row = pc.index(pc.is_null(column), True).as_py()
        raise InputError(f"row {first_row + row}, column '{name}': the value is missing")
    if not pa.types.is_integer(column.type):
        raise InputError(f"column '{name}': must be whole numbers (it is {column.type})")
    return column.to_numpy()


def _providers(
    batch: pa.RecordBatch, index: dict[str, int], first_row: int
) -> tuple[np.ndarray, np.ndarray]:
    """The provider column as dictionary indices, and each dictionary entry's number in
    ``index`` (providers numbered in the order first seen, across row groups and files)."""
    column = batch.column(PROVIDER)
    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(column.cast(pa.string()))
    if column.null_count:
        row = pc.index(pc.is_null(column), True).as_py()
        raise InputError(f"row {first_row + row}, column '{PROVIDER}': the provider is empty")
    codes = column.dictionary.cast(pa.string()).to_pylist()
    lookup = np.array([index.setdefault(code, len(index)) for code in codes], dtype=np.int32)
    return column.indices.to_numpy(zero_copy_only=False), lookup


def _days(batch: pa.RecordBatch, first_row: int) -> tuple[np.ndarray, int, np.ndarray]:
    """The period column as days since 1970, the first of them, and the month (since January
    1970) of each day from that one to the last."""
    column = batch.column(PERIOD)
    if column.null_count:
        row = pc.index(pc.is_null(column), True).as_py()
        raise InputError(f"row {first_row + row}, column '{PERIOD}': the date is missing")
    if not pa.types.is_date(column.type) and not pa.types.is_timestamp(column.type):
        raise InputError(f"column '{PERIOD}': must be dates (it is {column.type})")
    if pa.types.is_timestamp(column.type):
        column = column.cast(pa.date32())
    days = column.cast(pa.int32()).to_numpy()
    low = int(days.min())
    span = np.arange(low, int(days.max()) + 1).astype("datetime64[D]")
    return days, low, span.astype("datetime64[M]").astype(np.int64)


def _frames(files: list[Path], key_columns: Sequence[str]) -> Iterable[tuple[int, pl.DataFrame]]:
    """The key columns, the outcome (as true/false) and the period (as days since 1970) of
    every file, in batches of rows decoded by Polars, with the row number (1-based, across
    files) of each batch's first row. Types are checked once per file; missing values, and
    an outcome other than 0 or 1, per batch, naming the row."""
    first = 1
    for path in files:
        scan = pl.scan_parquet(path, hive_partitioning=False).select(*key_columns, OUTCOME, PERIOD)
        schema = scan.collect_schema()
        for name in key_columns:
            if not schema[name].is_integer():
                raise InputError(f"column '{name}': must be whole numbers (it is {schema[name]})")
        if schema[PERIOD] != pl.Date and not isinstance(schema[PERIOD], pl.Datetime):
            raise InputError(f"column '{PERIOD}': must be dates (it is {schema[PERIOD]})")
        if schema[OUTCOME] != pl.Boolean and not schema[OUTCOME].is_numeric():
            raise InputError(
                f"column '{OUTCOME}': must be true/false or 0/1 (it is {schema[OUTCOME]})"
            )
        scan = scan.with_columns(pl.col(PERIOD).cast(pl.Date).to_physical())
        for frame in scan.collect_batches(chunk_size=BATCH, maintain_order=True):
            for name, missing in zip(frame.columns, frame.null_count().row(0), strict=True):
                if missing:
                    row = int(frame[name].is_null().arg_max() or 0)
                    what = "the date" if name == PERIOD else "the value"
                    raise InputError(f"row {first + row}, column '{name}': {what} is missing")
            if frame[OUTCOME].dtype != pl.Boolean:
                bad = frame[OUTCOME].is_in([0, 1]).not_()
                if bad.any():
                    row = int(bad.arg_max() or 0)
                    raise InputError(
                        f"row {first + row}, column '{OUTCOME}': "
                        f"{frame[OUTCOME][row]!r} is not 0 or 1"
                    )
                frame = frame.with_columns(pl.col(OUTCOME).cast(pl.Boolean))
            yield first, frame.rechunk()
            first += frame.height


def _day_months(days: pl.Series) -> tuple[int, np.ndarray]:
    """The first of ``days`` (days since 1970) and the month (since January 1970) of each
    day from it to the last."""
    low, high = int(days.min()), int(days.max())  # type: ignore[arg-type]
    span = np.arange(low, high + 1).astype("datetime64[D]")
    return low, span.astype("datetime64[M]").astype(np.int64)


def spell_count(paths: Sequence[Path] | Path) -> int:
    """The number of spells in the files, from their Parquet footers."""
    return sum(pq.ParquetFile(f).metadata.num_rows for f in _files(paths))


def scan_grid(files: list[Path]) -> tuple[Grid, int, int]:
    """The range of every key column, and the first and last month, from the row-group
    statistics in the Parquet footers (no data is read unless a file has none)."""
    names = (GROUP, *COVARIATES)
    low: dict[str, int | None] = dict.fromkeys(names, None)
    high: dict[str, int | None] = dict.fromkeys(names, None)
    month_low: int | None = None
    month_high: int | None = None

    def widen(name: str, lo: int, hi: int) -> None:
        was_low, was_high = low[name], high[name]
        low[name] = lo if was_low is None else min(was_low, lo)
        high[name] = hi if was_high is None else max(was_high, hi)

    for path in files:
        meta = pq.ParquetFile(path).metadata
        schema = meta.schema.to_arrow_schema().names
        for rg in range(meta.num_row_groups):
            group = meta.row_group(rg)
            for name in (*names, PERIOD):
                stats = group.column(schema.index(name)).statistics
                if stats is None or not stats.has_min_max:
                    break
                if name == PERIOD:
                    lo = int(np.datetime64(stats.min, "M").astype(np.int64))
                    hi = int(np.datetime64(stats.max, "M").astype(np.int64))
                    month_low = lo if month_low is None else min(month_low, lo)
                    month_high = hi if month_high is None else max(month_high, hi)
                else:
                    widen(name, int(stats.min), int(stats.max))
            else:
                continue
            break  # a row group without statistics: read the columns instead
        else:
            continue
        with contextlib.closing(_Batches([path], [*names, PERIOD])) as batches:
            for first, batch in batches:
                for name in names:
                    values = _integers(batch, name, first)
                    widen(name, int(values.min()), int(values.max()))
                _, _, month_of = _days(batch, first)
                lo, hi = int(month_of[0]), int(month_of[-1])
                month_low = lo if month_low is None else min(month_low, lo)
                month_high = hi if month_high is None else max(month_high, hi)
    assert month_low is not None and month_high is not None, "the files hold no spells"
    axes = []
    for n in names:
        lo_n, hi_n = low[n], high[n]
        assert lo_n is not None and hi_n is not None, f"no values of {n}"
        axes.append(Axis(n, lo_n, hi_n - lo_n + 1))
    return Grid(tuple(axes)), month_low, month_high


@dataclass
class CellCounts:
    """What the first pass gives, whichever engine makes it: spells and deaths per risk cell
    (flat, in the grid's order), the providers (in the order of the second pass's sums) and
    the months."""

    grid: Grid
    first_month: int  # months since January 1970
    months: int
    codes: list[str]
    spells: np.ndarray  # (cells,) int64
    deaths: np.ndarray  # (cells,) int64
    rows: int


class SpellEngine(abc.ABC):
    """An engine's two passes over the spells; the models, the banding, the CUSUMs and the
    early warning are the same code whichever engine counted (``shmi``)."""

    @abc.abstractmethod
    def count(self, tick: Callable[..., None]) -> CellCounts:
        """The first pass."""

    @abc.abstractmethod
    def score(
        self, counts: CellCounts, per_cell: np.ndarray, kinds: int, spread: bool,
        tick: Callable[..., None],
    ) -> dict[str, np.ndarray]:  # fmt: skip
        """Per provider × month × kind (``per_cell``'s third column: the pipeline's are
        ``kinds_of(grid)``, diagnosis group × admission method), flat: "spells", "observed",
        "expected" and, with ``spread``, "variance" (``per_cell``'s fourth column summed); per
        provider × month, flat: "log" (its second column summed)."""

    @abc.abstractmethod
    def close(self) -> None:
        """Let go of what the passes kept."""


class LocalEngine(SpellEngine):
    """The one-machine engine (decisions 027, 064, 065 and 068): Polars decodes the spells, a
    compiled loop packs and counts them (``kernels``); 4 bytes a spell (8 where the provider-
    months or the cells need more) kept between the passes, each row group's grouped by kind;
    scored a kind at a time."""

    def __init__(self, paths: Sequence[Path | str] | Path | str) -> None:
        self.files = _files(paths)
        _check_schema(self.files)

    def count(self, tick: Callable[..., None]) -> CellCounts:
        files = self.files
        grid, first_month, last_month = scan_grid(files)
        if grid.cells >= 2**31:
            sizes = " × ".join(f"{a.name} {a.size}" for a in grid.axes)
            raise InputError(
                f"the risk cells ({sizes}) number {grid.cells:,}, more than this engine's keys "
                "hold (2³¹): code each column from 0 with no gaps, or use --engine spark"
            )
        months = last_month - first_month + 1
        rows = spell_count(files)
        if rows == 0:
            raise InputError("the spells files hold no rows")
        kinds = _Kinds.of(grid)
        # A spell kept: (provider × months + month) << shift | cell within its kind << 1 |
        # outcome, in 4 bytes while the provider-months fit beside the rest (a year of the
        # national grid leaves room for 87,000 providers), else in 8: counted again in 8 if
        # more providers come than 4 bytes hold.
        shift = int(kinds.cells_per_kind - 1).bit_length() + 1
        reported = [0]  # rows told to ``tick``, over every start of the pass
        for dtype in WORD_BITS:
            room = 1 << (WORD_BITS[dtype] - shift)
            if dtype == np.uint32 and room < NARROW_PROVIDERS * months:
                continue  # not even a few hundred providers: 8 bytes from the start
            counted = self._count(grid, kinds, first_month, months, rows, dtype, shift, room,
                                  _once(tick, reported))  # fmt: skip
            if counted is not None:
                return counted
        raise InputError(f"the spells name more providers than this engine holds ({room:,} "
                         "provider-months): use --engine spark")  # fmt: skip

    def _count(
        self, grid: Grid, kinds: _Kinds, first_month: int, months: int, rows: int,
        dtype: np.dtype, shift: int, room: int, tick: Callable[..., None],
    ) -> CellCounts | None:  # fmt: skip
        """Pass 1 (streaming): spells and deaths per risk cell, each spell kept packed for pass
        2 (``kernels.count_batch``); None if the spells' width cannot hold its provider-months.
        Polars decodes the numeric columns (its Parquet reader, on every core); a reader
        thread decodes the providers (PyArrow, which keeps their dictionary); the compiled
        loop packs and counts a batch while the next is decoded."""
        key_columns = [a.name for a in grid.axes]
        spells = np.empty(rows, dtype=dtype)
        low = np.array([a.low for a in grid.axes], dtype=np.int64)
        index: dict[str, int] = {}

        def numbered(first: int, batch: pa.RecordBatch) -> np.ndarray:
            # In the reader thread (the provider index is only touched there).
            indices, lookup = _providers(batch, index, first)
            return lookup[indices]

        # Each batch is packed and counted on whichever core is free, into that core's own
        # counts of survivors and deaths per key (interleaved; added at the end); at most one
        # batch a core is held. The counts are 4 bytes while no cell can hold 2³¹ spells.
        tally = np.int32 if rows < 2**31 else np.int64
        free: queue.Queue = queue.Queue()
        for _ in range(WORKERS):
            free.put((*_scratch(BATCH, dtype, grid.cells), np.zeros(2 * grid.cells, dtype=tally)))
        done: list[tuple[int, np.ndarray]] = []
        lock = threading.Lock()

        def pack(first: int, frame: pl.DataFrame, numbers: np.ndarray, providers_met: int):
            scratch, keys, kind, counts = free.get()
            if len(scratch) < frame.height:  # Polars' batch size is a hint, not a bound
                scratch, keys, kind = _scratch(frame.height, dtype, grid.cells)
            try:
                arguments = [
                    *(frame[c].to_numpy() for c in key_columns), low, kinds.cell_stride,
                    kinds.kind_stride, kinds.within_stride, frame[OUTCOME].to_numpy(), numbers,
                    providers_met, room, frame[PERIOD].to_numpy(), *_day_months(frame[PERIOD]),
                    first_month, months, scratch, keys, kind, first - 1, spells, shift,
                    kinds.kinds, counts,
                ]  # fmt: skip
                begins = kernels.count_batch(*arguments)
            finally:
                free.put((scratch, keys, kind, counts))
            with lock:
                done.append((first - 1, begins))
                tick("counting", frame.height)
            return len(begins) > 0  # false: more provider-months than the width holds

        pending: list = []
        fits = True
        with (
            contextlib.closing(_Batches(self.files, [PROVIDER], numbered, BATCH)) as providers,
            ThreadPoolExecutor(WORKERS) as pool,
        ):
            waiting: list[np.ndarray] = []
            for first, frame in _frames(self.files, key_columns):
                n = frame.height
                while sum(map(len, waiting)) < n:
                    waiting.append(next(providers)[1])
                numbers = waiting[0] if len(waiting) == 1 else np.concatenate(waiting)
                waiting = [numbers[n:]] if len(numbers) > n else []
                if len(pending) >= WORKERS:
                    fits &= pending.pop(0).result()
                if not fits:
                    break
                # Every provider numbered so far: those of this batch are among them.
                pending.append(pool.submit(pack, first, frame, numbers[:n], len(index)))
            for job in pending:
                fits &= job.result()
        if not fits:
            return None
        counts = sum(free.get()[3].astype(np.int64) for _ in range(WORKERS))
        done.sort(key=lambda item: item[0])
        self.spells, self.shift, self.kinds = spells, shift, kinds
        self.providers, self.months = len(index), months
        # Each batch's first row, and where its kinds' spells begin in it (a row per batch, in
        # the order of the rows).
        self.starts = np.array([start for start, _ in done], dtype=np.int64)
        self.begins = np.array([b for _, b in done], dtype=np.int64).reshape(
            len(done), kinds.kinds + 1
        )
        return CellCounts(
            grid, first_month, months, list(index), counts[0::2] + counts[1::2], counts[1::2], rows
        )

    def score(
        self, counts: CellCounts, per_cell: np.ndarray, kinds: int, spread: bool,
        tick: Callable[..., None],
    ) -> dict[str, np.ndarray]:  # fmt: skip
        # Pass 2, by the compiled loop, a kind at a time, the kinds shared between the cores
        # (the loop releases the GIL): each spell's cell terms added to its kind × provider ×
        # month, so the kind's cells and sums stay in the cache. Each sum is one thread's,
        # added in the order of the rows within its provider and kind, so the result does not
        # depend on how the work is shared. Kinds other than those the spells were grouped by
        # are summed one spell at a time, on one core, in the order the spells are kept (by
        # the kind counted, then the row).
        size = self.providers * self.months
        assert len(counts.codes) == self.providers and counts.months == self.months
        laid = self.kinds
        # Each cell's terms laid out kind by kind (the terms are a cell's four in a row).
        terms = np.empty((laid.kinds * laid.cells_per_kind, 4))
        terms[laid.place] = per_cell
        # Per kind × provider × month, side by side: spells, observed, expected, variance and
        # the CUSUM's term (the order of SCORES, then "log").
        sums = np.zeros((size * kinds, len(SCORES) + 1))
        spells_of_kind = (self.begins[:, 1:] - self.begins[:, :-1]).sum(0)
        arguments = (self.spells, self.starts, self.begins, self.shift)
        if kinds == laid.kinds and np.array_equal(per_cell[:, 2], laid.kind_of):
            lock = threading.Lock()

            def add(chosen: np.ndarray) -> None:
                for step in np.array_split(chosen, max(1, len(chosen) // 8)):
                    kernels.score_kinds(
                        *arguments, step, terms, laid.cells_per_kind, size, sums, spread
                    )
                    with lock:
                        tick("scoring", int(spells_of_kind[step].sum()))

            with ThreadPoolExecutor(WORKERS) as pool:
                list(pool.map(add, _share(spells_of_kind)))
        else:
            kernels.score_other_kinds(
                *arguments, laid.kinds, laid.cells_per_kind, terms, size, sums, spread
            )
            tick("scoring", int(spells_of_kind.sum()))
        # Kind × provider × month to the contract's provider × month × kind; the CUSUM's
        # terms summed over the kinds (in their order).
        out = {
            name: sums[:, j].reshape(kinds, size).T.ravel()
            for j, name in enumerate(SCORES)
            if spread or name != "variance"
        }
        out["log"] = sums[:, len(SCORES)].reshape(kinds, size).sum(0)
        return out

    def close(self) -> None:
        for name in ("spells", "starts", "begins"):
            self.__dict__.pop(name, None)


def _once(tick: Callable[..., None], reported: list[int]) -> Callable[..., None]:
    """``tick`` for a pass that may start again: only rows beyond those already told (called
    under the pass's lock)."""
    done = 0

    def report(stage: str, rows: int = 0) -> None:
        nonlocal done
        done += rows
        if done > reported[0]:
            tick(stage, done - reported[0])
            reported[0] = done

    return report


def _scratch(rows: int, dtype: np.dtype, cells: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A batch's packed spells, keys (2 × cell + outcome: 4 bytes where they fit, half the
    memory to pass through) and kinds, while it is counted."""
    keys = np.int32 if 2 * cells < 2**31 else np.int64
    return np.empty(rows, dtype=dtype), np.empty(rows, dtype=keys), np.empty(rows, np.int32)


def _share(work: np.ndarray, threads: int = WORKERS) -> list[np.ndarray]:
    """Items (numbered by position) dealt to ``threads`` in turn from the largest ``work``,
    so they finish together."""
    order = np.argsort(-work, kind="stable")
    return [order[w::threads] for w in range(threads)]
