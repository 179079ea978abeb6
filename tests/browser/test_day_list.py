"""The day list in a real browser on a phone (360 × 740) and a desktop: the big huiskamer's 57 children on at
most six screens; the whole list marked with the network off, a reload while offline, and every tap stored
exactly once when the network is back; two phones tapping the same child, the later tap stands; log-out leaves
nothing of one kinderwerker for the next, online or offline; search and filters; the pick-up warning and its
concern for the coordinator; a worry about a child's safety and the Meldcode; no JavaScript at all; the paper
list on A4. axe finds no WCAG 2.1 A/AA violation. Screenshots land in screenshots/.

Every test makes a location of its own in the live server's database (seats every day, children placed a month
ago), so that nothing depends on the weekday it runs on."""

from __future__ import annotations

import contextlib
import itertools
import re
from dataclasses import dataclass
from uuid import UUID

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from sqlalchemy import func, select

from huiskamer.attendance.models import Attendance, AttendanceTap, Concern
from huiskamer.config import Settings
from huiskamer.demo import DEMO_PASSWORD
from huiskamer.site.templating import short_id, today
from tests.attendance_helpers import ALL_DAYS, days_back, place_child
from tests.browser.conftest import axe_violations, go_to, log_in, screenshot
from tests.factories import in_session, make_location, make_user

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
GIVEN = ("Noor", "Sem", "Lina", "Ayoub", "Fenna", "Milan", "Elif", "Daan", "Yara", "Bram", "Sara", "Mees", "Zoë")
FAMILY = ("Bakker", "Yilmaz", "de Vries", "El Amrani", "Jansen", "Ramdin", "Öztürk", "Visser", "Mulder", "Bos")
_run = itertools.count(1)


@dataclass
class Room:
    settings: Settings
    location: UUID
    youth_worker: str
    coordinator: str
    placements: list[UUID]
    names: list[str]

    def row(self, page, n: int):
        return page.locator(f"#k-{short_id(self.placements[n])}")


def make_room(url: str, label: str, children: int = 6, first: int = 0) -> Room:
    """A location with children as a big huiskamer has them: a third with an allergy or a safety note."""
    settings = Settings(database_url=url)
    n = next(_run)
    location = make_location(settings, f"Huiskamer {label} {n}", seats=dict.fromkeys(ALL_DAYS, 80))
    youth_worker = f"kinderwerker-{label}-{n}@test.example"
    coordinator = f"coordinator-{label}-{n}@test.example"
    make_user(settings, "youth_worker", email=youth_worker, name="Kim Kinderwerker", location_ids=(location,),
              password=DEMO_PASSWORD)  # fmt: skip
    coordinator_id = make_user(settings, "coordinator", email=coordinator, name="Cor Coördinator",
                               location_ids=(location,), password=DEMO_PASSWORD)  # fmt: skip
    names = [f"{GIVEN[k % len(GIVEN)]}{'' if k < len(GIVEN) else k}" for k in range(first, first + children)]

    async def work(db) -> list[UUID]:
        placed = []
        for k, given in enumerate(names):
            child = await place_child(
                db,
                location_id=location,
                coordinator_id=coordinator_id,
                start=days_back(30),
                given_name=given,
                family_name=FAMILY[k % len(FAMILY)],
                age=5 + k % 7,
                allergies="Pinda's" if k % 6 == 0 else None,
                safety_notes="Vader mag haar niet ophalen." if k % 6 == 3 else None,
                not_allowed_collectors=("P. Jansen (vader)",) if k % 6 == 3 else (),
            )
            placed.append(child.placement_id)
        return placed

    return Room(settings, location, youth_worker, coordinator, in_session(settings, work), names)


def stored(room: Room) -> dict[UUID, str]:
    async def work(db) -> dict[UUID, str]:
        rows = await db.execute(
            select(Attendance.placement_id, Attendance.status).where(
                Attendance.location_id == room.location, Attendance.day == today()
            )
        )
        return dict(rows.all())

    return in_session(room.settings, work)


