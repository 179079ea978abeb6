"""Who sees which location: staff only their own (another location does not exist for them), referrers every
active one in the API and none of the staff pages, the admin everything."""

from __future__ import annotations

from datetime import timedelta

import pytest

from huiskamer.auth.models import User
from huiskamer.locations.models import Location
from huiskamer.site.templating import dutch_date, today
from tests.factories import api, in_session, login_as, make_location, make_token, make_user


@pytest.fixture
def two_locations(test_settings):
    a = make_location(test_settings, "Huiskamer Anemoon", seats={"mon": 20, "tue": 20})
    b = make_location(test_settings, "Huiskamer Boterbloem", seats={"mon": 70})
    return a, b


def deactivate(settings, user_id) -> None:
    async def work(session):
        (await session.get(User, user_id)).active = False

    in_session(settings, work)


def close_location(settings, location_id) -> None:
    async def work(session):
        (await session.get(Location, location_id)).active = False

    in_session(settings, work)


@pytest.mark.parametrize("role", ["coordinator", "youth_worker"])
def test_staff_cannot_see_another_location(test_settings, client, two_locations, role):
    a, b = two_locations
    user = make_user(test_settings, role, location_ids=(a,))
    login_as(test_settings, client, user)
    assert client.get(f"/locaties/{a}").status_code == 200
    assert client.get(f"/locaties/{b}").status_code == 404

    token = make_token(test_settings, user)
    assert client.get(f"/api/v1/locations/{a}", headers=api(client, token)).status_code == 200
    other = client.get(f"/api/v1/locations/{b}", headers=api(client, token))
    assert other.status_code == 404
    assert "Boterbloem" not in other.text


def test_coordinator_lists_only_their_own_locations(test_settings, client, two_locations):
    a, _ = two_locations
    coordinator = make_user(test_settings, "coordinator", location_ids=(a,))
    token = make_token(test_settings, coordinator)
    listed = client.get("/api/v1/locations", headers=api(client, token))
    assert listed.status_code == 200
    assert [location["id"] for location in listed.json()] == [str(a)]

    login_as(test_settings, client, coordinator)
    page = client.get("/locaties")
    assert page.status_code == 200
    assert "Huiskamer Anemoon" in page.text
    assert "Huiskamer Boterbloem" not in page.text


def test_referrer_lists_every_active_location(test_settings, client, two_locations):
    a, b = two_locations
    closed = make_location(test_settings, "Huiskamer Cactus")
    close_location(test_settings, closed)
    token = make_token(test_settings, make_user(test_settings, "referrer"))
    listed = client.get("/api/v1/locations", headers=api(client, token))
    assert listed.status_code == 200
    assert [location["id"] for location in listed.json()] == [str(a), str(b)]
    assert client.get(f"/api/v1/locations/{closed}", headers=api(client, token)).status_code == 404


def test_referrer_cannot_reach_the_location_pages(test_settings, client, two_locations):
    a, _ = two_locations
    login_as(test_settings, client, make_user(test_settings, "referrer"))
    for path in ("/locaties", f"/locaties/{a}", "/beheer/locaties", "/beheer/locaties/nieuw", f"/beheer/locaties/{a}"):
        assert client.get(path).status_code == 403, path


def test_location_page_shows_the_team_and_the_closure_days_to_come(test_settings, client, two_locations):
    a, b = two_locations
    coming, past = today() + timedelta(days=10), today() - timedelta(days=3)
    location = make_location(test_settings, "Huiskamer Dahlia", seats={"wed": 14}, closure_days=(coming, past))
    coordinator = make_user(test_settings, "coordinator", name="Fatima el Amrani", location_ids=(location,))
    make_user(test_settings, "youth_worker", name="Anna Aalders", location_ids=(location, a))
    gone = make_user(test_settings, "youth_worker", name="Oud Collega", location_ids=(location,))
    deactivate(test_settings, gone)
    make_user(test_settings, "youth_worker", name="Iemand Anders", location_ids=(b,))

    login_as(test_settings, client, coordinator)
    page = client.get(f"/locaties/{location}")
    assert page.status_code == 200
    text = page.text
    team = text.split('id="kop-team"')[1].split("</section>")[0]
    assert "Fatima el Amrani" in team and "coördinator" in team
    assert "Anna Aalders" in team and "kinderwerker" in team
    assert "Oud Collega" not in text
    assert "Iemand Anders" not in text
    assert team.index("Fatima el Amrani") < team.index("Anna Aalders"), "coordinators first"
    assert dutch_date(coming) in text
    assert dutch_date(past) not in text
    assert "Teststraat 1, 1325 AB Almere" in text
    assert "Stedenwijk" in text


def test_admin_may_open_any_location_page(test_settings, client, two_locations):
    a, b = two_locations
    login_as(test_settings, client, make_user(test_settings, "admin"))
    assert client.get(f"/locaties/{a}").status_code == 200
    assert client.get(f"/locaties/{b}").status_code == 200
    page = client.get("/locaties").text
    assert "Huiskamer Anemoon" in page and "Huiskamer Boterbloem" in page


def test_staff_without_the_location_in_scope_cannot_guess_it(test_settings, client, two_locations):
    _, b = two_locations
    youth_worker = make_user(test_settings, "youth_worker", location_ids=(two_locations[0],))
    login_as(test_settings, client, youth_worker)
    assert client.get("/locaties/niet-een-id").status_code == 404
    assert client.get(f"/locaties/{str(b).upper()}").status_code == 404
