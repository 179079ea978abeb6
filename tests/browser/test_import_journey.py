"""The import in a real browser: the coordinator downloads nothing, uploads a spreadsheet, sees the preview with a
refused row (its column and message), imports the rest and finds the child on the waitlist. axe finds no WCAG 2.1
A/AA violation; screenshots at 360 and 1280 px."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from huiskamer.importing.sheet import COLUMNS
from huiskamer.site.templating import today
from tests.browser.conftest import axe_violations, log_in, screenshot

pytestmark = pytest.mark.browser

COORDINATOR = "f.elamrani@deschoor.example"  # Huiskamer De Vaart


def _file(width: int) -> bytes:
    header = list(COLUMNS.values())
    on = today()
    rows = [
        {"Voornaam": f"Imke{width}", "Achternaam": "Geïmporteerd", "Geboortedatum": f"14-3-{on.year - 8}",
         "Ouder/verzorger": "A. Geïmporteerd", "Telefoon": "06-12345678", "Status": "wachtlijst",
         "Locatie": "De Vaart", "Dagen": "ma di", "Wacht sinds": f"{on - timedelta(days=40):%d-%m-%Y}"},
        {"Voornaam": f"Bram{width}", "Achternaam": "Nergens", "Geboortedatum": f"1-1-{on.year - 7}",
         "Ouder/verzorger": "B. Nergens", "Status": "wachtlijst", "Locatie": "De Zonnebloem", "Dagen": "wo",
         "Wacht sinds": "1-9-2025"},
    ]  # fmt: skip
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(column, "") for column in header])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(("label", "width"), [("telefoon", 360), ("desktop", 1280)])
def test_the_coordinator_imports_a_spreadsheet(new_page, tmp_path, label, width):
    path = tmp_path / "kinderen.xlsx"
    path.write_bytes(_file(width))
    page = new_page(width)
    log_in(page, COORDINATOR)
    page.goto("/locaties")
    page.get_by_role("link", name="Importeer ze uit Excel of CSV").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", level=1)).to_have_text("Importeren uit een spreadsheet")
    assert axe_violations(page) == []
    page.get_by_label("Bestand (Excel .xlsx of CSV)").set_input_files(str(path))
    page.get_by_role("button", name="Bekijken wat er wordt aangemaakt").click()
    page.wait_for_load_state("networkidle")
    table = page.locator("table")
    expect(table).to_contain_text(f"Imke{width} Geïmporteerd")
    expect(table).to_contain_text("Locatie ‘De Zonnebloem’ bestaat niet in Huiskamer.")
    assert axe_violations(page) == []
    screenshot(page, f"import-voorbeeld-{label}")
    page.get_by_role("button", name="Importeren: 1 rij").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("status")).to_contain_text("1 kind geïmporteerd")
    assert axe_violations(page) == []
    screenshot(page, f"import-klaar-{label}")
    page.get_by_role("link", name="wachtlijst").first.click()
    page.wait_for_load_state("networkidle")
    if page.url.endswith("/wachtlijst"):  # the chooser, with more than one location
        page.get_by_role("link", name="Huiskamer De Vaart").first.click()
        page.wait_for_load_state("networkidle")
    expect(page.locator("main")).to_contain_text(f"Imke{width}")