def taps_stored(room: Room) -> int:
    async def work(db) -> int:
        query = select(func.count()).select_from(AttendanceTap).where(AttendanceTap.placement_id.in_(room.placements))
        return await db.scalar(query)

    return in_session(room.settings, work)


def concerns(room: Room) -> list[tuple[str, str]]:
    async def work(db) -> list[tuple[str, str]]:
        rows = await db.execute(select(Concern.kind, Concern.text).where(Concern.location_id == room.location))
        return [tuple(row) for row in rows.all()]

    return in_session(room.settings, work)


def phone(browser, live_server: str):
    context = browser.new_context(viewport=PHONE, base_url=live_server, locale="nl-NL")
    return context, context.new_page()


def offline_ready(page) -> None:
    """The service worker runs this page and has today's list stored."""
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=15000)
    page.wait_for_function(
        "caches.keys().then(k => k.some(n => n.startsWith('hk-lijsten|')))", timeout=15000, polling=300
    )


def all_sent(page) -> None:
    """Every tap made on this page has been answered by the server (the script counts what waits)."""
    expect(page.locator("[data-day-sheet]")).to_have_attribute("data-unsent", "0", timeout=30000)
    expect(page.locator("[data-queue]")).to_be_hidden()


def test_the_big_huiskamer_on_a_phone_fits_six_screens_and_is_marked_offline_with_a_reload(
    browser, live_server, live_database
):
    room = make_room(live_database, "Vaart", children=57)
    context, page = phone(browser, live_server)
    try:
        log_in(page, room.youth_worker)
        expect(page.locator(".kid")).to_have_count(57)
        # One line per child: the list of 57 ends within six screens of 360 × 740.
        bottom = page.evaluate("document.querySelector('[data-day-list]').getBoundingClientRect().bottom + scrollY")
        assert bottom <= 6 * 740, f"the list ends at {bottom:.0f} px, more than six screens"
        heights = page.evaluate("[...document.querySelectorAll('.kid')].map(r => r.getBoundingClientRect().height)")
        assert max(heights) <= 90 and sum(heights) / len(heights) <= 72, heights
        screenshot(page, "daglijst-57-telefoon")
        assert axe_violations(page) == []
        offline_ready(page)

        page.context.set_offline(True)
        plan = ["present"] * 40 + ["ill"] * 8 + ["unexcused"] * 9
        for n, code in enumerate(plan[:30]):
            tap_row(page, room, n, code)
        expect(page.locator("[data-queue]")).to_contain_text("30 tikken nog niet verstuurd")
        expect(page.locator("[data-queue]")).to_contain_text("geen verbinding")
        screenshot(page, "daglijst-offline-telefoon")
        page.reload()  # offline: the stored list, with the phone's own taps on it
        expect(page.locator(".kid")).to_have_count(57)
        expect(page.locator("[data-queue]")).to_contain_text("30 tikken nog niet verstuurd")
        expect(room.row(page, 0)).to_have_class("kid s-present")
        expect(page.locator("[data-count=present]")).to_have_text("30")
        for n, code in enumerate(plan[30:], start=30):
            tap_row(page, room, n, code)
        expect(page.locator("[data-queue]")).to_contain_text("57 tikken nog niet verstuurd")
        assert stored(room) == {}, "nothing reached the server while offline"

        page.context.set_offline(False)
        all_sent(page)
        statuses = {"present": "present", "ill": "absent_excused", "unexcused": "absent_unexcused"}
        assert stored(room) == {
            placement: statuses[code] for placement, code in zip(room.placements, plan, strict=True)
        }
        assert taps_stored(room) == 57, "every tap stored exactly once"
        expect(page.locator("[data-count=present]")).to_have_text("40")
        expect(page.locator("[data-count=absent]")).to_have_text("17")
        page.reload()
        expect(room.row(page, 56)).to_have_class("kid s-absent_unexcused")
        assert taps_stored(room) == 57, "a reload sends nothing twice"
    finally:
        context.close()


