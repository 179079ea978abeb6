"""The report dashboard in a real browser, at phone and desktop width: a coordinator opens last year, sees the
charts (the SVG images really load under the strict Content-Security-Policy) with their tables, writes the
story of the year, and opens the printable report. axe finds no WCAG 2.1 A/AA violation; screenshots."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from huiskamer.site.templating import today
from tests.browser.conftest import axe_violations, go_to, log_in, screenshot

pytestmark = pytest.mark.browser

COORDINATOR = "f.elamrani@deschoor.example"  # Huiskamer De Vaart


def last_year() -> str:
    year = today().year - 1
    return f"van={year}-01-01&tot={year}-12-31"


@pytest.mark.parametrize(("label", "width"), [("telefoon", 360), ("desktop", 1280)])
def test_the_dashboard_for_last_year_with_a_chart_and_its_table(new_page, label, width):
    page = new_page(width)
    log_in(page, COORDINATOR)
    go_to(page, "Rapportage")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rapportage")
    page.get_by_role("link", name="Vorig jaar").click()
    page.wait_for_load_state("networkidle")
    year = str(today().year - 1)
    expect(page.get_by_role("heading", level=2, name=f"{year} · Huiskamer De Vaart")).to_be_visible()
    assert page.get_by_role("textbox", name="Van").input_value() == f"{year}-01-01"

    section = page.locator("section#aanmeldingen-per-maand")
    chart = section.get_by_role("img")
    expect(chart).to_be_visible()
    assert "Staafdiagram van de aanmeldingen per maand" in (chart.get_attribute("alt") or "")
    # The SVG really drew: an image blocked by the CSP or broken has no natural width.
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0")
    table = section.get_by_role("table", name="Aanmeldingen per maand")
    expect(table.get_by_role("row")).to_have_count(13)  # a header row and twelve months
    expect(table.get_by_role("columnheader", name=year)).to_be_visible()

    assert axe_violations(page) == []
    screenshot(page, f"rapportage-{label}")


def test_the_coordinator_writes_the_story_and_prints_the_report(new_page):
    page = new_page(1280)
    log_in(page, COORDINATOR)
    page.goto(f"/rapportage?{last_year()}")
    field = page.get_by_role("textbox", name=f"Het verhaal bij {today().year - 1} · Huiskamer De Vaart")
    # Too long: refused beside the field, the text kept, and the address bar shows the dashboard (a reload of
    # the form's POST-only address would end on an error page).
    field.fill("x" * 4001)
    page.get_by_role("button", name="Verhaal opslaan").click()
    expect(page.locator("#verhaal .error-message")).to_be_visible()
    assert field.input_value() == "x" * 4001
    assert "/rapportage?" in page.url and "/verhaal" not in page.url
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rapportage")

    story = "Dit jaar leerden veel kinderen om beurten te spelen en hulp te vragen."
    field.fill(story)
    page.get_by_role("button", name="Verhaal opslaan").click()
    expect(page.get_by_role("status")).to_contain_text("Het verhaal bij deze periode is opgeslagen.")
    expect(page.locator("#verhaal .story-text")).to_have_text(story)

    # The exports download as files (a boosted link would load them into the page).
    for name, suffix in (("CSV", ".csv"), ("Excel (xlsx)", ".xlsx"), ("PDF", ".pdf")):
        with page.expect_download() as download:
            page.get_by_role("link", name=name, exact=True).click()
        assert download.value.suggested_filename.endswith(f"-huiskamer-de-vaart{suffix}")
    assert "/rapportage?" in page.url

    page.get_by_role("link", name="Afdrukversie").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tellen én vertellen")
    expect(page.get_by_text(story)).to_be_visible()
    images = page.locator("figure.chart img")
    assert images.count() >= 5
    assert all(images.nth(i).evaluate("img => img.naturalWidth > 0") for i in range(images.count()))
    assert axe_violations(page) == []
    screenshot(page, "rapportage-afdrukversie")
