"""The coordinator finds a child in the inbox by typing part of its name (accents left out), and the referrer
reads the outcome of a closed referral and where and from when a placed child goes. axe finds no WCAG 2.1 A/AA
violation; screenshots at 360 and 1280 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, select, update

from huiskamer.auth.models import User
from huiskamer.referrals.models import Referral, ReferralEvent
from tests.browser.conftest import axe_violations, log_in, screenshot

pytestmark = pytest.mark.browser

REFERRER = "m.smit@regenboog.example"
COORDINATOR = "f.elamrani@deschoor.example"  # Huiskamer De Vaart


def _referrers_referral(live_database: str, status: str) -> str:
    engine = create_engine(live_database.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg"))
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