def tap_row(page, room: Room, n: int, code: str) -> None:
    row = room.row(page, n)
    if code == "present":
        row.locator(".kp").click()
        return
    row.locator("summary").click()
    label = {"ill": "Ziek", "unexcused": "Afwezig zonder bericht", "family": "Familie"}[code]
    row.get_by_role("button", name=label, exact=True).click()
    row.locator("summary").click()


def test_two_phones_tapping_the_same_child_the_later_tap_stands(browser, live_server, live_database):
    room = make_room(live_database, "Twee", children=3)
    first, one = phone(browser, live_server)
    second, two = phone(browser, live_server)
    try:
        for page in (one, two):
            log_in(page, room.youth_worker)
        offline_ready(one)
        one.context.set_offline(True)
        tap_row(one, room, 0, "ill")  # the earlier tap, waiting on a phone without a network
        expect(one.locator("[data-queue]")).to_contain_text("1 tik nog niet verstuurd")
        tap_row(two, room, 0, "present")  # the later tap, sent at once
        all_sent(two)
        assert stored(room) == {room.placements[0]: "present"}
        one.context.set_offline(False)
        all_sent(one)
        assert stored(room) == {room.placements[0]: "present"}, "the earlier tap, arriving later, changes nothing"
        assert taps_stored(room) == 2
        expect(room.row(one, 0)).to_have_class("kid s-present")  # the phone shows what stands
    finally:
        first.close()
        second.close()


def test_log_out_leaves_nothing_of_one_kinderwerker_for_the_next_online_or_offline(browser, live_server, live_database):
    mine = make_room(live_database, "Eerste", children=3)
    theirs = make_room(live_database, "Tweede", children=3, first=5)
    context, page = phone(browser, live_server)
    try:
        log_in(page, mine.youth_worker)
        offline_ready(page)
        page.context.set_offline(True)
        tap_row(page, mine, 0, "present")
        page.context.set_offline(False)
        all_sent(page)
        page.locator(".menu-button").click()
        page.get_by_role("button", name="Uitloggen").click()
        expect(page).to_have_url(re.compile(r"/inloggen\?uitgelogd=1$"))
        page.wait_for_load_state("networkidle")
        assert not [name for name in page.evaluate("caches.keys()") if name.startswith("hk-lijsten|")]
        assert page.evaluate("window.huiskamerOpslag.taps().then(t => t.length)") == 0
        page.context.set_offline(True)
        with contextlib.suppress(PlaywrightError):  # no worker, no page: the browser's own error shows nobody
            page.goto("/daglijst")
        shown = settled_text(page)
        assert mine.names[0] not in shown and "Kim" not in shown
        page.context.set_offline(False)
        log_in(page, theirs.youth_worker)
        expect(page.locator(".kid")).to_have_count(3)
        assert mine.names[0] not in page.content() and theirs.names[0] in page.content()
        offline_ready(page)
        page.context.set_offline(True)
        page.reload()
        expect(page.locator(".kid")).to_have_count(3)
        assert mine.names[0] not in page.content() and theirs.names[0] in page.content()
        names = page.evaluate("caches.keys()")
        assert [name for name in names if name.startswith("hk-lijsten|")] == [f"hk-lijsten|{user_of(theirs)}|{today()}"]
    finally:
        context.close()


def settled_text(page) -> str:
    """The text of the page once a failing navigation has settled on whatever the browser shows instead."""
    for _ in range(20):
        with contextlib.suppress(PlaywrightError):
            page.wait_for_load_state("load")
            return page.evaluate("document.body ? document.body.innerText : ''")
        page.wait_for_timeout(200)
    raise AssertionError("the page did not settle")


def user_of(room: Room) -> str:
    from huiskamer.auth.models import User

    async def work(db) -> str:
        return str(await db.scalar(select(User.id).where(User.email == room.youth_worker.lower())))

    return in_session(room.settings, work)


