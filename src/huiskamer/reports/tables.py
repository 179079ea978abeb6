"""The report as tables: built once from the figures, shown by the dashboard, the print view and the PDF, and
written to the CSV and XLSX exports, so every output holds the same numbers.

``protect=True`` (the default, and always for what leaves the organisation) applies the small-number rules of
``rules``: counts under 5 as "<5", secondary suppression along every break-down of a total, and no rate or
median over fewer than 5 children. ``protect=False`` is the coordinator's own view with the exact numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal
from uuid import UUID

from huiskamer.auth.models import ORGANISATION_TYPES_NL
from huiskamer.intake.models import DIMENSIONS
from huiskamer.referrals.rules import CLOSE_REASONS
from huiskamer.reports import rules
from huiskamer.reports.figures import DEFINITIONS, MonthFigures, Summary
from huiskamer.reports.rules import Cell, Derived
from huiskamer.reports.service import Report
from huiskamer.validation import WEEKDAY_NAMES_NL, WEEKDAYS

Unit = Literal["count", "percent", "days"]
Value = Cell | Derived | None  # None: left out (a break-down that would give a small count away) or not asked


@dataclass(frozen=True)
class Column:
    label: str
    unit: Unit = "count"


@dataclass(frozen=True)
class Row:
    label: str
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]  # None: not drawn (hidden or nothing to count)
    notes: tuple[str, ...]  # what stands where a value is not drawn ("<5", "×", "")


@dataclass(frozen=True)
class Chart:
    kind: Literal["bars", "hbars", "lines"]
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    unit: Unit
    alt: str


@dataclass(frozen=True)
class Table:
    key: str  # a short name: the sheet in the XLSX, the anchor on the page
    title: str
    definition: str  # a key of figures.DEFINITIONS
    row_header: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    chart: Chart | None = None

    @property
    def explanation(self) -> str:
        return DEFINITIONS[self.definition].text

    @property
    def withheld(self) -> bool:
        return any(value is None for row in self.rows for value in row.values)

    @property
    def small_base_note(self) -> str | None:
        """The note under a table where a percentage or a number of days is not shown because too few children
        lie under it: the unit stays the column's, the reason stands once below."""
        if any(isinstance(value, Derived) and value.small for row in self.rows for value in row.values):
            return SMALL_BASE_NOTE
        return None


# A percentage or a number of days over fewer than 5 children: a mark in the column, the reason in a note (a
# count of children in a percentage column read as a percentage).
SMALL_BASE = "–*"
SMALL_BASE_NOTE = f"* Niet getoond: berekend over minder dan {rules.THRESHOLD} kinderen."


def format_value(value: Value, unit: Unit) -> str:
    """A value as the tables show it, in Dutch."""
    if value is None:
        return "–"
    if isinstance(value, Cell):
        return value.text
    if value.small:
        return SMALL_BASE
    if value.value is None:
        return "–"
    if unit == "percent":
        return f"{value.value * 100:.1f}%".replace(".", ",")
    return f"{value.value:.1f}".replace(".", ",")


def plain_number(value: Value, unit: Unit) -> float | int | None:
    """The number behind a shown value (a percentage as a fraction), or ``None`` when none may be shown."""
    if isinstance(value, Cell):
        return value.number
    if value is None or value.value is None:
        return None
    return value.value


# --- building the tables -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Protected:
    """The counts of one period, as they may be shown."""

    referrals: Cell
    by_source: dict[str, Cell] | None
    by_neighbourhood: dict[str, Cell] | None
    referrals_by_month: dict[str, Cell] | None
    started: Cell
    started_by_month: dict[str, Cell] | None
    ended: Cell
    by_reason: dict[str, Cell] | None
    ended_by_month: dict[str, Cell] | None
    goals_set: Cell
    set_by_dimension: dict[str, Cell] | None
    set_by_month: dict[str, Cell] | None
    goals_reached: Cell
    reached_by_dimension: dict[str, Cell] | None
    reached_by_month: dict[str, Cell] | None
    children_reached: Cell
    reached_by_month_children: dict[str, Cell]
    waitlist: Cell
    waitlist_by_location: dict[UUID, Cell]
    attendance_rate: Derived
    attendance_by_month: dict[str, Derived]
    waiting_median: Derived
    waiting_p90: Derived
    occupancy: dict[str, Derived]


def _lines(protect: bool, total: int, lines: Sequence[Mapping[str, int]]) -> tuple[Cell, list[dict[str, Cell] | None]]:
    if protect:
        return rules.protect_mapping(total, lines)
    return Cell(total), [{key: Cell(value) for key, value in line.items()} for line in lines]


def _count(protect: bool, value: int) -> Cell:
    return rules.protect_count(value) if protect else Cell(value)


