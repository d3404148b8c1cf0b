"""Charts for board papers, drawn on the server with matplotlib (no browser scripts, nothing
fetched from the web) as SVG for the page or PNG, from exactly the numbers shown beside them.

Colours follow the conventions of NHSRplotthedots' ``R/ptd_spc_colours.R`` (the platform's
source for them; docs/statistics.md section 1 names the package): orange for special-cause
concern, blue for improvement, purple for neutral, grey for common cause, red for the target
(drawn dotted), in NHS identity shades rather than the package's exact values.
"""

from __future__ import annotations

import datetime as dt
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter

from commissioning import numbers
from commissioning.names import short_name
from commissioning.ui.http import download

GREY, ORANGE, BLUE, NAVY, RED = "#7f7f7f", "#ed8b00", "#005eb8", "#003087", "#d5281b"
POINT_COLOURS = {
    "special_cause_concern": ORANGE,
    "special_cause_improvement": BLUE,
    "special_cause_neutral_high": "#7c2855",
    "special_cause_neutral_low": "#7c2855",
}
FORMATS = {"svg": "image/svg+xml", "png": "image/png"}

# Legible on paper: a chart is printed across an A4 page's text (about 6.3 inches, 160 mm, the
# print style sheet's width for .app-chart), so it is drawn at most 7.5 inches wide and no text
# on it is smaller than 11 points, which prints at 9 points or more.
PRINT_WIDTH_INCHES = 6.3
WIDTH_INCHES = 7.5
TEXT_POINTS = 11
TITLE_POINTS = 12
# At most this many outliers are named on a funnel plot (the most extreme first); the table
# beside the chart names every one.
MOST_LABELS = 12


def _style(ax, title: str) -> None:
    """Title, tick and legend text at print size; every number on an axis written by
    ``commissioning.numbers``."""
    ax.set_title(title, loc="left", fontsize=TITLE_POINTS, wrap=True)
    ax.tick_params(labelsize=TEXT_POINTS)
    ax.xaxis.label.set_size(TEXT_POINTS)
    ax.yaxis.label.set_size(TEXT_POINTS)
    ax.spines[["top", "right"]].set_visible(False)


def _figures(ax, axis: str, scale_places: int | None = None) -> None:
    getattr(ax, f"{axis}axis").set_major_formatter(
        FuncFormatter(lambda v, _: numbers.figure(round(v, 10), scale_places))
    )


def _months(ax) -> None:
    ax.xaxis.set_major_formatter(
        FuncFormatter(lambda v, _: numbers.month(mdates.num2date(v), short=True))
    )


def response(figure, fmt: str, name: str):
    """The figure as an HTTP response: SVG inline, PNG as a download named ``name``.png."""
    from django.http import Http404

    if fmt not in FORMATS:
        raise Http404("Charts export as svg or png")
    out = download(render(figure, fmt), FORMATS[fmt], f"{name}.{fmt}", attachment=fmt == "png")
    if fmt == "svg":
        # Matplotlib styles an SVG's elements with style attributes; opened on its own it is a
        # document under the page's Content Security Policy. It may style itself; nothing in it
        # may run.
        out._csp_replace = {"style-src": ["'unsafe-inline'"], "script-src": ["'none'"]}
    return out


def render(figure, fmt: str) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, dpi=150 if fmt == "png" else None, bbox_inches="tight",
                   metadata={"Date": None} if fmt == "svg" else None)  # fmt: skip
    plt.close(figure)
    return buffer.getvalue()


def _as_date(period):
    return period if isinstance(period, dt.date) else None


