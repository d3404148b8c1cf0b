"""``commissioning quality …``: the quality monitoring methods on CSV or Parquet files.

The contract other tools and reviewers rely on: JSON on stdout by default, ``--format csv``
for the main table, ``--output FILE`` to write a file; a problem with the input is one line
on stderr naming the column and the row, with exit code 2. The work is done in
``commissioning.engine.quality``; these functions only translate arguments.
"""

from __future__ import annotations

import json
import math
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from commissioning.cli.common import django_setup, err
from commissioning.engine.quality.constants import (
    ODDS_RATIO_ALTERNATIVE,
    SHIFT_LENGTH,
    TREND_LENGTH,
    Chart,
    Family,
    Improvement,
    Method,
    Overdispersion,
)
from commissioning.engine.rows import at_row

if TYPE_CHECKING:  # Polars loads when a command runs: `commissioning --help` answers at once
    import polars as pl

quality_app = typer.Typer(
    help="Quality monitoring methods on a CSV or Parquet file (JSON on stdout by default).",
    no_args_is_help=True,
)


class OutputFormat(StrEnum):
    JSON = "json"
    CSV = "csv"


class Engine(StrEnum):
    """Where the SHMI pipeline's passes over the spells run (docs/national-scale.md)."""

    POLARS = "polars"
    SPARK = "spark"


def _refuse_input(message: str) -> typer.Exit:
    """A problem with the input: one line naming the column and row, and exit code 2."""
    err.print(f"Error: {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


def _emit(document: dict, table: pl.DataFrame, fmt: OutputFormat, output: Path | None) -> None:
    """JSON (the whole document) or CSV (the table) to stdout or a file."""
    if fmt is OutputFormat.CSV:
        text = table.write_csv()
    else:
        text = json.dumps(document, indent=2, default=str, allow_nan=False) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"Wrote {output}")


def _clean(value):
    return None if isinstance(value, float) and math.isnan(value) else value


