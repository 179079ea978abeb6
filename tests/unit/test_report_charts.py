"""The report charts (SVG written by charts.py): a line chart marks a hidden month "<5" at the foot of its axis, the
way the bar chart does where the bar would stand, and leaves a month with nothing to count empty. For any chart:
well-formed SVG with its alt text, every bar and point inside the plot, no bar for a hidden value, each series its
own hatching or dashes, an axis from 0 never squeezed to nothing, text inside the picture, the same bytes twice."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

from huiskamer.reports.charts import CHAR_WIDTH, LINE_KEYS, WIDTH, render_svg
from huiskamer.reports.tables import Chart, Series

MONTHS = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
SVG = "{http://www.w3.org/2000/svg}"
EPSILON = 0.02  # coordinates are written with two decimals


def parse(svg: str) -> ET.Element:
    """The SVG as a tree: our own output, so the standard parser is safe here."""
    return ET.fromstring(svg.encode("utf-8"))  # noqa: S314


def texts(svg: str) -> list[tuple[str, str]]:
    """Every text in the SVG as (its style, its words, as written in the XML)."""
    return re.findall(r"<text style=\"([^\"]*)\"[^>]*>([^<]*)</text>", svg)


def test_a_line_chart_marks_a_hidden_month_less_than_5_and_leaves_a_month_without_figures_empty():
    # Jan-Nov hidden ("<5"), except May and June: nothing to count, no note. December is 12.
    values = (*[None] * 11, 12.0)
    notes = ("<5", "<5", "<5", "<5", "", "", "<5", "<5", "<5", "<5", "<5", "")
    chart = Chart("lines", MONTHS, (Series("2024", values, notes),), "count", "Lijndiagram")
    svg = render_svg(chart)
    marks = [style for style, words in texts(svg) if words == "&lt;5"]
    assert len(marks) == 9  # one per hidden month; none for May and June
    # As small as the bar chart's marks, and dark: readable when printed in black and white.
    bars = render_svg(Chart("bars", MONTHS, (Series("2024", values, notes),), "count", "Staafdiagram"))
    bar_marks = [style for style, words in texts(bars) if words == "&lt;5"]
    assert len(bar_marks) == 9
    assert all("font-size: 7px" in style and "fill: #1b1b1f" in style for style in marks + bar_marks)


def test_with_two_lines_each_hidden_month_says_which_line_it_belongs_to():
    now = Series("2024", (None, 6.0, None), ("<5", "", ""))
    before = Series("2023", (None, None, 7.0), ("<5", "<5", ""))
    svg = render_svg(Chart("lines", MONTHS[:3], (now, before), "count", "Lijndiagram"))
    words = [found for _, found in texts(svg)]
    # The legend's markers: a filled circle for the first line, an open square for the second.
    assert words.count("\u25cf &lt;5") == 1
    assert words.count("\u25a1 &lt;5") == 2
    # Each line's marks in a row of its own: never on top of each other.
    rows = {float(y) for y in re.findall(r'<text style="font-size: 7px[^"]*" x="[^"]*" y="([^"]*)"', svg)}
    assert len(rows) == 2


# --- any chart ------------------------------------------------------------------------------------------------

# Names as the app makes them (months, sources, neighbourhoods, periods), with the characters XML must escape.
NAMES = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff") | st.sampled_from("&<>\"'"),
    min_size=1,
    max_size=40,
)


@st.composite
def charts(draw: st.DrawFn) -> Chart:
    kind = draw(st.sampled_from(("bars", "hbars", "lines")))
    unit = draw(st.sampled_from(("count", "percent")))
    number = draw(st.integers(1, 14))
    categories = tuple(draw(st.lists(NAMES, min_size=number, max_size=number)))
    high = 1.0 if unit == "percent" else 1000.0
    value = st.none() | st.just(0.0) | st.floats(0, high)
    series = []
    for _ in range(draw(st.integers(1, 3))):
        values = draw(st.lists(value, min_size=number, max_size=number))
        notes = tuple(draw(st.sampled_from(("<5", "×", ""))) if found is None else "" for found in values)
        series.append(Series(draw(NAMES.filter(lambda name: len(name) <= 20)), tuple(values), notes))
    return Chart(kind, categories, tuple(series), unit, draw(NAMES))


def floats(element: ET.Element, *names: str) -> list[float]:
    return [float(element.get(name, "0")) for name in names]


def marks(group: ET.Element) -> list[tuple[float, float]]:
    """The centre of each marker of a line (circle, open square, triangle)."""
    found = []
    for element in group:
        if element.tag == SVG + "circle":
            found.append((float(element.get("cx", "")), float(element.get("cy", ""))))
        elif element.tag == SVG + "rect":
            x, y, width, height = floats(element, "x", "y", "width", "height")
            found.append((x + width / 2, y + height / 2))
        elif element.tag == SVG + "polygon":
            points = [tuple(map(float, point.split(","))) for point in element.get("points", "").split()]
            found.append((sum(p[0] for p in points) / 3, sum(p[1] for p in points) / 3))
    return found


@settings(max_examples=150, deadline=None)
@given(charts())
def test_any_chart_is_well_formed_and_draws_exactly_its_shown_values_inside_the_plot(chart: Chart):
    svg = render_svg(chart)
    root = parse(svg)
    assert root.tag == SVG + "svg" and root.get("role") == "img"
    assert root.findtext(SVG + "title") == chart.alt
    _, _, view_width, view_height = map(float, root.get("viewBox", "").split())
    assert view_width == WIDTH
    area = root.find(f"{SVG}rect[@class='plot-area']")
    assert area is not None
    left, top, width, height = floats(area, "x", "y", "width", "height")
    right, bottom = left + width, top + height
    assert 0 <= left < right <= view_width and 0 <= top < bottom <= view_height

    def inside(x: float, y: float) -> bool:
        return left - EPSILON <= x <= right + EPSILON and top - EPSILON <= y <= bottom + EPSILON

    looks = []
    for index, series in enumerate(chart.series):
        group = root.find(f"{SVG}g[@class='series-{index}']")
        assert group is not None
        shown = [value for value in series.values if value is not None]
        if chart.kind == "lines":
            points = marks(group)
            assert len(points) == len(shown)  # a hidden month has no point
            assert all(inside(x, y) for x, y in points)
            line = group.find(SVG + "path")
            if line is not None:
                corners = re.findall(r"[ML](-?[\d.]+),(-?[\d.]+)", line.get("d", ""))
                assert len(corners) == len(shown)
                assert all(inside(float(x), float(y)) for x, y in corners)
                looks.append((line.get("stroke-dasharray"), group[-1].tag))
            else:
                assert not shown
        else:
            bars = group.findall(SVG + "rect")
            assert len(bars) == len([value for value in shown if value > 0])  # no bar for a hidden value (nor 0)
            for bar in bars:
                x, y, bar_width, bar_height = floats(bar, "x", "y", "width", "height")
                assert inside(x, y) and inside(x + bar_width, y + bar_height)
            looks.append(group.get("fill"))
    if chart.kind != "lines" or all(look is not None for look in looks):
        assert len(set(looks)) == len(looks)  # each series its own fill and hatching, or dashes and marker

    # Where a value is hidden its note stands instead, small and dark.
    notes = [
        (LINE_KEYS[index] + " " if chart.kind == "lines" and len(chart.series) > 1 else "") + note
        for index, series in enumerate(chart.series)
        for note in series.notes
        if note
    ]
    small = [element.text for element in root.iter(SVG + "text") if "font-size: 7px" in element.get("style", "")]
    assert sorted(small) == sorted(notes)

    # Every text inside the picture (by the width the writer reckons with).
    for element in root.iter(SVG + "text"):
        x, y = floats(element, "x", "y")
        size = float(re.findall(r"font-size: ([\d.]+)px", element.get("style", ""))[0])
        length = len(element.text or "") * size * CHAR_WIDTH
        anchor = element.get("text-anchor", "start")
        if element.get("transform"):  # turned 45°, ending at (x, y)
            start, end = x - length * 0.71, x
            assert y + length * 0.71 <= view_height
        else:
            start = {"start": x, "middle": x - length / 2, "end": x - length}[anchor]
            end = start + length
        assert start >= -EPSILON and end <= view_width + EPSILON, element.text

    assert render_svg(chart) == svg
    copy = Chart(chart.kind, tuple(chart.categories), tuple(chart.series), chart.unit, chart.alt)
    assert render_svg(copy) == svg


def value_labels(svg: str, chart: Chart) -> list[str]:
    """The labels of the value axis: 9px texts that are not a category or a series."""
    names = {*chart.categories, *(series.name for series in chart.series)}
    root = parse(svg)
    return [
        element.text or ""
        for element in root.iter(SVG + "text")
        if "font-size: 9px" in element.get("style", "") and element.text not in names
    ]


def test_the_value_axis_starts_at_0_with_round_ticks_and_keeps_its_height_when_everything_is_hidden():
    hidden = (Series("2025", (None, None), ("<5", "×")),)
    counts = Chart("bars", ("a", "b"), hidden, "count", "")
    assert value_labels(render_svg(counts), counts) == ["0", "1", "2", "3", "4", "5"]
    percent = Chart("hbars", ("a", "b"), hidden, "percent", "")
    assert value_labels(render_svg(percent), percent) == ["0%", "20%", "40%", "60%", "80%", "100%"]
    many = Chart("lines", MONTHS, (Series("2025", tuple(float(n * 37) for n in range(12)), ("",) * 12),), "count", "")
    labels = value_labels(render_svg(many), many)
    numbers = [int(label) for label in labels]  # whole numbers
    assert numbers[0] == 0 and numbers[-1] >= 37 * 11 * 0.9 and len(numbers) <= 8
    steps = {b - a for a, b in itertools.pairwise(numbers)}
    assert len(steps) == 1 and steps.pop() in (50, 100)


def test_lying_bars_keep_the_order_given_top_to_bottom_and_grow_with_their_categories():
    def chart(number: int) -> Chart:
        names = tuple(f"Bron {index}" for index in range(number))
        return Chart("hbars", names, (Series("2025", (3.0,) * number, ("",) * number),), "count", "")

    root = parse(render_svg(chart(5)))
    heights = [float(parse(render_svg(chart(n))).get("height", "")) for n in (3, 6, 12)]
    assert heights == sorted(heights) and len(set(heights)) == 3
    labels = [element for element in root.iter(SVG + "text") if (element.text or "").startswith("Bron")]
    assert [element.text for element in labels] == [f"Bron {index}" for index in range(5)]
    ys = [float(element.get("y", "")) for element in labels]
    assert ys == sorted(ys)


def test_a_long_name_is_shortened_with_its_whole_text_kept_and_many_months_are_turned():
    name = "Doorverwezen naar een heel andere organisatie in een andere gemeente ver weg"
    svg = render_svg(Chart("hbars", (name, "School"), (Series("2025", (6.0, 7.0), ("", "")),), "count", ""))
    root = parse(svg)
    group = next(group for group in root.iter(SVG + "g") if group.findtext(SVG + "title") == name)
    shortened = group.findtext(SVG + "text") or ""
    assert shortened.endswith("…") and name.startswith(shortened[:-1])
    # Twelve months "jan 2025" do not fit side by side: turned 45°; "jan" alone does.
    long_months = tuple(f"{month} 2025" for month in MONTHS)
    months = render_svg(Chart("bars", long_months, (Series("2025", (6.0,) * 12, ("",) * 12),), "count", ""))
    assert months.count('transform="rotate(-45') == 12
    short = render_svg(Chart("bars", MONTHS, (Series("2025", (6.0,) * 12, ("",) * 12),), "count", ""))
    assert "rotate(" not in short
    weekdays = ("Maandag", "Dinsdag", "Woensdag", "Donderdag", "Vrijdag")
    upright = render_svg(Chart("bars", weekdays, (Series("2025", (0.5,) * 5, ("",) * 5),), "percent", ""))
    assert "rotate(" not in upright


def test_each_series_has_its_own_hatching_and_line_style_defined_in_the_picture():
    three = tuple(Series(name, (4.0, 6.0), ("", "")) for name in ("a", "b", "c"))
    bars = parse(render_svg(Chart("bars", ("x", "y"), three, "count", "")))
    fills = [bars.find(f"{SVG}g[@class='series-{index}']").get("fill") for index in range(3)]  # type: ignore[union-attr]
    assert fills[0].startswith("#") and fills[1] == "url(#hatch)" and fills[2] == "url(#dots)"
    assert {pattern.get("id") for pattern in bars.iter(SVG + "pattern")} == {"hatch", "dots"}
    lines = parse(render_svg(Chart("lines", ("x", "y"), three, "count", "")))
    styles = []
    for index in range(3):
        group = lines.find(f"{SVG}g[@class='series-{index}']")
        assert group is not None
        styles.append((group[0].get("stroke-dasharray"), group[1].tag))
    assert styles == [(None, SVG + "circle"), ("5.5 2.5", SVG + "rect"), ("1.5 2.5", SVG + "polygon")]