def test_search_filters_and_the_pick_up_warning_with_its_concern(browser, live_server, live_database):
    room = make_room(live_database, "Zoek", children=10)
    context, page = phone(browser, live_server)
    try:
        log_in(page, room.youth_worker)
        search = page.get_by_label("Zoek een kind op naam")
        search.fill("ozt")  # Elif Öztürk: accents and case ignored
        expect(page.locator(".kid:visible")).to_have_count(1)
        expect(page.locator(".kid:visible summary")).to_contain_text("Elif Ö.")
        screenshot(page, "daglijst-zoeken-telefoon")
        search.fill("")
        tap_row(page, room, 1, "present")
        tap_row(page, room, 2, "ill")
        page.locator("label", has_text="Aanwezig").click()
        expect(page.locator(".kid:visible")).to_have_count(1)
        page.locator("label", has_text="Afwezig").click()
        expect(page.locator(".kid:visible")).to_have_count(1)
        page.locator("label", has_text="Nog niet").click()
        expect(page.locator(".kid:visible")).to_have_count(8)
        page.locator("label", has_text="Alle").click()
        expect(page.locator(".kid:visible")).to_have_count(10)

        # Milan (row 3 ... k % 6 == 3) may not be collected by his father.
        tap_row(page, room, 3, "present")
        all_sent(page)
        row = room.row(page, 3)
        row.locator("summary").click()
        expect(row).to_contain_text("Mag níet ophalen")
        row.get_by_label("Opgehaald door").fill("P. Jansen (VADER)")
        row.get_by_role("button", name="Opslaan").click()
        expect(row.locator(".row-problem")).to_contain_text(f"P. Jansen (VADER) mag {room.names[3]} niet ophalen")
        screenshot(page, "daglijst-ophalen-waarschuwing-telefoon")
        assert axe_violations(page) == []
        assert concerns(room) == [], "nothing is stored before the warning is confirmed"
        row.get_by_role("button", name="Toch vastleggen").click()
        all_sent(page)
        expect(room.row(page, 3).locator(".ks")).to_contain_text("met P. Jansen (VADER)")
        [(kind, text)] = concerns(room)
        assert kind == "pickup" and "op de lijst ‘mag niet ophalen’ staat (P. Jansen (vader))" in text

        coordinator = context.new_page()
        coordinator.context.clear_cookies()
        log_in(coordinator, room.coordinator)
        expect(coordinator.locator("#kop-dringend")).to_contain_text("Dringend: 1 signaal")
        screenshot(coordinator, "coordinator-dringend-telefoon")
    finally:
        context.close()


def test_a_worry_about_a_childs_safety_goes_through_the_meldcode(new_page, live_database):
    room = make_room(live_database, "Zorg", children=2)
    page = new_page(360)
    log_in(page, room.youth_worker)
    row = room.row(page, 0)
    row.locator("summary").click()
    row.get_by_role("link", name="Signaal doorgeven").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Signaal over {room.names[0]}")
    page.get_by_role("button", name="Doorgeven aan de coördinator").click()
    expect(page.locator(".error-summary")).to_be_visible()
    page.get_by_label(f"Ik maak me zorgen over de veiligheid van {room.names[0]}").check()
    page.get_by_label("Wat zag of hoorde u?").fill("Blauwe plekken op beide armen; wilde niet naar huis.")
    screenshot(page, "signaal-zorg-telefoon")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Doorgeven aan de coördinator").click()
    expect(page.locator(".notice").first).to_contain_text("meteen aan de coördinator doorgegeven")

    coordinator = new_page(1280)
    log_in(coordinator, room.coordinator)
    coordinator.goto("/signalen")
    card = coordinator.locator(".concern-urgent").first
    expect(card).to_contain_text("Zorg om de veiligheid van het kind (Meldcode)")
    expect(card.locator(".meldcode-step")).to_have_count(5)
    for step in range(1, 6):
        card = coordinator.locator(".concern-urgent").first
        card.locator("summary", has_text=f"Stap {step} vastleggen").click()
        card.get_by_label("Wat deed u, en wat kwam eruit?").fill(f"Stap {step}: gedaan en besproken.")
        card.get_by_role("button", name=f"Stap {step} vastleggen").click()
        expect(coordinator.locator(".notice").first).to_contain_text(f"Stap {step} van de Meldcode is vastgelegd")
    screenshot(coordinator, "signalen-meldcode-desktop")
    assert axe_violations(coordinator) == []
    card = coordinator.locator(".concern-urgent").first
    card.locator("summary", has_text="Afhandelen").click()
    card.get_by_label("Notitie").fill("Melding gedaan bij Veilig Thuis; hulp is gestart.")
    card.get_by_role("button", name="Signaal afhandelen").click()
    expect(coordinator.get_by_role("main")).to_contain_text("Er zijn geen open signalen.")


