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


SINCE_HELP = "Only what was published on or after this day (YYYY-MM-DD); every notice if left out"


@ocds_app.command("export")
def ocds_export(
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the package")],
    since: Annotated[str, typer.Option(help=SINCE_HELP)] = "",
    uri: Annotated[str, typer.Option(help="The address the package will be published at")] = "",
) -> None:
    """Write every notice of the public register published since a day as an OCDS 1.1 release
    package: one release a notice, each checked against the shipped schema as it is written (the
    package is written a release at a time, so a long history never sits in memory)."""
    import datetime as dt

    from commissioning.cli.common import django_setup

    try:
        day = dt.date.fromisoformat(since) if since else None
    except ValueError:
        raise fail(
            f"--since takes a day as YYYY-MM-DD, for example 2027-01-31, not {since!r}"
        ) from None
    django_setup()
    from django.utils import timezone

    from commissioning import clock
    from commissioning.ocds import releases
    from commissioning.register import queries
    from commissioning.selection.models import Notice

    published = Notice.objects.order_by("published_at", "id")
    if day is not None:
        published = published.filter(published_at__gte=timezone.make_aware(
            dt.datetime.combine(day, dt.time(0))))  # fmt: skip
    head = releases.release_package(
        [], uri or f"file://{output.resolve()}", clock.now().isoformat(), queries.publisher()
    )
    count = 0
    tmp = output.with_name(output.name + ".part")
    with tmp.open("w", encoding="utf-8") as out:
        opening = json.dumps(head, ensure_ascii=False, indent=1)
        out.write(opening[: opening.rindex("[")] + "[\n")
        for notice in published.iterator():
            release = queries.release(notice)
            problems = ocds.problems(release)
            if problems:
                tmp.unlink()
                first = problems[0]
                raise fail(
                    f"Notice {notice.pk}: its release breaks the OCDS schema at {first.path}: "
                    f"{first.message}. Nothing was written."
                )
            out.write(("" if count == 0 else ",\n") + json.dumps(release, ensure_ascii=False))
            count += 1
        out.write("\n ]\n}\n")
    tmp.replace(output)
    console.print(f"[bold green]Wrote {count:,} release{'s' if count != 1 else ''}[/] "
                  f"(OCDS 1.1 release package) to {output}.")  # fmt: skip
