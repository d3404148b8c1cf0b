"""Synthetic data and reference data: ``synth``, ``fetch``, ``ingest``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from commissioning.cli.common import REFERENCE, REFERENCE_FILES, console, django_setup, err, fail


def synth(
    spells: Annotated[int, typer.Option(help="Hospital spells per year")] = 100_000,
    years: Annotated[int, typer.Option(help="Years to simulate")] = 3,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same data")] = 1,
    out: Annotated[Path, typer.Option(help="Output folder for the Parquet files")] = Path(
        "var/synth"
    ),
    inject: Annotated[
        list[str] | None,
        typer.Option(
            help="A quality failure, PROVIDER:YYYY-MM:ODDS_RATIO, optionally confined with "
            ":groups=3,17 (diagnosis groups) and :method=2 (1 elective, 2 emergency); repeatable"
        ),
    ] = None,
    start: Annotated[str, typer.Option(help="First month, YYYY-MM")] = "2021-04",
    areas: Annotated[
        int | None, typer.Option(help="Small areas (default: scaled to spells)")
    ] = None,
    chunk_size: Annotated[int, typer.Option(help="Spells generated per chunk")] = 1_000_000,
    partition_by_month: Annotated[
        bool,
        typer.Option(
            "--partition-by-month",
            help="One file per month in a folder per year (spells/2024/04/part-0.parquet)",
        ),
    ] = False,
    reference: Annotated[
        Path, typer.Option(help="Folder with the reference CSV files")
    ] = REFERENCE,
) -> None:
    """Generate a synthetic health economy around the real NHS trusts and stream it to Parquet."""
    import datetime as dt

    from pydantic import ValidationError

    from commissioning.engine.synth import (
        Injection,
        SynthConfig,
        generate,
        load_age_sex_structure,
        load_providers,
    )

    try:
        injections = tuple(Injection.parse(text) for text in inject or ())
        first = dt.date.fromisoformat(f"{start}-01")
        config = SynthConfig(
            spells_per_year=spells,
            years=years,
            seed=seed,
            start=first,
            areas=areas,
            chunk_size=chunk_size,
            injections=injections,
            partition_by_month=partition_by_month,
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"--{'.'.join(str(p) for p in e['loc']).replace('_', '-') or 'inject'}: {e['msg']}"
            for e in exc.errors()
        )
        raise fail(problems) from None
    except ValueError as exc:
        raise fail(str(exc)) from None
    providers = load_providers(reference / "nhs_trusts.csv", reference / "ae_attendances.csv")
    age_sex = load_age_sex_structure(reference / "ons_uk_population_2023.csv")
    total = config.spells_per_year * config.years
    with Progress(
        TextColumn("[bold]Generating spells"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=not sys.stderr.isatty(),
    ) as progress:
        task = progress.add_task("spells", total=total)
        try:
            manifest = generate(
                config, providers, age_sex, out, lambda n: progress.advance(task, n)
            )
        except ValueError as exc:
            raise fail(str(exc)) from None
    counts = manifest["counts"]
    console.print(
        f"Wrote {counts['spells']:,} spells ({counts['deaths_30d']:,} deaths within 30 days) for "
        f"{counts['providers']} providers, {counts['commissioners']} commissioners, "
        f"{counts['practices']:,} GP practices and {counts['areas']:,} small areas "
        f"to {out} in {manifest['seconds']:.1f} s."
    )


def fetch(
    kind: Annotated[
        str, typer.Argument(help="trusts, ae, population, outcomes, shmi, cqc or oversight")
    ],
    source: Annotated[Path, typer.Argument(help="The file to fetch (a local path)")],
) -> None:
    """Land a reference file, unchanged, in the landing area (nothing is ingested yet)."""
    django_setup()
    from django.conf import settings

    from commissioning.reference.fetchers import UnknownKind
    from commissioning.reference.fetchers import fetch as do_fetch

    try:
        fetched = do_fetch(kind, source, settings.DATA_DIR / "landing")
    except (FileNotFoundError, UnknownKind) as exc:
        raise fail(str(exc)) from None
    console.print(f"Fetched {source} to {fetched.path} (sha256 {fetched.sha256[:12]}…)")


def ingest(
    kind: Annotated[
        str, typer.Argument(help="trusts, ae, population, outcomes, shmi, cqc or oversight")
    ],
    path: Annotated[Path, typer.Argument(help="A fetched file")],
    year: Annotated[int, typer.Option(help="Mid-year of population estimates")] = 2023,
) -> None:
    """Ingest a reference file: all of it or, if any line is wrong, none of it."""
    django_setup()
    from commissioning.organisations.permissions import SYSTEM
    from commissioning.reference.parsers import IngestError, WrongLayout
    from commissioning.reference.services import ingest_file

    if kind not in REFERENCE_FILES:
        raise fail(f"the kind must be one of {', '.join(REFERENCE_FILES)} (got {kind!r})")
    if not path.is_file():
        raise fail(f"no file at {path}")
    try:
        report = ingest_file(kind, path, SYSTEM, source=str(path), year=year)
    except WrongLayout as exc:
        raise fail(f"{path.name} {exc}; nothing was stored") from None
    except IngestError as exc:
        err.print(f"[bold red]Rejected {path.name}; nothing was stored.[/]")
        for problem in exc.errors:
            err.print(f"  {problem}")
        if exc.total > len(exc.errors):
            err.print(f"  … and {exc.total - len(exc.errors)} more")
        raise typer.Exit(code=1) from None
    console.print(report.summary())