def spc_chart(points: list[dict], title: str, unit: str, target: float | None):
    """An XmR chart: values, mean, process limits, target; special-cause points coloured.
    Each phase (a shift recalculates the mean and limits: engine.quality.spc) has its own mean
    and limits, drawn separately, and a new phase is marked where it begins."""
    figure, ax = plt.subplots(figsize=(WIDTH_INCHES, 4.2))
    x = [p["period"] for p in points]
    ax.plot(x, [p["value"] for p in points], color=GREY, linewidth=1.2, zorder=1)
    ax.scatter(
        x,
        [p["value"] for p in points],
        c=[POINT_COLOURS.get(p["point_type"], GREY) for p in points],
        s=22,
        zorder=2,
    )
    phases: list[list[dict]] = []
    for p in points:
        if not phases or phases[-1][0].get("phase", 1) != p.get("phase", 1):
            phases.append([])
        phases[-1].append(p)
    for i, phase in enumerate(phases):
        px = [p["period"] for p in phase]
        first = i == 0
        ax.plot(px, [p["mean"] for p in phase], color="black", linewidth=1,
                label="Mean" if first else None)  # fmt: skip
        ax.plot(px, [p["upl"] for p in phase], color=NAVY, linestyle="--", linewidth=1,
                label="Process limits" if first else None)  # fmt: skip
        ax.plot(px, [p["lpl"] for p in phase], color=NAVY, linestyle="--", linewidth=1)
        if not first:
            ax.axvline(px[0], color=GREY, linestyle=":", linewidth=1)
            start = _as_date(px[0])
            ax.annotate(
                f"Phase {phase[0].get('phase', i + 1)}"
                + (f" from {numbers.month(start, short=True)}" if start else ""),
                (px[0], 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=TEXT_POINTS,
            )
    if target is not None:
        ax.axhline(
            target,
            color=RED,
            linestyle=":",
            linewidth=1.5,
            label=f"Target {numbers.figure(target)}",
        )
    _style(ax, title)
    if len(phases) > 1:  # the phases' names sit above the plot, under the title
        ax.set_title(title, loc="left", fontsize=TITLE_POINTS, wrap=True, pad=TEXT_POINTS + 10)
    ax.set_ylabel(unit)
    _figures(ax, "y")
    if points and _as_date(points[0]["period"]):
        _months(ax)
    ax.legend(loc="best", fontsize=TEXT_POINTS, frameon=False)
    figure.autofmt_xdate()
    return figure


def funnel_chart(rows: list[dict], target: float, title: str, xlabel: str, ylabel: str,
                 scale: float = 1.0):  # fmt: skip
    """Providers against the 95% and 99.8% limits, which are drawn through each provider's
    own limits in order of size (they depend only on the size). Providers outside the 95%
    limits are named (short names, the most extreme first, kept apart: ``_label``)."""
    figure, ax = plt.subplots(figsize=(WIDTH_INCHES, 4.8))
    ordered = sorted(rows, key=lambda r: r["denominator"])
    x = [r["denominator"] for r in ordered]
    for low, high, style, name in (
        ("lower_95", "upper_95", "--", "95% limits"),
        ("lower_998", "upper_998", "-", "99.8% limits"),
    ):
        ax.plot(x, [r[high] * scale for r in ordered], color=NAVY, linestyle=style,
                linewidth=1, label=name)  # fmt: skip
        ax.plot(x, [r[low] * scale for r in ordered], color=NAVY, linestyle=style, linewidth=1)
    ax.axhline(target * scale, color="black", linewidth=1, label="Average")
    colours = {"higher than expected": ORANGE, "lower than expected": BLUE}
    ax.scatter(
        x,
        [r["value"] * scale for r in ordered],
        c=[colours.get(r["band_95"], GREY) for r in ordered],
        s=18,
        zorder=3,
    )
    _style(ax, title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    _figures(ax, "x")
    _figures(ax, "y")
    ax.legend(loc="best", fontsize=TEXT_POINTS, frameon=False)
    _label(figure, ax, [r for r in ordered if r["band_95"] in colours], scale)
    return figure


def _extremity(row: dict) -> float:
    z = row.get("band_z")
    if z is not None:
        return abs(z)
    high, low = row["upper_95"], row["lower_95"]
    return (row["value"] - high if row["value"] > high else low - row["value"]) / (high - low or 1)


def _label(figure, ax, outliers: list[dict], scale: float) -> None:
    """Name the outliers beside their points, each label moved up or down only as far as it
    must to keep clear of the others, with a line back to its point."""
    if not outliers:
        return
    chosen = sorted(outliers, key=_extremity, reverse=True)[:MOST_LABELS]
    ax.autoscale_view()
    figure.canvas.draw()  # the axes' final scale, so labels are placed in the units drawn
    to_screen, from_screen = ax.transData.transform, ax.transData.inverted().transform
    box = ax.get_window_extent()
    gap = TEXT_POINTS * figure.dpi / 72 * 1.35
    placed = sorted(
        ((to_screen((r["denominator"], r["value"] * scale)), r) for r in chosen),
        key=lambda pr: pr[0][1],
    )
    ys: list[float] = []
    for (_, y), _ in placed:
        ys.append(max(y, ys[-1] + gap) if ys else max(y, box.y0 + gap / 2))
    overflow = ys[-1] - (box.y1 - gap / 2)
    if overflow > 0:  # pushed off the top: slide the stack down, keeping the gaps
        for i in range(len(ys) - 1, -1, -1):
            ceiling = box.y1 - gap / 2 if i == len(ys) - 1 else ys[i + 1] - gap
            ys[i] = min(ys[i], ceiling)
    for ((px, py), row), y in zip(placed, ys, strict=True):
        name = short_name(str(row.get("name") or row.get("code") or ""))
        width = len(name) * TEXT_POINTS * 0.6 * figure.dpi / 72  # generous for the font used
        right = px + 10 + width <= box.x1 or px - 10 - width < 0
        tx = px + (10 if right else -10)
        ax.annotate(
            name,
            xy=from_screen((px, py)),
            xytext=from_screen((tx, y)),
            ha="left" if right else "right",
            va="center",
            fontsize=TEXT_POINTS,
            arrowprops={"arrowstyle": "-", "color": GREY, "linewidth": 0.6},
            zorder=4,
        )
    left_out = len(outliers) - len(chosen)
    if left_out:
        ax.text(1.0, 0.0, f"{numbers.figure(left_out)} more outside the limits: see the table",
                transform=ax.transAxes, ha="right", va="bottom", fontsize=TEXT_POINTS)  # fmt: skip
