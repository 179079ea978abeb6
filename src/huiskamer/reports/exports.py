"""The report as files for the municipality: CSV, XLSX (a sheet per table, numbers as numbers) and PDF.

Each writes the same ``tables.Table`` objects the dashboard shows, always protected (small numbers hidden),
plus the period's stories. Nothing here reads a child: the tables hold counts only.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from huiskamer.reports import rules
from huiskamer.reports.figures import DEFINITIONS
from huiskamer.reports.stories import StoryView
from huiskamer.reports.tables import Table, format_value, plain_number, unit_of

LEGEND = (
    f"{rules.LESS_THAN}: minder dan {rules.THRESHOLD} (ook 0); {rules.HIDDEN}: weggelaten zodat een klein aantal niet "
    f"uit een totaal is af te leiden; –: geen cijfer (niets te tellen, of niet te tonen)."
)


@dataclass(frozen=True)
class About:
    """What the report is about, for the first lines of every export."""

    period_label: str
    earlier_label: str
    scope_label: str
    made_on: date

    def rows(self) -> list[tuple[str, str]]:
        return [
            ("Rapport", "Huiskamer: tellen en vertellen"),
            ("Periode", self.period_label),
            ("Vergeleken met", self.earlier_label),
            ("Locaties", self.scope_label),
            ("Gemaakt op", self.made_on.isoformat()),
            ("Tekens", LEGEND),
        ]


def file_stem(about_period: tuple[date, date], scope_slug: str) -> str:
    start, end = about_period
    return f"rapportage-{start.isoformat()}-{end.isoformat()}-{scope_slug}"


# --- CSV -----------------------------------------------------------------------------------------

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection): a story or a name typed
# as "=HYPERLINK(...)" would become a link or a command on the municipality's computer.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _as_text(value: str) -> str:
    """A text cell that a spreadsheet shows as typed: a leading apostrophe keeps a formula start as text."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def to_csv(about: About, tables: Sequence[Table], stories: Sequence[StoryView]) -> bytes:
    """One long table: a line per value (table, row, column, the number, and the value as shown). Written for
    Dutch Excel, which opens a double-clicked file with its regional list separator: cells separated by ";", a
    decimal comma in the number, and UTF-8 with a byte order mark so that Excel reads the accents right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["tabel", "rij", "kolom", "waarde", "weergave", "eenheid"])
    for label, text in about.rows():
        writer.writerow(_csv_row(["Over dit rapport", label, "", "", text, "tekst"]))
    for table in tables:
        for row in table.rows:
            for column, value in zip(table.columns, row.values, strict=True):
                unit = unit_of(table, row, column)
                number = plain_number(value, unit)
                writer.writerow(
                    _csv_row(
                        [
                            table.title,
                            row.label,
                            column.label,
                            "" if number is None else _plain(number),
                            format_value(value, unit),
                            _unit_name(unit),
                        ]
                    )
                )
    for story in stories:
        writer.writerow(
            _csv_row(
                ["Verhaal", story.period.label(), story.location_name or "hele organisatie", "", story.text, "tekst"]
            )
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_row(cells: list[str]) -> list[str]:
    """Every text cell safe; the fourth ("waarde") holds a plain number, which may start with a minus."""
    return [cell if index == 3 else _as_text(cell) for index, cell in enumerate(cells)]


def _plain(number: float | int) -> str:
    """A number as Dutch Excel reads it: a decimal comma, no thousands separator."""
    return str(number) if isinstance(number, int) else f"{number:.4f}".rstrip("0").rstrip(".").replace(".", ",")


def _unit_name(unit: str) -> str:
    return {"count": "aantal", "percent": "fractie", "days": "dagen"}[unit]


# --- XLSX ----------------------------------------------------------------------------------------

NUMBER_FORMATS = {"count": "0", "percent": "0.0%", "days": "0.0"}


def to_xlsx(about: About, tables: Sequence[Table], stories: Sequence[StoryView]) -> bytes:
    """A workbook: "Over dit rapport" first, then a sheet per table (numbers as numbers with their format, a
    hidden value as its mark), the stories, and what each figure means."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    first = book.active
    assert first is not None
    first.title = "Over dit rapport"
    bold = Font(bold=True)
    for label, text in about.rows():
        first.append([label, text])
        first.cell(first.max_row, 1).font = bold
    made = first.cell(5, 2)
    made.value = about.made_on
    made.number_format = "DD-MM-YYYY"
    first.column_dimensions["A"].width = 18
    first.column_dimensions["B"].width = 90

    for table in tables:
        sheet = book.create_sheet(table.key[:31])
        sheet.append([table.title])
        sheet.cell(1, 1).font = Font(bold=True, size=13)
        sheet.append([table.row_header, *(column.label for column in table.columns)])
        for cell in sheet[2]:
            cell.font = bold
        for row in table.rows:
            sheet.append([row.label])
            line = sheet.max_row
            for index, (column, value) in enumerate(zip(table.columns, row.values, strict=True), start=2):
                unit = unit_of(table, row, column)
                number = plain_number(value, unit)
                cell = sheet.cell(line, index)
                if number is None:
                    cell.value = format_value(value, unit)
                    cell.alignment = Alignment(horizontal="right")
                else:
                    cell.value = number
                    cell.number_format = NUMBER_FORMATS[unit]
        sheet.append([])
        sheet.append([DEFINITIONS[table.definition].text])
        sheet.column_dimensions["A"].width = 34
        for index in range(2, len(table.columns) + 2):
            sheet.column_dimensions[get_column_letter(index)].width = 22
        sheet.freeze_panes = "B3"

    told = book.create_sheet("Verhalen")
    told.append(["Periode", "Locatie", "Verhaal"])
    for cell in told[1]:
        cell.font = bold
    for story in stories:
        told.append([story.period.label(), story.location_name or "hele organisatie", story.text])
        told.cell(told.max_row, 3).alignment = Alignment(wrap_text=True, vertical="top")
    told.column_dimensions["A"].width = 26
    told.column_dimensions["B"].width = 26
    told.column_dimensions["C"].width = 100

    meaning = book.create_sheet("Toelichting")
    meaning.append(["Cijfer", "Wat het betekent"])
    for cell in meaning[1]:
        cell.font = bold
    for definition in DEFINITIONS.values():
        meaning.append([definition.name, definition.text])
        meaning.cell(meaning.max_row, 2).alignment = Alignment(wrap_text=True, vertical="top")
    meaning.column_dimensions["A"].width = 28
    meaning.column_dimensions["B"].width = 110

    _no_formulas(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _no_formulas(book: Any) -> None:
    """This workbook holds no formula: a text that openpyxl took for one (it starts with "=") stays text, so a
    story typed as "=HYPERLINK(...)" is shown, never run."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"


# --- PDF -----------------------------------------------------------------------------------------

# WeasyPrint fetches the stylesheet from this made-up address; nothing leaves the machine.
PDF_BASE = "http://huiskamer.invalid/"


def to_pdf(html: str, static_dir: Path) -> bytes:
    """The printable report as PDF. Only ``data:`` images and our own static files are read: any other
    address is refused, so a report can never make the server fetch something."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    # Its progress notes (one line per page) are no news for the server log.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

    root = static_dir.resolve()

    class OwnFilesOnly(URLFetcher):
        def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            parsed = urlparse(url)
            if parsed.netloc == "huiskamer.invalid" and parsed.path.startswith("/static/"):
                target = (root / parsed.path.removeprefix("/static/")).resolve()
                if target.is_file() and root in target.parents:
                    return URLFetcherResponse(url, target.read_bytes(), {"Content-Type": _mime(target)})
            raise ValueError(f"niet opgehaald: {url}")

    return HTML(
        string=html, base_url=PDF_BASE, url_fetcher=OwnFilesOnly(allowed_protocols=("data", "http"))
    ).write_pdf()


def _mime(path: Path) -> str:
    return {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}.get(
        path.suffix, "application/octet-stream"
    )
