"""Charts as SVG, written by a small SVG writer of its own, readable in black and white.

Until issue 15 matplotlib's SVG backend drew them: 0.2–0.4 s of CPU per chart, 1.3–3 s for the seven charts of
/rapportage (4 s for the first, importing it), holding the GIL, so every other request of the worker waited. The
charts are plain (upright bars, lying bars, lines over the months), so this module computes their coordinates
itself and writes the elements as text: a few milliseconds for all seven, no plotting library to install, the
same pictures.

Series differ by fill and hatching (bars: solid dark, white with /// hatching, light grey with dots, as SVG
``<pattern>``) or by dashes and markers (lines: ● solid, □ dashed, ▲ dotted), never by colour alone, so a
print on a black-and-white printer keeps them apart. A value that may not be shown (a "<5" or "×") is not
drawn; its mark is written where its bar would stand, or, for a line, at the foot of the axis at its month,
one row per line. The value axis starts at 0 with round ticks and is never squeezed to nothing when every value
is hidden or 0. Text stays ``<text>`` (sharp, searchable, small); a label too long for its room is shortened
with "…" and keeps its whole text in a ``<title>``. The same chart always gives the same bytes, and a
``viewBox`` lets the picture scale to the width of its container.

The SVG goes into the page as a ``data:`` image, which the strict Content-Security-Policy allows
(``img-src 'self' data:``): an image runs no script, and its styles stay inside the picture.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from xml.sax.saxutils import escape

from huiskamer.reports.tables import Chart

INK = "#1b1b1f"
GRID = "#999999"
FONT = "'DejaVu Sans', sans-serif"
TEXT_SIZE = 9
NOTE_SIZE = 7
CHAR_WIDTH = 0.6  # a character's width as a share of the font size (DejaVu Sans; narrower fonts only gain room)
WIDTH = 440  # the viewBox's width: about the old matplotlib figures' width in points, so text keeps its size
PLOT_HEIGHT = 165  # of the upright charts; lying bars grow with their categories
TICK = 3.5
GAP = 3.0
LEGEND_ROW = 14.0


@dataclass(frozen=True)
class BarStyle:
    fill: str  # a colour or a url(#pattern)
    pattern: str  # the <pattern> the fill refers to, or ""


@dataclass(frozen=True)
class LineStyle:
    stroke: str
    dashes: str  # stroke-dasharray, "" for a solid line
    marker: str  # "circle" | "square" | "triangle"


BAR_STYLES = (
    BarStyle("#3a3a3a", ""),
    BarStyle(
        "url(#hatch)",
        '<pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse">'
        '<rect width="6" height="6" fill="#ffffff"/>'
        f'<path d="M-1,1 l2,-2 M0,6 l6,-6 M5,7 l2,-2" stroke="{INK}" stroke-width="0.8"/></pattern>',
    ),
    BarStyle(
        "url(#dots)",
        '<pattern id="dots" width="5" height="5" patternUnits="userSpaceOnUse">'
        '<rect width="5" height="5" fill="#bdbdbd"/>'
        f'<circle cx="2.5" cy="2.5" r="1" fill="{INK}"/></pattern>',
    ),
)
LINE_STYLES = (
    LineStyle(INK, "", "circle"),
    LineStyle("#555555", "5.5 2.5", "square"),
    LineStyle(INK, "1.5 2.5", "triangle"),
)
LINE_KEYS = ("\u25cf", "\u25a1", "\u25b2")  # ● □ ▲: the markers above, written before a hidden month's mark


# --- writing SVG -----------------------------------------------------------------------------------------------


def _num(value: float) -> str:
    """A coordinate with at most two decimals: short, and the same text for the same chart."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _escape(text: str) -> str:
    """Text for an attribute or an element: ``escape`` only where needed (most text needs nothing)."""
    if "&" in text or "<" in text or ">" in text or '"' in text:
        return escape(text, {'"': "&quot;"})
    return text


@cache
def _attribute_name(key: str) -> str:
    return key.rstrip("_").replace("_", "-")


def _tag(name: str, text: str | None = None, /, **attributes: str | float) -> str:
    """An element; ``stroke_width`` is written ``stroke-width``, ``class_`` ``class``."""
    parts = [name]
    for key, value in attributes.items():
        shown = _escape(value) if isinstance(value, str) else _num(value)
        parts.append(f'{_attribute_name(key)}="{shown}"')
    start = " ".join(parts)
    return f"<{start}/>" if text is None else f"<{start}>{_escape(text)}</{name}>"


def _width(text: str, size: float = TEXT_SIZE) -> float:
    return len(text) * size * CHAR_WIDTH


def _fit(text: str, room: float, size: float = TEXT_SIZE) -> str:
    """The text, shortened with "…" to fit ``room``."""
    if _width(text, size) <= room:
        return text
    keep = max(int(room / (size * CHAR_WIDTH)) - 1, 1)
    return text[:keep].rstrip() + "…"


