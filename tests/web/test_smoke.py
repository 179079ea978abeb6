"""The first journey: log in, see the start page, log out."""

from __future__ import annotations

from tests.factories import PASSWORD, api, login, login_as, make_location, make_token, make_user


def test_admin_logs_in_and_sees_start_page(test_settings, client):
    admin = make_user(test_settings, "admin", email="beheer@test.example")
    response = login(client, "beheer@test.example", PASSWORD)
    assert response.status_code == 303
    page = client.get("/")
    assert page.status_code == 200
    assert "Goedendag" in page.text
    assert "/beheer/gebruikers" in page.text
    assert admin


def test_me_answers_with_the_token_owner(test_settings, client):
    location = make_location(test_settings)
    coordinator = make_user(test_settings, "coordinator", location_ids=(location,))
    token = make_token(test_settings, coordinator)
    response = client.get("/api/v1/me", headers=api(client, token))
    assert response.status_code == 200
    body = response.json()
    assert body["role"] == "coordinator"
    assert body["location_ids"] == [str(location)]
    assert client.get("/api/v1/me").status_code == 401


def test_coordinator_start_page_names_their_location(test_settings, client):
    location = make_location(test_settings, "Huiskamer Zon")
    coordinator = make_user(test_settings, "coordinator", location_ids=(location,))
    login_as(test_settings, client, coordinator)
    assert "Huiskamer Zon" in client.get("/").text
