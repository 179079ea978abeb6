"""The beheerder's location pages: the form really stores what was typed, and bad input comes back with a
message next to each field and everything still filled in."""

from __future__ import annotations

import html
import re
from datetime import date
from uuid import UUID

import pytest
from sqlalchemy import select

from huiskamer.locations.models import Location
from tests.factories import error_next_to, in_session, login_as, make_location, make_user, post_form

NEW = "/beheer/locaties/nieuw"


def form(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Huiskamer De Wadden",
        "address": "Waddenweg 5, 1324 AA Almere",
        "neighbourhoods": "Stedenwijk\nWaterwijk\n",
        "min_age": "4",
        "max_age": "12",
        "capacity.mon": "20",
        "capacity.tue": "20",
        "capacity.wed": "12",
        "capacity.thu": "20",
        "capacity.fri": "18",
        "capacity.sat": "0",
        "capacity.sun": "",
        "closure_days": "2026-12-25 Eerste kerstdag\n26-12-2026 Tweede kerstdag\n2026-12-25\n",
        "active": "on",
    }
    data.update(overrides)
    return data


def stored(settings, name: str) -> Location | None:
    async def work(session):
        return await session.scalar(select(Location).where(Location.name == name))

    return in_session(settings, work)


def input_value(page: str, field: str) -> str:
    match = re.search(rf'<input id="veld-{re.escape(field.replace(".", "-"))}"[^>]*\bvalue="([^"]*)"', page)
    assert match, f"no input for {field}"
    return html.unescape(match.group(1))


def textarea_value(page: str, field: str) -> str:
    match = re.search(rf'<textarea id="veld-{re.escape(field)}"[^>]*>(.*?)</textarea>', page, re.S)
    assert match, f"no textarea for {field}"
    return html.unescape(match.group(1))


@pytest.fixture
def admin_client(test_settings, client):
    login_as(test_settings, client, make_user(test_settings, "admin"))
    return client


def test_admin_creates_location_through_the_form_and_it_is_really_stored(test_settings, admin_client):
    response = post_form(admin_client, NEW, form())
    assert response.status_code == 303
    assert response.headers["location"] == "/beheer/locaties"

    listing = admin_client.get("/beheer/locaties")
    assert "Locatie Huiskamer De Wadden is aangemaakt." in listing.text
    assert "Huiskamer De Wadden" in listing.text

    location = stored(test_settings, "Huiskamer De Wadden")
    assert location is not None, "the redirect rolled the new location back"
    assert location.address == "Waddenweg 5, 1324 AA Almere"
    assert location.neighbourhoods == ["Stedenwijk", "Waterwijk"]
    assert (location.min_age, location.max_age, location.active) == (4, 12, True)
    assert location.capacity_by_weekday() == {
        "mon": 20,
        "tue": 20,
        "wed": 12,
        "thu": 20,
        "fri": 18,
        "sat": 0,
        "sun": 0,
    }
    assert [(c.day, c.description) for c in location.closure_days] == [
        (date(2026, 12, 25), "Eerste kerstdag"),
        (date(2026, 12, 26), "Tweede kerstdag"),
    ]


def test_edit_form_shows_what_is_stored(test_settings, admin_client):
    location_id = make_location(
        test_settings, "Huiskamer Zon", seats={"mon": 70, "wed": 35}, closure_days=(date(2026, 12, 25),)
    )
    page = admin_client.get(f"/beheer/locaties/{location_id}")
    assert page.status_code == 200
    assert input_value(page.text, "name") == "Huiskamer Zon"
    assert input_value(page.text, "capacity.mon") == "70"
    assert input_value(page.text, "capacity.wed") == "35"
    assert input_value(page.text, "capacity.tue") == "0"
    assert textarea_value(page.text, "closure_days") == "2026-12-25 Gesloten"
    assert 'name="active" value="on" checked' in page.text


def test_admin_changes_a_location_through_the_form_and_it_is_really_stored(test_settings, admin_client):
    location_id = make_location(test_settings, "Huiskamer Zon", closure_days=(date(2026, 12, 25), date(2027, 1, 1)))
    path = f"/beheer/locaties/{location_id}"
    changed = form(
        name="Huiskamer Zonnebloem",
        closure_days="2027-01-01 Nieuwjaarsdag\n2027-04-27 Koningsdag",
        **{"capacity.mon": "25", "capacity.sat": "8"},
    )
    del changed["active"]  # an unticked checkbox sends nothing
    response = post_form(admin_client, path, changed)
    assert response.status_code == 303
    assert "Locatie Huiskamer Zonnebloem is opgeslagen." in admin_client.get("/beheer/locaties").text

    location = stored(test_settings, "Huiskamer Zonnebloem")
    assert location is not None and location.id == location_id
    assert location.active is False
    assert location.capacity_by_weekday()["mon"] == 25
    assert location.capacity_by_weekday()["sat"] == 8
    assert [(c.day, c.description) for c in location.closure_days] == [
        (date(2027, 1, 1), "Nieuwjaarsdag"),
        (date(2027, 4, 27), "Koningsdag"),
    ]


