"""The users API of api-v1.md (beheerder only): create each role with an invitation link, a message per field for
bad input, 409 for a taken e-mail, PATCH of role, locations and active; deactivating ends sessions and tokens."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from huiskamer.auth.models import ApiToken, Invitation, User
from tests.factories import api, email_of, in_session, login, login_as, make_location, make_token, make_user

BASE_URL = "http://testserver.local"


def errors_of(response) -> dict[str, str]:
    return {error["field"]: error["message"] for error in response.json()["errors"]}


def new_user(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"email": "j.dekker@deschoor.example", "name": "Jasmijn Dekker", "role": "admin"}
    body.update(overrides)
    return body


@pytest.fixture
def admin_token(test_settings) -> str:
    return make_token(test_settings, make_user(test_settings, "admin", email="beheer@test.example"))


def user_row(settings, user_id: str) -> User:
    async def work(session):
        user = await session.scalar(select(User).where(User.id == uuid.UUID(user_id)))
        assert user is not None
        return user

    return in_session(settings, work)


# --- creating ----------------------------------------------------------------------------------


def test_admin_creates_each_role_with_an_invitation_link(test_settings, client, admin_token):
    location = make_location(test_settings, "Huiskamer De Vaart")
    bodies = {
        "admin": new_user(email="beheer2@test.example"),
        "coordinator": new_user(email="coordinator@test.example", role="coordinator", location_ids=[str(location)]),
        "youth_worker": new_user(email="kinderwerker@test.example", role="youth_worker", location_ids=[str(location)]),
        "referrer": new_user(
            email="Verwijzer@School.Example", role="referrer", organisation={"name": "De Regenboog", "type": "school"}
        ),
    }
    for role, body in bodies.items():
        response = client.post("/api/v1/users", json=body, headers=api(client, admin_token))
        assert response.status_code == 201, response.text
        created = response.json()
        assert created["role"] == role
        assert created["email"] == body["email"].lower()
        assert created["name"] == "Jasmijn Dekker"
        assert created["active"] is True
        assert created["location_ids"] == ([str(location)] if role in ("coordinator", "youth_worker") else [])
        if role == "referrer":
            assert created["organisation"]["name"] == "De Regenboog"
            assert created["organisation"]["type"] == "school"
        else:
            assert created["organisation"] is None
        assert created["invitation_url"].startswith(f"{BASE_URL}/uitnodiging/")
        # The link really works: it opens the page where the new user chooses a password.
        path = created["invitation_url"].removeprefix(BASE_URL)
        assert client.get(path).status_code == 200
        fetched = client.get(f"/api/v1/users/{created['id']}", headers=api(client, admin_token))
        assert fetched.status_code == 200
        assert fetched.json()["role"] == role
        stored = user_row(test_settings, created["id"])
        assert stored.role == role
        assert stored.password_hash is None


def test_referrer_without_organisation_is_refused_on_organisation_name(test_settings, client, admin_token):
    response = client.post("/api/v1/users", json=new_user(role="referrer"), headers=api(client, admin_token))
    assert response.status_code == 422
    errors = errors_of(response)
    assert "organisatie" in errors["organisation.name"]
    assert "organisation.type" in errors
    response = client.post(
        "/api/v1/users",
        json=new_user(role="referrer", organisation={"name": "De Regenboog", "type": "bakery"}),
        headers=api(client, admin_token),
    )
    assert response.status_code == 422
    assert set(errors_of(response)) == {"organisation.type"}


def test_coordinator_or_youth_worker_without_location_is_refused(test_settings, client, admin_token):
    for role in ("coordinator", "youth_worker"):
        response = client.post("/api/v1/users", json=new_user(role=role), headers=api(client, admin_token))
        assert response.status_code == 422
        assert "locatie" in errors_of(response)["location_ids"]
        response = client.post(
            "/api/v1/users", json=new_user(role=role, location_ids=[]), headers=api(client, admin_token)
        )
        assert response.status_code == 422
        assert "location_ids" in errors_of(response)


def test_unknown_location_is_refused(test_settings, client, admin_token):
    response = client.post(
        "/api/v1/users",
        json=new_user(role="coordinator", location_ids=[str(uuid.uuid4())]),
        headers=api(client, admin_token),
    )
    assert response.status_code == 422
    assert errors_of(response)["location_ids"] == "Een gekozen locatie bestaat niet."


def test_referrer_or_admin_with_locations_is_refused(test_settings, client, admin_token):
    location = make_location(test_settings)
    response = client.post(
        "/api/v1/users", json=new_user(location_ids=[str(location)]), headers=api(client, admin_token)
    )
    assert response.status_code == 422
    assert "Alleen coördinatoren en kinderwerkers" in errors_of(response)["location_ids"]


def test_duplicate_email_gives_409_whatever_its_capitals(test_settings, client, admin_token):
    first = client.post("/api/v1/users", json=new_user(), headers=api(client, admin_token))
    assert first.status_code == 201
    again = client.post(
        "/api/v1/users",
        json=new_user(email="J.Dekker@DESCHOOR.example", name="Iemand Anders"),
        headers=api(client, admin_token),
    )
    assert again.status_code == 409
    assert "e-mailadres" in again.json()["detail"]

    async def count(session):
        return len((await session.scalars(select(User).where(User.email == "j.dekker@deschoor.example"))).all())

    assert in_session(test_settings, count) == 1


# --- changing ----------------------------------------------------------------------------------


def test_patch_changes_role_and_locations_and_the_token_carries_the_new_scope(test_settings, client, admin_token):
    vaart = make_location(test_settings, "Huiskamer De Vaart")
    werven = make_location(test_settings, "Huiskamer De Werven")
    coordinator = make_user(test_settings, "coordinator", location_ids=(vaart,))
    their_token = make_token(test_settings, coordinator)
    response = client.patch(
        f"/api/v1/users/{coordinator}",
        json={"role": "youth_worker", "location_ids": [str(werven)], "name": "Sanne Bakker"},
        headers=api(client, admin_token),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["role"], body["location_ids"], body["name"]) == ("youth_worker", [str(werven)], "Sanne Bakker")
    me = client.get("/api/v1/me", headers=api(client, their_token)).json()
    assert me["role"] == "youth_worker"
    assert me["location_ids"] == [str(werven)]
    stored = user_row(test_settings, str(coordinator))
    assert stored.role == "youth_worker"


def test_patch_changes_only_what_is_sent(test_settings, client, admin_token):
    vaart = make_location(test_settings)
    coordinator = make_user(test_settings, "coordinator", location_ids=(vaart,), name="Fatima el Amrani")
    response = client.patch(f"/api/v1/users/{coordinator}", json={}, headers=api(client, admin_token))
    assert response.status_code == 200
    assert response.json()["location_ids"] == [str(vaart)]
    assert response.json()["name"] == "Fatima el Amrani"


def test_patch_to_referrer_needs_an_organisation(test_settings, client, admin_token):
    vaart = make_location(test_settings)
    coordinator = make_user(test_settings, "coordinator", location_ids=(vaart,))
    response = client.patch(f"/api/v1/users/{coordinator}", json={"role": "referrer"}, headers=api(client, admin_token))
    assert response.status_code == 422
    assert "organisation.name" in errors_of(response)
    response = client.patch(
        f"/api/v1/users/{coordinator}",
        json={"role": "referrer", "organisation": {"name": "GGD Flevoland", "type": "ggd"}},
        headers=api(client, admin_token),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["location_ids"] == []
    assert body["organisation"]["name"] == "GGD Flevoland"


def test_deactivating_ends_tokens_and_sessions_at_once(test_settings, client, make_client, admin_token):
    vaart = make_location(test_settings)
    coordinator = make_user(test_settings, "coordinator", location_ids=(vaart,))
    their_token = make_token(test_settings, coordinator)
    browser = login_as(test_settings, make_client(), coordinator)
    assert client.get("/api/v1/me", headers=api(client, their_token)).status_code == 200
    assert browser.get("/").status_code == 200

    response = client.patch(f"/api/v1/users/{coordinator}", json={"active": False}, headers=api(client, admin_token))
    assert response.status_code == 200
    assert response.json()["active"] is False
    assert client.get("/api/v1/me", headers=api(client, their_token)).status_code == 401
    page = browser.get("/", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/inloggen")

    async def tokens(session):
        return (await session.scalars(select(ApiToken).where(ApiToken.user_id == coordinator))).all()

    assert all(token.revoked_at is not None for token in in_session(test_settings, tokens))

    # Turned on again, the old token stays dead: a new one has to be made.
    response = client.patch(f"/api/v1/users/{coordinator}", json={"active": True}, headers=api(client, admin_token))
    assert response.status_code == 200
    assert client.get("/api/v1/me", headers=api(client, their_token)).status_code == 401


def test_deactivating_ends_open_invitation_links(test_settings, client, admin_token):
    created = client.post("/api/v1/users", json=new_user(), headers=api(client, admin_token)).json()
    path = created["invitation_url"].removeprefix(BASE_URL)
    client.patch(f"/api/v1/users/{created['id']}", json={"active": False}, headers=api(client, admin_token))
    assert client.get(path).status_code == 404
    client.patch(f"/api/v1/users/{created['id']}", json={"active": True}, headers=api(client, admin_token))
    assert client.get(path).status_code == 404

    async def open_links(session):
        return (await session.scalars(select(Invitation).where(Invitation.user_id == uuid.UUID(created["id"])))).all()

    assert len(in_session(test_settings, open_links)) == 1


def test_admin_cannot_deactivate_or_demote_themselves(test_settings, client):
    admin = make_user(test_settings, "admin", email="beheer@test.example")
    token = make_token(test_settings, admin)
    for change in ({"active": False}, {"role": "coordinator"}):
        response = client.patch(f"/api/v1/users/{admin}", json=change, headers=api(client, token))
        assert response.status_code == 409
        assert "eigen" in response.json()["detail"]
    assert client.get("/api/v1/me", headers=api(client, token)).json()["role"] == "admin"


def test_admin_can_deactivate_another_admin(test_settings, client, admin_token):
    other = make_user(test_settings, "admin")
    response = client.patch(f"/api/v1/users/{other}", json={"active": False}, headers=api(client, admin_token))
    assert response.status_code == 200
    assert login(client, email_of(test_settings, other)).status_code == 400


def test_new_invitation_through_the_api_replaces_the_old_link(test_settings, client, admin_token):
    created = client.post("/api/v1/users", json=new_user(), headers=api(client, admin_token)).json()
    response = client.post(f"/api/v1/users/{created['id']}/invitation", headers=api(client, admin_token))
    assert response.status_code == 201
    new_url = response.json()["invitation_url"]
    assert client.get(created["invitation_url"].removeprefix(BASE_URL)).status_code == 404
    assert client.get(new_url.removeprefix(BASE_URL)).status_code == 200


# --- reading -----------------------------------------------------------------------------------


def test_list_filters_by_text_role_and_active(test_settings, client, admin_token):
    vaart = make_location(test_settings)
    make_user(test_settings, "coordinator", location_ids=(vaart,), name="Fatima el Amrani")
    make_user(test_settings, "youth_worker", location_ids=(vaart,), name="Shailesh Ramnath")
    gone = make_user(test_settings, "referrer", name="Marieke Smit")
    client.patch(f"/api/v1/users/{gone}", json={"active": False}, headers=api(client, admin_token))

    def names(query: str) -> list[str]:
        response = client.get(f"/api/v1/users{query}", headers=api(client, admin_token))
        assert response.status_code == 200
        return [item["name"] for item in response.json()["items"]]

    assert names("?q=amrani") == ["Fatima el Amrani"]
    assert names("?role=youth_worker") == ["Shailesh Ramnath"]
    assert names("?active=false") == ["Marieke Smit"]
    assert "Marieke Smit" in names("")
    assert names("?q=%25") == []  # a wildcard is just a character


# --- who may --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["coordinator", "youth_worker", "referrer"])
def test_only_the_admin_may_use_the_users_api(test_settings, client, role):
    vaart = make_location(test_settings)
    someone = make_user(test_settings, "youth_worker", location_ids=(vaart,))
    caller = make_user(test_settings, role, location_ids=(vaart,) if role != "referrer" else ())
    token = make_token(test_settings, caller)
    headers = api(client, token)
    assert client.get("/api/v1/users", headers=headers).status_code == 403
    assert client.get(f"/api/v1/users/{someone}", headers=headers).status_code == 403
    assert client.post("/api/v1/users", json=new_user(), headers=headers).status_code == 403
    assert client.patch(f"/api/v1/users/{someone}", json={"active": False}, headers=headers).status_code == 403
    assert client.patch(f"/api/v1/users/{caller}", json={"role": "admin"}, headers=headers).status_code == 403
    assert client.post(f"/api/v1/users/{someone}/invitation", headers=headers).status_code == 403
    assert user_row(test_settings, str(someone)).active is True
    assert user_row(test_settings, str(caller)).role == role


def test_without_a_token_the_users_api_answers_401(test_settings, client):
    assert client.get("/api/v1/users").status_code == 401
    assert client.post("/api/v1/users", json=new_user()).status_code == 401


def test_unknown_user_gives_404(test_settings, client, admin_token):
    for user_id in (str(uuid.uuid4()), "niet-een-id", "1"):
        assert client.get(f"/api/v1/users/{user_id}", headers=api(client, admin_token)).status_code == 404
        response = client.patch(f"/api/v1/users/{user_id}", json={"name": "X"}, headers=api(client, admin_token))
        assert response.status_code == 404


# --- bad input ---------------------------------------------------------------------------------


def test_bad_bodies_get_a_dutch_message_per_field(test_settings, client, admin_token):
    headers = api(client, admin_token)
    for raw in (b"geen json", b"", b"[1, 2]", b'"tekst"', b"null", b"{"):
        response = client.post("/api/v1/users", content=raw, headers={**headers, "content-type": "application/json"})
        assert response.status_code == 422, raw
        assert response.json()["errors"][0]["message"]
    response = client.post(
        "/api/v1/users",
        json={"email": 5, "name": ["a"], "role": "koning", "location_ids": "x", "organisation": 7},
        headers=headers,
    )
    assert response.status_code == 422
    errors = errors_of(response)
    assert set(errors) >= {"email", "name", "role", "location_ids", "organisation"}
    assert errors["role"] == "Kies een geldige waarde voor een rol."
    response = client.post(
        "/api/v1/users", json=new_user(email="x" * 300 + "@test.example", name="n" * 5000), headers=headers
    )
    assert response.status_code == 422
    assert set(errors_of(response)) == {"email", "name"}

    target = make_user(test_settings, "admin")
    for body, field in (
        ({"active": "misschien"}, "active"),
        ({"active": None}, "active"),
        ({"location_ids": [1, 2]}, "location_ids"),
        ({"location_ids": {"a": 1}}, "location_ids"),
        ({"organisation": {"name": 5, "type": "school"}}, "organisation.name"),
        ({"name": None}, "name"),
        ({"email": "geen-adres"}, "email"),
    ):
        response = client.patch(f"/api/v1/users/{target}", json=body, headers=headers)
        assert response.status_code == 422, body
        assert field in errors_of(response), (body, response.json())
    assert user_row(test_settings, str(target)).active is True


json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=30)),
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(st.text(max_size=10), children)),
    max_leaves=8,
)
user_fields = ["email", "name", "role", "location_ids", "organisation", "active"]


@given(body=st.dictionaries(st.sampled_from(user_fields), json_value, max_size=6))
def test_random_user_bodies_never_cause_a_500(test_settings, client, admin_token, body):
    """Whatever is sent, the answer is a created or changed user, a conflict, or a message per field."""
    headers = api(client, admin_token)
    created = client.post("/api/v1/users", json=body, headers=headers)
    assert created.status_code in (201, 409, 422), created.text
    if created.status_code == 422:
        assert all(error["message"] for error in created.json()["errors"])
    target = make_user(test_settings, "youth_worker", location_ids=(make_location(test_settings),))
    changed = client.patch(f"/api/v1/users/{target}", json=body, headers=headers)
    assert changed.status_code in (200, 409, 422), changed.text


def test_a_user_created_switched_off_gets_no_invitation_link(test_settings, client, admin_token):
    response = client.post("/api/v1/users", json=new_user(active=False), headers=api(client, admin_token))
    assert response.status_code == 201
    body = response.json()
    assert body["active"] is False
    assert body["invitation_url"] is None
    assert user_row(test_settings, body["id"]).active is False