@quality_app.command("spc")
def quality_spc(
    file: Annotated[Path, typer.Argument(help="A CSV or Parquet file, one row per point")],
    value: Annotated[
        str, typer.Option(help="The column of values (the numerator for a p or u chart)")
    ],
    chart: Annotated[
        Chart,
        typer.Option(
            help="run, xmr, p, p_prime (Laney p′), u, u_prime (Laney u′), c, g (cases between "
            "events) or t (days between events)"
        ),
    ] = Chart.XMR,
    denominator: Annotated[
        str | None, typer.Option(help="The column of denominators (p, p′, u and u′ charts)")
    ] = None,
    per: Annotated[
        float, typer.Option(help="Show a proportion or rate per this many (100: a percentage)")
    ] = 1.0,
    period: Annotated[str | None, typer.Option(help="The column that orders the points")] = None,
    group: Annotated[
        str | None, typer.Option(help="A column of groups, each its own chart")
    ] = None,
    improvement: Annotated[
        Improvement, typer.Option(help="Which way is better")
    ] = Improvement.INCREASE,
    target: Annotated[float | None, typer.Option(help="A target, for the assurance icon")] = None,
    no_screen: Annotated[
        bool,
        typer.Option(
            "--no-screen", help="Do not screen large moving ranges (as the NHS England Excel tool)"
        ),
    ] = False,
    trend_length: Annotated[int, typer.Option(help="Points in a trend")] = TREND_LENGTH,
    shift_length: Annotated[int, typer.Option(help="Points in a shift")] = SHIFT_LENGTH,
    fix_after: Annotated[
        int | None, typer.Option(help="Fix the limits on the first N points of each group")
    ] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="json or csv")] = OutputFormat.JSON,
    output: Annotated[Path | None, typer.Option(help="Write to this file, not stdout")] = None,
) -> None:
    """SPC charts with the Making Data Count rules: the XmR chart (the default), or the chart
    for what the values are (``--chart``): limits, the rule behind each special cause, and per
    group the variation and assurance icons."""
    import polars as pl

    from commissioning.engine.quality.charts import ChartOptions, chart_polars, chart_summaries
    from commissioning.engine.quality.spc import SpcOptions, spc_polars, summaries_polars
    from commissioning.engine.quality.tables import (
        InputError,
        groups,
        numeric,
        periods,
        read_table,
        require_columns,
    )

    if chart.needs_denominator and denominator is None:
        raise _refuse_input(f"--chart {chart.value} needs --denominator, the column of "
                            "denominators")  # fmt: skip
    try:
        spc_options = SpcOptions(
            improvement=improvement,
            target=target,
            screen_outliers=not no_screen,
            fix_after_n_points=fix_after,
            trend_length=trend_length,
            shift_length=shift_length,
        )
        options = ChartOptions(
            chart=chart,
            improvement=improvement,
            target=target,
            per=per,
            trend_length=trend_length,
            shift_length=shift_length,
        )
        table = read_table(file)
        require_columns(table, [value, period, group, denominator])
        columns = [
            groups(table, group),
            periods(table, period),
            numeric(table, value).alias("value"),
        ]
        if chart.needs_denominator:
            columns.append(numeric(table, denominator).alias("denominator"))
        frame = pl.DataFrame(columns)
    except (InputError, ValueError) as exc:
        raise _refuse_input(str(exc)) from None
    if chart is Chart.XMR:
        points = spc_polars(frame, spc_options)
        summaries = summaries_polars(points, spc_options)
    else:
        points = chart_polars(frame, options)
        summaries = chart_summaries(points, options)
    icons = {r["group"]: r for r in summaries.iter_rows(named=True)}
    point_rows = [
        {k: _clean(v) for k, v in row.items() if k != "direction"}
        for row in points.iter_rows(named=True)
    ]
    document = {
        "method": chart.label if chart is not Chart.XMR else "XmR (Making Data Count)",
        "options": {
            "chart": chart.value,
            "improvement": options.improvement.value,
            "target": target,
            "per": per,
            "screen_outliers": spc_options.screen_outliers if chart is Chart.XMR else None,
            "fix_after_n_points": fix_after if chart is Chart.XMR else None,
            "trend_length": trend_length,
            "shift_length": shift_length,
        },
        "groups": [
            {
                "group": g,
                "variation_icon": r["variation_icon"],
                "assurance_icon": r["assurance_icon"],
            }
            for g, r in icons.items()
        ],
        "points": point_rows,
    }
    flat = points.drop("direction").join(summaries, on="group", how="left")
    _emit(document, flat, fmt, output)


def _columns(text: str, option: str) -> list[str]:
    names = [c.strip() for c in text.split(",") if c.strip()]
    if not names:
        raise typer.BadParameter(f"name at least one column in {option}")
    return names


