"""The coordinator's day in a real browser: a referrer's message shows as new on the start page and in the dossier,
and the intake agenda lists the planned talks. axe finds no WCAG 2.1 A/AA violation; screenshots at 360 and
1280 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, go_to, log_in, screenshot

pytestmark = pytest.mark.browser

REFERRER = "m.smit@regenboog.example"
COORDINATOR = "f.elamrani@deschoor.example"  # Huiskamer De Vaart: Stedenwijk


@pytest.mark.parametrize(("label", "width"), [("telefoon", 360), ("desktop", 1280)])
def test_coordinator_sees_a_new_message_opens_it_and_the_intake_agenda(new_page, label, width):
    given = f"Bericht{width}"
    referrer = new_page(width)
    log_in(referrer, REFERRER)
    go_to(referrer, "Nieuwe aanmelding")
    referrer.locator("#veld-child-given_name").fill(given)
    referrer.locator("#veld-child-family_name").fill("Verbeek")
    referrer.locator("#veld-child-date_of_birth").fill("2018-05-02")
    referrer.locator("#veld-child-postcode").fill("1323ab")
    referrer.locator("#veld-child-neighbourhood").fill("Stedenwijk")
    referrer.locator("#veld-guardian-name").fill("S. Verbeek")
    referrer.locator("#veld-guardian-phone").fill("06 12345678")
    referrer.locator("#veld-reason").fill("Heeft weinig vriendjes en wordt snel boos op het plein.")
    referrer.get_by_role("checkbox", name="maandag", exact=True).check()
    referrer.get_by_label("Ouders/verzorgers zijn op de hoogte van deze aanmelding").check()
    referrer.get_by_role("button", name="Aanmelding versturen").click()
    referrer.wait_for_load_state("networkidle")
    expect(referrer.get_by_role("main")).to_contain_text("is verstuurd")
    sent = re.search(r"/aanmeldingen/([0-9a-f-]{36})/verstuurd", referrer.url)
    assert sent, referrer.url
    referrer.goto(f"/aanmeldingen/{sent.group(1)}")
    referrer.get_by_label("Nieuw bericht").fill("De moeder heeft een nieuw telefoonnummer.")
    referrer.get_by_role("button", name="Bericht versturen").click()
    expect(referrer.locator(".messages")).to_contain_text("nieuw telefoonnummer")

    coordinator = new_page(width)
    log_in(coordinator, COORDINATOR)
    unread = coordinator.locator(".unread-messages")
    expect(unread).to_contain_text("van verwijzers")
    expect(coordinator.get_by_role("heading", name="Intakes deze week", exact=False)).to_be_visible()
    screenshot(coordinator, f"coordinator-start-berichten-{label}")
    assert axe_violations(coordinator) == []
    unread.get_by_role("link", name=f"{given} Verbeek").click()
    coordinator.wait_for_load_state("networkidle")
    message = coordinator.locator(".message", has_text="nieuw telefoonnummer")
    expect(message.locator(".badge-new")).to_be_visible()
    screenshot(coordinator, f"coordinator-nieuw-bericht-{label}")
    assert axe_violations(coordinator) == []

    coordinator.goto("/intakes")
    expect(coordinator.get_by_role("heading", name="Geplande intakes")).to_be_visible()
    screenshot(coordinator, f"intake-agenda-{label}")
    assert axe_violations(coordinator) == []
