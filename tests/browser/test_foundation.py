"""The foundation in a real browser: each demo role logs in and reaches its start page, a wrong password
shows the message, and axe finds no WCAG 2.1 A/AA violation on the pages of issue 3. Screenshots at
360 px and 1280 px land in screenshots/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from huiskamer.demo import DEMO_PASSWORD, demo_logins
from tests.browser.conftest import WIDTHS, axe_violations, log_in, screenshot

pytestmark = pytest.mark.browser

START_PAGE_TEXT = {
    "admin": "U bent beheerder",
    "coordinator": "U bent coördinator",
    "youth_worker": "U bent kinderwerker",
    "referrer": "Mijn aanmeldingen",
}


def _first_of_each_role() -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for login in demo_logins():
        seen.setdefault(login.role, login.email)
    return list(seen.items())


@pytest.mark.parametrize(("role", "email"), _first_of_each_role())
def test_each_demo_role_logs_in_and_reaches_its_start_page(new_page, role, email):
    for label, width in WIDTHS.items():
        page = new_page(width)
        log_in(page, email)
        assert page.url.endswith("/"), page.url
        assert START_PAGE_TEXT[role] in page.get_by_role("main").inner_text()
        menu = page.get_by_role("navigation", name="Hoofdmenu")
        if width < 768:  # on a phone the menu folds away behind a button, so that the page starts on screen one
            assert not menu.is_visible()
            page.locator(".menu-button").click()
        assert menu.is_visible()
        screenshot(page, f"start-{role}-{label}")
        assert axe_violations(page) == []


def test_wrong_password_shows_the_generic_message(new_page):
    page = new_page(360)
    log_in(page, "beheer@deschoor.example", "helemaal-fout")
    alert = page.get_by_role("alert")
    assert "Inloggen is niet gelukt" in alert.inner_text()
    assert page.get_by_label("E-mailadres").input_value() == "beheer@deschoor.example"
    screenshot(page, "inloggen-fout-telefoon")
    assert axe_violations(page) == []


@pytest.mark.parametrize("path", ["/inloggen", "/over"])
def test_public_pages_have_no_accessibility_violations(new_page, path):
    for label, width in WIDTHS.items():
        page = new_page(width)
        page.goto(path)
        screenshot(page, f"publiek{path.replace('/', '-')}-{label}")
        assert axe_violations(page) == []


def test_skip_link_is_the_first_thing_the_keyboard_reaches(new_page):
    page = new_page(1280)
    page.goto("/inloggen")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Naar de inhoud"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhoud"


ADMIN_PAGES = [
    ("/beheer/locaties", "locaties"),
    ("/beheer/locaties/nieuw", "locatie-nieuw"),
    ("/beheer/gebruikers", "gebruikers"),
    ("/beheer/gebruikers/nieuw", "gebruiker-nieuw"),
    ("/beheer/audit", "audit"),
    ("/account/wachtwoord", "wachtwoord"),
]


def test_administration_pages_and_forms_have_no_accessibility_violations(new_page):
    for label, width in WIDTHS.items():
        page = new_page(width)
        log_in(page, "beheer@deschoor.example")
        for path, name in ADMIN_PAGES:
            page.goto(path)
            assert page.get_by_role("heading", level=1).is_visible(), path
            screenshot(page, f"beheer-{name}-{label}")
            assert axe_violations(page) == [], path


def test_a_location_form_with_mistakes_shows_them_next_to_the_fields_accessibly(new_page):
    page = new_page(360)
    log_in(page, "beheer@deschoor.example")
    page.goto("/beheer/locaties/nieuw")
    page.get_by_label("Naam").first.fill("")
    page.get_by_role("button", name=re.compile("opslaan|aanmaken|Locatie", re.IGNORECASE)).last.click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".error-summary").is_visible()
    screenshot(page, "beheer-locatie-fouten-telefoon")
    assert axe_violations(page) == []


def test_before_the_idle_timeout_the_page_offers_to_stay_logged_in(new_page):
    """The page's clock runs ahead (Playwright's clock): 28 minutes without a request bring the warning, its button
    keeps the session (the server notes the use), and without it the page says the session has ended."""
    page = new_page(360)
    page.clock.install()
    log_in(page, "f.elamrani@deschoor.example")
    warning = page.locator("#sessie-melding")
    expect(warning).to_be_hidden()
    page.clock.run_for("26:00")
    expect(warning).to_be_hidden()
    page.clock.run_for("02:00")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("U wordt over een paar minuten uitgelogd")
    assert axe_violations(page) == []
    screenshot(page, "sessie-bijna-verlopen-telefoon-360")
    with page.expect_response("**/sessie/verlengen") as answer:
        page.get_by_role("button", name="Ingelogd blijven").click()
    assert answer.value.status == 204
    expect(warning).to_be_hidden()
    page.clock.run_for("29:30")
    expect(warning).to_contain_text("U bent uitgelogd")
    expect(page.get_by_role("link", name="Log opnieuw in")).to_have_attribute("href", "/inloggen?volgende=%2F")


def test_a_form_sent_after_the_session_ended_is_filled_in_again_after_logging_in(new_page, live_database):
    """The session ends while someone types (here: set back in the database, as the idle timeout would); sending
    the form leads to the log-in page, and after it back to the form with what was typed (kept on the server)."""
    from sqlalchemy import create_engine, text

    page = new_page(360)
    log_in(page, "f.elamrani@deschoor.example")
    page.goto("/account/api-sleutels")
    typed = "Koppeling met het leerlingvolgsysteem van basisschool De Regenboog"
    page.get_by_label("Naam").fill(typed)
    page.get_by_label("Geldig (dagen)").fill("45")
    session = next(c["value"] for c in page.context.cookies() if c["name"] == "hk_session")
    engine = create_engine(live_database.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg"))
    from huiskamer.auth.secrets import token_hash

    with engine.begin() as connection:
        connection.execute(
            text("UPDATE user_sessions SET used_at = created_at - INTERVAL '1 hour' WHERE token_hash = :hash")
            if engine.dialect.name == "postgresql"
            else text("UPDATE user_sessions SET used_at = '2000-01-01 00:00:00.000000' WHERE token_hash = :hash"),
            {"hash": token_hash(session)},
        )
    engine.dispose()
    page.get_by_role("button", name="Sleutel maken").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("wat u in het formulier typte, is bewaard")).to_be_visible()
    page.get_by_label("E-mailadres").fill("f.elamrani@deschoor.example")
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state("networkidle")
    expect(page).to_have_url(re.compile(r"/account/api-sleutels$"))
    expect(page.get_by_label("Naam")).to_have_value(typed)
    expect(page.get_by_label("Geldig (dagen)")).to_have_value("45")
    expect(page.get_by_role("status").filter(has_text="Wat u typte, staat er weer")).to_be_visible()
    assert axe_violations(page) == []
    screenshot(page, "formulier-terug-na-inloggen-telefoon-360")