@quality_app.command("risk")
def quality_risk(
    file: Annotated[Path, typer.Argument(help="A CSV or Parquet file, one row per patient")],
    outcome: Annotated[str, typer.Option(help="The outcome column (0/1, or a count)")],
    covariates: Annotated[str, typer.Option(help="Case-mix columns, comma-separated")],
    group: Annotated[str, typer.Option(help="The column to compare (a provider, say)")],
    family: Annotated[
        Family, typer.Option(help="binomial (logistic) or poisson")
    ] = Family.BINOMIAL,
    categorical: Annotated[
        str, typer.Option(help="Which covariates are categories, comma-separated")
    ] = "",
    fmt: Annotated[OutputFormat, typer.Option("--format", help="json or csv")] = OutputFormat.JSON,
    output: Annotated[Path | None, typer.Option(help="Write to this file, not stdout")] = None,
) -> None:
    """Fit a logistic or Poisson GLM on covariate cells (the same estimates as on every row)
    and report per group the observed and expected outcomes and their ratio."""
    import polars as pl

    from commissioning.engine.quality.risk import fit_cells, observed_expected
    from commissioning.engine.quality.tables import (
        InputError,
        groups,
        numeric,
        read_table,
        require_columns,
    )

    covariate_list = _columns(covariates, "--covariates")
    categorical_list = [c.strip() for c in categorical.split(",") if c.strip()]
    try:
        for c in categorical_list:
            if c not in covariate_list:
                raise InputError(f"column '{c}': --categorical names a column not in --covariates")
        table = read_table(file)
        require_columns(table, [outcome, group, *covariate_list])
        y = numeric(table, outcome, allow_missing=False)
        if family is Family.BINOMIAL:
            bad = (~y.is_in([0.0, 1.0])).arg_true()
            if len(bad):
                raise InputError(f"{at_row(bad[0], outcome)}: {y[bad[0]]:g} is not 0 or 1")
        elif (y < 0).any():
            row = (y < 0).arg_true()[0]
            raise InputError(f"{at_row(row, outcome)}: a count cannot be negative")
        columns = [groups(table, group).alias(group), y.alias(outcome)]
        for c in covariate_list:
            if c in categorical_list:
                columns.append(groups(table, c).alias(c))
            else:
                columns.append(numeric(table, c, allow_missing=False).alias(c))
        frame = pl.DataFrame(columns)
    except InputError as exc:
        raise _refuse_input(str(exc)) from None
    model = fit_cells(frame, outcome, covariate_list, family, categorical_list)
    per_group = observed_expected(frame, model, outcome, group)
    document = {
        "method": f"{family.value} GLM fitted on covariate cells",
        "family": family.value,
        "rows": model.rows,
        "cells": model.cells,
        "converged": model.converged,
        "coefficients": model.coefficient_table(),
        "groups": per_group.to_dicts(),
    }
    _emit(document, per_group, fmt, output)


@quality_app.command("funnel")
def quality_funnel(
    file: Annotated[Path, typer.Argument(help="A CSV or Parquet file, one row per provider")],
    group: Annotated[str, typer.Option(help="The column naming each provider")],
    numerator: Annotated[str, typer.Option(help="Events (deaths, breaches) or observed")],
    denominator: Annotated[
        str | None, typer.Option(help="For a proportion: the column of totals")
    ] = None,
    expected: Annotated[
        str | None, typer.Option(help="For a ratio: the column of expected events")
    ] = None,
    method: Annotated[
        Method | None,
        typer.Option(help="proportion or ratio (default: from --denominator or --expected)"),
    ] = None,
    overdispersion: Annotated[
        Overdispersion, typer.Option(help="none, spiegelhalter, shmi or cqc")
    ] = Overdispersion.NONE,
    target: Annotated[
        float | None,
        typer.Option(help="The centre line (default: the pooled proportion, or 1 for a ratio)"),
    ] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="json or csv")] = OutputFormat.JSON,
    output: Annotated[Path | None, typer.Option(help="Write to this file, not stdout")] = None,
) -> None:
    """Funnel plot limits at 95% and 99.8% (exact, or adjusted for overdispersion), each
    provider's z-score and band, and the overall φ, τ² and providers kept after trimming."""
    import polars as pl

    from commissioning.engine.quality.funnel import funnel_numpy
    from commissioning.engine.quality.tables import (
        InputError,
        groups,
        numeric,
        read_table,
        require_columns,
    )

    try:
        if (denominator is None) == (expected is None):
            raise InputError("give exactly one of --denominator (a proportion) or --expected")
        column = denominator or expected
        method = method or (Method.PROPORTION if denominator else Method.RATIO)
        if method is Method.PROPORTION and denominator is None:
            raise InputError("a proportion needs --denominator")
        if method is Method.RATIO and expected is None:
            raise InputError("a ratio needs --expected")
        if method is Method.PROPORTION and overdispersion is Overdispersion.SHMI:
            raise InputError("the SHMI method is for ratios; use spiegelhalter or cqc")
        table = read_table(file)
        require_columns(table, [group, numerator, column])
        names = groups(table, group)
        o = numeric(table, numerator, allow_missing=False)
        d = numeric(table, column, allow_missing=False)
        if (o < 0).any():
            row = (o < 0).arg_true()[0]
            raise InputError(f"{at_row(row, numerator)}: cannot be negative")
        if (d <= 0).any():
            row = (d <= 0).arg_true()[0]
            raise InputError(f"{at_row(row, column)}: must be more than 0")
        if method is Method.PROPORTION and (o > d).any():
            row = (o > d).arg_true()[0]
            raise InputError(f"{at_row(row, numerator)}: more than '{column}'")
        if names.is_duplicated().any():
            row = names.is_duplicated().arg_true()[1]
            raise InputError(f"{at_row(row, group)}: {names[row]!r} appears twice")
    except InputError as exc:
        raise _refuse_input(str(exc)) from None
    result = funnel_numpy(names.to_list(), o.to_list(), d.to_list(), method, overdispersion, target)
    rows = [
        {
            "group": r.group,
            "numerator": r.numerator,
            "denominator" if method is Method.PROPORTION else "expected": r.denominator,
            "value": r.value,
            "z": r.z if math.isfinite(r.z) else None,
            # the z the bands were decided on: adjusted for overdispersion when "adjusted"
            "band_z": r.band_z if math.isfinite(r.band_z) else None,
            "lower_95": r.lower_95,
            "upper_95": r.upper_95,
            "lower_998": r.lower_998,
            "upper_998": r.upper_998,
            "band_95": r.band_95,
            "band_998": r.band_998,
        }
        for r in result.rows
    ]
    document = {
        "method": method.value,
        "overdispersion": overdispersion.value,
        "target": result.target,
        "phi": result.phi,
        "tau2": result.tau2,
        "kept": result.kept,
        "adjusted": result.adjusted,
        "groups": rows,
    }
    _emit(document, pl.DataFrame(rows), fmt, output)


