"""The placement journey in a real browser: the coordinator refers a child on behalf of the parents, holds the
intake with one mistake (no consent), sees the message next to that field with everything typed kept, fixes it,
finds the child on the waitlist with its explanation, offers a seat from the proposals and records the family's
yes; the capacity overview shows the seat first as offered and then as placed. axe finds no WCAG 2.1 A/AA
violation on these pages; screenshots at 360 and 1280 px.

The child asks for one weekday on which Huiskamer De Vaart has a seat that nobody on its waitlist can use (the
proposals page shows which: free seats that no proposal takes), so it is proposed even at the bottom of a long
waitlist; the test reads the numbers before and compares after.
"""

from __future__ import annotations

import re
import time
from datetime import date, timedelta
from urllib.parse import urlparse

import pytest
from babel.dates import format_date
from playwright.sync_api import Page, expect

from huiskamer.site.templating import today
from tests.browser.conftest import axe_violations, log_in, screenshot

pytestmark = pytest.mark.browser

COORDINATOR = "f.elamrani@deschoor.example"  # Huiskamer De Vaart
LOCATION = "Huiskamer De Vaart"
COUNTS = re.compile(r"(\d+) vrij.*?(\d+) geplaatst(?: · (\d+) aangeboden)? · (\d+) plaatsen", re.S)
WEEKDAYS_NL = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag")


def next_monday(day: date) -> date:
    return day + timedelta(days=7 - day.weekday())


def day_cell(page: Page, day: date):
    """The capacity table's cell for ``day`` (its data-label is the Dutch date)."""
    return page.locator(f'td.day-cell[data-label="{format_date(day, "EEEE d MMMM", locale="nl")}"]')


def capacity_on(page: Page, location_path: str, day: date) -> tuple[int, int, int, int] | None:
    """(free, placed, offered, seats) on ``day`` as the capacity overview shows it; None on a closure day."""
    page.goto(f"{location_path}/capaciteit?vanaf={day.isoformat()}")
    cell = day_cell(page, day)
    expect(cell).to_contain_text(re.compile("plaatsen|gesloten"))
    if "gesloten" in cell.inner_text():
        return None
    found = COUNTS.search(cell.inner_text())
    assert found, cell.inner_text()
    free, placed, offered, seats = found.groups()
    return int(free), int(placed), int(offered or 0), int(seats)


def first_open(page: Page, location_path: str, days) -> tuple[date, tuple[int, int, int, int]]:
    """The first of ``days`` on which the location is open (not a holiday), with its counts."""
    for day in days:
        counts = capacity_on(page, location_path, day)
        if counts is not None:
            return day, counts
    raise AssertionError(f"{LOCATION} is op geen van deze dagen open")


def quiet_weekday(page: Page, location_path: str, start: date) -> str:
    """The weekday with the most seats free from ``start`` that the proposals leave over (Dutch name)."""
    page.goto(f"{location_path}/voorstellen?start={start.isoformat()}")
    table = page.locator("table.free-table")
    expect(table).to_be_visible()
    names = [name.strip() for name in table.locator("thead th").all_text_contents()[1:]]
    free = [int(value) for value in table.locator("tbody tr").first.locator("td").all_text_contents()]
    left = dict(zip(names, free, strict=True))
    for text in page.locator("li.proposal").all_inner_texts():
        proposed = re.search(r"Voorstel: (.+?)\.", text)
        assert proposed, text
        for day in re.split(r", | en ", proposed.group(1)):
            left[day] -= 1
    day, seats = max(((d, n) for d, n in left.items() if d in WEEKDAYS_NL), key=lambda item: item[1])
    assert seats >= 1, f"geen plaats over bij {LOCATION}: {left}"
    return day


def refer_child(page: Page, given: str, family: str, weekday: str) -> None:
    """The coordinator refers a child on behalf of the parents and takes the referral into review."""
    page.goto("/aanmeldingen/nieuw")
    page.locator("#veld-child-given_name").fill(given)
    page.locator("#veld-child-family_name").fill(family)
    page.locator("#veld-child-date_of_birth").fill("2018-03-14")
    page.locator("#veld-child-postcode").fill("1325 KL")
    page.locator("#veld-child-neighbourhood").fill("Stedenwijk")
    page.locator("#veld-guardian-name").fill(f"S. {family}")
    page.locator("#veld-guardian-phone").fill("06 23456789")
    page.locator("#veld-reason").fill(
        f"Moeder vraagt zelf om hulp: {given} speelt na school alleen en zou graag vriendjes maken."
    )
    page.get_by_role("checkbox", name=LOCATION).check()
    page.get_by_role("checkbox", name=weekday, exact=True).check()
    page.get_by_label("Ouders/verzorgers zijn op de hoogte van deze aanmelding").check()
    page.get_by_role("button", name="Aanmelding versturen").click()
    page.wait_for_url("**/verstuurd")
    page.get_by_role("link", name="Bekijk de aanmelding").click()
    page.get_by_role("button", name="In behandeling nemen").click()
    page.get_by_role("link", name="Intakegesprek vastleggen").click()
    page.wait_for_url("**/intake")


