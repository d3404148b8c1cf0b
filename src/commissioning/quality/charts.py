"""Charts for board papers, drawn on the server with matplotlib (no browser scripts, nothing
fetched from the web) as SVG for the page or PNG, from exactly the numbers shown beside them.

Colours follow the conventions of NHSRplotthedots' ``R/ptd_spc_colours.R`` (the platform's
source for them; docs/statistics.md section 1 names the package): orange for special-cause
concern, blue for improvement, purple for neutral, grey for common cause, red for the target
(drawn dotted), in NHS identity shades rather than the package's exact values.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from commissioning import numbers
from commissioning.ui.http import download

GREY, ORANGE, BLUE, NAVY, RED = "#7f7f7f", "#ed8b00", "#005eb8", "#003087", "#d5281b"
POINT_COLOURS = {
    "special_cause_concern": ORANGE,
    "special_cause_improvement": BLUE,
    "special_cause_neutral_high": "#7c2855",
    "special_cause_neutral_low": "#7c2855",
}
FORMATS = {"svg": "image/svg+xml", "png": "image/png"}


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


def spc_chart(points: list[dict], title: str, unit: str, target: float | None):
    """An XmR chart: values, mean, process limits, target; special-cause points coloured."""
    figure, ax = plt.subplots(figsize=(9, 4))
    x = [p["period"] for p in points]
    ax.plot(x, [p["value"] for p in points], color=GREY, linewidth=1.2, zorder=1)
    ax.scatter(
        x,
        [p["value"] for p in points],
        c=[POINT_COLOURS.get(p["point_type"], GREY) for p in points],
        s=22,
        zorder=2,
    )
    ax.plot(x, [p["mean"] for p in points], color="black", linewidth=1, label="Mean")
    ax.plot(x, [p["upl"] for p in points], color=NAVY, linestyle="--", linewidth=1,
            label="Process limits")  # fmt: skip
    ax.plot(x, [p["lpl"] for p in points], color=NAVY, linestyle="--", linewidth=1)
    if target is not None:
        ax.axhline(
            target,
            color=RED,
            linestyle=":",
            linewidth=1.5,
            label=f"Target {numbers.figure(target)}",
        )
    ax.set_title(title, loc="left", fontsize=11)
    ax.set_ylabel(unit)
    ax.legend(loc="best", fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    figure.autofmt_xdate()
    return figure


def funnel_chart(rows: list[dict], target: float, title: str, xlabel: str, ylabel: str,
                 scale: float = 1.0):  # fmt: skip
    """Providers against the 95% and 99.8% limits, which are drawn through each provider's
    own limits in order of size (they depend only on the size)."""
    figure, ax = plt.subplots(figsize=(9, 5))
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
    ax.set_title(title, loc="left", fontsize=11)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(loc="best", fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return figure
