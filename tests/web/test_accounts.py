"""Getting in and out: log-in with one generic message, the slow-down per account and per IP address (kept in
the database), log-out, session cookies, CSRF, sessions across app instances, changing the password,
invitation links, and deactivated accounts."""

from __future__ import annotations

import asyncio
import dataclasses
import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import httpx
from litestar.testing import TestClient
from sqlalchemy import select, update

from huiskamer.app import create_app
from huiskamer.auth.middleware import SESSION_COOKIE
from huiskamer.auth.models import Invitation, LoginThrottle, SecurityEvent
from huiskamer.auth.service import LOGIN_FAILED
from tests.factories import (
    PASSWORD,
    api,
    csrf_token,
    email_of,
    in_session,
    login,
    login_as,
    make_invitation,
    make_location,
    make_token,
    make_user,
    post_form,
)

BASE_URL = "http://testserver.local"
NEW_PASSWORD = "drie-kopjes-thee-graag"


@contextmanager
def browser_from(settings, ip: str) -> Iterator[TestClient]:
    """A browser whose requests come from the given IP address (to an app instance of its own)."""
    with TestClient(create_app(settings), base_url=BASE_URL) as client:
        real_app = client.app

        async def from_ip(scope, receive, send):
            if scope["type"] == "http":
                scope = {**scope, "client": (ip, 50000)}
            await real_app(scope, receive, send)

        client.app = from_ip
        yield client


def login_message(response) -> str:
    """The message in the log-in page's error box."""
    match = re.search(r'<div class="error-summary"[^>]*>\s*<h2>[^<]*</h2>\s*<p>([^<]*)</p>', response.text)
    assert match, response.text[:500]
    return html.unescape(match.group(1))


def assert_refused(response) -> None:
    assert response.status_code == 400
    assert login_message(response) == LOGIN_FAILED
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")


def session_cookie(client) -> str:
    value = client.cookies.get(SESSION_COOKIE)
    assert value
    return value


# --- log-in and the slow-down ------------------------------------------------------------------


def test_wrong_password_and_unknown_email_get_the_same_generic_answer(test_settings, client):
    make_user(test_settings, "admin", email="beheer@test.example")
    wrong_password = login(client, "beheer@test.example", "niet-het-wachtwoord")
    unknown_email = login(client, "niemand@test.example", "niet-het-wachtwoord")
    assert_refused(wrong_password)
    assert_refused(unknown_email)
    assert login_message(wrong_password) == login_message(unknown_email)
    assert login(client, "beheer@test.example").status_code == 303


def test_ten_failures_on_one_account_slow_that_address_down_not_the_real_user(test_settings):
    make_user(test_settings, "admin", email="beheer@test.example")
    make_user(test_settings, "admin", email="ander@test.example")
    with browser_from(test_settings, "10.0.0.1") as guesser:
        answers = [login(guesser, "beheer@test.example", f"gok-{n}") for n in range(10)]
        for answer in answers:
            assert_refused(answer)
        # The eleventh try from there is refused before the password is looked at: even the right one.
        slowed = login(guesser, "beheer@test.example", PASSWORD)
        assert_refused(slowed)
        assert login_message(slowed) == login_message(answers[0])
    with browser_from(test_settings, "10.0.0.2") as owner:
        # The real user, elsewhere, is not locked out by someone else's guessing (ASVS 6.3.1).
        assert login(owner, "beheer@test.example", PASSWORD).status_code == 303
    with browser_from(test_settings, "10.0.0.1") as guesser:
        # Another account from the guesser's address is not slowed down by this account's counter.
        assert login(guesser, "ander@test.example", PASSWORD).status_code == 303


def test_thirty_failures_from_one_address_over_many_accounts_slow_that_address_down(test_settings):
    make_user(test_settings, "admin", email="beheer@test.example")
    assert test_settings.login_max_failures_per_address == 30
    with browser_from(test_settings, "10.0.0.3") as guesser:
        for n in range(30):
            assert_refused(login(guesser, f"persoon{n}@test.example", "gok"))
        assert_refused(login(guesser, "beheer@test.example", PASSWORD))
    with browser_from(test_settings, "10.0.0.4") as elsewhere:
        assert login(elsewhere, "beheer@test.example", PASSWORD).status_code == 303