@quality_app.command("cusum")
def quality_cusum(
    file: Annotated[Path, typer.Argument(help="A CSV or Parquet file, one row per patient")],
    risk: Annotated[str, typer.Option(help="The column of modelled risks (between 0 and 1)")],
    outcome: Annotated[str, typer.Option(help="The column of outcomes (1 = died)")],
    odds_ratio: Annotated[
        float, typer.Option(help="The odds ratio to detect (below 1: improvement)")
    ] = ODDS_RATIO_ALTERNATIVE,
    threshold: Annotated[float | None, typer.Option(help="The control limit h")] = None,
    false_alarm_rate: Annotated[
        float | None,
        typer.Option(help="Choose h by simulation for this chance of a false alarm per group"),
    ] = None,
    group: Annotated[
        str | None, typer.Option(help="A column of groups, each its own chart")
    ] = None,
    order: Annotated[str | None, typer.Option(help="The column that orders the patients")] = None,
    odds_ratios: Annotated[
        str | None,
        typer.Option(
            help="A bank of odds ratios, comma-separated, each above 1, instead of --odds-ratio: "
            "one CUSUM for each with one threshold, for a rise of unknown size (decision 062)"
        ),
    ] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="json or csv")] = OutputFormat.JSON,
    output: Annotated[Path | None, typer.Option(help="Write to this file, not stdout")] = None,
) -> None:
    """Risk-adjusted CUSUM (Steiner): per patient the weight, the CUSUM and whether it
    signalled, and the VLAD; per group the threshold and the false-alarm rate it implies.
    With --odds-ratios, a bank of CUSUMs with one threshold, and per patient the odds ratio
    of the largest."""
    import polars as pl

    from commissioning.engine.quality.cusum import (
        bank_false_alarm_probability,
        bank_numpy,
        bank_threshold_for,
        cusum_numpy,
        false_alarm_probability,
        threshold_for,
    )
    from commissioning.engine.quality.tables import (
        InputError,
        groups,
        numeric,
        periods,
        read_table,
        require_columns,
    )

    try:
        if (threshold is None) == (false_alarm_rate is None):
            raise InputError("give exactly one of --threshold or --false-alarm-rate")
        if threshold is not None and threshold <= 0:
            raise InputError("--threshold must be more than 0")
        if false_alarm_rate is not None and not 0 < false_alarm_rate < 1:
            raise InputError("--false-alarm-rate must be between 0 and 1")
        if odds_ratio <= 0 or odds_ratio == 1:
            raise InputError("--odds-ratio must be more than 0 and not 1")
        bank = None
        if odds_ratios is not None:
            try:
                bank = [float(r) for r in odds_ratios.split(",")]
            except ValueError:
                raise InputError(
                    f"--odds-ratios: {odds_ratios!r} is not numbers separated by commas"
                ) from None
            if any(not r > 1 for r in bank):
                raise InputError("--odds-ratios: one or more odds ratios, each above 1")
        table = read_table(file)
        require_columns(table, [risk, outcome, group, order])
        p = numeric(table, risk, allow_missing=False)
        bad = ((p <= 0) | (p >= 1)).arg_true()
        if len(bad):
            raise InputError(f"{at_row(bad[0], risk)}: {p[bad[0]]:g} is not between 0 and 1")
        y = numeric(table, outcome, allow_missing=False)
        bad = (~y.is_in([0.0, 1.0])).arg_true()
        if len(bad):
            raise InputError(f"{at_row(bad[0], outcome)}: {y[bad[0]]:g} is not 0 or 1")
        frame = pl.DataFrame(
            [
                groups(table, group),
                periods(table, order).alias("order"),
                p.alias("risk"),
                y.alias("outcome"),
                pl.Series("row", range(1, table.height + 1)),
            ]
        )
    except InputError as exc:
        raise _refuse_input(str(exc)) from None
    records, summaries = [], []
    for (name,), part in frame.sort("group", "order", "row").group_by("group", maintain_order=True):
        risks = part["risk"].to_numpy()
        outcomes = part["outcome"].to_numpy()
        if bank is not None:
            if threshold is None:
                h, implied = bank_threshold_for(risks, false_alarm_rate, bank)
            else:
                h, implied = threshold, bank_false_alarm_probability(risks, threshold, bank)
            banked = bank_numpy(outcomes, risks, h, bank)
            values, signals, vlad = banked.values, banked.signals, banked.vlad
            extra = [{"odds_ratio": r} for r in banked.odds_ratios]
        else:
            if threshold is None:
                h, implied = threshold_for(risks, false_alarm_rate, odds_ratio)
            else:
                h, implied = threshold, false_alarm_probability(risks, threshold, odds_ratio)
            result = cusum_numpy(outcomes, risks, h, odds_ratio)
            values, signals, vlad = result.values, result.signals, result.vlad
            extra = [{"weight": w} for w in result.weights]
        summaries.append(
            {
                "group": name,
                "patients": part.height,
                "threshold": h,
                "false_alarm_probability": implied,
                "signals": int(sum(signals)),
            }
        )
        for i, row in enumerate(part.iter_rows(named=True)):
            records.append(
                {
                    "group": name,
                    "order": row["order"],
                    "row": row["row"],
                    "risk": row["risk"],
                    "outcome": int(row["outcome"]),
                    **extra[i],
                    "cusum": values[i],
                    "signal": signals[i],
                    "vlad": vlad[i],
                }
            )
    document = {
        "method": (
            "risk-adjusted CUSUM (Steiner et al. 2000)"
            if bank is None
            else "a bank of risk-adjusted CUSUMs with one threshold (Steiner et al. 2000; "
            "Han et al. 2007; decision 062)"
        ),
        "odds_ratio": odds_ratio if bank is None else None,
        "odds_ratios": bank,
        "groups": summaries,
        "records": records,
    }
    _emit(document, pl.DataFrame(records), fmt, output)