def test_on_a_desktop_the_list_and_the_menu_are_all_in_view(new_page, live_database):
    room = make_room(live_database, "Bureau", children=6)
    page = new_page(1280)
    log_in(page, room.youth_worker)
    expect(page.get_by_role("link", name="Mijn locaties")).to_be_visible()  # the menu is open, no button
    expect(page.locator(".menu-button")).to_be_hidden()
    room.row(page, 0).locator(".kp").click()
    expect(room.row(page, 0)).to_have_class("kid s-present")
    room.row(page, 1).locator("summary").click()
    screenshot(page, "daglijst-desktop")
    assert axe_violations(page) == []
    small = new_page(360)
    log_in(small, room.youth_worker)
    expect(small.get_by_role("link", name="Mijn locaties")).to_be_hidden()  # folded behind the menu button
    small.locator(".menu-button").click()
    expect(small.get_by_role("link", name="Mijn locaties")).to_be_visible()
    screenshot(small, "menu-open-telefoon")


def test_without_javascript_the_list_is_a_plain_form_that_stores(browser, live_server, live_database):
    room = make_room(live_database, "ZonderJS", children=2)
    context = browser.new_context(viewport=PHONE, base_url=live_server, locale="nl-NL", java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, room.youth_worker)
        row = room.row(page, 0)
        row.locator("summary").click()
        row.get_by_role("button", name="Familie").click()
        page.wait_for_load_state("networkidle")
        expect(page.locator(".notice").first).to_contain_text("afwezig met bericht (familie)")
        page.get_by_label("Zoek een kind op naam").fill(room.names[1])
        page.get_by_role("button", name="Zoek").click()
        expect(page.locator(".kid")).to_have_count(1)
        assert stored(room) == {room.placements[0]: "absent_excused"}
    finally:
        context.close()


def test_the_paper_list_of_a_full_house_fits_a4(new_page, live_database):
    room = make_room(live_database, "Afdruk", children=70)
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
    assert 1 <= pages <= 4, f"70 children on {pages} A4 pages"


@pytest.mark.parametrize(("label", "width"), [("telefoon", 360), ("desktop", 1280)])
def test_the_beheerders_settings_page_is_accessible_with_and_without_mistakes(new_page, label, width):
    page = new_page(width)
    log_in(page, "beheer@deschoor.example")
    go_to(page, "Instellingen")
    expect(page.get_by_role("heading", level=1)).to_have_text("Instellingen")
    screenshot(page, f"beheer-instellingen-{label}")
    assert axe_violations(page) == []
    page.get_by_label("Binnen hoeveel dagen").fill("3")
    page.get_by_role("button", name="Instellingen opslaan").click()
    expect(page.locator(".error-summary")).to_contain_text("tussen 7 en 365")
    assert page.get_by_label("Binnen hoeveel dagen").input_value() == "3"
    screenshot(page, f"beheer-instellingen-fout-{label}")
    assert axe_violations(page) == []