def _text(
    x: float,
    y: float,
    words: str,
    *,
    size: float = TEXT_SIZE,
    anchor: str = "start",
    room: float = 0,
    turn: bool = False,
) -> str:
    """A text whose baseline starts (or, anchored, ends or centres) at (x, y); with ``room``, shortened to fit and
    its whole text in a <title>; ``turn`` turns it 45° upwards around (x, y)."""
    shown = _fit(words, room, size) if room else words
    position = f'x="{_num(x)}" y="{_num(y)}"'
    if anchor != "start":
        position += f' text-anchor="{anchor}"'
    if turn:
        position += f' transform="rotate(-45 {_num(x)} {_num(y)})"'
    element = f'<text style="font-size: {_num(size)}px; fill: {INK}" {position}>{_escape(shown)}</text>'
    if shown != words:
        return f"<g><title>{_escape(words)}</title>{element}</g>"
    return element


def _marker(kind: str, x: float, y: float, stroke: str) -> str:
    """A line's marker centred on (x, y) (a triangle's centroid)."""
    if kind == "circle":
        return _tag("circle", cx=x, cy=y, r=2.6, fill=stroke, stroke="none")
    if kind == "square":
        return _tag("rect", x=x - 2.5, y=y - 2.5, width=5, height=5, fill="#ffffff", stroke=stroke, stroke_width=1)
    points = f"{_num(x)},{_num(y - 3.6)} {_num(x - 3.1)},{_num(y + 1.8)} {_num(x + 3.1)},{_num(y + 1.8)}"
    return _tag("polygon", points=points, fill=stroke, stroke="none")


# --- the value axis ------------------------------------------------------------------------------------------


def _values(values: Sequence[float | None]) -> list[float | None]:
    """The values to draw: ``None`` stays hidden, and so does a value that is no finite number."""
    return [value if value is not None and math.isfinite(value) else None for value in values]


def _nice_step(top: float, intervals: int) -> float:
    """The smallest round whole step (1, 2, 2.5, 5 × 10ⁿ, never below 1) giving at most ``intervals`` steps."""
    power = 1.0
    while True:
        for factor in (1.0, 2.0, 2.5, 5.0):
            step = factor * power
            if step == int(step) and top / step <= intervals:
                return step
        power *= 10


@dataclass(frozen=True)
class Scale:
    top: float  # the end of the value axis, in the chart's values
    ticks: tuple[tuple[float, str], ...]  # (value, label)

    def share(self, value: float) -> float:
        return min(max(value, 0.0), self.top) / self.top


def _scale(chart: Chart, intervals: int) -> Scale:
    """An axis from 0 to a little above the highest value shown: at least 5 for counts, 100% for percentages."""
    drawn = [value for series in chart.series for value in _values(series.values) if value is not None]
    peak = max([*drawn, 0.0])
    if chart.unit == "percent":
        top = max(peak * 1.1, 1.0)
        step = _nice_step(top * 100, intervals)
        count = int(top * 100 / step + 1e-9)
        ticks = tuple((index * step / 100, f"{_num(index * step)}%") for index in range(count + 1))
    else:
        top = max(peak * 1.1, 5.0)
        step = _nice_step(top, intervals)
        count = int(top / step + 1e-9)
        ticks = tuple((index * step, _num(index * step)) for index in range(count + 1))
    return Scale(top, ticks)


# --- the legend ------------------------------------------------------------------------------------------------


def _legend_rows(chart: Chart, left: float) -> list[list[tuple[float, int]]]:
    """The legend's entries as rows of (x, series index), wrapped at the picture's edge; none for one series."""
    if len(chart.series) < 2:
        return []
    rows: list[list[tuple[float, int]]] = [[]]
    x = left
    for index, series in enumerate(chart.series):
        width = 22 + _width(series.name)
        if rows[-1] and x + width > WIDTH - 4:
            rows.append([])
            x = left
        rows[-1].append((x, index))
        x += width + 16
    return rows


def _legend(chart: Chart, rows: list[list[tuple[float, int]]]) -> list[str]:
    out: list[str] = []
    for row_number, row in enumerate(rows):
        middle = 4 + LEGEND_ROW * row_number + LEGEND_ROW / 2
        for x, index in row:
            if chart.kind == "lines":
                style = LINE_STYLES[index % 3]
                line: dict[str, str | float] = {"d": f"M{_num(x)},{_num(middle)} h18", "stroke": style.stroke}
                if style.dashes:
                    line["stroke_dasharray"] = style.dashes
                out.append(_tag("path", **line, stroke_width=1.6, fill="none"))
                out.append(_marker(style.marker, x + 9, middle, style.stroke))
            else:
                fill = BAR_STYLES[index % 3].fill
                out.append(_tag("rect", x=x, y=middle - 4, width=18, height=8, fill=fill, stroke=INK, stroke_width=0.8))
            name = chart.series[index].name
            out.append(_text(x + 22, middle + TEXT_SIZE * 0.35, name, room=WIDTH - 4 - x - 22))
    return out


