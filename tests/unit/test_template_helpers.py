"""The template helpers that a waitlist calls in each of its rows: the same text as before, whatever they remember."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from huiskamer.site.templating import dutch_date, short_days, urgency_badge
from huiskamer.validation import WEEKDAYS


def test_short_days_in_week_order_with_the_whole_name_for_a_screen_reader() -> None:
    assert short_days(["thu", "mon", "tue"]) == (
        '<abbr title="maandag">ma</abbr>, <abbr title="dinsdag">di</abbr>, <abbr title="donderdag">do</abbr>'
    )
    assert isinstance(short_days(("fri",)), Markup)
    assert short_days([]) == short_days(None) == ""


@given(st.lists(st.sampled_from([*WEEKDAYS, "zon", ""]), max_size=8))
def test_short_days_shows_each_weekday_asked_once_and_nothing_else(days: list[str]) -> None:
    shown = str(short_days(days))
    assert shown.count("<abbr") == len(set(days) & set(WEEKDAYS))


def test_urgency_badge_escapes_its_label() -> None:
    assert urgency_badge("high", "hoog") == '<span class="badge badge-warn">hoog</span>'
    assert urgency_badge("elevated", "verhoogd") == '<span class="badge badge-info">verhoogd</span>'
    assert urgency_badge("normal", "<b>") == '<span class="badge badge-off">&lt;b&gt;</span>'


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)))
def test_a_remembered_date_reads_as_babel_writes_it(day: date) -> None:
    from babel.dates import format_date

    for fmt in ("EEEE d MMMM y", "d-M-y"):
        assert dutch_date(day, fmt) == format_date(day, fmt, locale="nl_NL")
        assert dutch_date(day, fmt) == dutch_date(day, fmt)


def test_a_moment_is_dated_in_amsterdam() -> None:
    assert dutch_date(datetime(2026, 3, 1, 23, 30, tzinfo=UTC), "d-M-y") == "2-3-2026"
    assert dutch_date(None) == ""
