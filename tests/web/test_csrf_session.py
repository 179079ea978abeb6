"""CSRF tokens are bound to the session and renewed at the log-in (issue 16.5, ASVS 3.5.1): a token from before the
log-in, or of another session, is refused; the page after the log-in gives a fresh one that works."""

from __future__ import annotations

from tests.factories import PASSWORD, csrf_token, email_of, make_user


def _make_token(client, csrf: str):
    return client.post(
        "/account/api-sleutels",
        data={"_csrf_token": csrf, "name": "Koppeling", "expires_days": "30"},
        follow_redirects=False,
    )


def test_a_token_from_before_the_log_in_is_refused_after_it(test_settings, client):
    email = email_of(test_settings, make_user(test_settings, "admin"))
    before = csrf_token(client, "/inloggen")
    response = client.post(
        "/inloggen", data={"_csrf_token": before, "email": email, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303
    # The log-in drops the CSRF cookie; put the old one back, as an attacker who planted it would have it.
    client.cookies.set("hk_csrf", before, domain="testserver.local", path="/")
    assert _make_token(client, before).status_code == 403
    fresh = csrf_token(client, "/account/api-sleutels")
    assert fresh != before
    assert _make_token(client, fresh).status_code in (200, 201, 303)


def test_a_token_of_one_session_is_refused_with_another(test_settings, make_client):
    first_email = email_of(test_settings, make_user(test_settings, "admin"))
    second_email = email_of(test_settings, make_user(test_settings, "admin"))
    first, second = make_client(), make_client()
    for client, email in ((first, first_email), (second, second_email)):
        token = csrf_token(client, "/inloggen")
        client.post("/inloggen", data={"_csrf_token": token, "email": email, "password": PASSWORD})
    stolen = csrf_token(first, "/account/api-sleutels")
    # The second browser with the first one's CSRF cookie and token, but its own session.
    second.cookies.set("hk_csrf", stolen, domain="testserver.local", path="/")
    assert _make_token(second, stolen).status_code == 403
    assert _make_token(first, stolen).status_code in (200, 201, 303)


def test_a_page_asked_with_a_stale_csrf_cookie_gets_a_new_one(test_settings, client):
    client.cookies.set("hk_csrf", "0" * 128)
    response = client.get("/inloggen")
    assert response.status_code == 200
    assert "hk_csrf" in response.headers.get("set-cookie", "")