# --- the charts ------------------------------------------------------------------------------------------------


def _bar_group(index: int, bars: list[str]) -> str:
    """A series' bars, with its fill or hatching."""
    fill = BAR_STYLES[index % 3].fill
    return f'<g class="series-{index}" fill="{fill}" stroke="{INK}" stroke-width="0.8">' + "".join(bars) + "</g>"


def _document(chart: Chart, height: float, body: list[str]) -> str:
    patterns = "".join(BAR_STYLES[index % 3].pattern for index in range(len(chart.series)) if chart.kind != "lines")
    head = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{_num(height)}" '
        f'viewBox="0 0 {WIDTH} {_num(height)}" role="img" font-family="{FONT}">'
    )
    defs = [f"<defs>{patterns}</defs>"] if patterns else []
    return "\n".join([head, _tag("title", chart.alt), *defs, *body, "</svg>\n"])


def _upright(chart: Chart) -> str:
    """Bars standing on the months (or weekdays), or lines through them."""
    scale = _scale(chart, 7)
    count = max(len(chart.series), 1)
    categories = chart.categories
    number = max(len(categories), 1)
    label_width = max(_width(label) for _, label in scale.ticks)
    left = 4 + label_width + GAP + TICK
    right = 10.0
    # Labels side by side when each fits its month; else turned 45°, shortened to at most 110 units, and the
    # left margin wide enough for the first ones to end inside the picture.
    widths = [min(_width(label), 110.0) for label in categories]
    band = (WIDTH - left - right) / number
    turn = bool(widths) and max(widths) > band - 6
    if turn:
        for _ in range(3):
            band = (WIDTH - left - right) / number
            needed = max(width * 0.71 - 2 - (index + 0.5) * band for index, width in enumerate(widths)) + 4
            left = max(left, needed)
        band = (WIDTH - left - right) / number
        below = TICK + 8 + max(widths) * 0.71 + 6
    else:
        below = TICK + GAP + TEXT_SIZE + 4
    rows = _legend_rows(chart, left)
    top = 4 + LEGEND_ROW * len(rows) + (4 if rows else 0) + 6
    bottom = top + PLOT_HEIGHT
    width = WIDTH - left - right

    def y_of(value: float) -> float:
        return bottom - scale.share(value) * PLOT_HEIGHT

    def x_of(position: float) -> float:
        return left + (position + 0.5) * band

    out = [_tag("rect", class_="plot-area", x=left, y=top, width=width, height=PLOT_HEIGHT, fill="none")]
    grid = " ".join(f"M{_num(left)},{_num(y_of(value))} h{_num(width)}" for value, _ in scale.ticks if value > 0)
    if grid:
        out.append(_tag("path", d=grid, stroke=GRID, stroke_width=0.5, stroke_dasharray="1 2", fill="none"))
    notes: list[str] = []
    for index, series in enumerate(chart.series):
        values = _values(series.values)
        if chart.kind == "lines":
            style = LINE_STYLES[index % 3]
            points = [(x_of(position), y_of(value)) for position, value in enumerate(values) if value is not None]
            # The line breaks at a hidden month: one stroke per run of months with a value.
            runs: list[str] = []
            previous = -2
            for position, value in enumerate(values):
                if value is None:
                    continue
                command = "L" if position == previous + 1 else "M"
                runs.append(f"{command}{_num(x_of(position))},{_num(y_of(value))}")
                previous = position
            line: dict[str, str | float] = {"d": " ".join(runs), "stroke": style.stroke}
            if style.dashes:
                line["stroke_dasharray"] = style.dashes
            group = [_tag("path", **line, stroke_width=1.6, fill="none", stroke_linejoin="round")] if runs else []
            group += [_marker(style.marker, x, y, style.stroke) for x, y in points]
            out.append(f'<g class="series-{index}">' + "".join(group) + "</g>")
            # A hidden month's mark at the foot of the axis, each line in its own row so marks never overlap; with
            # more than one line it starts with the line's marker from the legend.
            key = LINE_KEYS[index % 3] + " " if count > 1 else ""
            for position, (value, note) in enumerate(zip(values, series.notes, strict=True)):
                if value is None and note:
                    y = bottom - GAP - index * 10
                    notes.append(_text(x_of(position), y, key + note, size=NOTE_SIZE, anchor="middle"))
        else:
            slot = 0.8 * band / count
            bars: list[str] = []
            for position, (value, note) in enumerate(zip(values, series.notes, strict=True)):
                middle = x_of(position) - 0.4 * band + slot * (index + 0.5)
                if value is None:
                    if note:
                        notes.append(_text(middle, bottom - GAP, note, size=NOTE_SIZE, anchor="middle"))
                    continue
                height = bottom - y_of(value)
                if value > 0:
                    bars.append(
                        _tag("rect", x=middle - slot * 0.475, y=bottom - height, width=slot * 0.95, height=height)
                    )
            out.append(_bar_group(index, bars))
    # The axes: the value axis on the left, the categories along the bottom.
    ticks = " ".join(f"M{_num(left)},{_num(y_of(value))} h-{TICK}" for value, _ in scale.ticks)
    ticks += "".join(f" M{_num(x_of(position))},{_num(bottom)} v{TICK}" for position in range(len(categories)))
    out.append(_axes(left, top, bottom, width, ticks))
    for value, label in scale.ticks:
        out.append(_text(left - TICK - GAP, y_of(value) + TEXT_SIZE * 0.35, label, anchor="end"))
    for position, label in enumerate(categories):
        if turn:
            out.append(_text(x_of(position) + 4, bottom + TICK + 8, label, anchor="end", room=110, turn=True))
        else:
            y = bottom + TICK + GAP + TEXT_SIZE * 0.75
            out.append(_text(x_of(position), y, label, anchor="middle", room=band - 2))
    out += notes
    out += _legend(chart, rows)
    return _document(chart, bottom + below, out)


