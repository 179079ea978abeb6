"""Closures as a list of ranges: the coordinator of a location manages them (with school holidays as a
suggestion), a coordinator of another location finds nothing, a youth worker may not; a bad row gets its own
message and the form keeps what was typed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from huiskamer.locations.holidays import SCHOOL_HOLIDAYS
from huiskamer.locations.models import ClosureDay
from huiskamer.site.templating import today
from tests.factories import api, in_session, login_as, make_location, make_token, make_user, post_form


@pytest.fixture
def two_locations(test_settings):
    a = make_location(test_settings, "Huiskamer Anemoon", seats={"mon": 20, "tue": 20})
    b = make_location(test_settings, "Huiskamer Boterbloem", seats={"mon": 70})
    return a, b


def stored(settings, location_id) -> list[tuple[date, date, str]]:
    from sqlalchemy import select

    async def work(session):
        rows = await session.scalars(select(ClosureDay).where(ClosureDay.location_id == location_id))
        return sorted((row.day, row.last_day, row.description) for row in rows)

    return in_session(settings, work)


def test_coordinator_saves_a_range_and_a_ticked_school_holiday(test_settings, client, two_locations):
    a, _ = two_locations
    login_as(test_settings, client, make_user(test_settings, "coordinator", location_ids=(a,)))
    path = f"/locaties/{a}/sluitingsdagen"
    page = client.get(path + "?regio=zuid")
    assert page.status_code == 200
    upcoming = [h for h in SCHOOL_HOLIDAYS["zuid"] if h.last_day >= today()]
    assert upcoming[0].description in page.text
    first = today() + timedelta(days=3)
    holiday = upcoming[-1]
    answer = post_form(
        client,
        path,
        {
            "first.0": first.isoformat(),
            "last.0": (first + timedelta(days=4)).isoformat(),
            "description.0": "Studiedagen",
            "regio": "zuid",
            "suggest": f"{holiday.first_day}|{holiday.last_day}|{holiday.description}",
        },
    )
    assert answer.status_code == 303, answer.text
    assert stored(test_settings, a) == sorted(
        [
            (first, first + timedelta(days=4), "Studiedagen"),
            (holiday.first_day, holiday.last_day, holiday.description),
        ]
    )
    detail = client.get(f"/locaties/{a}")
    assert "Studiedagen" in detail.text and " t/m " in detail.text

    # Removing the range keeps the holiday.
    answer = post_form(
        client,
        path,
        {
            "first.0": first.isoformat(),
            "last.0": (first + timedelta(days=4)).isoformat(),
            "description.0": "Studiedagen",
            "remove.0": "on",
            "first.1": holiday.first_day.isoformat(),
            "last.1": holiday.last_day.isoformat(),
            "description.1": holiday.description,
        },
    )
    assert answer.status_code == 303
    assert stored(test_settings, a) == [(holiday.first_day, holiday.last_day, holiday.description)]


def test_every_bad_row_gets_its_own_message_and_keeps_what_was_typed(test_settings, client, two_locations):
    a, _ = two_locations
    login_as(test_settings, client, make_user(test_settings, "coordinator", location_ids=(a,)))
    soon = today() + timedelta(days=10)
    answer = post_form(
        client,
        f"/locaties/{a}/sluitingsdagen",
        {
            "first.0": "2027-02-30",
            "description.0": "Voorjaarsvakantie",
            "first.1": soon.isoformat(),
            "last.1": (soon - timedelta(days=2)).isoformat(),
            "first.2": (today() - timedelta(days=20)).isoformat(),
            "last.2": (today() - timedelta(days=10)).isoformat(),
            "first.3": "",
            "description.3": "x" * 300,
        },
    )
    assert answer.status_code == 422
    assert "Dat is geen geldige datum" in answer.text
    assert "De laatste dag ligt voor de eerste dag." in answer.text
    assert "Vul de eerste dag in" in answer.text
    assert 'value="2027-02-30"' in answer.text and "Voorjaarsvakantie" in answer.text
    assert stored(test_settings, a) == []


def test_a_past_closure_and_an_overlap_are_refused(test_settings, client, two_locations):
    a, _ = two_locations
    login_as(test_settings, client, make_user(test_settings, "coordinator", location_ids=(a,)))
    soon = today() + timedelta(days=10)
    path = f"/locaties/{a}/sluitingsdagen"
    past = post_form(client, path, {"first.0": (today() - timedelta(days=3)).isoformat()})
    assert past.status_code == 422 and "helemaal in het verleden" in past.text
    overlap = post_form(
        client,
        path,
        {
            "first.0": soon.isoformat(),
            "last.0": (soon + timedelta(days=5)).isoformat(),
            "first.1": (soon + timedelta(days=2)).isoformat(),
        },
    )
    assert overlap.status_code == 422 and "valt samen met de sluiting" in overlap.text


@pytest.mark.parametrize("role", ["coordinator", "youth_worker", "referrer"])
def test_others_cannot_manage_the_closures(test_settings, client, two_locations, role):
    a, b = two_locations
    user = make_user(test_settings, role, location_ids=(b,) if role != "referrer" else ())
    login_as(test_settings, client, user)
    expected = {"coordinator": 404, "youth_worker": 403, "referrer": 403}[role]
    assert client.get(f"/locaties/{a}/sluitingsdagen").status_code == expected
    assert stored(test_settings, a) == []


def test_api_takes_ranges_and_keeps_plain_dates(test_settings, client, two_locations):
    a, _ = two_locations
    token = make_token(test_settings, make_user(test_settings, "admin"))
    answer = client.patch(
        f"/api/v1/locations/{a}",
        json={
            "closure_days": [
                "2027-01-01",
                {"date": "2027-02-15", "last_date": "2027-02-19", "description": "Voorjaarsvakantie"},
                "2027-04-26 t/m 2027-04-30 Meivakantie",
            ]
        },
        headers=api(client, token),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["closure_days"] == [
        {"date": "2027-01-01", "last_date": "2027-01-01", "description": ""},
        {"date": "2027-02-15", "last_date": "2027-02-19", "description": "Voorjaarsvakantie"},
        {"date": "2027-04-26", "last_date": "2027-04-30", "description": "Meivakantie"},
    ]
    bad = client.patch(
        f"/api/v1/locations/{a}",
        json={"closure_days": [{"date": "2027-02-19", "last_date": "2027-02-15"}]},
        headers=api(client, token),
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "closure_days.0"
