"""A passkey as second factor in a real browser (issue 16.1): added in Mijn account, then asked for after the
password, with Chromium's virtual authenticator standing in for a phone or security key. The pages pass axe."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from huiskamer.config import Settings
from huiskamer.demo import DEMO_PASSWORD
from huiskamer.locations.models import Location
from tests.browser.conftest import axe_violations, screenshot
from tests.factories import in_session, make_user


def _virtual_authenticator(page) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def _password(page, base: str, email: str) -> None:
    page.goto(f"{base}/inloggen")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state("networkidle")


def test_a_passkey_is_added_and_then_asked_for_after_the_password(new_page, live_server, live_database):
    settings = Settings(database_url=live_database)

    async def first_location(session):
        return await session.scalar(select(Location.id).order_by(Location.name).limit(1))

    email = "passkey.coordinator@test.example"
    make_user(
        settings,
        "coordinator",
        email=email,
        name="Pas Keyser",
        location_ids=(in_session(settings, first_location),),
        password=DEMO_PASSWORD,
    )
    # A passkey belongs to a host name, never to an IP address such as 127.0.0.1.
    base = live_server.replace("127.0.0.1", "localhost")
    page = new_page(1280)
    _virtual_authenticator(page)

    _password(page, base, email)
    page.goto(f"{base}/account/tweede-factor")
    assert axe_violations(page) == []
    screenshot(page, "tweede-factor-account-desktop")
    page.get_by_label("Naam van de passkey").fill("Telefoon")
    page.locator("#veld-current_password_passkey").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Passkey toevoegen").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", name="Uw herstelcodes")).to_be_visible()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    assert axe_violations(page) == []
    page.get_by_role("link", name="Ik heb ze bewaard, verder").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("cell", name="Telefoon", exact=True)).to_be_visible()
    page.get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_text("U bent uitgelogd.")).to_be_visible()

    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state("networkidle")
    expect(page).to_have_url(re.compile(r"/inloggen/tweede-stap"))
    expect(page.get_by_role("heading", name="Tweede stap")).to_be_visible()
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 360, "height": 800})
    screenshot(page, "tweede-stap-passkey-telefoon-360")
    page.get_by_role("button", name="Bevestigen met passkey").click()
    page.wait_for_load_state("networkidle")
    expect(page).to_have_url(re.compile(r"localhost:\d+/$"))
    expect(page.get_by_role("heading", name="Tweede stap")).to_have_count(0)
    page.goto(f"{base}/account/tweede-factor")
    expect(page.get_by_role("cell", name="nog nooit")).to_have_count(0)  # the passkey was used just now
