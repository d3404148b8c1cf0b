"""The pooled budget's forecast as a chart for a board paper: for each scheme, spending to
date month by month (cumulative), the forecast to the year end and the budget. Drawn on the
server with matplotlib from the same figures as the table beside it (decision 028)."""

from __future__ import annotations

from itertools import accumulate

from commissioning import money
from commissioning.quality.charts import BLUE, GREY, RED, plt

from .rules.forecast import SchemeForecast

MONTHS = ("Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar")


def forecast_chart(schemes: list[SchemeForecast], title: str):
    """One panel per scheme, in pounds: the cumulative spend (solid), a dashed line from the
    last complete month to the forecast outturn in March, the budget (red dotted)."""
    panels = max(1, len(schemes))
    figure, axes = plt.subplots(1, panels, figsize=(4.2 * panels, 3.6), squeeze=False)
    for ax, s in zip(axes[0], schemes, strict=False):
        done = len(s.monthly)
        cumulative = [money.for_chart(p) for p in accumulate(s.monthly)]
        ax.plot(range(done), cumulative, color=BLUE, linewidth=2, marker="o", markersize=3,
                label="Spent")  # fmt: skip
        ax.plot([done - 1, 11], [cumulative[-1], money.for_chart(s.forecast_pence)], color=BLUE,
                linestyle="--", linewidth=1.5, label="Forecast")  # fmt: skip
        ax.axhline(
            money.for_chart(s.budget_pence), color=RED, linestyle=":", linewidth=1.5, label="Budget"
        )
        if s.committed_pence:
            ax.bar(done - 1, money.for_chart(s.committed_pence), bottom=cumulative[-1], width=0.4,
                   color=GREY, alpha=0.5, label="Committed")  # fmt: skip
        ax.set_title(s.name, loc="left", fontsize=9, wrap=True)
        ax.set_xticks(range(12), MONTHS, fontsize=7)
        ax.yaxis.set_major_formatter(lambda v, _: f"£{v / 1e6:,.1f}m" if v >= 1e6 else f"£{v:,.0f}")
        ax.tick_params(axis="y", labelsize=7)
        ax.set_ylim(bottom=0)
        ax.spines[["top", "right"]].set_visible(False)
    handles, labels = axes[0][0].get_legend_handles_labels()
    for ax in axes[0][1:]:  # a scheme with commitments adds the grey bar to the key
        for h, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in labels:
                handles.append(h)
                labels.append(label)
    figure.suptitle(title, x=0.01, ha="left", fontsize=11)
    figure.tight_layout(rect=(0, 0.08, 1, 1))
    figure.legend(handles, labels, loc="lower center", ncol=max(1, len(labels)), fontsize=8,
                  frameon=False)  # fmt: skip
    return figure
