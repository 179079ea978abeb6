"""`huiskamer backup` and `huiskamer restore` on the database of this run (SQLite, or PostgreSQL in the PostgreSQL
run): a backup taken while the app serves requests and writes, restored into a fresh empty database, holds every
table's rows as they stood at one moment, and the app serves them; a database that holds data, a damaged backup and
a file that is no backup are refused with a message, never a traceback."""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Collection, Iterator
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, delete, inspect, select, text
from sqlalchemy.engine import Engine, make_url

from huiskamer.attendance.models import Attendance
from huiskamer.auth.models import User
from huiskamer.cli import main
from huiskamer.config import Settings, normalise_database_url
from huiskamer.db import metadata
from huiskamer.demo import DEMO_PASSWORD, load_demo
from huiskamer.site.templating import today
from tests.conftest import BACKEND, POSTGRES_URL, _drop_postgres_database, _sync_url
from tests.factories import in_session, login, make_token, make_user

ADMIN = "beheer@deschoor.example"
Rows = dict[str, dict[tuple, dict]]
# What creating a location writes: the location, its capacity per weekday, its audit event, and the report figures'
# counter of changes (report_changes, which triggers update in place).
# The schema version before the second factor's migration (which added users.totp_secret).
OLDER_REVISION = "fd9ff4725dd8"
WRITTEN_BY_TRAFFIC = ("locations", "location_capacities", "audit_events", "report_changes", "chain_heads", "access_log")
# Rows the traffic changes in place: the report's counters, and the head of each chain moving on.
MOVING = ("report_changes", "chain_heads")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def huiskamer(database_url: str, *args: str) -> Result:
    """The real command, in-process (the subprocess start-up would double the test's time)."""
    env = {"HUISKAMER_DATABASE_URL": database_url}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def fresh_database_url(tmp_path: Path) -> Iterator[str]:
    """A new, empty database without tables, made the way tests/conftest.py makes the run's own."""
    if BACKEND == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'restored.sqlite'}"
        return
    base = make_url(normalise_database_url(POSTGRES_URL))
    name = f"huiskamer_restore_{uuid4().hex[:12]}"
    admin = create_engine(_sync_url(base.render_as_string(hide_password=False)), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = base.set(database=name).render_as_string(hide_password=False)
    yield url
    _drop_postgres_database(url)


def all_rows(engine: Engine, names: Collection[str] | None = None) -> Rows:
    """Every table of the metadata (or those named), each row by its primary key."""
    with engine.connect() as connection:
        return {
            table.name: {
                tuple(row[column.name] for column in table.primary_key.columns): dict(row)
                for row in connection.execute(select(table)).mappings()
            }
            for table in metadata.sorted_tables
            if names is None or table.name in names
        }


def test_backup_while_the_app_writes_restores_every_row_into_an_empty_database(
    test_settings: Settings, sync_engine: Engine, fresh_database_url: str, tmp_path: Path
) -> None:
    from litestar.testing import TestClient

    from huiskamer.app import create_app

    in_session(test_settings, load_demo)
    with sync_engine.begin() as connection:
        # The demo's year of attendance, less its first eleven months: the same tables, a quarter of the rows.
        connection.execute(delete(Attendance).where(Attendance.day < today() - timedelta(days=30)))
    with TestClient(create_app(test_settings), base_url="http://testserver.local") as client:
        with sync_engine.connect() as connection:
            admin_id = connection.scalar(select(User.id).where(User.email == ADMIN))
        token = make_token(test_settings, admin_id)
        assert client.get("/api/v1/locations", headers=bearer(token)).status_code == 200  # the token's first use
        before = all_rows(sync_engine, WRITTEN_BY_TRAFFIC)

        # The app goes on serving: reads, and writes that touch three tables in one transaction each (a location,
        # its capacity, its audit event). A consistent backup holds each such write whole or not at all.
        stop, done, failures = threading.Event(), [], []

        def traffic() -> None:
            while not stop.is_set():
                number = len(done)
                made = client.post(
                    "/api/v1/locations",
                    headers=bearer(token),
                    json={
                        "name": f"Huiskamer tijdens back-up {number}",
                        "min_age": 4,
                        "max_age": 12,
                        "neighbourhoods": ["Noord"],
                        "capacity": {"mon": 5, "wed": 5},
                    },
                )
                listed = client.get("/api/v1/locations", headers=bearer(token))
                (done if made.status_code == 201 and listed.status_code == 200 else failures).append(number)

        worker = threading.Thread(target=traffic)
        worker.start()
        try:
            while len(done) < 3 and not failures:
                time.sleep(0.01)
            served_before = len(done)
            backup_file = tmp_path / "huiskamer.backup"
            made = huiskamer(test_settings.database_url, "backup", str(backup_file))
            while len(done) < served_before + 3 and not failures:
                time.sleep(0.01)
        finally:
            stop.set()
            worker.join()
        assert not failures
        assert made.exit_code == 0, made.output
        assert "Back-up geschreven naar" in made.output
        after = all_rows(sync_engine)
        assert oct(backup_file.stat().st_mode & 0o777) == oct(0o600)

    restored_result = huiskamer(fresh_database_url, "restore", str(backup_file))
    assert restored_result.exit_code == 0, restored_result.output
    assert "hersteld" in restored_result.output
    restored_engine = create_engine(_sync_url(fresh_database_url))
    try:
        restored = all_rows(restored_engine)
    finally:
        restored_engine.dispose()

    # The backup is the database of one moment during the writes, restored exactly: tables the writes did not
    # touch as they are, every earlier row of the others kept, and rows written meanwhile as they were written.
    for name, rows in after.items():
        if name not in WRITTEN_BY_TRAFFIC:
            assert restored[name] == rows, name
            continue
        assert before[name].keys() <= restored[name].keys() <= rows.keys(), name
        if name not in MOVING:
            assert all(rows[key] == row for key, row in restored[name].items()), name
    # One moment: every write inside the backup is there whole (location, capacities, audit event), and the writes
    # after it are absent whole; some were made on both sides of it.
    new_locations = restored["locations"].keys() - before["locations"].keys()
    later_locations = after["locations"].keys() - restored["locations"].keys()
    assert new_locations and later_locations
    for key in new_locations | later_locations:
        inside = key in new_locations
        location_id = key[0]
        capacities = [row for row in restored["location_capacities"].values() if row["location_id"] == location_id]
        audited = [row for row in restored["audit_events"].values() if row["record_id"] == str(location_id)]
        assert (len(capacities) == 7) == inside and (len(audited) > 0) == inside

    if BACKEND == "postgresql":
        # The same file restores into SQLite, value for value: the way from one database to the other.
        sqlite_url = f"sqlite+aiosqlite:///{tmp_path / 'from-postgresql.sqlite'}"
        assert huiskamer(sqlite_url, "restore", str(backup_file)).exit_code == 0
        sqlite_engine = create_engine(_sync_url(sqlite_url))
        try:
            assert all_rows(sqlite_engine) == restored
        finally:
            sqlite_engine.dispose()

    # The audit trail's and the access log's chains came through intact.
    verified = huiskamer(fresh_database_url, "audit", "verify")
    assert verified.exit_code == 0, verified.output
    assert "audittrail: intact" in verified.output and "toegangslog: intact" in verified.output

    # The app serves the restored data: the demo's beheerder logs in, its token works.
    restored_settings = Settings(**{**test_settings.__dict__, "database_url": fresh_database_url})
    with TestClient(create_app(restored_settings), base_url="http://testserver.local") as client:
        assert login(client, ADMIN, DEMO_PASSWORD).status_code == 303
        names = {location["name"] for location in client.get("/api/v1/locations", headers=bearer(token)).json()}
        assert names == {row["name"] for row in restored["locations"].values()}

    # A second restore into the same database: it holds data now.
    again = huiskamer(fresh_database_url, "restore", str(backup_file))
    assert again.exit_code == 1
    assert "De database bevat al gegevens" in again.output
    assert "Traceback" not in again.output


@pytest.fixture
def small_backup(test_settings: Settings, tmp_path: Path) -> Path:
    make_user(test_settings, role="admin")
    path = tmp_path / "klein.backup"
    result = huiskamer(test_settings.database_url, "backup", str(path))
    assert result.exit_code == 0, result.output
    return path


def test_restore_refuses_a_database_that_holds_data_and_backup_an_existing_file(
    test_settings: Settings, small_backup: Path
) -> None:
    restored = huiskamer(test_settings.database_url, "restore", str(small_backup))
    overwritten = huiskamer(test_settings.database_url, "backup", str(small_backup))

    assert restored.exit_code == 1
    assert "De database bevat al gegevens:" in restored.output
    assert "users (1 rijen)" in restored.output
    assert overwritten.exit_code == 1
    assert "bestaat al" in overwritten.output


def test_a_damaged_backup_or_another_file_is_refused_before_anything_is_written(
    small_backup: Path, fresh_database_url: str, tmp_path: Path
) -> None:
    damaged = tmp_path / "beschadigd.backup"
    shutil.copy(small_backup, damaged)
    data = bytearray(damaged.read_bytes())
    users_row = data.rfind(b"@")  # in an e-mail address: a page stays well-formed, its content not
    assert users_row > 0
    data[users_row] = ord("#")
    damaged.write_bytes(bytes(data))
    truncated = tmp_path / "afgebroken.backup"
    truncated.write_bytes(small_backup.read_bytes()[: os.path.getsize(small_backup) // 2])

    text_file = tmp_path / "notities.txt"
    text_file.write_text("Dit is geen back-up.\n")
    other_sqlite = tmp_path / "ander.sqlite"
    with sqlite3.connect(other_sqlite) as connection:
        connection.execute("CREATE TABLE t (x)")

    newer = tmp_path / "nieuwer.backup"
    shutil.copy(small_backup, newer)
    with sqlite3.connect(newer) as connection:
        connection.execute("UPDATE huiskamer_backup SET value = 'f00dfeed0000' WHERE key = 'revision'")
    connection.close()

    altered = tmp_path / "veranderd.backup"
    shutil.copy(small_backup, altered)
    with sqlite3.connect(altered) as connection:
        connection.execute("UPDATE users SET name = 'Iemand anders'")
    connection.close()

    checked = huiskamer(fresh_database_url, "restore", "--check", str(small_backup))
    assert checked.exit_code == 0, checked.output
    assert "is in orde" in checked.output
    assert "users\t1" in checked.output
    assert huiskamer(fresh_database_url, "restore", "--check", str(altered)).exit_code == 1

    for path, message in (
        (altered, "is beschadigd: de inhoud van de tabel users is veranderd sinds de back-up"),
        (newer, "schemaversie f00dfeed0000, die deze versie van Huiskamer niet kent"),
        (damaged, "is beschadigd"),
        (truncated, "is beschadigd"),
        (tmp_path / "bestaat-niet.backup", "bestaat niet"),
        (text_file, "is geen back-up van Huiskamer"),
        (other_sqlite, "is geen back-up van Huiskamer"),
    ):
        result = huiskamer(fresh_database_url, "restore", str(path))
        assert result.exit_code == 1, result.output
        assert message in result.output, result.output
        assert "Traceback" not in result.output
    engine = create_engine(_sync_url(fresh_database_url))
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar() == 1
            assert inspect(connection).get_table_names() == []  # nothing written
    finally:
        engine.dispose()


def test_a_backup_of_an_older_version_restores_and_is_migrated_to_this_one(
    fresh_database_url: str, tmp_path: Path
) -> None:
    """A backup made before the last migration (here: before the second factor's tables and columns) restores into
    a database of that version, which is then migrated to this one with the data in it."""
    from alembic import command
    from alembic.script import ScriptDirectory

    from huiskamer.cli import _alembic_config, upgrade_database

    old_settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'oud.sqlite'}")
    upgrade_database(old_settings)
    user_id = make_user(old_settings, role="admin")
    command.downgrade(_alembic_config(old_settings), OLDER_REVISION)
    path = tmp_path / "oud.backup"
    made = huiskamer(old_settings.database_url, "backup", str(path))
    assert made.exit_code == 0, made.output
    assert f"schemaversie {OLDER_REVISION}" in made.output

    result = huiskamer(fresh_database_url, "restore", str(path))

    assert result.exit_code == 0, result.output
    assert "bijgewerkt tot de schemaversie van deze versie" in result.output
    engine = create_engine(_sync_url(fresh_database_url))
    try:
        with engine.connect() as connection:
            head = ScriptDirectory.from_config(_alembic_config(old_settings)).get_current_head()
            assert connection.scalar(text("SELECT version_num FROM alembic_version")) == head
            restored = connection.execute(select(User.id, User.totp_secret)).all()
    finally:
        engine.dispose()
    assert restored == [(user_id, None)]
