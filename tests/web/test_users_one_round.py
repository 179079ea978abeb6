"""One round of messages for the user forms and the users API: every wrong field is said at once, also what only
the database knows (a taken e-mail, a location that does not exist, a role without its locations), and the form
keeps what was typed. Nonsense in any field is bad input, never a 500."""

from __future__ import annotations

import html
import json
import re
import uuid

import pytest
from sqlalchemy import func, select

from huiskamer.auth.models import User
from tests.factories import api, in_session, login_as, make_location, make_token, make_user, post_form


def messages_on(page_text: str) -> dict[str, str]:
    """Every message shown next to a field, by the field's id."""
    found = re.findall(r'id="veld-([\w.-]+)-fout"><span class="visually-hidden">Fout: </span>([^<]+)<', page_text)
    return {field: html.unescape(message) for field, message in found}


def errors_of(response) -> dict[str, str]:
    return {item["field"]: item["message"] for item in response.json().get("errors", [])}


def user_count(settings) -> int:
    async def work(session):
        return await session.scalar(select(func.count()).select_from(User))

    return in_session(settings, work)


@pytest.fixture
def admin(test_settings, client):
    admin_id = make_user(test_settings, "admin", email="beheer@test.example", name="Els Spraakman")
    login_as(test_settings, client, admin_id)
    return admin_id


# --- the web forms --------------------------------------------------------------------------------


def test_a_new_user_form_says_every_wrong_field_at_once_and_keeps_what_was_typed(test_settings, client, admin):
    make_location(test_settings, "Huiskamer De Vaart")
    missing = uuid.uuid4()
    response = post_form(
        client,
        "/beheer/gebruikers/nieuw",
        {"name": "", "email": "geen-adres", "role": "koning", "location_ids": [str(missing)]},
    )
    assert response.status_code == 422
    shown = messages_on(response.text)
    assert set(shown) >= {"name", "email", "role", "location_ids"}, shown
    assert "e-mailadres" in shown["email"]
    assert "locatie bestaat niet" in shown["location_ids"]
    assert 'value="geen-adres"' in response.text
    assert user_count(test_settings) == 1


def test_a_taken_email_is_said_together_with_the_other_messages(test_settings, client, admin):
    make_location(test_settings)
    response = post_form(
        client,
        "/beheer/gebruikers/nieuw",
        {"name": "Jeroen Visser", "email": "BEHEER@test.example", "role": "coordinator"},
    )
    assert response.status_code == 409
    shown = messages_on(response.text)
    assert shown["email"] == "Er is al een gebruiker met dit e-mailadres."
    assert "minstens één locatie" in shown["location_ids"]
    assert 'value="Jeroen Visser"' in response.text
    assert '<option value="coordinator" selected>' in response.text


def test_the_edit_form_says_every_wrong_field_at_once(test_settings, client, admin):
    vaart = make_location(test_settings)
    worker = make_user(test_settings, "youth_worker", location_ids=(vaart,), email="s@test.example", name="Sanne")
    response = post_form(
        client,
        f"/beheer/gebruikers/{worker}",
        {
            "name": "Sanne Ramnath",
            "email": "beheer@test.example",
            "role": "referrer",
            "organisation.name": "Wijkteam Stad",
            "organisation.type": "",
        },
    )
    assert response.status_code == 409
    shown = messages_on(response.text)
    assert shown["email"] == "Er is al een gebruiker met dit e-mailadres."
    assert "soort organisatie" in shown["organisation-type"]
    assert 'value="Sanne Ramnath"' in response.text
    assert 'value="Wijkteam Stad"' in response.text

    async def stored(session):
        return await session.get(User, worker)

    row = in_session(test_settings, stored)
    assert (row.name, row.email, row.role) == ("Sanne", "s@test.example", "youth_worker")


# --- the API ------------------------------------------------------------------------------------------


@pytest.fixture
def admin_token(test_settings):
    return make_token(test_settings, make_user(test_settings, "admin", email="beheer@test.example"))


def test_the_api_says_every_wrong_field_at_once(test_settings, client, admin_token):
    body = {"email": "geen-adres", "name": "", "role": "koning", "location_ids": [str(uuid.uuid4())]}
    response = client.post("/api/v1/users", json=body, headers=api(client, admin_token))
    assert response.status_code == 422
    assert set(errors_of(response)) >= {"email", "name", "role", "location_ids"}


