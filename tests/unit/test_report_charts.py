"""The report charts (matplotlib SVG): a line chart marks a hidden month "<5" at the foot of its axis, the way
the bar chart does where the bar would stand, and leaves a month with nothing to count empty."""

from __future__ import annotations

import re

from huiskamer.reports.charts import render_svg
from huiskamer.reports.tables import Chart, Series

MONTHS = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def texts(svg: str) -> list[tuple[str, str]]:
    """Every text in the SVG as (its style, its words); with svg.fonttype "none" text stays <text>."""
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
