"""A write that waited too long for the database's lock (SQLite's "database is locked") saved nothing and works a
moment later: every route answers it with a 409 that says to try again, on a page and in the API, never a 500."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from huiskamer.auth import users
from huiskamer.errors import BUSY
from tests.factories import api, login_as, make_location, make_token, make_user, post_form


def locked(*_args, **_kwargs):
    raise OperationalError("UPDATE users SET active=?", {}, Exception("database is locked"))


@pytest.fixture
def people(test_settings, client):
    admin = make_user(test_settings, "admin")
    location = make_location(test_settings, "Huiskamer De Vaart")
    coordinator = make_user(test_settings, "coordinator", location_ids=(location,))
    return admin, coordinator


def test_the_api_answers_a_locked_database_with_409_and_try_again(test_settings, client, people, monkeypatch):
    admin, coordinator = people
    token = make_token(test_settings, admin)
    monkeypatch.setattr(users, "_switch_off", locked)
    response = client.patch(f"/api/v1/users/{coordinator}", json={"active": False}, headers=api(client, token))
    assert response.status_code == 409
    assert response.json()["detail"] == BUSY
    monkeypatch.undo()
    assert client.get(f"/api/v1/users/{coordinator}", headers=api(client, token)).json()["active"] is True


def test_a_page_answers_a_locked_database_with_409_and_try_again(test_settings, client, people, monkeypatch):
    admin, coordinator = people
    login_as(test_settings, client, admin)
    post_form(client, f"/beheer/gebruikers/{coordinator}/uitzetten", {})
    monkeypatch.setattr(users, "_switch_on", locked)
    response = post_form(client, f"/beheer/gebruikers/{coordinator}/aanzetten", {})
    assert response.status_code == 409
    assert BUSY in response.text


def test_other_operational_errors_stay_server_errors():
    from huiskamer.site.errors import busy_database

    assert busy_database(OperationalError("SELECT 1", {}, Exception("no such table: users"))) is None
    assert busy_database(ValueError("database is locked")) is None
    assert busy_database(OperationalError("UPDATE", {}, Exception("database is locked"))) is not None
