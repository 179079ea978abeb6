"""The second factor (issue 16.1): set-up right after the password, the second step with the app's code or a
recovery code (once only), wrong codes slowed down like passwords, the beheerder's reset, the organisation's
setting; and a session between password and second factor reaches no page at all. Passkeys in a real browser:
tests/browser/test_second_factor_passkey.py."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import UUID

import pyotp
import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select

from huiskamer.auth.models import ApiToken, RecoveryCode, SecurityEvent, User, UserSession
from tests.factories import (
    PASSWORD,
    csrf_token,
    email_of,
    in_session,
    login,
    make_location,
    make_token,
    make_user,
    post_form,
)
from tests.web.test_route_access import _fill, all_routes

SET_UP = "/inloggen/tweede-factor-instellen"
SECOND_STEP = "/inloggen/tweede-stap"
_KEY = re.compile(r'<code class="secret-key" id="sleutel">([A-Z2-7 ]+)</code>')
_CODES = re.compile(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>")


@pytest.fixture
def strict(test_settings):
    """A real installation: the beheerder and coordinators need a second factor."""
    return dataclasses.replace(test_settings, second_factor_required=True)


@pytest.fixture
def browsers(strict) -> Iterator:
    """``browsers()`` gives another browser on the strict app (as another worker would serve it)."""
    from huiskamer.app import create_app

    opened: list[TestClient] = []

    def make() -> TestClient:
        client = TestClient(create_app(strict), base_url="http://testserver.local")
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


USED_AT_SET_UP: dict[str, str] = {}


def code_at(secret: str, offset_steps: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(int(datetime.now(UTC).timestamp()) // totp.interval + offset_steps)


def set_up_app(client: TestClient, email: str) -> tuple[str, list[str]]:
    """Logs in with the password, sets up the authenticator app in the guided flow; the key and recovery codes.
    ``USED_AT_SET_UP[email]`` is the code the set-up used."""
    response = login(client, email)
    assert response.status_code == 303
    assert response.headers["location"].startswith(SET_UP)
    page = client.get(response.headers["location"])
    assert page.status_code == 200
    secret = _KEY.search(page.text).group(1).replace(" ", "")
    assert "<svg" in page.text  # the QR code, inline
    USED_AT_SET_UP[email] = code_at(secret)
    answer = post_form(client, SET_UP, {"method": "app", "code": USED_AT_SET_UP[email], "next": "/"}, form_page=SET_UP)
    assert answer.status_code == 200, answer.text
    codes = _CODES.findall(answer.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    return secret, codes


def second_step(client: TestClient, data: dict[str, str]):
    return post_form(client, SECOND_STEP, {"next": "/", **data}, form_page=SECOND_STEP)


def events(settings, kind: str, user_id: UUID) -> int:
    async def work(session) -> int:
        query = select(func.count()).select_from(SecurityEvent).where(SecurityEvent.kind == kind)
        return await session.scalar(query.where(SecurityEvent.user_id == user_id)) or 0

    return in_session(settings, work)


def test_a_coordinator_sets_up_the_app_right_after_the_password_and_then_uses_it(strict, browsers):
    location = make_location(strict)
    coordinator = make_user(strict, "coordinator", location_ids=(location,))
    email = email_of(strict, coordinator)
    first = browsers()
    secret, _ = set_up_app(first, email)
    assert first.get("/", follow_redirects=False).status_code == 200  # a full session now

    second = browsers()
    response = login(second, email)
    assert response.headers["location"].startswith(SECOND_STEP)
    assert second.get("/", follow_redirects=False).headers["location"].startswith(SECOND_STEP)
    wrong = second_step(second, {"method": "app", "code": "000000" if code_at(secret, 1) != "000000" else "111111"})
    assert wrong.status_code == 400
    assert "klopt niet" in wrong.text
    # The code the set-up used (of its time step, or one before now) is not accepted again: only a later one.
    assert second_step(second, {"method": "app", "code": USED_AT_SET_UP[email]}).status_code == 400
    done = second_step(second, {"method": "app", "code": code_at(secret, 1)})
    assert done.status_code == 303
    assert second.get("/", follow_redirects=False).status_code == 200
    assert events(strict, "second_factor_failed", coordinator) == 2
    assert events(strict, "second_factor_added", coordinator) == 1


def test_the_cookie_of_the_pending_session_opens_nothing_once_the_second_step_is_done(strict, browsers):
    admin = make_user(strict, "admin")
    client = browsers()
    response = login(client, email_of(strict, admin))
    before = client.cookies.get("hk_session")
    page = client.get(response.headers["location"])
    secret = _KEY.search(page.text).group(1).replace(" ", "")
    post_form(client, SET_UP, {"method": "app", "code": code_at(secret)}, form_page=SET_UP)
    after = client.cookies.get("hk_session")
    assert before and after and before != after
    stale = browsers()
    stale.cookies.set("hk_session", before)
    assert stale.get("/", follow_redirects=False).status_code == 303


def test_a_recovery_code_works_once(strict, browsers):
    coordinator = make_user(strict, "coordinator", location_ids=(make_location(strict),))
    email = email_of(strict, coordinator)
    _, codes = set_up_app(browsers(), email)

    client = browsers()
    login(client, email)
    form = client.get(SECOND_STEP + "?met=recovery")
    assert 'name="recovery_code"' in form.text
    used = second_step(client, {"method": "recovery", "recovery_code": codes[3].upper().replace("-", " ")})
    assert used.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 200

    again = browsers()
    login(again, email)
    refused = second_step(again, {"method": "recovery", "recovery_code": codes[3]})
    assert refused.status_code == 400
    assert second_step(again, {"method": "recovery", "recovery_code": codes[4]}).status_code == 303
    assert events(strict, "recovery_code_used", coordinator) == 2

    async def left(session) -> int:
        query = select(func.count()).select_from(RecoveryCode).where(RecoveryCode.used_at.is_(None))
        return await session.scalar(query.where(RecoveryCode.user_id == coordinator)) or 0

    assert in_session(strict, left) == 8


def test_wrong_codes_are_slowed_down_like_passwords(strict, browsers):
    coordinator = make_user(strict, "coordinator", location_ids=(make_location(strict),))
    email = email_of(strict, coordinator)
    secret, _ = set_up_app(browsers(), email)
    client = browsers()
    login(client, email)
    right = code_at(secret, 1)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(strict.login_max_failures):
        assert second_step(client, {"method": "app", "code": wrong}).status_code == 400
    slowed = second_step(client, {"method": "app", "code": right})
    assert slowed.status_code == 400
    assert "Te veel verkeerde codes" in slowed.text
    assert client.get("/", follow_redirects=False).status_code == 303
    assert events(strict, "second_factor_slowed", coordinator) == 1
    # Recovery codes are guesses too: the same counter.
    assert "Te veel" in second_step(client, {"method": "recovery", "recovery_code": "abcde-fghjk"}).text


def test_a_session_between_password_and_second_factor_reaches_no_page(strict, browsers, app):
    """Every route of the app, enumerated from it: a coordinator who has not finished the set-up is sent to the
    second step (pages) or gets 401 (the API does not take a session), never a page with data."""
    location = make_location(strict)
    coordinator = make_user(strict, "coordinator", location_ids=(location,))
    client = browsers()
    assert login(client, email_of(strict, coordinator)).headers["location"].startswith(SET_UP)
    token = csrf_token(client, SET_UP)
    own = {SECOND_STEP, SET_UP, "/uitloggen", "/wachtwoord/controle", "/inloggen", "/uitnodiging/{token:str}"}
    checked = 0
    for path, method in all_routes(app):
        if path in own or path.startswith(("/static/", "/schema")) or path in ("/sw.js", "/manifest.webmanifest"):
            continue
        if path in ("/over", "/health", "/offline"):
            continue
        response = client.request(method, _fill(path), headers={"x-csrftoken": token}, follow_redirects=False)
        if path.startswith("/api/"):
            assert response.status_code == 401, (method, path, response.status_code)
        else:
            assert response.status_code == 303, (method, path, response.status_code)
            assert response.headers["location"].startswith(SECOND_STEP), (method, path)
        checked += 1
    assert checked > 100
    # The set-up page itself shows nothing of anyone else.
    page = client.get(SET_UP)
    assert page.status_code == 200
    assert "Tweede factor instellen" in page.text


def test_the_beheerder_resets_a_users_second_factor(strict, browsers):
    admin = make_user(strict, "admin")
    coordinator = make_user(strict, "coordinator", location_ids=(make_location(strict),))
    email = email_of(strict, coordinator)
    coordinator_browser = browsers()
    set_up_app(coordinator_browser, email)
    token = make_token(strict, coordinator)

    admin_browser = browsers()
    set_up_app(admin_browser, email_of(strict, admin))
    detail = admin_browser.get(f"/beheer/gebruikers/{coordinator}")
    assert "Ingesteld (authenticator-app)" in detail.text
    response = post_form(
        admin_browser,
        f"/beheer/gebruikers/{coordinator}/tweede-factor",
        {},
        form_page=f"/beheer/gebruikers/{coordinator}",
    )
    assert response.status_code == 303
    assert "alle sessies en API-sleutels zijn beëindigd" in admin_browser.get(response.headers["location"]).text

    # Logged out everywhere, the API token revoked; at the next log-in the set-up again.
    assert coordinator_browser.get("/", follow_redirects=False).headers["location"].startswith("/inloggen")
    assert browsers().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert login(browsers(), email).headers["location"].startswith(SET_UP)
    assert events(strict, "second_factor_reset", coordinator) == 1

    async def state(session):
        user = await session.get(User, coordinator)
        codes = await session.scalar(
            select(func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == user.id)
        )
        sessions = await session.scalar(
            select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id)
        )
        revoked = await session.scalar(select(ApiToken.revoked_at).where(ApiToken.user_id == user.id))
        return user.totp_secret, user.totp_confirmed_at, codes, sessions, revoked

    secret, confirmed, codes, sessions, revoked = in_session(strict, state)
    assert (secret, confirmed, codes) == (None, None, 0)
    assert sessions == 1  # only the one of the log-in just now, waiting for the set-up
    assert revoked is not None


def test_the_beheerder_cannot_reset_their_own_second_factor_from_the_user_page(strict, browsers):
    admin = make_user(strict, "admin")
    client = browsers()
    set_up_app(client, email_of(strict, admin))
    response = post_form(
        client, f"/beheer/gebruikers/{admin}/tweede-factor", {}, form_page=f"/beheer/gebruikers/{admin}"
    )
    assert response.status_code == 303
    assert "Mijn account" in client.get(response.headers["location"]).text
    assert client.get("/", follow_redirects=False).status_code == 200


def test_only_the_beheerder_may_reset(strict, browsers):
    location = make_location(strict)
    coordinator = make_user(strict, "coordinator", location_ids=(location,))
    other = make_user(strict, "coordinator", location_ids=(location,))
    client = browsers()
    set_up_app(client, email_of(strict, coordinator))
    response = client.post(
        f"/beheer/gebruikers/{other}/tweede-factor",
        headers={"x-csrftoken": csrf_token(client, "/")},
        follow_redirects=False,
    )
    assert response.status_code == 403


def test_youth_workers_need_one_only_when_the_organisation_asks_it(strict, browsers):
    location = make_location(strict)
    worker = make_user(strict, "youth_worker", location_ids=(location,))
    email = email_of(strict, worker)
    assert login(browsers(), email).headers["location"] == "/"

    admin = make_user(strict, "admin")
    admin_browser = browsers()
    set_up_app(admin_browser, email_of(strict, admin))
    saved = post_form(
        admin_browser,
        "/beheer/instellingen",
        {
            "unexcused_absence_threshold": "3",
            "unexcused_absence_window_days": "30",
            "evaluation_interval_months": "3",
            "second_factor_for_everyone": "on",
        },
    )
    assert saved.status_code == 303
    assert re.search(r'name="second_factor_for_everyone"[^>]*checked', admin_browser.get("/beheer/instellingen").text)
    assert login(browsers(), email).headers["location"].startswith(SET_UP)


def test_in_the_demo_nobody_needs_one_but_whoever_set_one_up_is_asked_for_it(test_settings, client, make_client):
    """Development and the demo (``huiskamer start``): log in with the password alone, as ``start`` prints."""
    coordinator = make_user(test_settings, "coordinator", location_ids=(make_location(test_settings),))
    email = email_of(test_settings, coordinator)
    assert login(client, email).headers["location"] == "/"
    page = client.get("/account/tweede-factor")
    assert page.status_code == 200
    secret = _KEY.search(page.text).group(1).replace(" ", "")
    wrong = post_form(
        client, "/account/tweede-factor", {"method": "app", "code": code_at(secret), "current_password": "x"}
    )
    assert wrong.status_code == 422 and "Uw wachtwoord klopt niet" in wrong.text
    added = post_form(
        client, "/account/tweede-factor", {"method": "app", "code": code_at(secret), "current_password": PASSWORD}
    )
    assert added.status_code == 200
    assert len(_CODES.findall(added.text)) == 10
    other = make_client()
    assert login(other, email).headers["location"].startswith(SECOND_STEP)


def test_a_second_factor_required_cannot_be_removed_when_it_is_the_last(strict, browsers):
    coordinator = make_user(strict, "coordinator", location_ids=(make_location(strict),))
    client = browsers()
    set_up_app(client, email_of(strict, coordinator))
    without = post_form(client, "/account/tweede-factor/herstelcodes", {}, form_page="/account/tweede-factor")
    assert without.status_code == 422 and not _CODES.findall(without.text)
    refused = post_form(
        client,
        "/account/tweede-factor/app/verwijderen",
        {"current_password_app": PASSWORD},
        form_page="/account/tweede-factor",
    )
    assert refused.status_code == 409
    assert "voeg eerst een andere toe" in refused.text
    new_codes = post_form(
        client,
        "/account/tweede-factor/herstelcodes",
        {"current_password_codes": PASSWORD},
        form_page="/account/tweede-factor",
    )
    assert len(_CODES.findall(new_codes.text)) == 10


def test_nonsense_in_the_second_step_is_a_clear_message_never_a_500(strict, browsers):
    coordinator = make_user(strict, "coordinator", location_ids=(make_location(strict),))
    email = email_of(strict, coordinator)
    set_up_app(browsers(), email)
    client = browsers()
    login(client, email)
    for data in (
        {"method": "app", "code": "x" * 5000},
        {"method": "recovery", "recovery_code": "\x00\xff" * 30},
        {"method": "passkey", "credential": "{not json"},
        {"method": "passkey", "credential": '{"id": "abc", "response": 5}'},
        {"method": "passkey", "credential": "[1, 2]"},
        {"method": "onbekend"},
    ):
        response = second_step(client, data)
        assert response.status_code == 400, (data, response.status_code)
    set_up = browsers()
    other = make_user(strict, "coordinator", location_ids=(make_location(strict),))
    login(set_up, email_of(strict, other))
    for data in ({"method": "app", "code": "12"}, {"method": "passkey", "credential": '{"id": 1}'}):
        response = post_form(set_up, SET_UP, data, form_page=SET_UP)
        assert response.status_code == 422, (data, response.status_code)
        assert 'class="error-summary"' in response.text


def test_reset_2fa_on_the_command_line(strict, browsers):
    from click.testing import CliRunner

    from huiskamer.cli import main

    coordinator = make_user(strict, "coordinator", location_ids=(make_location(strict),))
    email = email_of(strict, coordinator)
    set_up_app(browsers(), email)
    env = {"HUISKAMER_DATABASE_URL": strict.database_url}
    result = CliRunner().invoke(main, ["user", "reset-2fa", "--email", email.upper()], env=env)
    assert result.exit_code == 0, result.output
    assert "verwijderd" in result.output
    assert login(browsers(), email).headers["location"].startswith(SET_UP)
    unknown = CliRunner().invoke(main, ["user", "reset-2fa", "--email", "niemand@test.example"], env=env)
    assert unknown.exit_code == 1
    assert "Geen gebruiker" in unknown.output


def test_back_or_a_second_click_after_the_step_goes_on_instead_of_looping(strict, browsers):
    coordinator = make_user(strict, "coordinator", location_ids=(make_location(strict),))
    client = browsers()
    set_up_app(client, email_of(strict, coordinator))
    again = client.get(SET_UP + "?volgende=/aanmeldingen", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/aanmeldingen"
    assert client.get(SECOND_STEP, follow_redirects=False).headers["location"] == "/"
    anonymous = browsers()
    gone = anonymous.get(SECOND_STEP + "?volgende=/aanmeldingen&formulier=" + str(coordinator), follow_redirects=False)
    assert gone.headers["location"].startswith("/inloggen?volgende=%2Faanmeldingen&formulier=")


def test_stopping_at_the_second_step_logs_out(strict, browsers):
    coordinator = make_user(strict, "coordinator", location_ids=(make_location(strict),))
    email = email_of(strict, coordinator)
    set_up_app(browsers(), email)
    client = browsers()
    login(client, email)
    stopped = post_form(client, "/uitloggen", {}, form_page=SECOND_STEP)
    assert stopped.status_code == 303 and stopped.headers["location"] == "/inloggen?uitgelogd=1"
    assert client.get(SECOND_STEP, follow_redirects=False).headers["location"].startswith("/inloggen?")


def test_a_passkey_answer_nested_deep_is_refused_not_a_500(strict, browsers):
    coordinator = make_user(strict, "coordinator", location_ids=(make_location(strict),))
    email = email_of(strict, coordinator)
    set_up_app(browsers(), email)
    client = browsers()
    login(client, email)
    deep = "[" * 9000 + "]" * 9000
    assert second_step(client, {"method": "passkey", "credential": deep}).status_code == 400


def test_guesses_spread_over_many_addresses_are_slowed_per_account(strict, browsers, monkeypatch):
    from huiskamer.auth import second_factor_web

    coordinator = make_user(strict, "coordinator", location_ids=(make_location(strict),))
    email = email_of(strict, coordinator)
    secret, _ = set_up_app(browsers(), email)
    client = browsers()
    login(client, email)
    right = code_at(secret, 1)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    addresses = iter(f"10.0.0.{n}" for n in range(1, 100))
    monkeypatch.setattr(second_factor_web, "client_address", lambda _request: next(addresses))
    for _ in range(strict.login_max_failures):
        assert "klopt niet" in second_step(client, {"method": "app", "code": wrong}).text
    assert "Te veel verkeerde codes" in second_step(client, {"method": "app", "code": right}).text
