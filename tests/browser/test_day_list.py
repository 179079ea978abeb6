"""The day list in a real browser, on a phone (360 px) and a desktop (1280 px): a youth worker marks the whole
list by taps, updated in place; the network is cut for one tap, the failure shows on that child and the retry
lands; an observation goes to the coordinator, who resolves it. axe finds no WCAG 2.1 A/AA violation; the paper
list fits A4. Screenshots land in screenshots/.

The day list gets a location of its own in the live server's database (seats every day of the week, children
placed a month ago), so that the test does not depend on the weekday it runs on."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from uuid import UUID

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from huiskamer.attendance.models import Attendance, Concern
from huiskamer.config import Settings
from huiskamer.demo import DEMO_PASSWORD
from huiskamer.site.templating import today
from tests.attendance_helpers import ALL_DAYS, days_back, place_child
from tests.browser.conftest import axe_violations, log_in, screenshot
from tests.factories import in_session, make_location, make_user

pytestmark = pytest.mark.browser

NAMES = (
    ("Noor", "Bakker"),
    ("Sem", "Yilmaz"),
    ("Lina", "de Vries"),
    ("Ayoub", "El Amrani"),
    ("Fenna", "Jansen"),
    ("Milan", "Ramdin"),
)
_run = itertools.count(1)


@dataclass
class Room:
    settings: Settings
    location: UUID
    youth_worker: str
    coordinator: str
    placements: list[UUID]


def make_room(url: str, label: str, children: int = len(NAMES)) -> Room:
    settings = Settings(database_url=url)
    n = next(_run)
    location = make_location(settings, f"Huiskamer Daglijst {label} {n}", seats={d: 80 for d in ALL_DAYS})
    youth_worker = f"kinderwerker-{label}-{n}@test.example"
    coordinator = f"coordinator-{label}-{n}@test.example"
    make_user(
        settings,
        "youth_worker",
        email=youth_worker,
        name="Kim Kinderwerker",
        location_ids=(location,),
        password=DEMO_PASSWORD,
    )
    coordinator_id = make_user(
        settings,
        "coordinator",
        email=coordinator,
        name="Cor Coördinator",
        location_ids=(location,),
        password=DEMO_PASSWORD,
    )

    async def work(db) -> list[UUID]:
        placed = []
        for number in range(children):
            given, family = NAMES[number % len(NAMES)]
            if number >= len(NAMES):
                given = f"{given}{number}"
            child = await place_child(
                db,
                location_id=location,
                coordinator_id=coordinator_id,
                start=days_back(30),
                given_name=given,
                family_name=family,
                age=5 + number % 7,
            )
            placed.append(child.placement_id)
        return placed

    return Room(settings, location, youth_worker, coordinator, in_session(settings, work))


def stored(room: Room) -> dict[UUID, str]:
    async def work(db) -> dict[UUID, str]:
        rows = await db.execute(
            select(Attendance.placement_id, Attendance.status).where(
                Attendance.location_id == room.location, Attendance.day == today()
            )
        )
        return dict(rows.all())

    return in_session(room.settings, work)


@pytest.mark.parametrize(("label", "width", "cut"), [("telefoon", 360, "route"), ("desktop", 1280, "offline")])
def test_a_youth_worker_marks_the_whole_list_by_taps_and_a_lost_tap_can_be_repeated(
    new_page, live_database, label, width, cut
):
    room = make_room(live_database, label)
    page = new_page(width)
    log_in(page, room.youth_worker)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Daglijst Huiskamer Daglijst")
    expect(page.locator("[data-child-row]")).to_have_count(len(NAMES))
    screenshot(page, f"daglijst-leeg-{label}")
    assert axe_violations(page) == []
    page.evaluate("window.__sameDocument = 42")  # gone if any tap reloaded the page

    taps = ["present", "present", "present", "ill", "unexcused", "present"]
    for number, (placement, code) in enumerate(zip(room.placements, taps, strict=True)):
        row = page.locator(f"#kind-{placement}")
        button = page.locator(f"#kind-{placement}-{code}")
        if number == 2:  # the network goes for this one tap
            pattern = f"**/daglijst/*/{placement}"
            if cut == "route":
                page.route(pattern, lambda route: route.abort("internetdisconnected"))
            else:
                page.context.set_offline(True)
            button.click()
            problem = row.locator("[data-problem]")
            expect(problem).to_be_visible()
            expect(problem).to_contain_text("Niet opgeslagen")
            expect(row.locator(".status-badge")).to_have_text("nog niet ingevuld")
            screenshot(page, f"daglijst-tik-mislukt-{label}")
            assert placement not in stored(room)
            if cut == "route":
                page.unroute(pattern)
            else:
                page.context.set_offline(False)
            row.get_by_role("button", name="Opnieuw proberen").click()
        else:
            button.click()
        expect(page.locator(f"#kind-{placement}-{code}")).to_have_attribute("aria-pressed", "true")
        expect(page.locator(f"#kind-{placement} [data-problem]")).to_be_hidden()
        # The keyboard stays where it was: on the same button in the new row.
        expect(page.locator(f"#kind-{placement}-{code}")).to_be_focused()

    expect(page.locator("#daglijst-melding")).to_have_text("Milan: aanwezig.")
    expect(page.locator("#telling-aanwezig")).to_have_text("4")
    expect(page.locator("#telling-afwezig")).to_have_text("2")
    assert page.evaluate("window.__sameDocument") == 42, "the taps swapped rows, they did not reload the page"
    codes = {"present": "present", "ill": "absent_excused", "unexcused": "absent_unexcused"}
    assert stored(room) == {p: codes[c] for p, c in zip(room.placements, taps, strict=True)}

    # One tap on a collection person: the first child went home with opa.
    first = page.locator(f"#kind-{room.placements[0]}")
    first.get_by_role("button", name="opa Bakker haalt Noor nu op").click()
    expect(first.locator(".times-said")).to_contain_text("opgehaald door opa Bakker")

    # An observation for the coordinator, from Sem's row.
    second = page.locator(f"#kind-{room.placements[1]}")
    second.locator("summary", has_text="Signaal doorgeven").click()
    second.get_by_label("Wat zag of hoorde u?").fill("Sem was erg stil en wilde niet buiten spelen.")
    second.get_by_role("button", name="Doorgeven aan de coördinator").click()
    expect(second.locator(".row-notice")).to_contain_text("doorgegeven aan de coördinator")
    screenshot(page, f"daglijst-ingevuld-{label}")
    assert axe_violations(page) == []

    coordinator = new_page(width)
    log_in(coordinator, room.coordinator)
    expect(coordinator.get_by_role("main")).to_contain_text("Open signalen (1)")
    screenshot(coordinator, f"coordinator-start-signalen-{label}")
    coordinator.goto("/signalen")
    expect(coordinator.get_by_role("main")).to_contain_text("Sem was erg stil")
    assert axe_violations(coordinator) == []
    coordinator.locator("summary", has_text="Afhandelen").first.click()
    coordinator.get_by_label("Notitie").first.fill("Met vader gebeld; thuis gaat het goed, we houden het in de gaten.")
    screenshot(coordinator, f"signalen-{label}")
    coordinator.get_by_role("button", name="Signaal afhandelen").first.click()
    expect(coordinator.get_by_role("main")).to_contain_text("Er zijn geen open signalen.")

    async def concern_status(db) -> list[str]:
        return list((await db.scalars(select(Concern.status).where(Concern.location_id == room.location))).all())

    assert in_session(room.settings, concern_status) == ["resolved"]


def test_without_javascript_a_tap_is_a_plain_form_that_stores(browser, live_server, live_database):
    room = make_room(live_database, "zonder-js", children=1)
    context = browser.new_context(
        viewport={"width": 360, "height": 900}, base_url=live_server, locale="nl-NL", java_script_enabled=False
    )
    try:
        page = context.new_page()
        log_in(page, room.youth_worker)
        page.locator(f"#kind-{room.placements[0]}-family").click()
        page.wait_for_load_state("networkidle")
        expect(page.locator(".notice").first).to_contain_text("afwezig met bericht (familie)")
        assert stored(room) == {room.placements[0]: "absent_excused"}
    finally:
        context.close()


def test_the_paper_list_of_a_full_house_fits_a4(new_page, live_database):
    room = make_room(live_database, "afdruk", children=70)
    page = new_page(1280)
    log_in(page, room.youth_worker)
    page.goto(f"/locaties/{room.location}/daglijst/{today()}/afdrukken")
    expect(page.locator(".print-table tbody tr")).to_have_count(70)
    screenshot(page, "daglijst-afdrukversie-desktop")
    assert axe_violations(page) == []
    # On paper: A4 is 210 mm wide; less 2 x 12 mm margin that is 186 mm, 703 CSS pixels.
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 703, "height": 1000})
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the printed list is {overflow} px wider than A4"
    assert page.locator(".site-header").is_hidden()
    screenshot(page, "daglijst-afdruk-a4")
    pdf = page.pdf(format="A4", print_background=False)
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    # Every child here has an allergy and a safety note: about 18 a page.
    assert 1 <= pages <= 5, f"70 children on {pages} A4 pages"
    small = new_page(360)
    log_in(small, room.youth_worker)
    small.goto(f"/locaties/{room.location}/daglijst/{today()}/afdrukken")
    screenshot(small, "daglijst-afdrukversie-telefoon")


@pytest.mark.parametrize(("label", "width"), [("telefoon", 360), ("desktop", 1280)])
def test_the_beheerders_settings_page_is_accessible_with_and_without_mistakes(new_page, label, width):
    page = new_page(width)
    log_in(page, "beheer@deschoor.example")
    page.get_by_role("link", name="Instellingen").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", level=1)).to_have_text("Instellingen")
    screenshot(page, f"beheer-instellingen-{label}")
    assert axe_violations(page) == []
    page.get_by_label("Binnen hoeveel dagen").fill("3")
    page.get_by_role("button", name="Instellingen opslaan").click()
    expect(page.locator(".error-summary")).to_contain_text("tussen 7 en 365")
    assert page.get_by_label("Binnen hoeveel dagen").input_value() == "3"
    screenshot(page, f"beheer-instellingen-fout-{label}")
    assert axe_violations(page) == []
