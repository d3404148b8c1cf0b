"""`commissioning market …`: where patients would go if providers failed (the resilience
linear programme, solved with HiGHS), and market concentration. JSON on stdout."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from commissioning.cli.common import REFERENCE, err

# The numerical libraries (NumPy, Polars, SciPy, HiGHS) load when a command runs, not when the
# command line starts: `commissioning --help` answers at once.
if TYPE_CHECKING:
    import polars as pl

    from commissioning.engine.market import resilience as rs

market_app = typer.Typer(
    help="Market analysis and resilience: stress tests of provider failure (JSON on stdout).",
    no_args_is_help=True,
)


def _write(document: dict, output: Path | None) -> None:
    """The JSON document to stdout, or to ``output``."""
    text = json.dumps(document, indent=2, default=str, allow_nan=False) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"Wrote {output}")


def _codes(frame: pl.DataFrame, column: str) -> list[str]:
    import polars as pl

    from commissioning.engine.quality.tables import InputError
    from commissioning.engine.rows import at_row

    text = frame[column].cast(pl.String).str.strip_chars()
    empty = (text.is_null() | (text == "")).arg_true()
    if len(empty):
        raise InputError(f"{at_row(empty[0], column)}: the code is empty")
    return text.to_list()


def _points(path: Path, key: str, quantity: str, build):
    """A table of places: ``<key>,easting,northing,<quantity>`` (CSV or Parquet)."""
    from commissioning.engine.quality.tables import numeric, read_table, require_columns

    frame = read_table(path)
    columns = ("easting", "northing", quantity)
    require_columns(frame, [key, *columns])
    numbers = (numeric(frame, c, allow_missing=False).to_numpy() for c in columns)
    return build(_codes(frame, key), *numbers)


def read_providers(path: Path) -> rs.Providers:
    """``code,easting,northing,capacity`` (CSV or Parquet)."""
    from commissioning.engine.market import resilience as rs

    return _points(path, "code", "capacity", rs.providers_from_columns)


def read_demand(path: Path) -> rs.Areas:
    """``area,easting,northing,demand`` (CSV or Parquet)."""
    from commissioning.engine.market import resilience as rs

    return _points(path, "area", "demand", rs.areas_from_columns)


def _cuts(values: list[str]) -> dict[str, float]:
    from commissioning.engine.quality.tables import InputError

    cuts = {}
    for text in values:
        code, sep, fraction = text.partition("=")
        try:
            cuts[code.strip()] = float(fraction)
        except ValueError:
            raise InputError(f"--cut {text}: write it as CODE=FRACTION, e.g. RJE=0.3") from None
        if not sep:
            raise InputError(f"--cut {text}: write it as CODE=FRACTION, e.g. RJE=0.3")
    return cuts


@market_app.command("stress")
def market_stress(
    providers: Annotated[Path, typer.Option(help="code,easting,northing,capacity")],
    demand: Annotated[Path, typer.Option(help="area,easting,northing,demand")],
    max_km: Annotated[float, typer.Option(help="Furthest a patient may be sent")] = 50.0,
    circuity: Annotated[float, typer.Option(help="Road distance / straight line")] = 1.0,
    penalty: Annotated[float, typer.Option(help="Cost of a patient left unserved, in km")] = 1000.0,
    fail: Annotated[
        list[str] | None, typer.Option(help="A provider that fails (repeat for more)")
    ] = None,
    cut: Annotated[
        list[str] | None, typer.Option(help="CODE=FRACTION: cut a provider's capacity")
    ] = None,
    all_single_failures: Annotated[
        bool, typer.Option(help="Every single-provider failure, one scenario each")
    ] = False,
    flows: Annotated[bool, typer.Option(help="Include every area-provider flow")] = False,
    output: Annotated[Path | None, typer.Option(help="Write to this file")] = None,
) -> None:
    """Solve the no-failure baseline, then the failure scenario (or every single failure):
    objective, unmet demand, patient-km and extra patient-km over the baseline, the providers
    at full capacity and the areas left with unmet demand."""
    import numpy as np
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from commissioning.engine.market import resilience as rs
    from commissioning.engine.quality.tables import InputError

    try:
        options = rs.Options(max_km=max_km, circuity=circuity, penalty=penalty)
        model = rs.ResilienceModel(read_providers(providers), read_demand(demand), options)
        scenario = model.scenario(fail or (), _cuts(cut or []))
    except InputError as exc:
        err.print(f"Error: {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(code=2) from None
    baseline = model.solve(flows=flows)
    results = []
    if all_single_failures:
        with Progress(
            TextColumn("[bold]Single-provider failures"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=not sys.stderr.isatty(),
        ) as progress:
            task = progress.add_task("sweep", total=len(model.providers.codes))
            results = model.sweep(lambda _code: progress.advance(task))
    if scenario.fail or scenario.cuts:
        results.append(model.solve(scenario, flows=flows))
    document = {
        "options": {"max_km": max_km, "circuity": circuity, "penalty": penalty},
        "providers": len(model.providers.codes),
        "areas": len(model.areas.codes),
        "total_demand": float(np.sum(model.areas.demand)),
        "pairs_within_reach": model.n_pairs,
        "baseline": baseline.as_dict(flows),
        "scenarios": [r.as_dict(flows) for r in results],
    }
    _write(document, output)


@market_app.command("synthetic")
def market_synthetic(
    out: Annotated[Path, typer.Option(help="Folder for providers.csv and demand.csv")],
    areas: Annotated[int, typer.Option(help="Small areas (England has about 33,000)")] = 33_000,
    seed: Annotated[int, typer.Option(help="Random seed")] = 3,
) -> None:
    """Write a stress test's inputs: the real NHS trusts with A&E departments and their
    locations, and synthetic small-area demand around them."""
    from commissioning.engine.market.synthetic import synthetic_market

    providers, demand = synthetic_market(REFERENCE, areas=areas, seed=seed)
    out.mkdir(parents=True, exist_ok=True)
    providers.write_csv(out / "providers.csv")
    demand.write_csv(out / "demand.csv")
    err.print(
        f"Wrote {out / 'providers.csv'} ({providers.height} trusts) and {out / 'demand.csv'} "
        f"({demand.height:,} areas, total demand {demand['demand'].sum():,.0f})"
    )


@market_app.command("concentration")
def market_concentration(
    spells: Annotated[
        list[str],
        typer.Argument(
            help="Parquet files of spells, or folders of them, with area_code and provider_code "
            "(with --engine spark, also URIs Spark reads)"
        ),
    ],
    engine: Annotated[
        str, typer.Option(help="polars (this machine) or spark (the active or a local session)")
    ] = "polars",
    output: Annotated[Path | None, typer.Option(help="Write to this file, not stdout")] = None,
) -> None:
    """Patient flows, each provider's share of each area's patients and the
    Herfindahl–Hirschman Index per area (docs/domain.md section 3), with each provider's share
    of all patients."""
    from commissioning.engine.market import concentration
    from commissioning.engine.quality.tables import InputError

    if engine not in ("polars", "spark"):
        err.print(f"[red]--engine: one of polars, spark (got {engine!r})[/]")
        raise typer.Exit(2)
    try:
        if engine == "spark":
            from commissioning.engine.market import spark as on_spark
            from commissioning.engine.spark import SparkUnavailable

            try:
                flows = on_spark.flows_from_spells(spells).persist()
            except SparkUnavailable as exc:
                err.print(f"[red]{exc}[/]")
                raise typer.Exit(2) from None
            table, providers = on_spark.hhi(flows), on_spark.provider_shares(flows)
            flows.unpersist()
        else:
            if any("://" in s or s.startswith("dbfs:") for s in spells):
                err.print("[red]spells: a URI is read only by --engine spark[/]")
                raise typer.Exit(2)
            lazy = concentration.flows_from_spells([Path(s) for s in spells])
            flows_frame = lazy.collect()
            table = concentration.hhi(flows_frame)
            providers = concentration.provider_shares(flows_frame)
    except (InputError, OSError) as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    except Exception as exc:
        if not type(exc).__module__.startswith(("pyspark", "py4j")):
            raise
        err.print(f"[red]Spark: {str(exc).strip().splitlines()[0]}[/]")
        raise typer.Exit(2) from None
    document = {
        "method": "Herfindahl–Hirschman Index of patient flows per area (docs/domain.md §3)",
        "engine": engine,
        "areas": table.to_dicts(),
        "providers": providers.to_dicts(),
    }
    _write(document, output)