@quality_app.command("shmi")
def quality_shmi(
    spells: Annotated[
        list[str],
        typer.Argument(
            help="Parquet files of spells, or folders of them (with --engine spark, also "
            "URIs Spark reads: s3://, abfss://, dbfs:/, hdfs://)"
        ),
    ],
    odds_ratio: Annotated[
        float, typer.Option(help="The odds ratio the monthly CUSUM tests for")
    ] = ODDS_RATIO_ALTERNATIVE,
    false_alarm_rate: Annotated[
        float, typer.Option(help="The chance an in-control provider signals in a year")
    ] = 0.01,
    months: Annotated[int, typer.Option(help="Months in the reporting period")] = 12,
    engine: Annotated[
        Engine,
        typer.Option(
            help="polars: this machine (the fastest up to what one machine holds); spark: the "
            "active Spark session (spark-submit, Databricks) or a local one. The same results."
        ),
    ] = Engine.POLARS,
    rolling: Annotated[
        bool,
        typer.Option(
            "--rolling",
            help="Also every rolling window of --months months ending in each month of the "
            "spells (multi-year monitoring; each spell read once): 'windows' in the JSON, the "
            "CSV's rows",
        ),
    ] = False,
    early_warning: Annotated[
        bool,
        typer.Option(
            help="Run the early warning's charts (decision 062): worse than the national model "
            "and deteriorated from the provider's own level, for all spells, each admission "
            "method and each diagnosis group. Its alerts are the ones --load stores."
        ),
    ] = True,
    warning_rate: Annotated[
        float,
        typer.Option(
            help="The early warning's false-alarm budget: the chance in a year that an "
            "in-control provider signals on any of its charts, for each question"
        ),
    ] = 0.05,
    odds_ratios: Annotated[
        str,
        typer.Option(help="The early warning's bank of odds ratios, comma-separated, each above 1"),
    ] = "1.25,1.5,2,3",
    by_group: Annotated[
        bool, typer.Option(help="Chart each diagnosis group (sharing the provider's budget)")
    ] = True,
    by_method: Annotated[
        bool, typer.Option(help="Chart each admission method (sharing the provider's budget)")
    ] = True,
    monthly: Annotated[
        bool,
        typer.Option(
            "--monthly",
            help="Include every provider-month, and every early-warning chart, in the JSON",
        ),
    ] = False,
    load: Annotated[
        bool, typer.Option("--load", help="Also store the results for the quality workspace")
    ] = False,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="json or csv")] = OutputFormat.JSON,
    output: Annotated[Path | None, typer.Option(help="Write to this file, not stdout")] = None,
) -> None:
    """The SHMI pipeline on spell-level data: a logistic model per diagnosis group, expected
    deaths, SHMI and its band per provider over the reporting period, monthly CUSUM alerts and
    the early warning's charts (decision 062).

    A spells file has the columns provider_code, period (date), died_30d, diagnosis_group,
    age_band, sex, admission_method, month, charlson_band and year_index, as written by
    ``commissioning synth``."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from commissioning.engine.quality.shmi import ShmiOptions, shmi, spell_count
    from commissioning.engine.quality.tables import InputError
    from commissioning.engine.quality.warning import WarningOptions
    from commissioning.engine.spark import SparkUnavailable

    if odds_ratio <= 1:
        raise _refuse_input("--odds-ratio must be more than 1 (the CUSUM looks for a rise)")
    if not 0 < false_alarm_rate < 1:
        raise _refuse_input("--false-alarm-rate must be between 0 and 1")
    if months < 1:
        raise _refuse_input("--months must be at least 1")
    try:
        bank = tuple(float(r) for r in odds_ratios.split(","))
    except ValueError:
        raise _refuse_input(
            f"--odds-ratios: {odds_ratios!r} is not numbers separated by commas"
        ) from None
    try:
        warning = (
            WarningOptions(
                false_alarm_rate=warning_rate, odds_ratios=bank, by_group=by_group,
                by_method=by_method,
            )
            if early_warning
            else None
        )  # fmt: skip
    except ValueError as exc:
        field, _, problem = str(exc).partition(": ")
        flag = {"false_alarm_rate": "--warning-rate", "odds_ratios": "--odds-ratios"}[field]
        raise _refuse_input(f"{flag}: {problem}") from None
    options = ShmiOptions(
        odds_ratio=odds_ratio,
        false_alarm_rate=false_alarm_rate,
        reporting_months=months,
        warning=warning,
        rolling=rolling,
    )
    labels = {
        "counting": "Counting spells and deaths per risk cell",
        "fitting": "Fitting a model per diagnosis group",
        "scoring": "Expected deaths per provider and month",
        "banding": "SHMI and funnel bands",
        "cusum": "Monthly CUSUM alerts",
        "warning": "Early warning charts",
        "windows": "Rolling windows",
    }
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=err,
        transient=not sys.stderr.isatty(),
    ) as progress:
        task = progress.add_task(labels["counting"], total=None)

        def tick(stage: str, rows: int) -> None:
            progress.update(task, description=labels.get(stage, stage), advance=rows / 2)

        remote = any("://" in s or s.startswith("dbfs:") for s in spells)
        if remote and engine != Engine.SPARK:
            raise _refuse_input("spells: a URI is read only by --engine spark")
        try:
            if not remote:
                progress.update(task, total=spell_count([Path(s) for s in spells]))
            result = shmi(spells, options, tick, engine=engine.value)
        except (InputError, OSError, SparkUnavailable) as exc:
            raise _refuse_input(str(exc)) from None
        except Exception as exc:
            if type(exc).__module__.startswith("pyarrow"):
                raise _refuse_input(f"the spells cannot be read as Parquet ({exc})") from None
            if type(exc).__module__.startswith(("pyspark", "py4j")):
                raise _refuse_input(f"Spark: {str(exc).strip().splitlines()[0]}") from None
            raise
    document = {
        "method": "SHMI-style indirect standardisation (NHS Digital SHMI methodology)",
        "engine": engine.value,
        "reporting_period": {"from": result.reporting_period[0], "to": result.reporting_period[1]},
        "spells": result.spells,
        "model": {
            "diagnosis_groups": result.groups,
            "converged_groups": result.converged_groups,
            "risk_cells": result.cells,
            "risk_cells_with_spells": result.cells_with_spells,
            "iterations": result.iterations,
        },
        "funnel": {
            "overdispersion": "shmi",
            "phi": result.phi,
            "tau2": result.tau2,
            "kept": result.kept,
        },
        "cusum": {"odds_ratio": odds_ratio, "false_alarm_rate": false_alarm_rate},
        "providers": result.providers.to_dicts(),
        "alerts": result.alerts.to_dicts(),
    }
    if result.warning is not None and warning is not None:
        document["early_warning"] = {
            "method": "multi-chart CUSUMs of monthly deaths for two questions (decision 062)",
            "false_alarm_rate": warning.false_alarm_rate,
            "odds_ratios": list(warning.odds_ratios),
            "monitored": {"from": result.warning.monitored[0], "to": result.warning.monitored[1]},
            "baseline": (
                {"from": result.warning.baseline[0], "to": result.warning.baseline[1]}
                if result.warning.baseline
                else None
            ),
            "alerts": result.warning.alerts.to_dicts(),
        }
        if monthly:
            document["early_warning"]["charts"] = result.warning.charts.to_dicts()
    if monthly:
        document["monthly"] = result.monthly.to_dicts()
    table = result.providers
    if result.windows is not None:
        document["windows"] = result.windows.to_dicts()
        table = result.windows
    if load:
        django_setup()
        from commissioning.organisations.permissions import SYSTEM
        from commissioning.quality.services import load_mortality

        run = load_mortality(result, options, ", ".join(map(str, spells)), SYSTEM)
        err.print(f"Loaded {run} for the quality workspace ({run.alerts.count()} alerts)")
    _emit(document, table, fmt, output)
