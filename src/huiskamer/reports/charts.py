"""Charts as SVG, drawn by matplotlib's SVG backend (no hand-written coordinates), readable in black and white.

Series differ by fill and hatching (bars) or by dashes and markers (lines), never by colour alone, so a
print on a black-and-white printer keeps them apart. A value that may not be shown (a "<5" or "×") is not
drawn; its mark is written where its bar would stand, or, for a line, at the foot of the axis at its month.
The SVG goes into the page as a ``data:`` image, which the strict Content-Security-Policy allows
(``img-src 'self' data:``): an image runs no script, and its styles stay inside the picture.
"""

from __future__ import annotations

import base64
import io
import os
import tempfile
from functools import cache
from typing import Any

from huiskamer.reports.tables import Chart

INK = "#1b1b1f"
BAR_STYLES = (
    {"facecolor": "#3a3a3a", "edgecolor": INK, "hatch": None},
    {"facecolor": "#ffffff", "edgecolor": INK, "hatch": "///"},
    {"facecolor": "#bdbdbd", "edgecolor": INK, "hatch": ".."},
)
LINE_STYLES = (
    {"color": INK, "linestyle": "-", "marker": "o"},
    {"color": "#555555", "linestyle": "--", "marker": "s", "markerfacecolor": "#ffffff"},
    {"color": INK, "linestyle": ":", "marker": "^"},
)
LINE_KEYS = ("\u25cf", "\u25a1", "\u25b2")  # ● □ ▲: the markers above, written before a hidden month's mark
RC = {
    "svg.fonttype": "none",  # text stays text: sharp, searchable, and small
    "svg.hashsalt": "huiskamer",  # the same chart gives the same SVG
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "hatch.linewidth": 0.8,
}


@cache
def _matplotlib() -> Any:
    # matplotlib wants a writable config folder; a server's home may not be one.
    os.environ.setdefault("MPLCONFIGDIR", os.path.join(tempfile.gettempdir(), "huiskamer-matplotlib"))
    import matplotlib

    matplotlib.use("svg", force=False)
    return matplotlib


def render_svg(chart: Chart) -> str:
    """The chart as an SVG document."""
    matplotlib = _matplotlib()
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    horizontal = chart.kind == "hbars"
    height = max(2.6, 0.42 * len(chart.categories) + 1.0) if horizontal else 3.0
    with matplotlib.rc_context(RC):
        figure = Figure(figsize=(7.2, height))
        axes = figure.add_subplot()
        positions = list(range(len(chart.categories)))
        count = max(len(chart.series), 1)
        if chart.kind == "lines":
            for index, series in enumerate(chart.series):
                values = [float("nan") if value is None else value for value in series.values]
                style = LINE_STYLES[index % 3]
                axes.plot(positions, values, label=series.name, linewidth=1.6, markersize=5, **style)
                # A hidden month is a gap in the line, its mark written at the foot of the axis; a month with
                # nothing to count (no note) stays empty. Each series has its own row, so two marks never overlap,
                # and with more than one series the mark starts with the series' marker from the legend.
                key = LINE_KEYS[index % 3] + " " if count > 1 else ""
                for position, value, note in zip(positions, series.values, series.notes, strict=True):
                    if value is None and note:
                        axes.annotate(
                            key + note,
                            (position, 0),
                            xytext=(0, 3 + 10 * index),
                            textcoords="offset points",
                            ha="center",
                            va="bottom",
                            fontsize=7,
                            color=style["color"],
                        )
        else:
            width = 0.8 / count
            for index, series in enumerate(chart.series):
                offsets = [p - 0.4 + width * (index + 0.5) for p in positions]
                values = [0.0 if value is None else value for value in series.values]
                draw = axes.barh if horizontal else axes.bar
                draw(offsets, values, width * 0.95, label=series.name, linewidth=0.8, **BAR_STYLES[index % 3])
                for offset, value, note in zip(offsets, series.values, series.notes, strict=True):
                    if value is None and note:
                        spot = (0, offset) if horizontal else (offset, 0)
                        axes.annotate(
                            note,
                            spot,
                            xytext=(3, 0) if horizontal else (0, 3),
                            textcoords="offset points",
                            ha="left" if horizontal else "center",
                            va="center" if horizontal else "bottom",
                            fontsize=7,
                            color=INK,
                        )
        value_axis = axes.xaxis if horizontal else axes.yaxis
        if chart.unit == "percent":
            value_axis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
        else:
            value_axis.set_major_locator(MaxNLocator(integer=True))
        if horizontal:
            axes.set_yticks(positions, chart.categories)
            axes.invert_yaxis()
            axes.grid(axis="x", color="#999999", linewidth=0.5, linestyle=":")
        else:
            rotate = len(chart.categories) > 6
            axes.set_xticks(
                positions, chart.categories, rotation=45 if rotate else 0, ha="right" if rotate else "center"
            )
            axes.grid(axis="y", color="#999999", linewidth=0.5, linestyle=":")
            if chart.kind == "lines":
                # Half a month either side, whichever months have a point: a mark at the first or last month
                # stays clear of the axis.
                axes.set_xlim(-0.5, len(positions) - 0.5)
        axes.set_axisbelow(True)
        # An axis from 0, and never squeezed to nothing when every value is hidden or 0.
        drawn = [value for series in chart.series for value in series.values if value is not None]
        top = max([*drawn, 0.0]) * 1.1
        top = max(top, 1.0 if chart.unit == "percent" else 5.0)
        if horizontal:
            axes.set_xlim(0, top)
        else:
            axes.set_ylim(0, top)
        if count > 1:
            axes.legend(frameon=False, loc="lower left", bbox_to_anchor=(0, 1.0), ncols=count, fontsize=8)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return buffer.getvalue()


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
