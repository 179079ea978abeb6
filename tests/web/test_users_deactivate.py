"""Turning an account off and on again: each a clear action behind a confirmation page. Turning off ends the
user's sessions, API tokens and open invitation links at once; nobody turns off their own account or the last
active beheerder; both are in the security log and the audit trail; only the beheerder may."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, update

from huiskamer.audit.models import AuditEvent
from huiskamer.auth import users
from huiskamer.auth.actor import Actor
from huiskamer.auth.models import ApiToken, SecurityEvent, User, UserSession
from huiskamer.errors import Conflict
from tests.factories import (
    api,
    in_session,
    login,
    login_as,
    make_invitation,
    make_location,
    make_token,
    make_user,
    post_form,
)

ADMIN_NAME = "Els Spraakman"


def user_row(settings, user_id) -> User:
    async def work(session):
        return await session.get(User, user_id)

    return in_session(settings, work)


def security_events(settings, user_id) -> list[tuple[str, str]]:
    async def work(session):
        rows = await session.scalars(
            select(SecurityEvent).where(SecurityEvent.user_id == user_id).order_by(SecurityEvent.at)
        )
        return [(row.kind, row.detail) for row in rows]

    return in_session(settings, work)


def audited_active_changes(settings, user_id) -> list[dict]:
    async def work(session):
        rows = await session.scalars(
            select(AuditEvent).where(
                AuditEvent.table_name == "users", AuditEvent.record_id == str(user_id), AuditEvent.action == "update"
            )
        )
        return [row.changes for row in rows if "active" in (row.changes or {})]

    return in_session(settings, work)


@pytest.fixture
def admin(test_settings, client):
    admin_id = make_user(test_settings, "admin", email="beheer@test.example", name=ADMIN_NAME)
    login_as(test_settings, client, admin_id)
    return admin_id


@pytest.fixture
def coordinator(test_settings):
    vaart = make_location(test_settings, "Huiskamer De Vaart")
    return make_user(
        test_settings, "coordinator", location_ids=(vaart,), email="f.elamrani@test.example", name="Fatima el Amrani"
    )


# --- the confirmation ----------------------------------------------------------------------------


def test_the_user_page_and_the_list_lead_to_the_confirmation(test_settings, client, admin, coordinator):
    page = client.get(f"/beheer/gebruikers/{coordinator}")
    assert f'href="/beheer/gebruikers/{coordinator}/uitzetten"' in page.text
    listed = client.get("/beheer/gebruikers")
    assert f'href="/beheer/gebruikers/{coordinator}/uitzetten"' in listed.text
    assert f'href="/beheer/gebruikers/{admin}/uitzetten"' not in listed.text, "geen knop om uzelf uit te zetten"


def test_the_confirmation_page_says_what_happens_and_changes_nothing(test_settings, client, admin, coordinator):
    page = client.get(f"/beheer/gebruikers/{coordinator}/uitzetten")
    assert page.status_code == 200
    assert "Account van Fatima el Amrani uitzetten?" in page.text
    assert "meteen uitgelogd op alle apparaten" in page.text
    assert f'action="/beheer/gebruikers/{coordinator}/uitzetten"' in page.text
    assert 'name="_csrf_token"' in page.text
    assert "Ja, account uitzetten" in page.text
    assert user_row(test_settings, coordinator).active is True


# --- turning off -----------------------------------------------------------------------------------


def test_turning_off_ends_sessions_tokens_and_links_and_says_so(test_settings, client, make_client, admin, coordinator):
    token = make_token(test_settings, coordinator)
    link = make_invitation(test_settings, coordinator)
    their_browser = login_as(test_settings, make_client(), coordinator)
    assert their_browser.get("/").status_code == 200

    response = post_form(client, f"/beheer/gebruikers/{coordinator}/uitzetten", {})
    assert response.status_code == 303
    assert response.headers["location"] == f"/beheer/gebruikers/{coordinator}"
    page = client.get(response.headers["location"])
    assert "Uitgezet: alle sessies en tokens zijn beëindigd. Fatima el Amrani kan niet meer inloggen." in page.text
    assert "Uitgezet</span>" in page.text
    assert f'href="/beheer/gebruikers/{coordinator}/aanzetten"' in page.text
    assert user_row(test_settings, coordinator).active is False

    async def what_is_left(session):
        sessions = (await session.scalars(select(UserSession).where(UserSession.user_id == coordinator))).all()
        tokens = (await session.scalars(select(ApiToken).where(ApiToken.user_id == coordinator))).all()
        return len(sessions), [row.revoked_at for row in tokens]

    sessions_left, revoked = in_session(test_settings, what_is_left)
    assert sessions_left == 0
    assert revoked and all(revoked)
    assert client.get("/api/v1/me", headers=api(client, token)).status_code == 401
    redirected = their_browser.get("/", follow_redirects=False)
    assert redirected.status_code == 303
    assert redirected.headers["location"].startswith("/inloggen")
    assert make_client().get(f"/uitnodiging/{link}").status_code == 404
    assert login(make_client(), "f.elamrani@test.example").status_code == 400


def test_turning_off_and_on_is_in_the_security_log_and_the_audit_trail(test_settings, client, admin, coordinator):
    post_form(client, f"/beheer/gebruikers/{coordinator}/uitzetten", {})
    post_form(client, f"/beheer/gebruikers/{coordinator}/aanzetten", {})
    kinds = [(kind, detail) for kind, detail in security_events(test_settings, coordinator) if kind.startswith("acc")]
    assert kinds == [("account_deactivated", f"door {ADMIN_NAME}"), ("account_reactivated", f"door {ADMIN_NAME}")]
    shown = client.get("/beheer/beveiliging").text
    assert "Account uitgezet" in shown
    assert "Account weer aangezet" in shown
    changes = audited_active_changes(test_settings, coordinator)
    assert len(changes) == 2, changes


def test_turning_on_again_lets_the_old_password_in_but_not_the_old_token(
    test_settings, client, make_client, admin, coordinator
):
    token = make_token(test_settings, coordinator)
    post_form(client, f"/beheer/gebruikers/{coordinator}/uitzetten", {})
    page = client.get(f"/beheer/gebruikers/{coordinator}/aanzetten")
    assert page.status_code == 200
    assert "Ja, account aanzetten" in page.text
    response = post_form(client, f"/beheer/gebruikers/{coordinator}/aanzetten", {})
    assert response.status_code == 303
    assert "Fatima el Amrani staat weer aan." in client.get(response.headers["location"]).text
    assert user_row(test_settings, coordinator).active is True
    assert login(make_client(), "f.elamrani@test.example").status_code == 303
    assert client.get("/api/v1/me", headers=api(client, token)).status_code == 401


def test_an_account_that_is_already_off_or_on_is_said_so(test_settings, client, admin, coordinator):
    page = client.get(f"/beheer/gebruikers/{coordinator}/aanzetten")
    assert "staat al aan" in page.text
    assert "Ja, account aanzetten" not in page.text
    assert post_form(client, f"/beheer/gebruikers/{coordinator}/aanzetten", {}).status_code == 409
    post_form(client, f"/beheer/gebruikers/{coordinator}/uitzetten", {})
    refused = post_form(
        client, f"/beheer/gebruikers/{coordinator}/uitzetten", {}, form_page=f"/beheer/gebruikers/{coordinator}"
    )
    assert refused.status_code == 409
    assert "staat al uit" in refused.text
    assert [k for k, _ in security_events(test_settings, coordinator)].count("account_deactivated") == 1


# --- refusals ----------------------------------------------------------------------------------------


def test_the_admin_cannot_turn_off_their_own_account(test_settings, client, admin):
    page = client.get(f"/beheer/gebruikers/{admin}/uitzetten")
    assert page.status_code == 200
    assert "U kunt uw eigen account niet uitzetten" in page.text
    assert "Ja, account uitzetten" not in page.text
    response = post_form(client, f"/beheer/gebruikers/{admin}/uitzetten", {}, form_page=f"/beheer/gebruikers/{admin}")
    assert response.status_code == 409
    assert "U kunt uw eigen account niet uitzetten. Vraag dat een andere beheerder." in response.text
    assert user_row(test_settings, admin).active is True
    assert client.get("/").status_code == 200, "nog steeds ingelogd"
    assert "account_deactivated" not in [kind for kind, _ in security_events(test_settings, admin)]


def test_the_last_active_admin_cannot_be_turned_off(test_settings):
    """Two beheerders who turn each other off at the same moment: the one who comes second finds the other one
    already off, and is refused (here that second request is played with the first one's change already made)."""
    first = make_user(test_settings, "admin", name="Eerste Beheerder")
    second = make_user(test_settings, "admin", name="Tweede Beheerder")

    async def second_turns_off_first(session):
        acting = Actor.of(await session.get(User, second))
        await session.execute(update(User).where(User.id == second).values(active=False))
        try:
            await users.deactivate_user(session, acting, first)
        except Conflict as refused:
            return refused.message
        return None

    message = in_session(test_settings, second_turns_off_first)
    assert message is not None and "laatste actieve beheerder" in message
    assert user_row(test_settings, first).active is True

    async def from_the_command_line(session):
        await session.execute(update(User).where(User.id == second).values(active=False))
        try:
            await users.update_user(session, None, first, users.UserInput(role="referrer"))
        except Conflict as refused:
            return refused.message
        return None

    assert "laatste actieve beheerder" in (in_session(test_settings, from_the_command_line) or "")
    assert user_row(test_settings, first).role == "admin"


def test_another_admin_can_be_turned_off_while_one_stays(test_settings, client, admin):
    other = make_user(test_settings, "admin", name="Bert Hendriks")
    assert "Ja, account uitzetten" in client.get(f"/beheer/gebruikers/{other}/uitzetten").text
    assert post_form(client, f"/beheer/gebruikers/{other}/uitzetten", {}).status_code == 303
    assert user_row(test_settings, other).active is False


def test_the_api_turns_off_through_the_same_rule(test_settings, client, admin, coordinator):
    token = make_token(test_settings, admin)
    response = client.patch(f"/api/v1/users/{coordinator}", json={"active": False}, headers=api(client, token))
    assert response.status_code == 200
    assert response.json()["active"] is False
    assert ("account_deactivated", f"door {ADMIN_NAME}") in security_events(test_settings, coordinator)


# --- who may, and what does not exist -------------------------------------------------------------


@pytest.mark.parametrize("action", ["uitzetten", "aanzetten"])
def test_an_unknown_user_is_not_found(test_settings, client, admin, action):
    for user_id in (uuid.uuid4(), "geen-id"):
        assert client.get(f"/beheer/gebruikers/{user_id}/{action}").status_code == 404
        response = post_form(client, f"/beheer/gebruikers/{user_id}/{action}", {}, form_page="/beheer/gebruikers")
        assert response.status_code == 404


@pytest.mark.parametrize("role", ["coordinator", "youth_worker", "referrer"])
def test_only_the_admin_may_turn_accounts_off_and_on(test_settings, client, role):
    vaart = make_location(test_settings)
    someone = make_user(test_settings, "youth_worker", location_ids=(vaart,))
    me = make_user(test_settings, role, location_ids=(vaart,) if role != "referrer" else ())
    login_as(test_settings, client, me)
    for action in ("uitzetten", "aanzetten"):
        assert client.get(f"/beheer/gebruikers/{someone}/{action}").status_code == 403
        assert post_form(client, f"/beheer/gebruikers/{someone}/{action}", {}, form_page="/").status_code == 403
    assert user_row(test_settings, someone).active is True
    assert security_events(test_settings, someone) == []


def test_a_post_without_the_csrf_token_changes_nothing(test_settings, client, admin, coordinator):
    response = client.post(f"/beheer/gebruikers/{coordinator}/uitzetten", data={}, follow_redirects=False)
    assert response.status_code == 403
    assert user_row(test_settings, coordinator).active is True
