"""Issue 18: charts are legible at print size, name their outliers, and write every number with
commissioning.numbers."""

from __future__ import annotations

import datetime as dt
import itertools

import matplotlib.pyplot as plt
import pytest

from commissioning.engine.quality.funnel import funnel_numpy
from commissioning.engine.quality.spc import SpcOptions, spc_reference
from commissioning.names import short_name
from commissioning.quality import charts

NAMES = [f"{place} NHS Foundation Trust" for place in (
    "Northern Care Alliance", "Airedale", "Barnsley Hospital", "Calderdale and Huddersfield",
    "Doncaster and Bassetlaw Teaching Hospitals", "East Lancashire Hospitals", "Frimley Health",
    "Gateshead Health", "Harrogate and District", "Isle of Wight", "James Paget University",
    "Kettering General Hospital", "Leeds Teaching Hospitals", "Mid Cheshire Hospitals",
    "Northumbria Healthcare", "Oxford University Hospitals", "Portsmouth Hospitals University",
    "Queen Victoria Hospital", "Royal Free London", "Sheffield Teaching Hospitals")]  # fmt: skip


def _funnel_rows():
    n = [4_000 + 1_700 * i for i in range(20)]
    # most near 20%; six far out, three of them with near-identical rates and sizes
    rates = [0.2 + 0.001 * ((i * 7) % 5 - 2) for i in range(20)]
    for i, r in zip((3, 4, 5, 11, 16, 19), (0.31, 0.312, 0.309, 0.1, 0.3, 0.33), strict=True):
        rates[i] = r
    o = [round(k * r) for k, r in zip(n, rates, strict=True)]
    result = funnel_numpy(NAMES, o, n, "proportion", "none", target=0.2)
    return [{**r.__dict__, "name": r.group, "code": r.group} for r in result.rows], result


def _texts(figure):
    figure.canvas.draw()
    return [t for t in figure.findobj(plt.Text) if t.get_visible() and t.get_text()]


def test_outliers_are_named_by_short_names_that_do_not_overlap():
    rows, result = _funnel_rows()
    figure = charts.funnel_chart(rows, result.target, "Breaches", "Attendances", "%", scale=100)
    outliers = {r["name"] for r in rows if r["band_95"] != "as expected"}
    assert len(outliers) >= 6
    ax = figure.axes[0]
    labels = [t for t in ax.texts if t.get_text() in {short_name(n) for n in NAMES}]
    assert {t.get_text() for t in labels} == {short_name(n) for n in outliers}
    assert "Northern Care Alliance" in {short_name(n) for n in NAMES}
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    boxes = [plt.Text.get_window_extent(t, renderer) for t in labels]  # the words, not the line
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b)
    page = figure.bbox
    assert all(page.x0 <= b.x0 and b.x1 <= page.x1 for b in boxes), (page, boxes)
    plt.close(figure)


def _spc_points():
    months = [dt.date(2023 + m // 12, m % 12 + 1, 1) for m in range(30)]
    values = [-2.0, -1.0] * 8 + [1500.0, 1501.0] * 7
    points, _ = spc_reference(
        [("A", p, v) for p, v in zip(months, values, strict=True)],
        SpcOptions(recalculate_on_shift=True),
    )
    return [p.__dict__ for p in points]


@pytest.mark.parametrize("which", ["funnel", "spc"])
def test_text_is_large_enough_in_print_and_numbers_are_written_by_numbers(which):
    if which == "funnel":
        rows, result = _funnel_rows()
        figure = charts.funnel_chart(rows, result.target, "Breaches", "Attendances", "%", 100)
    else:
        figure = charts.spc_chart(_spc_points(), "Figures", "Monthly figure", 1000.0)
    width = figure.get_size_inches()[0]
    shrink = min(1.0, charts.PRINT_WIDTH_INCHES / width)
    texts = _texts(figure)
    for text in texts:
        assert text.get_fontsize() * shrink >= 9, (text.get_text(), text.get_fontsize())
    ticks = [
        t.get_text() for ax in figure.axes for t in ax.get_yticklabels() + ax.get_xticklabels()
    ]
    assert ticks and not any("e+" in t or "E+" in t for t in ticks)
    if which == "funnel":
        assert any("," in t for t in ticks)  # 40,000 attendances, grouped as numbers writes it
    else:
        assert any(t.startswith("−") for t in ticks) or any("," in t for t in ticks)
        assert any(t[:3] in {"Jan", "Apr", "Jul", "Oct"} and t[-4:].isdigit() for t in ticks)
        phase = [t.get_text() for t in figure.axes[0].texts if t.get_text().startswith("Phase")]
        assert phase == ["Phase 2 from May 2024"]
    plt.close(figure)


def test_the_print_style_sheet_prints_a_chart_across_the_text_of_a_page():
    from pathlib import Path

    import commissioning.ui

    css = (Path(commissioning.ui.__file__).parent / "static/ui/platform.css").read_text()
    assert "@media print" in css and "width: 160mm" in css
    assert pytest.approx(160 / 25.4, abs=0.05) == charts.PRINT_WIDTH_INCHES


def test_short_names():
    assert short_name("NORTHERN CARE ALLIANCE NHS FOUNDATION TRUST") == "Northern Care Alliance"
    assert short_name("Isle of Wight NHS Trust") == "Isle of Wight"
    long = short_name("Doncaster and Bassetlaw Teaching Hospitals NHS Foundation Trust")
    assert len(long) <= 28 and long.endswith("…") and long.startswith("Doncaster and")
