"""Goal progress in a real browser at phone and desktop width: a kinderwerker opens a child's page, taps a rating
and saves an observation, which comes back in place (no page load); with the network cut for one tap the failure
shows on that goal and the retry lands; a mistake shows on its goal. The coordinator
sees it in the progress over time, records the evaluation with the parents and finds the list of evaluations
due. axe finds no WCAG 2.1 A/AA violation on these pages; screenshots at 360 and 1280 px."""

from __future__ import annotations

from uuid import UUID

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.auth.models import User
from huiskamer.config import Settings
from huiskamer.locations.models import Location
from huiskamer.progress.rules import add_months
from huiskamer.site.templating import today
from tests.browser.conftest import axe_violations, log_in, screenshot
from tests.factories import in_session
from tests.web.progress_helpers import add_progress_rows, make_placed_child

pytestmark = pytest.mark.browser

COORDINATOR = "f.elamrani@deschoor.example"  # Huiskamer De Vaart
YOUTH_WORKER = "s.ramnath@deschoor.example"  # Huiskamer De Vaart
GOALS = ("Minder snel boos worden als ik verlies", "Zelf vragen of ik mee mag doen")


def _ids(settings: Settings) -> tuple[UUID, UUID, UUID]:
    async def work(session: AsyncSession) -> tuple[UUID, UUID, UUID]:
        location = await session.scalar(select(Location.id).where(Location.name == "Huiskamer De Vaart"))
        coordinator = await session.scalar(select(User.id).where(User.email == COORDINATOR))
        worker = await session.scalar(select(User.id).where(User.email == YOUTH_WORKER))
        assert location and coordinator and worker
        return location, coordinator, worker

    return in_session(settings, work)


@pytest.mark.parametrize(("label", "width"), [("telefoon", 360), ("desktop", 1280)])
def test_youth_worker_adds_a_progress_note_and_the_coordinator_sees_it(new_page, live_database, label, width):
    settings = Settings(database_url=live_database)
    location, coordinator_id, worker_id = _ids(settings)
    given = f"Mila{width}"
    child = make_placed_child(
        settings, location, coordinator_id, given=given, family="Verbeek", start=add_months(today(), -4), goals=GOALS
    )
    history = [(60, 1, "Gooide het spel om."), (40, 2, "Boos, maar liep zelf weg om af te koelen."), (20, 2, "")]
    add_progress_rows(settings, child.goal_ids[0], child.referral_id, worker_id, history)

    worker = new_page(width)
    log_in(worker, YOUTH_WORKER)
    worker.goto(f"/kinderen/{child.referral_id}")
    expect(worker.get_by_role("heading", level=1)).to_contain_text(given)
    expect(worker.get_by_role("main")).not_to_contain_text("Verbeek")
    assert axe_violations(worker) == []
    screenshot(worker, f"kind-kinderwerker-{label}")

    worker.evaluate("window.stillTheSamePage = true")
    first = worker.locator(f"#doel-{child.goal_ids[0]}")
    first.get_by_text("gaat goed").click()
    first.get_by_label("Wat zag je?").fill("Verloor met memory en bleef rustig.")
    worker.context.set_offline(True)  # the network is gone for this tap: the failure shows on this goal
    first.get_by_role("button", name="Opslaan").click()
    expect(first.locator("[data-problem]")).to_contain_text("Niet opgeslagen: er is geen verbinding")
    if width == 360:
        screenshot(worker, "kind-kinderwerker-geen-netwerk-telefoon")
    worker.context.set_offline(False)
    assert first.get_by_label("Wat zag je?").input_value() == "Verloor met memory en bleef rustig."
    first.get_by_role("button", name="Opslaan").click()  # the retry lands
    saved = worker.locator(f"#doel-{child.goal_ids[0]}")
    expect(saved.get_by_role("status")).to_contain_text("Opgeslagen: 3 gaat goed", timeout=20_000)
    expect(saved).to_contain_text("Laatste observatie: 3 gaat goed (vandaag)")
    expect(saved.locator("[data-problem]")).to_be_hidden()
    assert worker.evaluate("window.stillTheSamePage") is True  # swapped in place, no page load

    second = worker.locator(f"#doel-{child.goal_ids[1]}")
    second.get_by_role("button", name="Opslaan").click()  # no rating chosen: the mistake shows on this goal
    expect(worker.locator(f"#doel-{child.goal_ids[1]} .error-summary")).to_contain_text("Kies hoe het gaat")
    assert axe_violations(worker) == []
    screenshot(worker, f"kind-kinderwerker-opgeslagen-{label}")

    coordinator = new_page(width)
    log_in(coordinator, COORDINATOR)
    coordinator.goto(f"/kinderen/{child.referral_id}")
    goal = coordinator.locator(f"#doel-{child.goal_ids[0]}")
    expect(goal.locator(".progress-figures")).to_contain_text("Laatst: 3 gaat goed")
    expect(goal.locator(".progress-figures")).to_contain_text("4 observaties")
    expect(goal.locator("svg.sparkline title")).to_have_text(
        "Beoordelingen, van oud naar nieuw: 1, 2, 2, 3 (van 1 nog niet tot 4 behaald)."
    )
    goal.get_by_text("Alle observaties (4)").click()
    expect(goal.get_by_role("table")).to_contain_text("Verloor met memory en bleef rustig.")
    expect(coordinator.locator("#evaluaties")).to_contain_text("te laat")
    assert axe_violations(coordinator) == []
    screenshot(coordinator, f"kind-coordinator-{label}")

    coordinator.get_by_role("link", name="Evaluatie vastleggen").click()
    coordinator.wait_for_load_state("networkidle")
    expect(coordinator.get_by_role("heading", level=1)).to_contain_text("Evaluatie met de ouders")
    assert axe_violations(coordinator) == []
    screenshot(coordinator, f"evaluatie-formulier-{label}")
    coordinator.get_by_role("group", name=GOALS[0]).get_by_label("Behaald").check()
    coordinator.get_by_role("group", name=GOALS[1]).get_by_label("Loopt door").check()
    coordinator.get_by_label("Notitie van het gesprek").fill("Ouders zien thuis ook dat het beter gaat.")
    coordinator.get_by_role("button", name="Evaluatie vastleggen").click()
    coordinator.wait_for_load_state("networkidle")
    expect(coordinator.get_by_role("main")).to_contain_text("De evaluatie is vastgelegd.")
    expect(coordinator.locator("#evaluaties")).to_contain_text("Ouders zien thuis ook dat het beter gaat.")
    expect(coordinator.get_by_role("main")).to_contain_text("Afgeronde doelen")

    coordinator.goto("/evaluaties?binnen=alle")
    expect(coordinator.get_by_role("heading", level=1)).to_have_text("Evaluaties")
    expect(coordinator.get_by_role("main")).to_contain_text(f"{given} Verbeek")
    assert axe_violations(coordinator) == []
    screenshot(coordinator, f"evaluaties-{label}")

    coordinator.goto("/")
    expect(coordinator.locator("#kop-evaluaties")).to_contain_text("Evaluaties binnenkort")
    assert axe_violations(coordinator) == []
    screenshot(coordinator, f"start-coordinator-evaluaties-{label}")
