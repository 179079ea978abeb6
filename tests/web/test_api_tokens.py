"""API tokens (issue 16.4, api-v1.md "Tokens"): named, with an expiry (90 days unless chosen, at most 365), listed
with when they were last used, revoked one by one by their owner (web, API, command line), and all revoked when the
password changes. An expired or revoked token answers 401."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from huiskamer.auth import service as auth_service
from huiskamer.auth.models import ApiToken, SecurityEvent, User
from tests.factories import (
    PASSWORD,
    api,
    email_of,
    in_session,
    login_as,
    make_location,
    make_token,
    make_user,
    post_form,
)
from tests.web.test_cli import huiskamer_in_process


def _tokens_of(settings, user_id) -> list[ApiToken]:
    async def work(session):
        return list(await session.scalars(select(ApiToken).where(ApiToken.user_id == user_id)))

    return in_session(settings, work)


def _set(settings, **values) -> None:
    async def work(session):
        await session.execute(update(ApiToken).values(**values))
        await session.commit()

    in_session(settings, work)


@pytest.fixture
def coordinator(test_settings):
    return make_user(test_settings, "coordinator", location_ids=(make_location(test_settings),))


def test_a_token_lasts_90_days_by_default_and_answers_401_once_expired(test_settings, client, coordinator):
    token = make_token(test_settings, coordinator)
    (stored,) = _tokens_of(test_settings, coordinator)
    assert timedelta(days=89, hours=23) < stored.expires_at - stored.created_at <= timedelta(days=90)
    assert client.get("/api/v1/me", headers=api(client, token)).status_code == 200
    _set(test_settings, expires_at=datetime.now(UTC) - timedelta(seconds=1))
    response = client.get("/api/v1/me", headers=api(client, token))
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"


def test_last_used_is_noted_to_within_minutes_without_a_write_on_every_call(test_settings, client, coordinator):
    token = make_token(test_settings, coordinator)
    assert _tokens_of(test_settings, coordinator)[0].last_used_at is None
    before = datetime.now(UTC)
    client.get("/api/v1/me", headers=api(client, token))
    first = _tokens_of(test_settings, coordinator)[0].last_used_at
    assert first is not None and before - timedelta(seconds=1) <= first <= datetime.now(UTC)
    client.get("/api/v1/me", headers=api(client, token))
    assert _tokens_of(test_settings, coordinator)[0].last_used_at == first  # within the precision: not written
    _set(test_settings, last_used_at=first - auth_service.TOKEN_USE_PRECISION - timedelta(seconds=1))
    client.get("/api/v1/me", headers=api(client, token))
    assert _tokens_of(test_settings, coordinator)[0].last_used_at > first


def test_the_owner_lists_and_revokes_a_token_through_the_api_and_nobody_else_can(test_settings, client, coordinator):
    first, second = make_token(test_settings, coordinator), make_token(test_settings, coordinator)
    other = make_token(test_settings, make_user(test_settings, "admin"))
    listed = client.get("/api/v1/me/tokens", headers=api(client, first))
    assert listed.status_code == 200 and listed.headers["cache-control"] == "no-store"
    items = listed.json()["items"]
    assert len(items) == 2
    assert set(items[0]) >= {"id", "name", "created_at", "expires_at", "last_used_at"}
    assert first not in listed.text and second not in listed.text  # never the token itself
    second_id = next(item["id"] for item in items if item["last_used_at"] is None)
    # Another user's token id does not exist for the admin either: 404, and it still works.
    assert client.delete(f"/api/v1/me/tokens/{second_id}", headers=api(client, other)).status_code == 404
    assert client.get("/api/v1/me", headers=api(client, second)).status_code == 200
    assert client.delete(f"/api/v1/me/tokens/{second_id}", headers=api(client, first)).status_code == 204
    assert client.get("/api/v1/me", headers=api(client, second)).status_code == 401
    assert client.delete(f"/api/v1/me/tokens/{second_id}", headers=api(client, first)).status_code == 404
    assert client.delete("/api/v1/me/tokens/geen-id", headers=api(client, first)).status_code == 404
    assert [item["id"] for item in client.get("/api/v1/me/tokens", headers=api(client, first)).json()["items"]] == [
        str(t.id) for t in _tokens_of(test_settings, coordinator) if t.revoked_at is None
    ]


def test_changing_the_password_revokes_every_token(test_settings, client, coordinator):
    token = make_token(test_settings, coordinator)
    login_as(test_settings, client, coordinator)
    changed = post_form(
        client,
        "/account/wachtwoord",
        {
            "current_password": PASSWORD,
            "new_password": "drie-kopjes-thee-graag",
            "repeat_password": "drie-kopjes-thee-graag",
        },
    )
    assert changed.status_code == 303
    assert client.get("/api/v1/me", headers=api(client, token)).status_code == 401

    async def revoked_events(session):
        return list(await session.scalars(select(SecurityEvent.kind).where(SecurityEvent.user_id == coordinator)))

    assert "tokens_revoked" in in_session(test_settings, revoked_events)


def test_mijn_account_makes_a_named_token_shown_once_and_revokes_it(test_settings, client, coordinator):
    login_as(test_settings, client, coordinator)
    refused = post_form(client, "/account/api-sleutels", {"name": "x" * 101, "expires_days": "400"})
    assert refused.status_code == 422
    assert "hoogstens 100 tekens" in refused.text and "1 tot en met 365 dagen" in refused.text
    assert 'value="400"' in refused.text  # what was typed stays
    made = post_form(client, "/account/api-sleutels", {"name": "Koppeling school", "expires_days": "30"})
    assert made.status_code == 201 and made.headers["cache-control"] == "no-store"
    raw = re.search(r'id="sleutel"[^>]*value="(hk_[^"]+)"', made.text).group(1)
    assert client.get("/api/v1/me", headers=api(client, raw)).status_code == 200
    page = client.get("/account/api-sleutels")
    assert "Koppeling school" in page.text and raw not in page.text  # shown once only
    (stored,) = _tokens_of(test_settings, coordinator)
    assert stored.name == "Koppeling school"
    assert timedelta(days=29, hours=23) < stored.expires_at - stored.created_at <= timedelta(days=30)
    revoked = post_form(client, f"/account/api-sleutels/{stored.id}/intrekken", {}, form_page="/account/api-sleutels")
    assert revoked.status_code == 303
    assert client.get("/api/v1/me", headers=api(client, raw)).status_code == 401
    assert "Koppeling school" not in client.get("/account/api-sleutels").text


def test_the_command_line_makes_lists_and_revokes_tokens(test_settings, client, coordinator):
    email = email_of(test_settings, coordinator)
    url = test_settings.database_url
    made = huiskamer_in_process(url, "token", "create", "--email", email, "--name", "Dashboard", "--expires-days", "7")
    assert made.exit_code == 0, made.stderr
    raw = made.stdout.strip().splitlines()[-1]
    assert client.get("/api/v1/me", headers=api(client, raw)).status_code == 200
    listed = huiskamer_in_process(url, "token", "list", "--email", email)
    assert listed.exit_code == 0 and "Dashboard" in listed.stdout and raw not in listed.stdout
    token_id = str(_tokens_of(test_settings, coordinator)[0].id)
    assert token_id in listed.stdout
    assert huiskamer_in_process(url, "token", "revoke", token_id).exit_code == 0
    assert client.get("/api/v1/me", headers=api(client, raw)).status_code == 401
    assert huiskamer_in_process(url, "token", "revoke", token_id).exit_code != 0  # not twice
    assert huiskamer_in_process(url, "token", "revoke", "onzin").exit_code != 0
    for days in ("0", "366", "veel"):
        refused = huiskamer_in_process(url, "token", "create", "--email", email, "--expires-days", days)
        assert refused.exit_code != 0 and "1 tot en met 365" in refused.stderr


def test_a_deactivated_users_tokens_stop_at_once(test_settings, client, coordinator):
    token = make_token(test_settings, coordinator)

    async def deactivate(session):
        await session.execute(update(User).where(User.id == coordinator).values(active=False))
        await session.commit()

    in_session(test_settings, deactivate)
    assert client.get("/api/v1/me", headers=api(client, token)).status_code == 401