def _axes(left: float, top: float, bottom: float, width: float, ticks: str) -> str:
    """The two axes (left and bottom of the plot) with their tick marks, as one path."""
    d = f"M{_num(left)},{_num(top)} V{_num(bottom)} H{_num(left + width)} {ticks}"
    return _tag("path", d=d, stroke=INK, stroke_width=0.8, fill="none")


def _lying(chart: Chart) -> str:
    """Bars lying along the value axis, the categories top to bottom as given; taller with more categories."""
    scale = _scale(chart, 8)
    count = max(len(chart.series), 1)
    categories = chart.categories
    band = 10.0 + 10.0 * count
    plot_height = max(band * len(categories), 60.0)
    band = plot_height / max(len(categories), 1)
    room = WIDTH * 0.42  # a long category name is shortened rather than squeezing the bars
    left = 6 + min(max([_width(label) for label in categories], default=0.0), room) + GAP + TICK
    right = max(10.0, _width(scale.ticks[-1][1]) / 2 + 4)
    width = WIDTH - left - right
    rows = _legend_rows(chart, left)
    top = 4 + LEGEND_ROW * len(rows) + (4 if rows else 0) + 6
    bottom = top + plot_height

    def x_of(value: float) -> float:
        return left + scale.share(value) * width

    def y_of(position: float) -> float:
        return top + (position + 0.5) * band

    out = [_tag("rect", class_="plot-area", x=left, y=top, width=width, height=plot_height, fill="none")]
    grid = " ".join(f"M{_num(x_of(value))},{_num(top)} v{_num(plot_height)}" for value, _ in scale.ticks if value > 0)
    if grid:
        out.append(_tag("path", d=grid, stroke=GRID, stroke_width=0.5, stroke_dasharray="1 2", fill="none"))
    notes: list[str] = []
    slot = 0.8 * band / count
    for index, series in enumerate(chart.series):
        bars: list[str] = []
        for position, (value, note) in enumerate(zip(_values(series.values), series.notes, strict=True)):
            middle = y_of(position) - 0.4 * band + slot * (index + 0.5)
            if value is None:
                if note:
                    notes.append(_text(left + GAP, middle + NOTE_SIZE * 0.35, note, size=NOTE_SIZE))
                continue
            length = x_of(value) - left
            if value > 0:
                bars.append(_tag("rect", x=left, y=middle - slot * 0.475, width=length, height=slot * 0.95))
        out.append(_bar_group(index, bars))
    ticks = " ".join(f"M{_num(x_of(value))},{_num(bottom)} v{TICK}" for value, _ in scale.ticks)
    ticks += "".join(f" M{_num(left)},{_num(y_of(position))} h-{TICK}" for position in range(len(categories)))
    out.append(_axes(left, top, bottom, width, ticks))
    for value, label in scale.ticks:
        out.append(_text(x_of(value), bottom + TICK + GAP + TEXT_SIZE * 0.75, label, anchor="middle"))
    for position, label in enumerate(categories):
        y = y_of(position) + TEXT_SIZE * 0.35
        out.append(_text(left - TICK - GAP, y, label, anchor="end", room=room))
    out += notes
    out += _legend(chart, rows)
    return _document(chart, bottom + TICK + GAP + TEXT_SIZE + 4, out)


def render_svg(chart: Chart) -> str:
    """The chart as an SVG document."""
    return _lying(chart) if chart.kind == "hbars" else _upright(chart)


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