def test_nine_failures_do_not_slow_down_yet_and_a_log_in_clears_them(test_settings):
    make_user(test_settings, "admin", email="beheer@test.example")
    with browser_from(test_settings, "10.0.0.5") as browser:
        for n in range(9):
            assert_refused(login(browser, "beheer@test.example", f"gok-{n}"))
        assert login(browser, "beheer@test.example", PASSWORD).status_code == 303
        # Cleared: nine more mistakes (a person typing badly) are again not a slow-down.
        browser.cookies.clear()
        for n in range(9):
            assert_refused(login(browser, "beheer@test.example", f"weer-{n}"))
        assert login(browser, "beheer@test.example", PASSWORD).status_code == 303


def test_the_slow_down_is_kept_in_the_database_for_every_app_instance(test_settings):
    make_user(test_settings, "admin", email="beheer@test.example")
    with browser_from(test_settings, "10.0.0.6") as guesser:
        for n in range(10):
            login(guesser, "beheer@test.example", f"gok-{n}")
    # browser_from starts a second app instance: as if another worker, or the app after a restart, answered.
    with browser_from(test_settings, "10.0.0.6") as same_address:
        assert_refused(login(same_address, "beheer@test.example", PASSWORD))


def test_a_slow_down_ends_after_its_window(test_settings):
    make_user(test_settings, "admin", email="beheer@test.example")
    with browser_from(test_settings, "10.0.0.8") as guesser:
        for n in range(11):
            assert_refused(login(guesser, "beheer@test.example", f"gok-{n}"))
    earlier = datetime.now(UTC) - timedelta(minutes=test_settings.login_block_minutes + 1)

    async def window_ended(session):
        await session.execute(update(LoginThrottle).values(window_started_at=earlier))
        await session.commit()

    in_session(test_settings, window_ended)
    with browser_from(test_settings, "10.0.0.8") as guesser:
        assert login(guesser, "beheer@test.example", PASSWORD).status_code == 303


def test_forty_parallel_attempts_check_at_most_the_limit_of_passwords(test_settings, monkeypatch):
    """Forty log-ins at once from one address on one account (the right password among them, as #35): every
    attempt is counted before its password is checked, so at most ten passwords are ever compared, none gets in
    after the tenth, nothing answers 500, and the real user elsewhere still gets in."""
    from huiskamer.auth import service

    make_user(test_settings, "admin", email="beheer@test.example")
    checked = []
    real_verify = service.verify_password_off_loop

    async def counting_verify(password, hashed):
        checked.append(password)
        return await real_verify(password, hashed)

    monkeypatch.setattr(service, "verify_password_off_loop", counting_verify)
    app = create_app(test_settings)
    passwords = [PASSWORD if n == 34 else f"gok-{n}" for n in range(40)]

    async def attack() -> list[int]:
        transport = httpx.ASGITransport(app=app, client=("10.0.0.9", 50000))
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            await client.get("/inloggen")
            token = client.cookies["hk_csrf"]

            async def attempt(password: str) -> int:
                form = {"email": "beheer@test.example", "password": password, "_csrf_token": token}
                return (await client.post("/inloggen", data=form)).status_code

            return await asyncio.gather(*(attempt(p) for p in passwords))

    with TestClient(app, base_url=BASE_URL) as running, running.portal() as portal:  # the app's lifespan and loop
        statuses = portal.call(attack)
    assert set(statuses) == {400}, statuses  # all refused (the right one came after the limit), never a 500
    assert len(checked) <= test_settings.login_max_failures
    assert PASSWORD not in checked or len(checked) <= test_settings.login_max_failures
    with browser_from(test_settings, "10.0.0.10") as owner:
        assert login(owner, "beheer@test.example", PASSWORD).status_code == 303


