"""The beheerder on a phone (360 px): adds a user, who is invited by e-mail while the link stays there to copy;
turns another account off after a confirmation page and on again. axe finds no WCAG 2.1 A/AA violation on the
user page and the confirmation page. Screenshots land in screenshots/."""

from __future__ import annotations

import itertools
import os
import re

import pytest
from playwright.sync_api import expect

from huiskamer.config import Settings
from huiskamer.demo import DEMO_PASSWORD
from tests.browser.conftest import axe_violations, log_in, screenshot
from tests.factories import make_location, make_user

pytestmark = pytest.mark.browser
_run = itertools.count(1)


def test_the_admin_invites_a_user_and_turns_an_account_off_and_on_on_a_phone(new_page, live_database):
    settings = Settings(database_url=live_database)
    n = f"{os.getpid()}-{next(_run)}"
    location = make_location(settings, f"Huiskamer Gebruikers {n}")
    admin_email = f"beheer-reis-{n}@test.example"
    make_user(settings, "admin", email=admin_email, name="Els Spraakman", password=DEMO_PASSWORD)
    target = make_user(
        settings, "coordinator", email=f"fatima-{n}@test.example", name="Fatima el Amrani", location_ids=(location,)
    )
    page = new_page(360)
    log_in(page, admin_email)

    # A new user: invited by e-mail, the link shown to copy.
    page.goto("/beheer/gebruikers/nieuw")
    page.get_by_label("Naam", exact=True).fill("Noor de Boer")
    page.get_by_label("E-mailadres").fill(f"noor-{n}@test.example")
    page.get_by_label("Rol").select_option("admin")
    page.get_by_role("button", name="Gebruiker toevoegen").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".invitation-link")).to_contain_text(f"gaat per e-mail naar noor-{n}@test.example")
    expect(page.get_by_role("textbox", name="Uitnodigingslink")).to_have_value(re.compile(r"/uitnodiging/\S+$"))
    assert axe_violations(page) == []
    screenshot(page, "gebruiker-uitgenodigd-360")

    # Turning an account off: a confirmation first, then the action.
    page.goto(f"/beheer/gebruikers/{target}")
    page.get_by_role("link", name="Account uitzetten…").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", level=1)).to_have_text("Account van Fatima el Amrani uitzetten?")
    assert axe_violations(page) == []
    screenshot(page, "gebruiker-uitzetten-bevestigen-360")
    page.get_by_role("button", name="Ja, account uitzetten").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("body")).to_contain_text("Uitgezet: alle sessies en tokens zijn beëindigd.")
    expect(page.locator(".lead .badge")).to_have_text("Uitgezet")

    page.get_by_role("link", name="Account weer aanzetten…").click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Ja, account aanzetten").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("body")).to_contain_text("Fatima el Amrani staat weer aan.")
    expect(page.locator(".lead .badge")).to_have_text("Actief")