def test_bad_form_input_gets_a_message_next_to_each_field_and_keeps_what_was_typed(test_settings, admin_client):
    bad = form(
        name="",
        address="Dorpsstraat 1",
        min_age="10",
        max_age="6",
        closure_days="2026-12-25 Eerste kerstdag\n31-02-2026 Bestaat niet",
        **{"capacity.mon": "abc", "capacity.tue": "-1", "capacity.wed": "14"},
    )
    response = post_form(admin_client, NEW, bad)
    assert response.status_code == 422
    page = response.text
    assert "error-summary" in page
    assert error_next_to(page, "name") == "Fout: Vul de naam van de locatie in."
    assert "hoogste leeftijd mag niet lager zijn dan de laagste" in error_next_to(page, "max_age")
    assert "maandag moet een heel getal zijn" in error_next_to(page, "capacity.mon")
    assert "dinsdag moet tussen 0 en 500 liggen" in error_next_to(page, "capacity.tue")
    closure_error = error_next_to(page, "closure_days")
    assert "Regel 2" in closure_error and "31-02-2026" in closure_error
    assert 'id="veld-capacity-wed-fout"' not in page

    assert input_value(page, "address") == "Dorpsstraat 1"
    assert input_value(page, "min_age") == "10"
    assert input_value(page, "max_age") == "6"
    assert input_value(page, "capacity.mon") == "abc"
    assert input_value(page, "capacity.tue") == "-1"
    assert input_value(page, "capacity.wed") == "14"
    assert textarea_value(page, "neighbourhoods") == "Stedenwijk\nWaterwijk\n"
    assert textarea_value(page, "closure_days") == "2026-12-25 Eerste kerstdag\n31-02-2026 Bestaat niet"

    assert stored(test_settings, "") is None
    assert "Er zijn nog geen locaties" in admin_client.get("/beheer/locaties").text


def test_bad_input_on_the_edit_form_changes_nothing(test_settings, admin_client):
    location_id = make_location(test_settings, "Huiskamer Zon", seats={"mon": 20})
    response = post_form(
        admin_client, f"/beheer/locaties/{location_id}", form(name="Huiskamer Zon", **{"capacity.mon": "501"})
    )
    assert response.status_code == 422
    assert "tussen 0 en 500" in error_next_to(response.text, "capacity.mon")
    assert input_value(response.text, "capacity.mon") == "501"
    location = stored(test_settings, "Huiskamer Zon")
    assert location is not None and location.capacity_by_weekday()["mon"] == 20
    assert location.neighbourhoods == ["Stedenwijk"]


def test_a_taken_name_is_refused_next_to_the_name_field(test_settings, admin_client):
    make_location(test_settings, "Huiskamer Zon")
    response = post_form(admin_client, NEW, form(name="huiskamer zon"))
    assert response.status_code == 409
    assert error_next_to(response.text, "name") == "Fout: Er is al een locatie met deze naam."
    assert input_value(response.text, "name") == "huiskamer zon"
    assert stored(test_settings, "huiskamer zon") is None


def test_list_shows_seats_per_weekday_and_whether_a_location_is_active(test_settings, admin_client):
    make_location(test_settings, "Huiskamer Zon", seats={"mon": 70, "sun": 3})
    closed = make_location(test_settings, "Huiskamer Oud")

    async def close(session):
        (await session.get(Location, closed)).active = False

    in_session(test_settings, close)
    page = admin_client.get("/beheer/locaties").text
    sun_row = page.split("Huiskamer Zon")[1].split("</tr>")[0]
    assert re.findall(r'<td class="num day"[^>]*>(\d+)</td>', sun_row) == ["70", "0", "0", "0", "0", "0", "3"]
    assert "badge-ok" in sun_row
    assert "badge-off" in page.split("Huiskamer Oud")[1].split("</tr>")[0]
    assert f'href="/beheer/locaties/{closed}"' in page


@pytest.mark.parametrize("role", ["coordinator", "youth_worker", "referrer"])
def test_only_the_admin_reaches_the_location_administration(test_settings, client, role):
    location_id = make_location(test_settings, "Huiskamer Zon")
    user = make_user(test_settings, role, location_ids=(location_id,) if role != "referrer" else ())
    login_as(test_settings, client, user)
    for path in ("/beheer/locaties", NEW, f"/beheer/locaties/{location_id}"):
        assert client.get(path).status_code == 403, path
    response = post_form(client, f"/beheer/locaties/{location_id}", form(name="Gekaapt"), form_page="/")
    assert response.status_code == 403
    assert post_form(client, NEW, form(name="Nieuw"), form_page="/").status_code == 403
    assert stored(test_settings, "Gekaapt") is None and stored(test_settings, "Nieuw") is None


def test_an_unknown_location_has_no_edit_page(admin_client):
    assert admin_client.get("/beheer/locaties/00000000-0000-0000-0000-000000000001").status_code == 404
    assert admin_client.get("/beheer/locaties/geen-id").status_code == 404
    response = post_form(admin_client, f"/beheer/locaties/{UUID(int=5)}", form(), form_page=NEW)
    assert response.status_code == 404
