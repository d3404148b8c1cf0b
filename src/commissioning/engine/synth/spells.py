"""Stream hospital spells to Parquet in bounded memory.

Spells are drawn in chunks (``chunk_size`` rows at a time) and appended to one Parquet file per
year as row groups, so memory depends on the chunk size, not on the number of spells.
Rows come out grouped by small area within each chunk (see ``_chunk``). Every categorical
draw that depends on a row's group (an area's age mix, an area's choice of
provider, a diagnosis mix by admission method, comorbidity by age) is one vectorised
``searchsorted`` on a flattened cumulative table offset by the group index, so no per-row
Python runs and no (rows x categories) matrix is ever built.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from . import constants as C
from .config import SynthConfig
from .economy import Economy, age_log_odds

SPELL_SCHEMA = pa.schema(
    [
        ("spell_id", pa.int64()),
        ("period", pa.date32()),
        ("year_index", pa.int8()),
        ("month", pa.int8()),
        ("provider_code", pa.dictionary(pa.int16(), pa.string())),
        ("commissioner_code", pa.dictionary(pa.int16(), pa.string())),
        ("practice_code", pa.dictionary(pa.int32(), pa.string())),
        ("area_code", pa.dictionary(pa.int32(), pa.string())),
        ("deprivation_decile", pa.int8()),
        ("age_band", pa.int8()),
        ("sex", pa.int8()),
        ("admission_method", pa.int8()),
        ("diagnosis_group", pa.int16()),
        ("charlson_band", pa.int8()),
        ("true_risk", pa.float32()),
        ("died_30d", pa.bool_()),
    ]
)


# Dictionary-encode every column with few distinct values: the codes, and the small integer
# columns and dates, whose dictionary indices are bit-packed (5 bits for 20 age bands instead
# of the 32 bits Parquet stores an int8 in). Measured on 20 million spells: the file is 12%
# smaller and the columns the SHMI pipeline reads decode in 60% of the time, for the same
# writing time. Not the unique spell id or the float risk (decision 031).
DICTIONARY_COLUMNS = [f.name for f in SPELL_SCHEMA if f.name not in ("spell_id", "true_risk")]


def conditional_table(probs: np.ndarray) -> np.ndarray:
    """Flatten per-group category probabilities (groups x k) into one increasing array.

    Group ``g``'s cumulative probabilities are shifted by ``g``, so that
    ``searchsorted(table, g + u, side='right') - g * k`` draws a category for a row of group
    ``g`` from a uniform ``u`` in [0, 1).
    """
    probs = np.asarray(probs, dtype=np.float64)
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    cum[:, -1] = 1.0
    return (cum + np.arange(len(probs))[:, None]).ravel()


def draw_conditional(table: np.ndarray, k: int, group: np.ndarray, u: np.ndarray) -> np.ndarray:
    idx = np.searchsorted(table, group + u, side="right")
    return idx - group * k


@dataclass
class _Tables:
    area_probs: np.ndarray
    cell_table: np.ndarray
    provider_table: np.ndarray
    diag_table: np.ndarray
    charlson_table: np.ndarray
    month_cum: np.ndarray
    elective_share: np.ndarray
    age_effect: np.ndarray
    charlson_effect: np.ndarray
    injected: np.ndarray  # (providers, months) log odds ratio of failures in every spell
    # failures confined to diagnosis groups or an admission method: (provider, first month,
    # log odds ratio, groups affected as a mask over the groups, method index or -1)
    confined: list[tuple[int, int, float, np.ndarray, int]]


def _charlson_probs() -> np.ndarray:
    rows = []
    for band in range(C.N_AGE_BANDS):
        comorbid = min(0.85, 0.03 + 0.045 * band)
        rows.append([1 - comorbid, 0.6 * comorbid, 0.28 * comorbid, 0.12 * comorbid])
    return np.array(rows)


def _tables(config: SynthConfig, economy: Economy) -> _Tables:
    rate = np.array(C.ADMISSION_RATE_BY_AGE)[None, :, None]
    deprivation = 1 + C.DEPRIVATION_ADMISSION_GRADIENT * (10 - economy.area_deprivation)
    # Expected admissions per area, by age band and sex.
    cells = economy.area_population * rate * deprivation[:, None, None]
    area_weight = cells.sum(axis=(1, 2))
    area_probs = area_weight / area_weight.sum()
    cell_probs = cells.reshape(len(cells), -1) + 1e-15
    codes = {p.code: i for i, p in enumerate(economy.providers)}
    injected = np.zeros((len(economy.providers), config.n_months))
    confined = []
    for inj in config.injections:
        if inj.provider not in codes:
            raise ValueError(
                f"{inj.provider} is not one of the synthetic economy's acute providers "
                "(NHS trusts with a type 1 emergency department and a location)"
            )
        if inj.confined:
            mask = np.ones(config.diagnosis_groups, dtype=bool)
            if inj.groups:
                mask[:] = False
                mask[np.array(inj.groups) - 1] = True
            method = inj.method - 1 if inj.method is not None else -1
            confined.append(
                (codes[inj.provider], config.month_index(inj.start), np.log(inj.odds_ratio),
                 mask, method)
            )  # fmt: skip
            continue
        injected[codes[inj.provider], config.month_index(inj.start) :] += np.log(inj.odds_ratio)
    months = np.array([config.month_start(i).month for i in range(12)])
    month_w = np.array(C.ADMISSION_MONTH_WEIGHTS)[months - 1]
    month_cum = np.cumsum(month_w / month_w.sum())
    month_cum[-1] = 1.0
    return _Tables(
        area_probs=area_probs,
        cell_table=conditional_table(cell_probs),
        provider_table=conditional_table(economy.choice_probs),
        diag_table=conditional_table(economy.diagnosis_freq),
        charlson_table=conditional_table(_charlson_probs()),
        month_cum=month_cum,
        elective_share=np.array(C.ELECTIVE_SHARE_BY_AGE),
        age_effect=np.array([age_log_odds(b) for b in range(C.N_AGE_BANDS)]),
        charlson_effect=np.array(C.CHARLSON),
        injected=injected,
        confined=confined,
    )


def _chunk(
    rng: np.random.Generator,
    n: int,
    year: int,
    first_id: int,
    config: SynthConfig,
    economy: Economy,
    t: _Tables,
    month_dates: np.ndarray,
    dictionaries: dict[str, pa.Array],
) -> tuple[pa.RecordBatch, int]:
    k_choice = economy.choice_providers.shape[1]
    g = config.diagnosis_groups
    # Spells are exchangeable, so drawing how many fall in each area (one multinomial) is the
    # same distribution as drawing an area per spell, and it leaves the rows sorted by area:
    # every per-area lookup below then searches with sorted keys, which stays in cache.
    area = np.repeat(np.arange(len(t.area_probs)), rng.multinomial(n, t.area_probs))
    cell = draw_conditional(t.cell_table, C.N_AGE_BANDS * 2, area, rng.random(n))
    age = cell // 2
    sex_index = cell % 2
    elective = rng.random(n) < t.elective_share[age]
    method_index = np.where(elective, 0, 1)
    diag = draw_conditional(t.diag_table, g, method_index, rng.random(n))
    charlson = draw_conditional(t.charlson_table, C.N_CHARLSON_BANDS, age, rng.random(n))
    month_offset = np.searchsorted(t.month_cum, rng.random(n), side="right")
    period = year * 12 + month_offset
    slot = draw_conditional(t.provider_table, k_choice, area, rng.random(n))
    provider = economy.choice_providers[area, slot]
    calendar_month = ((config.start.month - 1 + month_offset) % 12) + 1
    winter = np.isin(calendar_month, C.WINTER_MONTHS)

    eta = (
        C.INTERCEPT
        + t.age_effect[age]
        + np.where(sex_index == 0, C.MALE, 0.0)
        + np.where(elective, C.ELECTIVE, 0.0)
        + t.charlson_effect[charlson]
        + np.where(winter, C.WINTER, 0.0)
        + C.YEAR_TREND * year
        + economy.diagnosis_effect[diag]
        + economy.provider_effect[provider]
        + t.injected[provider, period]
    )
    for code, first_month, log_odds, groups, method in t.confined:
        hit = (provider == code) & (period >= first_month) & groups[diag]
        if method >= 0:
            hit &= method_index == method
        eta = eta + np.where(hit, log_odds, 0.0)
    risk = 1.0 / (1.0 + np.exp(-eta))
    died = rng.random(n) < risk

    def dict_col(indices: np.ndarray, name: str, itype) -> pa.DictionaryArray:
        return pa.DictionaryArray.from_arrays(pa.array(indices.astype(itype)), dictionaries[name])

    batch = pa.RecordBatch.from_arrays(
        [
            pa.array(np.arange(first_id, first_id + n, dtype=np.int64)),
            pa.array(month_dates[period]),
            pa.array(np.full(n, year, dtype=np.int8)),
            pa.array(calendar_month.astype(np.int8)),
            dict_col(provider, "provider", np.int16),
            dict_col(economy.area_commissioner[area], "commissioner", np.int16),
            dict_col(economy.area_practice[area], "practice", np.int32),
            dict_col(area, "area", np.int32),
            pa.array(economy.area_deprivation[area].astype(np.int8)),
            pa.array(age.astype(np.int8)),
            pa.array((sex_index + 1).astype(np.int8)),
            pa.array((method_index + 1).astype(np.int8)),
            pa.array((diag + 1).astype(np.int16)),
            pa.array(charlson.astype(np.int8)),
            pa.array(risk.astype(np.float32)),
            pa.array(died),
        ],
        schema=SPELL_SCHEMA,
    )
    return batch, int(died.sum())


@dataclass(frozen=True)
class SpellsWritten:
    files: list[Path]
    spells: int
    deaths: int
    spells_by_year: dict[str, int]


def write_spells(
    config: SynthConfig,
    economy: Economy,
    out_dir: Path,
    progress: Callable[[int], None] | None = None,
) -> SpellsWritten:
    """Write ``spells_per_year`` spells for each year to ``out_dir/spells/<year>.parquet``, or
    with ``config.partition_by_month`` to ``out_dir/spells/<YYYY>/<MM>/part-0.parquet``."""
    spell_dir = out_dir / "spells"
    spell_dir.mkdir(parents=True, exist_ok=True)
    for old in spell_dir.rglob("*.parquet"):
        old.unlink()
    for folder in sorted((p for p in spell_dir.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    tables = _tables(config, economy)
    month_dates = np.array(
        [config.month_start(i) for i in range(config.n_months)], dtype="datetime64[D]"
    )
    dictionaries = {
        "provider": pa.array([p.code for p in economy.providers]),
        "commissioner": pa.array(economy.commissioner_codes),
        "practice": pa.array(economy.practice_codes),
        "area": pa.array(economy.area_codes),
    }
    # One independent stream per year, so a year's spells do not depend on the chunk size
    # used for the years before it.
    streams = np.random.SeedSequence([config.seed, 1]).spawn(config.years)
    files, total, deaths, by_year = [], 0, 0, {}

    def writer(path: Path) -> pq.ParquetWriter:
        path.parent.mkdir(parents=True, exist_ok=True)
        files.append(path)
        return pq.ParquetWriter(
            path,
            SPELL_SCHEMA,
            compression="zstd",
            compression_level=1,
            use_dictionary=DICTIONARY_COLUMNS,
        )

    for year in range(config.years):
        rng = np.random.default_rng(streams[year])
        writers: dict[int, pq.ParquetWriter] = {}
        try:
            remaining = config.spells_per_year
            while remaining:
                n = min(config.chunk_size, remaining)
                batch, died = _chunk(
                    rng, n, year, total + 1, config, economy, tables, month_dates, dictionaries
                )
                if config.partition_by_month:
                    days = batch.column("period").cast(pa.int32()).to_numpy()
                    month = np.searchsorted(month_dates.astype(np.int64), days)
                    for m in np.unique(month).tolist():
                        if m not in writers:
                            first = config.month_start(m)
                            writers[m] = writer(
                                spell_dir / f"{first:%Y}" / f"{first:%m}" / "part-0.parquet"
                            )
                        writers[m].write_batch(batch.filter(pa.array(month == m)))
                else:
                    if not writers:
                        writers[0] = writer(spell_dir / f"{config.year_label(year)}.parquet")
                    writers[0].write_batch(batch)
                del batch
                remaining -= n
                total += n
                deaths += died
                if progress:
                    progress(n)
        finally:
            for w in writers.values():
                w.close()
        by_year[config.year_label(year)] = config.spells_per_year
    return SpellsWritten(files, total, deaths, by_year)


def month_label(day: dt.date) -> str:
    return f"{day:%Y-%m}"
