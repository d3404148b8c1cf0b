"""The Open Contracting Data Standard: ``ocds validate``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from commissioning.cli.common import console, err, fail
from commissioning.ocds import validate as ocds

ocds_app = typer.Typer(
    help="The Open Contracting Data Standard (OCDS 1.1): check documents against its schema.",
    no_args_is_help=True,
)


FILE_HELP = "A JSON file: an OCDS release package, record package, release or record"


@ocds_app.command("validate")
def ocds_validate(file: Annotated[Path, typer.Argument(help=FILE_HELP)]) -> None:
    """Check FILE against the OCDS 1.1.5 schema shipped with the platform (nothing is fetched);
    exit 1 listing every problem by where it is in the document."""
    if not file.is_file():
        raise fail(f"No file {file}")
    try:
        kind, problems = ocds.validate_file(file)
    except json.JSONDecodeError as exc:
        raise fail(
            f"{file} is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise fail(f"{file}: {exc}") from None
    if not problems:
        console.print(f"[bold green]Valid:[/] {file} is an OCDS 1.1 {kind} with no errors "
                      f"against the OCDS {ocds.VERSION.replace('__', '.')} schema.")  # fmt: skip
        return
    table = Table(
        "Where",
        "Problem",
        title=f"{file}: {len(problems):,} problem{'s' if len(problems) > 1 else ''} ({kind})",
    )
    for p in problems:
        table.add_row(p.path, p.message)
    err.print(table)
    raise typer.Exit(1)