def _derived(protect: bool, value: float | None, base: int) -> Derived:
    return rules.protect_derived(value, base) if protect else Derived(value)


def _first_upper(text: str) -> str:
    """ "GGD" stays "GGD" (str.capitalize would write "Ggd")."""
    return text[:1].upper() + text[1:]


def _neighbourhood_label(name: str | None) -> str:
    return name if name else "Onbekend"


def _protect_period(
    summary: Summary, months: Sequence[MonthFigures], neighbourhoods: Sequence[str], protect: bool
) -> _Protected:
    month_keys = [str(index) for index in range(len(months))]

    def per_month(name: str) -> dict[str, int]:
        return {key: getattr(month, name) for key, month in zip(month_keys, months, strict=True)}

    by_neighbourhood = {name: 0 for name in neighbourhoods}
    for name, count in summary.referrals_by_neighbourhood.items():
        by_neighbourhood[_neighbourhood_label(name)] += count
    referrals, (by_source, by_hood, referrals_by_month) = _lines(
        protect,
        summary.referrals_received,
        [summary.referrals_by_source, by_neighbourhood, per_month("referrals")],
    )
    started, (started_by_month,) = _lines(protect, summary.placements_started, [per_month("placements_started")])
    ended, (by_reason, ended_by_month) = _lines(
        protect, summary.placements_ended, [summary.discharges_by_reason, per_month("placements_ended")]
    )
    dimensions = {str(key): counts for key, counts in summary.goals_by_dimension.items()}
    goals_set, (set_by_dimension, set_by_month) = _lines(
        protect,
        summary.goals_set,
        [{key: counts.set for key, counts in dimensions.items()}, per_month("goals_set")],
    )
    goals_reached, (reached_by_dimension, reached_by_month) = _lines(
        protect,
        summary.goals_reached,
        [{key: counts.reached for key, counts in dimensions.items()}, per_month("goals_reached")],
    )
    waiting = summary.waiting_days
    return _Protected(
        referrals=referrals,
        by_source=by_source,
        by_neighbourhood=by_hood,
        referrals_by_month=referrals_by_month,
        started=started,
        started_by_month=started_by_month,
        ended=ended,
        by_reason=by_reason,
        ended_by_month=ended_by_month,
        goals_set=goals_set,
        set_by_dimension=set_by_dimension,
        set_by_month=set_by_month,
        goals_reached=goals_reached,
        reached_by_dimension=reached_by_dimension,
        reached_by_month=reached_by_month,
        children_reached=_count(protect, summary.children_reached),
        reached_by_month_children={
            key: _count(protect, month.children_reached) for key, month in zip(month_keys, months, strict=True)
        },
        waitlist=_count(protect, summary.waitlist_now),
        waitlist_by_location={
            location: _count(protect, count) for location, count in summary.waitlist_by_location.items()
        },
        attendance_rate=_derived(protect, summary.attendance_rate, summary.children_recorded),
        attendance_by_month={
            key: _derived(protect, month.attendance_rate, month.children_recorded)
            for key, month in zip(month_keys, months, strict=True)
        },
        waiting_median=_derived(protect, waiting.median, waiting.count),
        waiting_p90=_derived(protect, waiting.p90, waiting.count),
        occupancy={
            weekday: _derived(protect, occupancy.rate, int(occupancy.average_placed))
            for weekday, occupancy in summary.occupancy.items()
        },
    )


def _get(line: Mapping[str, Value] | None, key: str) -> Value:
    return None if line is None else line.get(key)


def _series(name: str, values: Sequence[Value]) -> Series:
    numbers: list[float | None] = []
    notes: list[str] = []
    for value in values:
        number = plain_number(value, "count")
        numbers.append(None if number is None else float(number))
        if isinstance(value, Cell):
            notes.append("" if number is not None else value.text)
        elif isinstance(value, Derived) and value.small:
            notes.append(rules.LESS_THAN)
        else:
            notes.append("")
    return Series(name, tuple(numbers), tuple(notes))


