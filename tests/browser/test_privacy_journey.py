"""The access log in a real browser: the coordinator reads *Wie heeft dit dossier ingezien* on a child's dossier,
opens the whole log and downloads the subject access export; the beheerder searches the access log. axe finds no
WCAG 2.1 A/AA violation; screenshots at 360 and 1280 px."""

from __future__ import annotations

import io
import json
import zipfile
from uuid import UUID

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.config import Settings
from huiskamer.locations.models import Location
from huiskamer.placements.models import Placement
from tests.browser.conftest import axe_violations, log_in, screenshot
from tests.factories import in_session

pytestmark = pytest.mark.browser

COORDINATOR = "f.elamrani@deschoor.example"  # Huiskamer De Vaart
ADMIN = "beheer@deschoor.example"


def _a_placed_child(settings: Settings) -> UUID:
    async def work(session: AsyncSession) -> UUID:
        location = await session.scalar(select(Location.id).where(Location.name == "Huiskamer De Vaart"))
        referral = await session.scalar(select(Placement.referral_id).where(Placement.location_id == location).limit(1))
        assert referral
        return referral

    return in_session(settings, work)


@pytest.mark.parametrize(("label", "width"), [("telefoon", 360), ("desktop", 1280)])
def test_the_coordinator_sees_who_opened_the_dossier_and_downloads_everything(new_page, live_database, label, width):
    referral = _a_placed_child(Settings(database_url=live_database))
    page = new_page(width)
    log_in(page, COORDINATOR)
    page.goto(f"/aanmeldingen/{referral}")
    page.reload()  # the first opening is in the log now
    section = page.locator("section", has=page.get_by_role("heading", name="Wie heeft dit dossier ingezien"))
    expect(section).to_contain_text("coördinator")
    expect(section).to_contain_text("dossier")
    section.get_by_role("link", name="regels van het toegangslog").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Wie heeft het dossier van")
    expect(page.locator("table")).to_contain_text("ingezien")
    assert axe_violations(page) == []
    screenshot(page, f"toegangslog-kind-{label}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Alle gegevens van dit kind downloaden").click()
    archive = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes()))
    data = json.loads(archive.read(next(name for name in archive.namelist() if name.endswith(".json"))))
    assert data["tables"]["placements"] and data["access_log"]
    page.goto(f"/aanmeldingen/{referral}/wijzigingen")
    assert axe_violations(page) == []
    screenshot(page, f"wijzigingen-kind-{label}")


def test_the_beheerder_searches_the_access_log(new_page, live_database):
    # The coordinator's own opening of a dossier, so that the test does not lean on another test having run first.
    coordinator = new_page(1280)
    log_in(coordinator, COORDINATOR)
    coordinator.goto(f"/aanmeldingen/{_a_placed_child(Settings(database_url=live_database))}")
    page = new_page(1280)
    log_in(page, ADMIN)
    page.goto("/beheer/toegangslog")
    page.get_by_label("Persoon").fill("El Amrani")
    page.get_by_role("button", name="Zoeken").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("table")).to_contain_text("coördinator")
    assert axe_violations(page) == []
    screenshot(page, "toegangslog-beheer-desktop")
    phone = new_page(360)
    log_in(phone, ADMIN)
    phone.goto("/beheer/toegangslog?persoon=El+Amrani")
    assert axe_violations(phone) == []
    screenshot(phone, "toegangslog-beheer-telefoon")


@pytest.mark.parametrize(("label", "width"), [("telefoon", 360), ("desktop", 1280)])
def test_the_beheerder_sets_a_retention_term_and_sees_the_preview(new_page, label, width):
    page = new_page(width)
    log_in(page, ADMIN)
    page.goto("/beheer/bewaartermijnen")
    expect(page.get_by_role("heading", name="Bewaartermijnen", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Wordt geanonimiseerd tot en met", exact=False)).to_be_visible()
    field = page.get_by_role("group", name="Aanmelding die niet tot een plaatsing leidde").get_by_label(
        "Bewaren (maanden)"
    )
    field.fill("0")
    page.get_by_role("button", name="Bewaartermijnen opslaan").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#foutmeldingen")).to_contain_text("Ten minste 1 maand")
    field = page.get_by_role("group", name="Aanmelding die niet tot een plaatsing leidde").get_by_label(
        "Bewaren (maanden)"
    )
    field.fill("18")
    page.get_by_role("button", name="Bewaartermijnen opslaan").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("De bewaartermijnen zijn opgeslagen.")).to_be_visible()
    expect(field).to_have_value("18")
    assert axe_violations(page) == []
    screenshot(page, f"bewaartermijnen-{label}")
    field.fill("12")  # back as it was, for the other tests on this demo database
    page.get_by_role("button", name="Bewaartermijnen opslaan").click()
    page.wait_for_load_state("networkidle")
