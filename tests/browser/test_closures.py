"""The coordinator adds a closure range and a school holiday of their region on a phone and a desktop; axe finds
no WCAG 2.1 A/AA violation on the closures page. Screenshots land in screenshots/."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from huiskamer.config import Settings
from huiskamer.demo import DEMO_PASSWORD
from huiskamer.site.templating import today
from tests.browser.conftest import axe_violations, log_in, screenshot
from tests.factories import make_location, make_user

pytestmark = pytest.mark.browser
_run = itertools.count(1)


@pytest.mark.parametrize("width", [360, 1280])
def test_the_coordinator_adds_a_closure_range_and_a_school_holiday(new_page, live_database, width):
    settings = Settings(database_url=live_database)
    n = next(_run)
    location = make_location(settings, f"Huiskamer Sluiting {width} {n}", seats={"mon": 12, "tue": 12})
    email = f"sluiting-{width}-{n}@test.example"
    make_user(settings, "coordinator", email=email, name="Cor Coördinator", location_ids=(location,),
              password=DEMO_PASSWORD)  # fmt: skip
    page = new_page(width)
    log_in(page, email)
    page.goto(f"/locaties/{location}")
    page.get_by_role("link", name="Sluitingsdagen beheren").click()
    page.wait_for_load_state("networkidle")

    page.get_by_label("Regio").select_option("midden")
    page.get_by_role("button", name="Vakanties van deze regio tonen").click()
    # The page already showed the default region's (noord) holidays: wait for the answer, or the old page's box is
    # ticked and then replaced.
    expect(page.locator("#veld-suggest legend")).to_have_text("Vakanties in regio Midden")
    holidays = page.locator("#veld-suggest input[type=checkbox]")
    expect(holidays.first).to_be_visible()
    holiday = page.locator("#veld-suggest label").first.inner_text().split(":")[0]
    holidays.first.check()
    first = today() + timedelta(days=5)
    page.get_by_label("Eerste dag").first.fill(first.isoformat())
    page.get_by_label("Laatste dag").first.fill((first + timedelta(days=4)).isoformat())
    page.get_by_label("Omschrijving").first.fill("Studiedagen team")
    assert axe_violations(page) == []
    screenshot(page, f"sluitingsdagen-{width}")

    page.get_by_role("button", name="Sluitingsdagen opslaan").click()
    page.wait_for_load_state("networkidle")
    closures = page.locator("section[aria-labelledby=kop-sluiting]")
    expect(closures).to_contain_text("Studiedagen team")
    expect(closures).to_contain_text(holiday)
    expect(closures).to_contain_text(" t/m ")
    screenshot(page, f"sluitingsdagen-opgeslagen-{width}")