@pytest.mark.parametrize(("label", "width"), [("telefoon", 360), ("desktop", 1280)])
def test_coordinator_holds_intake_offers_a_seat_and_records_the_yes(new_page, label, width):
    given, family = f"Mees{width}x{int(time.time()) % 100_000}", "Sewdien"
    name = f"{given} {family}"
    page = new_page(width)
    log_in(page, COORDINATOR)
    page.goto("/wachtlijst")  # one location: straight to its waitlist
    page.wait_for_url(re.compile(r"/locaties/[^/]+/wachtlijst$"))
    location_path = urlparse(page.url).path.removesuffix("/wachtlijst")
    start = next_monday(today())
    weekday = quiet_weekday(page, location_path, start)
    refer_child(page, given, family, weekday)

    # The intake, with one mistake: the parents' consent is not ticked.
    page.locator("#veld-held_on").fill(today().isoformat())
    page.locator("#veld-goal_own_1").fill("Vriendjes maken op het schoolplein")
    page.locator("#veld-goal_own_1_code").select_option(label="Vriendjes maken")
    page.get_by_role("checkbox", name="Zelfvertrouwen").check()
    page.get_by_role("radio", name=re.compile("^Normaal")).check()
    expect(page.get_by_role("checkbox", name=weekday, exact=True)).to_be_checked()
    page.locator("#veld-minimum_days").fill("1")
    first_choice = page.locator("#veld-preference_1")
    first_choice.select_option(first_choice.locator("option", has_text=LOCATION).get_attribute("value"))
    page.locator("#veld-collection_persons").fill(f"S. {family} (moeder)\nOma")
    page.locator("#veld-allergies").fill("Pinda's")
    page.get_by_role("button", name="Intake vastleggen en op de wachtlijst zetten").click()

    consent = page.locator("#veld-consent_data_processing")
    expect(page.locator("#veld-consent_data_processing-fout")).to_contain_text("toestemming")
    expect(consent).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".error-summary")).to_contain_text("toestemming")
    assert page.locator("#veld-goal_own_1").input_value() == "Vriendjes maken op het schoolplein"
    assert page.locator("#veld-collection_persons").input_value() == f"S. {family} (moeder)\nOma"
    assert page.locator("#veld-minimum_days").input_value() == "1"
    assert page.get_by_role("checkbox", name="Zelfvertrouwen").is_checked()
    assert page.get_by_role("checkbox", name=weekday, exact=True).is_checked()
    screenshot(page, f"intake-fout-{label}")
    assert axe_violations(page) == []

    consent.check()
    page.get_by_role("button", name="Intake vastleggen en op de wachtlijst zetten").click()
    page.wait_for_url(f"**{location_path}/wachtlijst")
    expect(page.get_by_role("main")).to_contain_text(f"{name} staat op de wachtlijst van {LOCATION}")

    # On the waitlist, with its explanation: waiting since today, and it lives in the neighbourhood.
    row = page.locator("tbody tr", has_text=name)
    expect(row).to_contain_text("Wacht 0 dagen")
    expect(row).to_contain_text("woont in de wijk: 14 dagen")
    screenshot(page, f"wachtlijst-{label}")
    assert axe_violations(page) == []
    row.get_by_role("link", name=re.compile("Waarom hier")).click()
    expect(page.get_by_role("heading", name="Zo is de score opgebouwd")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(name)
    screenshot(page, f"waarom-hier-{label}")
    assert axe_violations(page) == []

    # A seat from next week on, offered from the proposals; compared on the first such weekday it counts and on
    # one before the start (holidays have no counts).
    offset = WEEKDAYS_NL.index(weekday)
    seat_day, before = first_open(page, location_path, (start + timedelta(days=offset + 7 * n) for n in range(6)))
    week_before, before_start = first_open(
        page, location_path, (start - timedelta(days=7 - offset + 7 * n) for n in range(6))
    )
    assert before[0] >= 1, f"geen vrije plaats op {weekday} bij {LOCATION}: {before}"
    page.goto(f"{location_path}/voorstellen?start={start.isoformat()}")
    proposal = page.locator("li.proposal", has_text=name)
    expect(proposal).to_contain_text(f"Voorstel: {weekday}")
    respond_by = start - timedelta(days=1)
    proposal.get_by_label("Reageren uiterlijk (bij een aanbod)").fill(respond_by.isoformat())
    screenshot(page, f"voorstellen-{label}")
    assert axe_violations(page) == []
    proposal.get_by_role("button", name="Plaats aanbieden").click()
    page.wait_for_url("**/aanbiedingen")
    expect(page.get_by_role("main")).to_contain_text(f"Plaats aangeboden aan {name}")
    offer = page.locator("li.offer", has_text=name)
    expect(offer).to_contain_text(f"{weekday.capitalize()} vanaf {format_date(start, 'd MMMM y', locale='nl')}")
    screenshot(page, f"aanbiedingen-{label}")
    assert axe_violations(page) == []

    offered = capacity_on(page, location_path, seat_day)
    assert offered == (before[0] - 1, before[1], before[2] + 1, before[3])
    screenshot(page, f"capaciteit-aangeboden-{label}")
    assert axe_violations(page) == []

    # The family said yes: the held seat becomes the placement.
    page.goto(f"{location_path}/aanbiedingen")
    page.locator("li.offer", has_text=name).get_by_role("button", name=re.compile("^Geaccepteerd")).click()
    page.wait_for_url("**/plaatsingen")
    expect(page.get_by_role("main")).to_contain_text(f"{name}")
    placed_row = page.locator("tr", has_text=name)
    expect(placed_row).to_contain_text(weekday[:2])
    expect(placed_row).to_contain_text(start.strftime("%-d-%-m-%Y"))
    screenshot(page, f"plaatsingen-{label}")
    assert axe_violations(page) == []

    placed = capacity_on(page, location_path, seat_day)
    assert placed == (before[0] - 1, before[1] + 1, before[2], before[3])
    screenshot(page, f"capaciteit-geplaatst-{label}")
    assert axe_violations(page) == []
    # The same weekday before the start is as it was: the placement counts from its start date.
    assert capacity_on(page, location_path, week_before) == before_start
