"""Reading the report's tables back out of a page, a CSV and an XLSX, to compare what each holds."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser


class _Tables(HTMLParser):
    """The body rows of every ``table.report-table``, per section id: [row label, shown values...]."""

    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, list[list[str]]] = {}
        self.section: str | None = None
        self.in_body = False
        self.row: list[str] | None = None
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "section" and values.get("id"):
            self.section = values["id"]
        elif tag == "tbody" and self.section:
            self.in_body = True
            self.found.setdefault(self.section, [])
        elif tag == "tr" and self.in_body:
            self.row = []
        elif tag in ("th", "td") and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td") and self.cell is not None and self.row is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr" and self.row is not None and self.section:
            self.found[self.section].append(self.row)
            self.row = None
        elif tag == "tbody":
            self.in_body = False

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def page_tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.found


def csv_rows(content: bytes) -> list[dict[str, str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    # Dutch Excel's list separator: a comma-separated file would open in one column.
    assert text[1:].splitlines()[0] == "tabel;rij;kolom;waarde;weergave;eenheid"
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


def xlsx_sheets(content: bytes) -> dict[str, list[list[object]]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content))
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}
