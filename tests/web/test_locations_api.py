"""The locations API of api-v1.md: exact field names, PATCH changes only what is sent, admin only, a message per
field for bad input, and every capacity change in the audit trail with its old and new value."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from huiskamer.audit.models import AuditEvent
from huiskamer.locations import service
from huiskamer.locations.models import Location, LocationCapacity
from huiskamer.site.templating import today
from tests.factories import api, in_session, make_location, make_token, make_user

CONTRACT_FIELDS = {"id", "name", "neighbourhoods", "min_age", "max_age", "capacity"}
EXTRA_FIELDS = {"address", "active", "closure_days", "capacity_schedule"}
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def new_location(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Huiskamer De Wadden",
        "neighbourhoods": ["Stedenwijk", "Waterwijk"],
        "min_age": 4,
        "max_age": 12,
        "capacity": {"mon": 20, "tue": 20, "thu": 18},
        "closure_days": ["2026-12-25", "2026-12-26", "2026-12-25"],
    }
    body.update(overrides)
    return body


def errors_of(response) -> dict[str, str]:
    return {error["field"]: error["message"] for error in response.json()["errors"]}


@pytest.fixture
def admin_token(test_settings) -> str:
    return make_token(test_settings, make_user(test_settings, "admin"))


def test_admin_creates_a_location_with_the_contract_fields(test_settings, client, admin_token):
    response = client.post("/api/v1/locations", json=new_location(), headers=api(client, admin_token))
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == CONTRACT_FIELDS | EXTRA_FIELDS
    assert body["name"] == "Huiskamer De Wadden"
    assert body["neighbourhoods"] == ["Stedenwijk", "Waterwijk"]
    assert (body["min_age"], body["max_age"], body["active"], body["address"]) == (4, 12, True, "")
    # A weekday missing from capacity has 0 seats.
    assert body["capacity"] == {"mon": 20, "tue": 20, "wed": 0, "thu": 18, "fri": 0, "sat": 0, "sun": 0}
    assert body["closure_days"] == [
        {"date": "2026-12-25", "last_date": "2026-12-25", "description": ""},
        {"date": "2026-12-26", "last_date": "2026-12-26", "description": ""},
    ]

    fetched = client.get(f"/api/v1/locations/{body['id']}", headers=api(client, admin_token))
    assert fetched.status_code == 200
    assert fetched.json() == body
    listed = client.get("/api/v1/locations", headers=api(client, admin_token)).json()
    assert listed == [body]


def test_patch_changes_only_the_weekdays_that_are_sent(test_settings, client, admin_token):
    location_id = make_location(test_settings, seats={"mon": 20, "tue": 20, "wed": 10, "thu": 20, "fri": 20})
    response = client.patch(
        f"/api/v1/locations/{location_id}", json={"capacity": {"wed": 12, "sat": 6}}, headers=api(client, admin_token)
    )
    assert response.status_code == 200, response.text
    expected = {"mon": 20, "tue": 20, "wed": 12, "thu": 20, "fri": 20, "sat": 6, "sun": 0}
    assert response.json()["capacity"] == expected
    assert response.json()["neighbourhoods"] == ["Stedenwijk"]

    async def seats(session):
        location = await session.get(Location, location_id)
        return location.capacity_by_weekday()

    assert in_session(test_settings, seats) == expected


def test_patch_changes_the_other_fields_and_replaces_the_closure_days(test_settings, client, admin_token):
    location_id = make_location(test_settings, "Huiskamer Zon", closure_days=(date(2026, 12, 25), date(2027, 1, 1)))
    response = client.patch(
        f"/api/v1/locations/{location_id}",
        json={
            "name": "Huiskamer Zonnebloem",
            "address": "Zonweg 1, Almere",
            "neighbourhoods": ["Muziekwijk"],
            "min_age": 6,
            "closure_days": [
                "2027-01-01",
                {"date": "2027-04-27", "last_date": "2027-04-27", "description": "Koningsdag"},
            ],
            "active": False,
        },
        headers=api(client, admin_token),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == "Huiskamer Zonnebloem"
    assert body["address"] == "Zonweg 1, Almere"
    assert body["neighbourhoods"] == ["Muziekwijk"]
    assert (body["min_age"], body["max_age"], body["active"]) == (6, 12, False)
    assert body["closure_days"] == [
        {"date": "2027-01-01", "last_date": "2027-01-01", "description": "Gesloten"},
        {"date": "2027-04-27", "last_date": "2027-04-27", "description": "Koningsdag"},
    ]
    again = client.get(f"/api/v1/locations/{location_id}", headers=api(client, admin_token)).json()
    assert again == body


def test_a_duplicate_name_is_a_conflict(test_settings, client, admin_token):
    make_location(test_settings, "Huiskamer Zon")
    other = make_location(test_settings, "Huiskamer Maan")
    created = client.post(
        "/api/v1/locations", json=new_location(name="HUISKAMER ZON"), headers=api(client, admin_token)
    )
    assert created.status_code == 409
    assert created.json()["detail"] == "Er is al een locatie met deze naam."
    renamed = client.patch(
        f"/api/v1/locations/{other}", json={"name": "Huiskamer Zon"}, headers=api(client, admin_token)
    )
    assert renamed.status_code == 409
    assert client.get(f"/api/v1/locations/{other}", headers=api(client, admin_token)).json()["name"] == "Huiskamer Maan"


@pytest.mark.parametrize("taken", ["Ôase Ëiland", "ÔASE ËILAND"])
def test_a_name_taken_in_letters_beyond_ascii_is_a_conflict_not_a_500(test_settings, client, admin_token, taken):
    """SQLite's lower() folds ASCII letters only: the same name with Ô or Ë slipped past the check and hit the
    unique index (found by schemathesis)."""
    first = client.post("/api/v1/locations", json=new_location(name="Ôase Ëiland"), headers=api(client, admin_token))
    assert first.status_code == 201
    again = client.post("/api/v1/locations", json=new_location(name=taken), headers=api(client, admin_token))
    assert again.status_code == 409
    assert again.json()["detail"] == "Er is al een locatie met deze naam."


@pytest.mark.parametrize("role", ["coordinator", "youth_worker", "referrer"])
def test_only_the_admin_may_create_or_change_a_location(test_settings, client, role):
    location_id = make_location(test_settings, "Huiskamer Zon", seats={"mon": 20})
    user = make_user(test_settings, role, location_ids=(location_id,) if role != "referrer" else ())
    token = make_token(test_settings, user)
    created = client.post("/api/v1/locations", json=new_location(), headers=api(client, token))
    assert created.status_code == 403
    changed = client.patch(
        f"/api/v1/locations/{location_id}", json={"capacity": {"mon": 99}}, headers=api(client, token)
    )
    assert changed.status_code == 403

    async def state(session):
        names = (await session.scalars(select(Location.name))).all()
        seats = await session.scalar(
            select(LocationCapacity.seats).where(
                LocationCapacity.location_id == location_id, LocationCapacity.weekday == "mon"
            )
        )
        return names, seats

    assert in_session(test_settings, state) == (["Huiskamer Zon"], 20)


def test_bad_input_gets_one_message_per_field(client, admin_token):
    response = client.post(
        "/api/v1/locations",
        json={
            "name": "",
            "neighbourhoods": "x" * 200,
            "min_age": 10,
            "max_age": 6,
            "capacity": {"mon": "abc", "tue": -1, "wed": 501, "thu": 2.5, "monday": 3},
            "closure_days": ["2026-12-25", "2026-02-30", 20261225],
        },
        headers=api(client, admin_token),
    )
    assert response.status_code == 422
    errors = errors_of(response)
    assert set(errors) == {
        "name",
        "neighbourhoods",
        "max_age",
        "capacity.mon",
        "capacity.tue",
        "capacity.wed",
        "capacity.thu",
        "capacity.monday",
        "closure_days.1",
        "closure_days.2",
    }
    assert errors["name"] == "Vul de naam van de locatie in."
    assert errors["max_age"] == "De hoogste leeftijd mag niet lager zijn dan de laagste leeftijd."
    assert errors["capacity.tue"] == "Het aantal plaatsen op dinsdag moet tussen 0 en 500 liggen."
    assert "geen geldige datum" in errors["closure_days.1"]


def test_missing_required_fields_on_create_are_named(client, admin_token):
    response = client.post("/api/v1/locations", json={}, headers=api(client, admin_token))
    assert response.status_code == 422
    assert set(errors_of(response)) == {"name", "min_age", "max_age"}


@pytest.mark.parametrize("content", [b"[1, 2]", b'"tekst"', b"{niet: json", b"", b"null"])
def test_a_body_that_is_no_json_object_gets_a_422_with_a_message(client, admin_token, content):
    response = client.post(
        "/api/v1/locations", content=content, headers={**api(client, admin_token), "content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"]


def test_patch_checks_the_ages_against_what_is_stored(test_settings, client, admin_token):
    location_id = make_location(test_settings, min_age=4, max_age=8)
    response = client.patch(f"/api/v1/locations/{location_id}", json={"min_age": 10}, headers=api(client, admin_token))
    assert response.status_code == 422
    assert "min_age" in errors_of(response)


def test_an_unknown_location_is_404(client, admin_token):
    for location_id in ("00000000-0000-0000-0000-000000000009", "geen-id"):
        assert client.get(f"/api/v1/locations/{location_id}", headers=api(client, admin_token)).status_code == 404
        patched = client.patch(
            f"/api/v1/locations/{location_id}", json={"min_age": 5}, headers=api(client, admin_token)
        )
        assert patched.status_code == 404


def test_capacity_cannot_drop_below_the_seats_already_taken(test_settings, client, admin_token, monkeypatch):
    location_id = make_location(test_settings, seats={"mon": 20, "tue": 20})

    async def six_taken_on_monday(db, location_id, from_date, today):
        return {weekday: [(from_date, None)] * (6 if weekday == "mon" else 0) for weekday in WEEKDAYS}

    from huiskamer.placements import service as placements

    monkeypatch.setattr(placements, "claims_by_weekday", six_taken_on_monday)
    path = f"/api/v1/locations/{location_id}"
    refused = client.patch(path, json={"capacity": {"mon": 5, "tue": 2}}, headers=api(client, admin_token))
    assert refused.status_code == 409
    assert "maandag" in refused.json()["detail"]
    unchanged = client.get(path, headers=api(client, admin_token)).json()["capacity"]
    assert (unchanged["mon"], unchanged["tue"]) == (20, 20)

    allowed = client.patch(path, json={"capacity": {"mon": 6, "tue": 2}}, headers=api(client, admin_token))
    assert allowed.status_code == 200
    assert (allowed.json()["capacity"]["mon"], allowed.json()["capacity"]["tue"]) == (6, 2)


def test_no_seats_are_taken_before_placements_exist(test_settings):
    location_id = make_location(test_settings)

    async def taken(session):
        return await service.seats_taken_by_weekday(session, location_id)

    assert in_session(test_settings, taken) == dict.fromkeys(WEEKDAYS, 0)


def test_the_audit_trail_records_a_capacity_change_with_old_and_new_value(test_settings, client):
    """A change from today adds a row valid from today (the capacity before stays, for reports of the past);
    changing it again the same day updates that row, and the audit shows old → new."""
    admin = make_user(test_settings, "admin", name="Bea Beheer", email="bea@test.example")
    token = make_token(test_settings, admin)
    location_id = make_location(test_settings, seats={"mon": 20, "tue": 20})
    for seats in (25, 27):
        response = client.patch(
            f"/api/v1/locations/{location_id}", json={"capacity": {"mon": seats}}, headers=api(client, token)
        )
        assert response.status_code == 200

    async def trail(session):
        mondays = (
            await session.scalars(
                select(LocationCapacity)
                .where(LocationCapacity.location_id == location_id, LocationCapacity.weekday == "mon")
                .order_by(LocationCapacity.valid_from)
            )
        ).all()
        events = (
            await session.scalars(
                select(AuditEvent).where(AuditEvent.table_name == "location_capacities", AuditEvent.action == "update")
            )
        ).all()
        return [(row.id, row.seats, row.valid_from) for row in mondays], events

    mondays, events = in_session(test_settings, trail)
    assert [(seats, valid_from) for _, seats, valid_from in mondays] == [(20, date(2000, 1, 1)), (27, today())]
    assert len(events) == 1, "only Monday changed, once in place"
    event = events[0]
    assert event.record_id == str(mondays[1][0])
    assert event.changes == {"seats": [25, 27]}
    assert event.actor_id == admin
    assert "Bea Beheer" in event.actor_label
