"""What the report pages need besides the figures: reading the period form, links that keep the choice, and
the charts as images."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from huiskamer.errors import InvalidInput
from huiskamer.reports import charts, rules
from huiskamer.reports.rules import Period
from huiskamer.reports.schemas import read_location_id, read_period
from huiskamer.reports.tables import Chart, Table


@dataclass(frozen=True)
class Choice:
    """The period, location and view asked for, as typed (``values``) and as understood."""

    period: Period | None
    location_id: UUID | None
    exact: bool
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)

    def query(self, **changes: Any) -> str:
        """The query string of this choice, with ``changes`` (a period, or ``exact=False``)."""
        period: Period | None = changes.get("period", self.period)
        params = {
            "van": period.start.isoformat() if period else self.values.get("van", ""),
            "tot": period.end.isoformat() if period else self.values.get("tot", ""),
            "locatie": str(self.location_id) if self.location_id else "",
            "exact": "1" if changes.get("exact", self.exact) else "",
        }
        return urlencode({key: value for key, value in params.items() if value})


def default_period(today: date) -> Period:
    """This year so far, to the end of the year: the figures a coordinator looks at most."""
    return rules.year(today.year)


def read_choice(raw: dict[str, str | None], today: date) -> Choice:
    """The form's choice; a location outside the actor's scope is caught later by the service (404)."""
    values = {key: (value if isinstance(value, str) else "") for key, value in raw.items()}
    location_id = read_location_id(raw.get("locatie"))
    exact = values.get("exact", "") in ("1", "on", "ja")
    if not values.get("van") and not values.get("tot"):
        period = default_period(today)
    else:
        try:
            period = read_period(values, "van", "tot")
        except InvalidInput as invalid:
            return Choice(None, location_id, exact, values, invalid.errors)
    # The date fields show the dates as understood ("1-3-2025" typed is 2025-03-01): a date field holds only
    # ISO dates, so the typed form would show empty, and the next "Tonen" would fall back to this year.
    values.update(van=period.start.isoformat(), tot=period.end.isoformat())
    return Choice(period, location_id, exact, values)


def chart_svgs(tables: list[Table]) -> dict[str, str]:
    """Each table's chart as a ``data:`` URI, drawn right here: the SVG writer needs a few milliseconds for all of
    them, too little to hand to a worker thread."""
    return {table.key: _chart_uri(table.chart) for table in tables if table.chart}


@functools.lru_cache(maxsize=256)
def _chart_uri(chart: Chart) -> str:
    # A chart is its figures (a frozen value): a period that has ended shows the same charts at every view, and
    # drawing them was a fifth of such a view's time.
    return charts.data_uri(charts.render_svg(chart))