def test_failed_and_slowed_log_ins_are_in_the_security_log_for_the_beheerder(test_settings):
    admin = make_user(test_settings, "admin", email="beheer@test.example")
    coordinator = make_user(test_settings, "coordinator", location_ids=(make_location(test_settings),))
    with browser_from(test_settings, "10.0.0.11") as guesser:
        for n in range(12):
            login(guesser, "beheer@test.example", f"gok-{n}")
        login(guesser, "niemand@test.example", "gok")

    async def events(session):
        rows = await session.execute(select(SecurityEvent.kind, SecurityEvent.email, SecurityEvent.address))
        return sorted(tuple(row) for row in rows)

    found = in_session(test_settings, events)
    assert found.count(("login_failed", "beheer@test.example", "10.0.0.11")) == 10
    assert found.count(("login_slowed", "beheer@test.example", "10.0.0.11")) == 1  # once, not per attempt
    assert ("login_failed", "niemand@test.example", "10.0.0.11") in found
    with TestClient(create_app(test_settings), base_url=BASE_URL) as client:
        login_as(test_settings, client, admin)
        page = client.get("/beheer/beveiliging")
        assert page.status_code == 200
        assert page.text.count("Inloggen mislukt") >= 11 and "Inloggen vertraagd" in page.text
        assert "10.0.0.11" in page.text
        only_slowed = client.get("/beheer/beveiliging?soort=login_slowed")
        assert "Inloggen vertraagd" in only_slowed.text and "niemand@test.example" not in only_slowed.text
        assert client.get("/beheer/beveiliging?soort=%00&pagina=-3").status_code == 200
    with TestClient(create_app(test_settings), base_url=BASE_URL) as client:
        login_as(test_settings, client, coordinator)
        assert client.get("/beheer/beveiliging").status_code == 403


# --- log-out, cookies, CSRF, sessions in the database ------------------------------------------


def test_log_out_ends_the_session_on_the_server(test_settings, client):
    user = make_user(test_settings, "coordinator", location_ids=(make_location(test_settings),))
    login_as(test_settings, client, user)
    cookie = session_cookie(client)
    response = post_form(client, "/uitloggen", {}, form_page="/")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/inloggen")
    with TestClient(create_app(test_settings), base_url=BASE_URL, cookies={SESSION_COOKIE: cookie}) as copied:
        old = copied.get("/", follow_redirects=False)
    assert old.status_code == 303
    assert old.headers["location"].startswith("/inloggen")


def test_session_cookie_is_httponly_and_samesite_lax(test_settings, client):
    make_user(test_settings, "admin", email="beheer@test.example")
    response = login(client, "beheer@test.example")
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE + "="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # local development runs on plain http


def test_session_cookie_is_secure_outside_development(test_settings):
    make_user(test_settings, "admin", email="beheer@test.example")
    production = dataclasses.replace(test_settings, dev_mode=False)
    assert production.secure_cookies
    with TestClient(create_app(production), base_url="https://testserver.local") as browser:
        form = browser.get("/inloggen")
        csrf_cookie = next(c for c in form.headers.get_list("set-cookie") if c.startswith("__Host-hk_csrf="))
        assert "Secure" in csrf_cookie
        response = login(browser, "beheer@test.example")
        assert response.status_code == 303
        cookie = next(
            c for c in response.headers.get_list("set-cookie") if c.startswith("__Host-" + SESSION_COOKIE + "=")
        )
        assert "Secure" in cookie
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie


def test_a_form_without_its_csrf_token_is_refused(test_settings, client):
    admin = make_user(test_settings, "admin", email="beheer@test.example")
    login_as(test_settings, client, admin)
    data = {"name": "Zonder Token", "email": "zonder@test.example", "role": "admin"}
    refused = client.post("/beheer/gebruikers/nieuw", data=data, follow_redirects=False)
    assert refused.status_code == 403
    forged = client.post("/beheer/gebruikers/nieuw", data={**data, "_csrf_token": "verzonnen"}, follow_redirects=False)
    assert forged.status_code == 403
    assert "zonder@test.example" not in client.get("/beheer/gebruikers").text
    accepted = post_form(client, "/beheer/gebruikers/nieuw", data)
    assert accepted.status_code == 303
    assert "zonder@test.example" in client.get("/beheer/gebruikers").text


