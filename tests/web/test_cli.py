"""The `huiskamer` command as an operator uses it: database, demo data, users and API tokens.

The main paths run the real command in a subprocess; the refusals call the same click command in-process (much
faster, same code). Users and tokens go into the test database (SQLite, or PostgreSQL in the PostgreSQL run), so
the app itself can be asked whether they really work."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from uuid import UUID

from click.testing import CliRunner, Result
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.auth.models import User
from huiskamer.cli import main
from huiskamer.db import metadata
from tests.factories import api, in_session, login, make_location, make_user

BASE_URL = "http://testserver.local"


def huiskamer(database_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Runs `huiskamer ARGS` with this database; ``stdin`` is what is piped in (a password, or nothing)."""
    env = {
        **os.environ,
        "HUISKAMER_DATABASE_URL": database_url,
        "HUISKAMER_BASE_URL": BASE_URL,
        "PYTHONWARNINGS": "ignore::DeprecationWarning",
    }
    return subprocess.run(
        [sys.executable, "-m", "huiskamer.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def huiskamer_in_process(database_url: str, *args: str, stdin: str = "") -> Result:
    """The same command through click's test runner: stdin is piped (not a terminal), exit codes are kept."""
    env = {"HUISKAMER_DATABASE_URL": database_url, "HUISKAMER_BASE_URL": BASE_URL}
    return CliRunner().invoke(main, list(args), input=stdin, env=env, catch_exceptions=False)


def count_users(settings) -> int:
    async def work(session: AsyncSession) -> int:
        return await session.scalar(select(func.count()).select_from(User)) or 0

    return in_session(settings, work)


# --- the database and the demo ------------------------------------------------------------------


def test_db_upgrade_creates_every_table_in_an_empty_database(tmp_path: Path):
    database = tmp_path / "fresh.sqlite"
    result = huiskamer(f"sqlite+aiosqlite:///{database}", "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert "De database is bijgewerkt." in result.stdout
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert set(metadata.tables) <= tables
    # Running it again on an up-to-date database is harmless.
    assert huiskamer(f"sqlite+aiosqlite:///{database}", "db", "upgrade").returncode == 0


def test_demo_prints_logins_that_work_and_refuses_a_database_that_has_data(test_settings, client):
    first = huiskamer(test_settings.database_url, "demo")
    assert first.returncode == 0, first.stderr
    for email in ("beheer@deschoor.example", "f.elamrani@deschoor.example", "m.smit@regenboog.example"):
        assert email in first.stdout
    assert "huiskamer-demo" in first.stdout
    assert login(client, "beheer@deschoor.example", "huiskamer-demo").status_code == 303
    assert "Goedendag" in client.get("/").text
    users = count_users(test_settings)
    assert users >= 8

    second = huiskamer(test_settings.database_url, "demo")
    assert second.returncode != 0
    assert "De database bevat al gegevens" in second.stderr
    assert count_users(test_settings) == users


# --- users --------------------------------------------------------------------------------------


def test_user_created_with_a_piped_password_can_log_in(test_settings, client):
    result = huiskamer(
        test_settings.database_url,
        *("user", "create", "--email", "Els@DeSchoor.example", "--name", "Els Spraakman", "--role", "admin"),
        stdin="een-lang-wachtwoord\n",
    )
    assert result.returncode == 0, result.stderr
    user_id = UUID(result.stdout.strip().splitlines()[-1])
    assert "Uitnodigingslink" not in result.stderr
    response = login(client, "els@deschoor.example", "een-lang-wachtwoord")
    assert response.status_code == 303
    assert "Els" in client.get("/").text
    assert user_id


def test_coordinator_is_created_at_a_location(test_settings, client):
    location = make_location(test_settings, "Huiskamer Zon")
    result = huiskamer_in_process(
        test_settings.database_url,
        *("user", "create", "--email", "fatima@test.example", "--name", "Fatima el Amrani"),
        *("--role", "coordinator", "--location", str(location)),
        stdin="een-lang-wachtwoord",
    )
    assert result.exit_code == 0, result.stderr
    assert login(client, "fatima@test.example", "een-lang-wachtwoord").status_code == 303
    assert "Huiskamer Zon" in client.get("/").text


def test_user_created_without_a_password_gets_an_invitation_link(test_settings, client):
    result = huiskamer(
        test_settings.database_url,
        *("user", "create", "--email", "marieke@regenboog.example", "--name", "Marieke Smit", "--role", "referrer"),
        *("--organisation", "Basisschool De Regenboog", "--organisation-type", "school"),
    )
    assert result.returncode == 0, result.stderr
    match = re.search(rf"Uitnodigingslink \(7 dagen geldig\): {re.escape(BASE_URL)}(/uitnodiging/\S+)", result.stderr)
    assert match, result.stderr
    page = client.get(match.group(1))
    assert page.status_code == 200
    assert "Marieke Smit" in page.text or "Wachtwoord instellen" in page.text
    # Nobody can log in before the link is used.
    assert login(client, "marieke@regenboog.example", "").status_code == 400


def test_invalid_role_is_refused_with_a_clear_message(test_settings):
    result = huiskamer_in_process(
        test_settings.database_url,
        *("user", "create", "--email", "x@test.example", "--name", "X", "--role", "baas"),
        stdin="een-lang-wachtwoord",
    )
    assert result.exit_code != 0
    assert "--role" in result.stderr and "baas" in result.stderr
    assert count_users(test_settings) == 0


def test_invalid_email_is_refused_with_a_dutch_message(test_settings):
    result = huiskamer_in_process(
        test_settings.database_url,
        *("user", "create", "--email", "geen-adres", "--name", "X", "--role", "admin"),
        stdin="een-lang-wachtwoord",
    )
    assert result.exit_code != 0
    assert "email: Vul een geldig e-mailadres in" in result.stderr
    assert "Traceback" not in result.stderr
    assert count_users(test_settings) == 0


def test_weak_password_and_missing_organisation_are_refused(test_settings):
    weak = huiskamer_in_process(
        test_settings.database_url,
        *("user", "create", "--email", "a@test.example", "--name", "A", "--role", "admin"),
        stdin="kort",
    )
    assert weak.exit_code != 0
    assert weak.stderr.startswith("password: ")
    no_organisation = huiskamer_in_process(
        test_settings.database_url,
        *("user", "create", "--email", "b@test.example", "--name", "B", "--role", "referrer"),
    )
    assert no_organisation.exit_code != 0
    assert "organisation.name: " in no_organisation.stderr
    assert "Traceback" not in weak.stderr + no_organisation.stderr
    assert count_users(test_settings) == 0


def test_duplicate_email_is_refused(test_settings):
    make_user(test_settings, "admin", email="els@test.example")
    result = huiskamer_in_process(
        test_settings.database_url,
        *("user", "create", "--email", "els@test.example", "--name", "Els", "--role", "admin"),
        stdin="een-lang-wachtwoord",
    )
    assert result.exit_code != 0
    assert "Er is al een gebruiker met dit e-mailadres." in result.stderr
    assert count_users(test_settings) == 1


# --- API tokens ---------------------------------------------------------------------------------


def test_token_create_prints_a_token_on_the_last_line_that_works_for_me(test_settings, client):
    make_user(test_settings, "admin", email="els@test.example", name="Els Spraakman")
    result = huiskamer(test_settings.database_url, "token", "create", "--email", "ELS@test.example ")
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip().splitlines()[-1]
    response = client.get("/api/v1/me", headers=api(client, token))
    assert response.status_code == 200
    assert response.json()["email"] == "els@test.example"
    assert client.get("/api/v1/me", headers=api(client, token + "x")).status_code == 401


def test_token_create_for_an_unknown_email_fails(test_settings):
    result = huiskamer_in_process(test_settings.database_url, "token", "create", "--email", "niemand@test.example")
    assert result.exit_code != 0
    assert "Geen actieve gebruiker met dit e-mailadres." in result.stderr