def build_tables(report: Report, *, protect: bool = True) -> list[Table]:
    """Every table of the report, each with its chart where a picture helps."""
    now_label, before_label = report.period.label(), report.earlier.label()
    neighbourhoods = sorted(
        {
            _neighbourhood_label(name)
            for summary in (report.now, report.before)
            for name in summary.referrals_by_neighbourhood
        },
        key=lambda name: (name == "Onbekend", name.lower()),
    )
    now = _protect_period(report.now, report.months, neighbourhoods, protect)
    before = _protect_period(report.before, report.months_before, neighbourhoods, protect)
    two = (Column(now_label), Column(before_label))
    month_keys = [str(index) for index in range(len(report.months))]
    month_labels = [month.month.month_label() for month in report.months]
    before_labels = [month.month.month_label() for month in report.months_before]

    def monthly(line_now: Mapping[str, Value] | None, line_before: Mapping[str, Value] | None) -> tuple[Row, ...]:
        return tuple(
            Row(f"{label} ({earlier})", (_get(line_now, key), _get(line_before, key)))
            for key, label, earlier in zip(month_keys, month_labels, before_labels, strict=True)
        )

    tables: list[Table] = []
    tables.append(
        Table(
            "kerncijfers",
            "Kerncijfers",
            "year_earlier",
            "Cijfer",
            two,
            (
                Row("Aanmeldingen ontvangen", (now.referrals, before.referrals)),
                Row("Kinderen bereikt", (now.children_reached, before.children_reached)),
                Row("Plaatsingen gestart", (now.started, before.started)),
                Row("Plaatsingen beëindigd", (now.ended, before.ended)),
                Row("Doelen gesteld", (now.goals_set, before.goals_set)),
                Row("Doelen behaald", (now.goals_reached, before.goals_reached)),
                Row("Wachtlijst vandaag", (now.waitlist, None)),
            ),
        )
    )
    tables.append(
        Table(
            "kerncijfers-verhoudingen",
            "Wachttijd en opkomst",
            "waiting_days",
            "Cijfer",
            two,
            (
                Row("Wachttijd in dagen, mediaan", (now.waiting_median, before.waiting_median)),
                Row("Wachttijd in dagen, 90e percentiel", (now.waiting_p90, before.waiting_p90)),
                Row("Opkomst", (now.attendance_rate, before.attendance_rate)),
            ),
        )
    )
    # The rows of the ratio table have their own units: percent for the attendance row.
    rows_referrals_by_month = monthly(now.referrals_by_month, before.referrals_by_month)
    tables.append(
        Table(
            "aanmeldingen-per-maand",
            "Aanmeldingen per maand",
            "referrals_received",
            "Maand (een jaar eerder)",
            two,
            rows_referrals_by_month,
            Chart(
                "bars",
                tuple(month_labels),
                (
                    _series(now_label, [row.values[0] for row in rows_referrals_by_month]),
                    _series(before_label, [row.values[1] for row in rows_referrals_by_month]),
                ),
                "count",
                f"Staafdiagram van de aanmeldingen per maand in {now_label}, naast dezelfde maanden een jaar eerder.",
            ),
        )
    )
    source_rows = tuple(
        Row(
            _first_upper(ORGANISATION_TYPES_NL.get(source, source)),
            (_get(now.by_source, source), _get(before.by_source, source)),
        )
        for source in report.now.referrals_by_source
    )
    tables.append(
        Table(
            "aanmeldingen-per-bron",
            "Aanmeldingen per bron",
            "referrals_received",
            "Bron",
            two,
            source_rows,
            Chart(
                "hbars",
                tuple(row.label for row in source_rows),
                (
                    _series(now_label, [row.values[0] for row in source_rows]),
                    _series(before_label, [row.values[1] for row in source_rows]),
                ),
                "count",
                f"Liggend staafdiagram van de aanmeldingen per bron in {now_label} en een jaar eerder.",
            ),
        )
    )
    tables.append(
        Table(
            "aanmeldingen-per-wijk",
            "Aanmeldingen per wijk",
            "referrals_received",
            "Wijk",
            two,
            tuple(
                Row(name, (_get(now.by_neighbourhood, name), _get(before.by_neighbourhood, name)))
                for name in neighbourhoods
            ),
        )
    )
    reach_rows = tuple(
        Row(
            f"{label} ({earlier})",
            (
                now.reached_by_month_children[key],
                before.reached_by_month_children[key],
                now.attendance_by_month[key],
                before.attendance_by_month[key],
            ),
        )
        for key, label, earlier in zip(month_keys, month_labels, before_labels, strict=True)
    )
    tables.append(
        Table(
            "bereik-en-opkomst",
            "Kinderen bereikt en opkomst per maand",
            "children_reached",
            "Maand (een jaar eerder)",
            (
                Column(f"Bereikt {now_label}"),
                Column(f"Bereikt {before_label}"),
                Column(f"Opkomst {now_label}", "percent"),
                Column(f"Opkomst {before_label}", "percent"),
            ),
            reach_rows,
            Chart(
                "lines",
                tuple(month_labels),
                (
                    _series(now_label, [row.values[0] for row in reach_rows]),
                    _series(before_label, [row.values[1] for row in reach_rows]),
                ),
                "count",
                f"Lijndiagram van het aantal kinderen dat per maand aanwezig was in {now_label}, met een "
                f"stippellijn voor een jaar eerder.",
            ),
        )
    )
    placement_rows = tuple(
        Row(
            f"{label} ({earlier})",
            (
                _get(now.started_by_month, key),
                _get(before.started_by_month, key),
                _get(now.ended_by_month, key),
                _get(before.ended_by_month, key),
            ),
        )
        for key, label, earlier in zip(month_keys, month_labels, before_labels, strict=True)
    )
    tables.append(
        Table(
            "plaatsingen-per-maand",
            "Plaatsingen gestart en beëindigd per maand",
            "placements",
            "Maand (een jaar eerder)",
            (
                Column(f"Gestart {now_label}"),
                Column(f"Gestart {before_label}"),
                Column(f"Beëindigd {now_label}"),
                Column(f"Beëindigd {before_label}"),
            ),
            placement_rows,
            Chart(
                "bars",
                tuple(month_labels),
                (
                    _series("Gestart", [row.values[0] for row in placement_rows]),
                    _series("Beëindigd", [row.values[2] for row in placement_rows]),
                ),
                "count",
                f"Staafdiagram van de plaatsingen die per maand begonnen en eindigden in {now_label}.",
            ),
        )
    )
    occupancy_rows = tuple(
        Row(_first_upper(WEEKDAY_NAMES_NL[weekday]), (now.occupancy[weekday], before.occupancy[weekday]))
        for weekday in WEEKDAYS
        if report.now.occupancy[weekday].seat_days or report.before.occupancy[weekday].seat_days
    )
    tables.append(
        Table(
            "bezetting",
            "Bezetting per weekdag",
            "occupancy",
            "Weekdag",
            (Column(now_label, "percent"), Column(before_label, "percent")),
            occupancy_rows,
            Chart(
                "bars",
                tuple(row.label for row in occupancy_rows),
                (
                    _series(now_label, [row.values[0] for row in occupancy_rows]),
                    _series(before_label, [row.values[1] for row in occupancy_rows]),
                ),
                "percent",
                f"Staafdiagram van de bezetting per weekdag in procenten, {now_label} naast een jaar eerder.",
            ),
        )
    )
    dimension_rows = tuple(
        Row(
            DIMENSIONS.get(key, "Geen dimensie"),
            (
                _get(now.set_by_dimension, key),
                _get(now.reached_by_dimension, key),
                _get(before.set_by_dimension, key),
                _get(before.reached_by_dimension, key),
            ),
        )
        for key in (str(dimension) for dimension in report.now.goals_by_dimension)
    )
    tables.append(
        Table(
            "doelen",
            "Doelen gesteld en behaald per dimensie van Positieve Gezondheid",
            "goals",
            "Dimensie",
            (
                Column(f"Gesteld {now_label}"),
                Column(f"Behaald {now_label}"),
                Column(f"Gesteld {before_label}"),
                Column(f"Behaald {before_label}"),
            ),
            dimension_rows,
            Chart(
                "hbars",
                tuple(row.label for row in dimension_rows),
                (
                    _series("Gesteld", [row.values[0] for row in dimension_rows]),
                    _series("Behaald", [row.values[1] for row in dimension_rows]),
                ),
                "count",
                f"Liggend staafdiagram van de doelen die in {now_label} zijn gesteld en behaald, per dimensie.",
            ),
        )
    )
    reason_rows = tuple(
        Row(
            _first_upper(CLOSE_REASONS.get(reason, reason)),
            (_get(now.by_reason, reason), _get(before.by_reason, reason)),
        )
        for reason in report.now.discharges_by_reason
    )
    tables.append(
        Table(
            "uitstroom",
            "Uitstroom per reden",
            "discharges",
            "Reden",
            two,
            reason_rows,
            Chart(
                "hbars",
                tuple(row.label for row in reason_rows),
                (
                    _series(now_label, [row.values[0] for row in reason_rows]),
                    _series(before_label, [row.values[1] for row in reason_rows]),
                ),
                "count",
                f"Liggend staafdiagram van de beëindigde plaatsingen per reden in {now_label} en een jaar eerder.",
            ),
        )
    )
    if len(report.where.location_ids) > 1:
        tables.append(
            Table(
                "wachtlijst",
                "Wachtlijst vandaag per locatie",
                "waitlist_now",
                "Locatie",
                (Column("Wachtend"),),
                tuple(
                    Row(place.name, (now.waitlist_by_location.get(place.id, _count(protect, 0)),))
                    for place in report.where.locations
                    if place.id in report.where.location_ids
                ),
            )
        )
    return tables


def unit_of(table: Table, row: Row, column: Column) -> Unit:
    """The unit of one value: the column's, but the attendance row of the ratio table is a percentage."""
    if table.key == "kerncijfers-verhoudingen":
        return "percent" if row.label == "Opkomst" else "days"
    return column.unit
