"""Reading the tables the quality commands take: CSV or Parquet, with problems named by column
and row (as a spreadsheet numbers it: the header is row 1, ``engine.rows``) so that one line
says what to fix."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from commissioning.engine.rows import at_row

PARQUET_MAGIC = b"PAR1"


class InputError(ValueError):
    """A problem with an input table, in one line that names the column and the row."""


def read_table(path: Path) -> pl.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    with path.open("rb") as fh:
        magic = fh.read(4)
    try:
        if magic == PARQUET_MAGIC or path.suffix.lower() == ".parquet":
            return pl.read_parquet(path)
        return pl.read_csv(path, infer_schema=False)  # every column as text; checked below
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InputError(f"{path}: cannot be read as CSV or Parquet ({exc})") from None


def require_columns(frame: pl.DataFrame, columns: Sequence[str | None]) -> None:
    for column in columns:
        if column is not None and column not in frame.columns:
            known = ", ".join(frame.columns) or "none"
            raise InputError(f"column '{column}': not in the file (its columns are: {known})")


def numeric(frame: pl.DataFrame, column: str, *, allow_missing: bool = True) -> pl.Series:
    """The column as numbers; the first value that is not a number is named with its row."""
    series = frame[column]
    if series.dtype.is_numeric():
        values = series.cast(pl.Float64)
    else:
        text = series.cast(pl.String).str.strip_chars()
        values = text.cast(pl.Float64, strict=False)
        bad = (values.is_null() & text.is_not_null() & (text != "")).arg_true()
        if len(bad):
            row = bad[0]
            raise InputError(f"{at_row(row, column)}: {text[row]!r} is not a number")
    if not allow_missing:
        missing = values.is_null().arg_true()
        if len(missing):
            raise InputError(f"{at_row(missing[0], column)}: the value is missing")
    return values


def groups(frame: pl.DataFrame, column: str | None) -> pl.Series:
    """The grouping column as text, refusing an empty group."""
    if column is None:
        return pl.Series("group", ["all"] * frame.height, dtype=pl.String)
    text = frame[column].cast(pl.String).str.strip_chars()
    empty = (text.is_null() | (text == "")).arg_true()
    if len(empty):
        raise InputError(f"{at_row(empty[0], column)}: the group is empty")
    return text.alias("group")


def periods(frame: pl.DataFrame, column: str | None) -> pl.Series:
    """The period column (dates where they parse as dates, else numbers, else text), or the
    row order when there is none."""
    if column is None:
        return pl.Series("period", range(1, frame.height + 1), dtype=pl.Int64)
    series = frame[column]
    if series.dtype == pl.String:
        text = series.str.strip_chars()
        empty = (text.is_null() | (text == "")).arg_true()
        if len(empty):
            raise InputError(f"{at_row(empty[0], column)}: the period is missing")
        as_date = text.str.to_date(strict=False)
        if as_date.null_count() == 0:
            return as_date.alias("period")
        as_number = text.cast(pl.Float64, strict=False)
        if as_number.null_count() == 0:
            return as_number.alias("period")
        return text.alias("period")
    return series.alias("period")
