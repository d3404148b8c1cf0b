"""Where a row of a table someone gave the platform is, as they see it: in the spreadsheet the
CSV was made in, the header is row 1, so the first row of data is row 2. Every message about a
row of a CSV, on the web (an upload) or on the command line, says it this way, and says so
(``row 3 (the header is row 1), column 'value'``). A module of the bottom floor, pure, so that
the engine's readers, the command line and the apps' uploads count alike."""

from __future__ import annotations

HEADER_ROW = 1
COUNTING = "the header is row 1"


def sheet_row(index: int) -> int:
    """The spreadsheet's number of the data row at ``index`` (0 for the first row of data)."""
    return index + HEADER_ROW + 1


def at_row(index: int, column: str | None = None, *, quote: bool = True) -> str:
    """``row 3 (the header is row 1), column 'value'``: where the data row at ``index`` (from 0)
    is, and the column if given (quoted, unless ``quote`` is false)."""
    where = f"row {sheet_row(index)} ({COUNTING})"
    if column is None:
        return where
    return f"{where}, column {column!r}" if quote else f"{where}, column {column}"