def test_the_log_in_form_needs_its_csrf_token_too(test_settings, client):
    make_user(test_settings, "admin", email="beheer@test.example")
    client.get("/inloggen")
    response = client.post(
        "/inloggen", data={"email": "beheer@test.example", "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 403
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")


def test_a_session_survives_a_new_app_instance(test_settings, client):
    user = make_user(test_settings, "admin", email="beheer@test.example", name="Els Spraakman")
    login_as(test_settings, client, user)
    cookie = session_cookie(client)
    restarted = create_app(test_settings)
    with TestClient(restarted, base_url=BASE_URL, cookies={SESSION_COOKIE: cookie}) as same_browser:
        page = same_browser.get("/", follow_redirects=False)
    assert page.status_code == 200
    assert "Els Spraakman" in page.text


# --- changing the password ---------------------------------------------------------------------


def test_a_wrong_current_password_is_said_next_to_that_field(test_settings, client):
    user = make_user(test_settings, "admin", email="beheer@test.example")
    login_as(test_settings, client, user)
    response = post_form(
        client,
        "/account/wachtwoord",
        {
            "current_password": "niet-mijn-wachtwoord",
            "new_password": NEW_PASSWORD,
            "repeat_password": NEW_PASSWORD,
        },
    )
    assert response.status_code == 422
    assert re.search(r'id="veld-current_password-fout">.*Uw huidige wachtwoord klopt niet\.', response.text)
    assert login(client, "beheer@test.example", NEW_PASSWORD).status_code != 303


def test_changing_the_password_ends_the_other_sessions_but_not_this_one(test_settings, client, make_client):
    user = make_user(test_settings, "admin", email="beheer@test.example", name="Els Spraakman")
    login_as(test_settings, client, user)
    laptop = login_as(test_settings, make_client(), user)
    response = post_form(
        client,
        "/account/wachtwoord",
        {
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "repeat_password": NEW_PASSWORD,
        },
    )
    assert response.status_code == 303
    page = client.get("/")
    assert page.status_code == 200
    assert "Uw wachtwoord is gewijzigd." in page.text
    other = laptop.get("/", follow_redirects=False)
    assert other.status_code == 303
    assert other.headers["location"].startswith("/inloggen")
    with browser_from(test_settings, "10.0.1.1") as fresh:
        assert_refused(login(fresh, "beheer@test.example", PASSWORD))
        assert login(fresh, "beheer@test.example", NEW_PASSWORD).status_code == 303


# --- invitations -------------------------------------------------------------------------------


def accept(client, token: str, password: str = NEW_PASSWORD):
    return post_form(
        client,
        f"/uitnodiging/{token}",
        {"new_password": password, "repeat_password": password},
        form_page="/inloggen",
    )


def test_an_invitation_sets_the_password_and_logs_in(test_settings, client):
    user = make_user(test_settings, "referrer", password=None, name="Marieke Smit")
    token = make_invitation(test_settings, user)
    page = client.get(f"/uitnodiging/{token}")
    assert page.status_code == 200
    assert "Marieke Smit" in page.text
    response = accept(client, token)
    assert response.status_code == 303
    start = client.get("/")
    assert start.status_code == 200
    assert "Marieke Smit" in start.text
    with browser_from(test_settings, "10.0.2.1") as later:
        assert login(later, email_of(test_settings, user), NEW_PASSWORD).status_code == 303


def test_an_invitation_works_only_once(test_settings, client, make_client):
    user = make_user(test_settings, "admin", password=None)
    token = make_invitation(test_settings, user)
    assert accept(client, token).status_code == 303
    other = make_client()
    assert other.get(f"/uitnodiging/{token}").status_code == 404
    again = accept(other, token, "een-ander-wachtwoord-nu")
    assert again.status_code == 404
    assert SESSION_COOKIE not in again.headers.get("set-cookie", "")
    assert login(other, email_of(test_settings, user), "een-ander-wachtwoord-nu").status_code == 400


def test_an_expired_invitation_is_refused(test_settings, client):
    user = make_user(test_settings, "admin", password=None)
    token = make_invitation(test_settings, user)
    assert client.get(f"/uitnodiging/{token}").status_code == 200

    async def eight_days_old(session):
        past = datetime.now(UTC) - timedelta(seconds=1)
        await session.execute(update(Invitation).where(Invitation.user_id == user).values(expires_at=past))

    in_session(test_settings, eight_days_old)
    page = client.get(f"/uitnodiging/{token}")
    assert page.status_code == 404
    assert "verlopen of al gebruikt" in page.text
    assert accept(client, token).status_code == 404


def test_an_invitation_is_valid_for_seven_days(test_settings):
    user = make_user(test_settings, "admin", password=None)
    make_invitation(test_settings, user)

    async def expiry(session):
        return await session.scalar(select(Invitation.expires_at).where(Invitation.user_id == user))

    left = in_session(test_settings, expiry) - datetime.now(UTC)
    assert timedelta(days=6, hours=23) < left <= timedelta(days=7)


def test_a_new_invitation_invalidates_the_old_one(test_settings, client):
    user = make_user(test_settings, "admin", password=None)
    old = make_invitation(test_settings, user)
    new = make_invitation(test_settings, user)
    assert client.get(f"/uitnodiging/{old}").status_code == 404
    assert accept(client, old).status_code == 404
    assert accept(client, new).status_code == 303


# --- deactivated accounts ----------------------------------------------------------------------


def test_a_deactivated_user_cannot_log_in_and_gets_the_generic_message(test_settings, client, make_client):
    admin = make_user(test_settings, "admin", email="beheer@test.example")
    user = make_user(test_settings, "referrer", email="m.smit@test.example")
    admin_token = make_token(test_settings, admin)
    assert (
        client.patch(f"/api/v1/users/{user}", json={"active": False}, headers=api(client, admin_token)).status_code
        == 200
    )
    assert_refused(login(make_client(), "m.smit@test.example", PASSWORD))


def test_deactivation_through_the_api_stops_token_and_browser_at_once(test_settings, client, make_client):
    admin = make_user(test_settings, "admin", email="beheer@test.example")
    user = make_user(test_settings, "youth_worker", location_ids=(make_location(test_settings),))
    admin_token = make_token(test_settings, admin)
    their_token = make_token(test_settings, user)
    their_browser = login_as(test_settings, make_client(), user)
    assert client.get("/api/v1/me", headers=api(client, their_token)).status_code == 200

    client.patch(f"/api/v1/users/{user}", json={"active": False}, headers=api(client, admin_token))

    assert client.get("/api/v1/me", headers=api(client, their_token)).status_code == 401
    page = their_browser.get("/account/wachtwoord", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/inloggen")


def test_deactivation_through_the_web_stops_token_and_browser_at_once(test_settings, client, make_client):
    vaart = make_location(test_settings)
    admin = make_user(test_settings, "admin", email="beheer@test.example")
    user = make_user(test_settings, "coordinator", location_ids=(vaart,), email="c@test.example", name="Co Ordinator")
    their_token = make_token(test_settings, user)
    their_browser = login_as(test_settings, make_client(), user)
    login_as(test_settings, client, admin)
    # The confirmation page's button (tests/web/test_users_deactivate.py has the page itself).
    response = post_form(client, f"/beheer/gebruikers/{user}/uitzetten", {})
    assert response.status_code == 303
    assert client.get("/api/v1/me", headers=api(client, their_token)).status_code == 401
    page = their_browser.get("/", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/inloggen")
    # A form the user still had open is refused as well: it leads to the log-in page, not to a change.
    token = csrf_token(their_browser, "/inloggen")
    posted = their_browser.post(
        "/account/wachtwoord",
        data={
            "_csrf_token": token,
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "repeat_password": NEW_PASSWORD,
        },
        follow_redirects=False,
    )
    assert posted.status_code == 303
    assert posted.headers["location"].startswith("/inloggen")


# --- the idle timeout --------------------------------------------------------------------------


def _session_used_at(settings, raw: str) -> datetime:
    from huiskamer.auth.models import UserSession
    from huiskamer.auth.secrets import token_hash

    async def work(session):
        return await session.scalar(select(UserSession.used_at).where(UserSession.token_hash == token_hash(raw)))

    return in_session(settings, work)


def _set_session_used_at(settings, raw: str, moment: datetime) -> None:
    from huiskamer.auth.models import UserSession
    from huiskamer.auth.secrets import token_hash

    async def work(session):
        await session.execute(
            update(UserSession).where(UserSession.token_hash == token_hash(raw)).values(used_at=moment)
        )
        await session.commit()

    in_session(settings, work)


def test_a_session_unused_for_the_idle_time_has_ended_a_used_one_goes_on(test_settings, client):
    user = make_user(test_settings, "admin", email="beheer@test.example")
    login_as(test_settings, client, user)
    raw = session_cookie(client)
    idle = timedelta(seconds=test_settings.session_idle_seconds)
    assert idle == timedelta(minutes=30)
    _set_session_used_at(test_settings, raw, datetime.now(UTC) - idle + timedelta(minutes=2))
    assert client.get("/", follow_redirects=False).status_code == 200  # 28 minutes: still there, and used now
    assert _session_used_at(test_settings, raw) > datetime.now(UTC) - timedelta(seconds=5)
    _set_session_used_at(test_settings, raw, datetime.now(UTC) - idle - timedelta(seconds=1))
    ended = client.get("/account", follow_redirects=False)
    assert ended.status_code == 303 and ended.headers["location"] == "/inloggen?volgende=%2Faccount"


def test_a_use_is_written_once_a_minute_not_on_every_request(test_settings, client):
    user = make_user(test_settings, "admin", email="beheer@test.example")
    login_as(test_settings, client, user)
    raw = session_cookie(client)
    first = _session_used_at(test_settings, raw)
    client.get("/")
    client.get("/account")
    assert _session_used_at(test_settings, raw) == first
    _set_session_used_at(test_settings, raw, first - timedelta(minutes=2))
    client.get("/")
    assert _session_used_at(test_settings, raw) > first - timedelta(seconds=1)


def test_stay_logged_in_starts_the_idle_time_again(test_settings, client):
    user = make_user(test_settings, "admin", email="beheer@test.example")
    login_as(test_settings, client, user)
    raw = session_cookie(client)
    page = client.get("/")
    assert 'data-session-idle="1800"' in page.text and 'id="sessie-melding"' in page.text
    _set_session_used_at(test_settings, raw, datetime.now(UTC) - timedelta(minutes=29, seconds=30))
    token = csrf_token(client, "/account")
    # /account itself was a use too; set it back again and keep the session with the warning's button alone.
    _set_session_used_at(test_settings, raw, datetime.now(UTC) - timedelta(minutes=29, seconds=30))
    stayed = client.post("/sessie/verlengen", headers={"x-csrftoken": token})
    assert stayed.status_code == 204
    assert _session_used_at(test_settings, raw) > datetime.now(UTC) - timedelta(seconds=5)
    client.cookies.clear()
    assert client.post("/sessie/verlengen", headers={"x-csrftoken": token}, follow_redirects=False).status_code in (
        303,
        403,
    )


def test_in_production_the_cookies_are_host_only_and_the_csrf_token_is_renewed_at_log_in(test_settings):
    production = dataclasses.replace(test_settings, dev_mode=False)
    make_user(production, "admin", email="beheer@test.example")
    with TestClient(create_app(production), base_url="https://testserver.local") as client:
        form = client.get("/inloggen")
        assert "__Host-hk_csrf=" in form.headers["set-cookie"] and "Secure" in form.headers["set-cookie"]
        before = client.cookies["__Host-hk_csrf"]
        answer = login(client, "beheer@test.example")
        assert answer.status_code == 303
        cookies = answer.headers.get_list("set-cookie")
        session = next(c for c in cookies if c.startswith("__Host-hk_session="))
        assert "Secure" in session and "Path=/" in session and "HttpOnly" in session and "Domain" not in session
        dropped = next(c for c in cookies if c.startswith("__Host-hk_csrf="))
        assert "Max-Age=0" in dropped
        assert client.get("/").status_code == 200  # logged in through the __Host- cookie
        assert client.cookies.get("__Host-hk_csrf") not in (None, before)  # a fresh token after the log-in
        # The old token no longer works for a form.
        refused = client.post("/account", data={"_csrf_token": before, "email_notifications": "1"})
        assert refused.status_code == 403


# --- a form sent after the session ended --------------------------------------------------------


def _kept_forms(settings) -> list:
    from huiskamer.auth.models import KeptForm

    async def work(session):
        return list(await session.scalars(select(KeptForm)))

    return in_session(settings, work)


def test_a_form_sent_after_the_session_ended_comes_back_after_logging_in_again(test_settings, client):
    user = make_user(test_settings, "admin", email="beheer@test.example")
    login_as(test_settings, client, user)
    raw = session_cookie(client)
    token = csrf_token(client, "/account/api-sleutels")
    _set_session_used_at(test_settings, raw, datetime.now(UTC) - timedelta(hours=1))
    typed = {"name": "Koppeling met het leerlingvolgsysteem van De Regenboog", "expires_days": "45"}
    sent = client.post(
        "/account/api-sleutels",
        data={"_csrf_token": token, "current_password": "geheim", **typed},
        headers={"referer": "http://testserver.local/account/api-sleutels"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert sent.headers["location"].startswith("/inloggen?volgende=%2Faccount%2Fapi-sleutels&formulier=")
    (kept,) = _kept_forms(test_settings)
    assert kept.fields == typed and kept.action == "/account/api-sleutels"  # no CSRF token, no password
    login_page = client.get(sent.headers["location"])
    assert "wat u in het formulier typte, is bewaard" in login_page.text
    assert f'name="formulier" value="{kept.id}"' in login_page.text
    token = csrf_token(client, sent.headers["location"])
    again = client.post(
        "/inloggen",
        data={"_csrf_token": token, "email": "beheer@test.example", "password": PASSWORD,
              "next": "/account/api-sleutels", "formulier": str(kept.id)},
        follow_redirects=False,
    )  # fmt: skip
    assert again.status_code == 303 and again.headers["location"] == f"/account/api-sleutels#formulier={kept.id}"
    back = client.get(f"/formulier/{kept.id}")
    assert back.status_code == 200 and back.json() == {"action": "/account/api-sleutels", "fields": typed}
    assert back.headers["cache-control"] == "no-store"
    assert client.get(f"/formulier/{kept.id}").status_code == 404  # once only
    assert _kept_forms(test_settings) == []


def test_a_kept_form_is_only_for_the_person_who_typed_it_and_only_for_an_hour(test_settings, client):
    from huiskamer.auth.models import KeptForm

    typist = make_user(test_settings, "admin", email="beheer@test.example")
    other = make_user(test_settings, "admin", email="ander@test.example")
    login_as(test_settings, client, typist)
    raw = session_cookie(client)
    token = csrf_token(client, "/account/api-sleutels")
    _set_session_used_at(test_settings, raw, datetime.now(UTC) - timedelta(hours=1))
    client.post("/account/api-sleutels", data={"_csrf_token": token, "name": "Iets"}, follow_redirects=False)
    (kept,) = _kept_forms(test_settings)
    client.cookies.clear()
    login_as(test_settings, client, other)
    assert client.get(f"/formulier/{kept.id}").status_code == 404
    assert len(_kept_forms(test_settings)) == 1  # still there for its owner

    async def an_hour_ago(session):
        await session.execute(update(KeptForm).values(created_at=datetime.now(UTC) - timedelta(minutes=61)))
        await session.commit()

    in_session(test_settings, an_hour_ago)
    client.cookies.clear()
    login_as(test_settings, client, typist)
    assert client.get(f"/formulier/{kept.id}").status_code == 404


def test_without_a_session_at_all_nothing_is_kept(test_settings, client):
    token = csrf_token(client, "/inloggen")
    response = client.post("/account/api-sleutels", data={"_csrf_token": token, "name": "Iets"}, follow_redirects=False)
    assert response.status_code == 303 and "formulier=" not in response.headers["location"]
    assert _kept_forms(test_settings) == []
    client.cookies.set("hk_session", "onzin")
    token = csrf_token(client, "/inloggen")  # a CSRF token is bound to the session cookie (site/csrf.py)
    response = client.post("/account/api-sleutels", data={"_csrf_token": token, "name": "Iets"}, follow_redirects=False)
    assert response.status_code == 303 and "formulier=" not in response.headers["location"]
    assert _kept_forms(test_settings) == []


def test_the_worker_forgets_kept_forms_after_an_hour_and_keeps_younger_ones(test_settings):
    from huiskamer.auth.models import KeptForm
    from huiskamer.worker import forget_expired_sessions

    user = make_user(test_settings, "admin", email="beheer@test.example")

    async def two_forms(session):
        now = datetime.now(UTC)
        for minutes, action in ((61, "/oud"), (30, "/jong")):
            session.add(
                KeptForm(user_id=user, action=action, fields={"x": "y"}, created_at=now - timedelta(minutes=minutes))
            )
        await session.commit()

    in_session(test_settings, two_forms)

    async def run_job(session):
        from sqlalchemy.ext.asyncio import async_sessionmaker

        await forget_expired_sessions(async_sessionmaker(session.bind, expire_on_commit=False), test_settings)

    in_session(test_settings, run_job)
    assert [form.action for form in _kept_forms(test_settings)] == ["/jong"]


def test_logged_in_meanwhile_the_log_in_link_of_a_kept_form_goes_straight_back_to_it(test_settings, client):
    login_as(test_settings, client, make_user(test_settings, "admin", email="beheer@test.example"))
    kept = "3f2a1c9e-0000-4000-8000-000000000001"
    answer = client.get(f"/inloggen?volgende=%2Faccount&formulier={kept}", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == f"/account#formulier={kept}"
    assert (
        client.get("/inloggen?volgende=%2Faccount&formulier=onzin", follow_redirects=False).headers["location"]
        == "/account"
    )
