"""The coordinator finds a child in the inbox and on the waitlist by typing part of its name (accents left out),
and picks a brother or sister at the intake by searching; the referrer reads the outcome of a closed referral and
where and from when a placed child goes. axe finds no WCAG 2.1 A/AA violation; screenshots at 360 and 1280 px."""

from __future__ import annotations

import re
import unicodedata

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, select, update

from huiskamer.auth.models import User
from huiskamer.locations.models import Location
from huiskamer.referrals.models import Referral, ReferralEvent, ReferralLocation
from tests.browser.conftest import axe_violations, log_in, screenshot

pytestmark = pytest.mark.browser

REFERRER = "m.smit@regenboog.example"
COORDINATOR = "f.elamrani@deschoor.example"  # Huiskamer De Vaart


def _engine(live_database: str):
    return create_engine(live_database.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg"))


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn").casefold()


def _at_de_vaart(live_database: str, status: str) -> tuple[str, str]:
    """De Vaart's id, and one of its referrals in this status."""
    engine = _engine(live_database)
    try:
        with engine.connect() as connection:
            location = connection.execute(select(Location.id).where(Location.name == "Huiskamer De Vaart")).scalar_one()
            referral = connection.execute(
                select(Referral.id)
                .join(ReferralLocation, ReferralLocation.referral_id == Referral.id)
                .where(ReferralLocation.location_id == location, Referral.status == status)
                .order_by(Referral.submitted_at)
                .limit(1)
            ).scalar_one()
            return str(location), str(referral)
    finally:
        engine.dispose()


def _referrers_referral(live_database: str, status: str) -> str:
    engine = _engine(live_database)
    try:
        with engine.begin() as connection:
            found = connection.execute(
                select(Referral.id)
                .join(User, User.id == Referral.submitted_by_id)
                .where(User.email == REFERRER, Referral.status == status)
                .limit(1)
            ).scalar_one()
            if status == "closed":
                connection.execute(
                    update(ReferralEvent)
                    .where(ReferralEvent.referral_id == found, ReferralEvent.to_status == "closed")
                    .values(explanation="De doelen zijn behaald; het kind gaat nu naar de bso.")
                )
            return str(found)
    finally:
        engine.dispose()


@pytest.mark.parametrize(("label", "width"), [("telefoon", 360), ("desktop", 1280)])
def test_coordinator_searches_the_inbox_and_referrer_reads_outcome_and_placement(new_page, live_database, label, width):
    coordinator = new_page(width)
    log_in(coordinator, COORDINATOR)
    coordinator.goto("/aanmeldingen?status=alle")
    coordinator.locator("#veld-zoek").press_sequentially("ozt", delay=50)
    coordinator.wait_for_url("**zoek=ozt**")
    coordinator.wait_for_load_state("networkidle")
    rows = coordinator.locator("#inbox tbody tr")
    expect(rows.first).to_contain_text("Öztürk")
    assert all("Öztürk" in row for row in rows.all_inner_texts())
    screenshot(coordinator, f"aanmeldingen-zoeken-{label}")
    assert axe_violations(coordinator) == []

    referrer = new_page(width)
    log_in(referrer, REFERRER)
    referrer.goto(f"/aanmeldingen/{_referrers_referral(live_database, 'placed')}")
    expect(referrer.get_by_role("region", name="Uitkomst")).to_contain_text("Huiskamer")
    expect(referrer.get_by_role("region", name="Wat u heeft ingediend")).to_be_visible()
    screenshot(referrer, f"verwijzer-geplaatst-{label}")
    assert axe_violations(referrer) == []
    referrer.goto(f"/aanmeldingen/{_referrers_referral(live_database, 'closed')}")
    expect(referrer.get_by_role("region", name="Uitkomst")).to_contain_text("De doelen zijn behaald")
    screenshot(referrer, f"verwijzer-afgesloten-{label}")
    assert axe_violations(referrer) == []


@pytest.mark.parametrize(("label", "width"), [("telefoon", 360), ("desktop", 1280)])
def test_coordinator_searches_the_waitlist_and_picks_a_sibling_at_the_intake(new_page, live_database, label, width):
    location, in_review = _at_de_vaart(live_database, "in_review")
    page = new_page(width)
    log_in(page, COORDINATOR)
    page.goto(f"/locaties/{location}/wachtlijst")
    rows = page.locator("#wachtlijst tbody tr")
    whole = {row.locator("td.child").inner_text(): row.locator("td.rank").inner_text() for row in rows.all()}
    assert len(whole) > 20  # De Vaart's long list
    # A child halfway down the list, found by a piece of the family name typed without accents or capitals.
    wanted = list(whole)[len(whole) // 2]
    piece = _plain(wanted.split()[-1])[:4]
    page.locator("#veld-zoek").press_sequentially(piece, delay=50)
    page.wait_for_url(f"**zoek={piece}**")
    page.wait_for_load_state("networkidle")
    expect(rows.first).to_be_visible()
    found = {row.locator("td.child").inner_text(): row.locator("td.rank").inner_text() for row in rows.all()}
    assert set(found) == {name for name in whole if piece in _plain(name)}
    assert found[wanted] == whole[wanted]  # the number shown is the rank on the whole list
    expect(page.locator("#veld-zoek")).to_be_focused()  # typing went on undisturbed
    screenshot(page, f"wachtlijst-zoeken-{label}")
    assert axe_violations(page) == []
    link = rows.filter(has_text=wanted).first.locator("td.child a").get_attribute("href")
    sibling = link.rsplit("/", 1)[1]

    # The intake of another child at De Vaart: suggestions before typing, then a search for the child found above.
    page.goto(f"/aanmeldingen/{in_review}/intake")
    choice = page.locator("#veld-sibling_1")
    expect(page.locator("#broers-uitleg")).to_contain_text("achternaam")
    page.locator("#broers").scroll_into_view_if_needed()
    screenshot(page, f"intake-voorstellen-{label}")
    search = page.locator("#veld-zoek_broer_zus")
    search.scroll_into_view_if_needed()
    search.press_sequentially(f"{_plain(wanted.split()[0])} {piece}", delay=50)
    expect(page.locator("#broers-uitleg")).to_contain_text("gevonden bij")
    with page.expect_response(lambda response: "broers-en-zussen" in response.url):
        search.press("Enter")  # searches there, and does not send the half-filled form
    page.wait_for_function("() => !document.querySelector('#veld-zoek_broer_zus.htmx-request')")  # swapped in
    assert re.search(r"/intake$", page.url), page.url
    choice.select_option(sibling)
    screenshot(page, f"intake-broer-of-zus-{label}")
    assert axe_violations(page) == []
    # Sent without goals or consent: the form comes back with its messages, and the chosen sibling still chosen.
    page.get_by_role("button", name="Intake vastleggen en op de wachtlijst zetten").click()
    expect(page.locator("#foutmeldingen")).to_be_visible()
    expect(page.locator("#veld-sibling_1")).to_have_value(sibling)
    expect(page.locator("#veld-zoek_broer_zus")).to_have_value(f"{_plain(wanted.split()[0])} {piece}")