def test_the_api_says_a_taken_email_and_a_missing_location_together(test_settings, client, admin_token):
    body = {"email": "beheer@test.example", "name": "Jeroen Visser", "role": "coordinator"}
    response = client.post("/api/v1/users", json=body, headers=api(client, admin_token))
    assert response.status_code == 409
    assert response.json()["detail"] == "Er is al een gebruiker met dit e-mailadres."
    errors = errors_of(response)
    assert errors["email"] == "Er is al een gebruiker met dit e-mailadres."
    assert "minstens één locatie" in errors["location_ids"]


def test_a_change_through_the_api_says_every_wrong_field_at_once(test_settings, client, admin_token):
    vaart = make_location(test_settings)
    worker = make_user(test_settings, "youth_worker", location_ids=(vaart,))
    body = {"name": "", "location_ids": [str(uuid.uuid4())], "active": "misschien"}
    response = client.patch(f"/api/v1/users/{worker}", json=body, headers=api(client, admin_token))
    assert response.status_code == 422
    assert set(errors_of(response)) >= {"name", "location_ids", "active"}


# --- nonsense ---------------------------------------------------------------------------------------

NONSENSE = [
    "\x00",
    "a" * 5000,
    "😀" * 300,
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    ["lijst", {"in": "lijst"}],
    {"genest": {"dieper": [1, 2]}},
    12345678901234567890,
    -1.5,
    True,
    None,
]
FIELDS = ["name", "email", "role", "location_ids", "organisation", "active"]


def test_nonsense_through_the_api_is_never_a_500(test_settings, client, admin_token):
    vaart = make_location(test_settings)
    worker = make_user(test_settings, "youth_worker", location_ids=(vaart,))
    headers = api(client, admin_token)
    for field in FIELDS:
        for value in NONSENSE:
            body = {"email": "n@test.example", "name": "N", "role": "admin", field: value}
            created = client.post("/api/v1/users", json=body, headers=headers)
            assert created.status_code < 500, (field, value, created.text)
            if created.status_code == 201:  # nonsense accepted must be harmless: start again without it
                client.patch(f"/api/v1/users/{created.json()['id']}", json={"active": False}, headers=headers)
                continue
            changed = client.patch(f"/api/v1/users/{worker}", json={field: value}, headers=headers)
            assert changed.status_code < 500, (field, value, changed.text)
    for raw in (b"[]", b"12", b'"tekst"', b"{", b"\xff\xfe", b'{"organisation": {"name": {"a": 1}}}'):
        response = client.post("/api/v1/users", content=raw, headers={**headers, "Content-Type": "application/json"})
        assert 400 <= response.status_code < 500, raw
    # A lone surrogate (JSON may escape one; UTF-8 cannot hold it) in every text field.
    for field in ("name", "email", "role"):
        body = {"email": "s@test.example", "name": "S", "role": "admin"}
        raw = json.dumps({**body, field: "a\ud800b"}).encode()  # ensure_ascii: sent as \\ud800
        response = client.post("/api/v1/users", content=raw, headers={**headers, "Content-Type": "application/json"})
        assert response.status_code < 500, (field, response.text)


def test_nonsense_through_the_web_forms_is_never_a_500(test_settings, client, admin):
    vaart = make_location(test_settings)
    worker = make_user(test_settings, "youth_worker", location_ids=(vaart,))
    texts = ["\x00", "a" * 5000, "😀" * 300, "<script>", "", " ", "not-a-uuid", str(uuid.uuid4())]
    for field in ("name", "email", "role", "location_ids", "organisation.name", "organisation.type", "active"):
        for value in texts:
            data = {"name": "N", "email": "w@test.example", "role": "admin", field: value}
            for path in ("/beheer/gebruikers/nieuw", f"/beheer/gebruikers/{worker}"):
                response = post_form(client, path, data, form_page="/beheer/gebruikers/nieuw")
                assert response.status_code < 500, (path, field, value)
    for action in ("uitzetten", "aanzetten"):
        response = post_form(client, f"/beheer/gebruikers/{worker}/{action}", {"active": "\x00", "x": "a" * 5000})
        assert response.status_code < 500
