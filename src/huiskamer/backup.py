"""Backup and restore of the whole database (``huiskamer backup FILE`` / ``huiskamer restore FILE``).

One portable format for both databases: the backup file is itself a SQLite database holding every table of the
metadata, ``alembic_version``, and a table ``huiskamer_backup`` that names the format, the schema's revision, the
source database and the number of rows per table. So a backup is read with any SQLite tool, is checked before a
restore (SQLite's own integrity check, the rows counted), and a backup of SQLite restores into PostgreSQL and back.

- SQLite is copied with its online backup API (``sqlite3.Connection.backup``) in one step: a consistent copy while
  the app goes on writing (WAL lets the writers continue).
- PostgreSQL is read by our own code in one ``REPEATABLE READ READ ONLY`` transaction: every table from the same
  snapshot, as ``pg_dump`` does, without depending on a ``pg_dump`` of the server's version on the machine.

A restore goes into an empty database only (migrated or not; the reference data the migrations put in place is
replaced): it brings the schema to the backup's revision, copies the rows in dependency order in one transaction,
sets the sequences (if any) past the restored rows, and then migrates to this version's head.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Table, create_engine, func, inspect, select, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

import huiskamer.models  # noqa: F401  (every table must be known)
from huiskamer.config import Settings
from huiskamer.db import metadata

FORMAT = "huiskamer-backup"
FORMAT_VERSION = 1
META_TABLE = "huiskamer_backup"
SQLITE_HEADER = b"SQLite format 3\x00"
BATCH = 1000
# Reference data that the migrations put in place: an empty, migrated database has these rows already; a restore
# replaces them with the backup's.
REFERENCE_TABLES = frozenset({"goal_catalogue"})
# Tables that triggers of other tables fill (the migrations' report figures): restored after every other table,
# over whatever the triggers wrote while those were restored, so that they hold exactly the backup's rows.
TRIGGER_FILLED_TABLES = ("attendance_months", "report_changes")


class BackupError(Exception):
    """An expected failure: the message is for the operator, in Dutch."""


@dataclass(frozen=True)
class BackupSummary:
    revision: str
    rows: dict[str, int]
    source: str
    created_at: str = ""

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def sync_url(database_url: str) -> str:
    """The same database through a synchronous driver (backups are plain, sequential work)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        url = url.set(drivername="sqlite")
    else:
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def _engine(database_url: str) -> Engine:
    return create_engine(sync_url(database_url), poolclass=NullPool)


def _tables() -> list[Table]:
    return list(metadata.sorted_tables)


# --- backup -----------------------------------------------------------------------------------------------------


def backup(settings: Settings, destination: Path, *, overwrite: bool = False) -> BackupSummary:
    """Writes a consistent backup of the configured database to ``destination`` (readable by its owner only)."""
    destination = destination.expanduser()
    if destination.exists() and not overwrite:
        raise BackupError(f"{destination} bestaat al. Kies een nieuwe bestandsnaam, of gebruik --overwrite.")
    if not destination.parent.is_dir():
        raise BackupError(f"De map {destination.parent} bestaat niet.")
    engine = _engine(settings.database_url)
    # Written next to the destination and renamed at the end: a failed backup never leaves half a file behind
    # under the name a restore would use.
    handle, temporary_name = tempfile.mkstemp(prefix=".huiskamer-backup-", suffix=".tmp", dir=destination.parent)
    os.close(handle)
    temporary = Path(temporary_name)
    try:
        os.chmod(temporary, 0o600)  # personal data of children: not for other users of the machine
        if engine.dialect.name == "sqlite":
            _copy_sqlite(engine, temporary)
        else:
            _copy_snapshot(engine, temporary)
        summary = _seal(temporary, engine.dialect.name)
        os.replace(temporary, destination)
        return summary
    except BackupError:
        raise
    except (OSError, sqlite3.Error) as error:
        raise BackupError(f"De back-up kon niet worden geschreven: {error}") from error
    except SQLAlchemyError as error:
        raise BackupError(f"De database kon niet worden gelezen: {_first_line(error)}") from error
    finally:
        engine.dispose()
        temporary.unlink(missing_ok=True)


def _copy_sqlite(engine: Engine, target: Path) -> None:
    database = engine.url.database
    if not database or database == ":memory:" or not Path(database).is_file():
        raise BackupError(f"De SQLite-database {database or '(in het geheugen)'} bestaat niet.")
    source = sqlite3.connect(f"file:{Path(database).resolve()}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.execute("PRAGMA busy_timeout=15000")
        _require_revision(source)
        # pages=-1: the whole database in one step, under one read transaction (a stepwise copy would start over
        # whenever another process writes, and could keep starting over under load).
        source.backup(copy, pages=-1)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, not a WAL next to it
    finally:
        copy.close()
        source.close()


def _require_revision(connection: sqlite3.Connection) -> None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"De database is niet bijgewerkt met 'huiskamer db upgrade' ({error}).") from error
    if row is None:
        raise BackupError("De database is niet bijgewerkt met 'huiskamer db upgrade'.")


def _copy_snapshot(engine: Engine, target: Path) -> None:
    """Every table from one snapshot of PostgreSQL, in dependency order, into a SQLite file of the same tables."""
    copy = create_engine(f"sqlite:///{target}", poolclass=NullPool)
    try:
        metadata.create_all(copy)
        with (
            engine.connect().execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True) as source,
            copy.begin() as destination,
        ):
            has_version = inspect(source).has_table("alembic_version")
            revision = source.scalar(text("SELECT version_num FROM alembic_version")) if has_version else None
            if revision is None:
                raise BackupError("De database is niet bijgewerkt met 'huiskamer db upgrade'.")
            destination.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
            destination.execute(text("INSERT INTO alembic_version VALUES (:revision)"), {"revision": revision})
            existing = _columns_of(source)
            for table in _tables():
                if table.name in existing:
                    _copy_rows(source, destination, table, existing[table.name])
            source.rollback()
    finally:
        copy.dispose()


def _copy_rows(source: Connection, destination: Connection, table: Table, names: Collection[str]) -> None:
    """Copies a table's rows in batches, the columns named only: a backup of an older schema version lacks the
    columns added since (the migrations after the restore fill them), and may have some that are gone."""
    columns = [column for column in table.columns if column.name in names]
    result = source.execution_options(yield_per=BATCH).execute(select(*columns))
    for batch in result.mappings().partitions(BATCH):
        destination.execute(table.insert(), [dict(row) for row in batch])


def _columns_of(connection: Connection) -> dict[str, set[str]]:
    """The tables of a database and their columns, as they are (not as the metadata of this version has them)."""
    found = inspect(connection)
    return {name: {column["name"] for column in found.get_columns(name)} for name in found.get_table_names()}


def _seal(path: Path, source_dialect: str) -> BackupSummary:
    """Writes what the backup holds into it: the format, the revision and the rows per table."""
    connection = sqlite3.connect(path)
    try:
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        present = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        rows = {
            table.name: connection.execute(f'SELECT count(*) FROM "{table.name}"').fetchone()[0]  # noqa: S608
            for table in _tables()
            if table.name in present
        }
        digests = {name: _digest(connection, name) for name in rows}
        meta = {
            "format": FORMAT,
            "format_version": str(FORMAT_VERSION),
            "revision": revision,
            "source": source_dialect,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "rows": json.dumps(rows, sort_keys=True),
            "sha256": json.dumps(digests, sort_keys=True),
        }
        connection.execute(f"CREATE TABLE {META_TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        connection.executemany(f"INSERT INTO {META_TABLE} VALUES (?, ?)", meta.items())  # noqa: S608
        connection.commit()
    finally:
        connection.close()
    return BackupSummary(revision=revision, rows=rows, source=source_dialect)


def _digest(connection: sqlite3.Connection, table: str) -> str:
    """A hash over a table's rows as stored: a byte changed anywhere in the file's data is noticed at restore."""
    digest = hashlib.sha256()
    try:
        for row in connection.execute(f'SELECT * FROM "{table}" ORDER BY rowid'):  # noqa: S608
            digest.update(repr(row).encode())
    except sqlite3.DatabaseError as error:
        raise BackupError(f"De tabel {table} van de back-up is onleesbaar ({error}).") from error
    return digest.hexdigest()


# --- reading a backup -------------------------------------------------------------------------------------------


def inspect_backup(path: Path) -> BackupSummary:
    """What a backup file holds, after checking that it is whole; ``BackupError`` names what is wrong."""
    path = path.expanduser()
    if not path.is_file():
        raise BackupError(f"Het bestand {path} bestaat niet.")
    not_ours = f"{path} is geen back-up van Huiskamer."
    try:
        with path.open("rb") as file:
            if file.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                raise BackupError(not_ours)
        connection = sqlite3.connect(f"file:{path.resolve()}?mode=ro&immutable=1", uri=True)
    except OSError as error:
        raise BackupError(f"Het bestand {path} kan niet worden gelezen: {error}") from error
    damaged = f"De back-up {path} is beschadigd"
    try:
        try:
            check = [row[0] for row in connection.execute("PRAGMA integrity_check").fetchall()]
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{damaged} ({error}).") from error
        if check != ["ok"]:
            raise BackupError(f"{damaged} ({'; '.join(check[:3])}).")
        try:
            meta = dict(connection.execute(f"SELECT key, value FROM {META_TABLE}").fetchall())  # noqa: S608
        except sqlite3.DatabaseError as error:
            raise BackupError(not_ours) from error
        if meta.get("format") != FORMAT:
            raise BackupError(not_ours)
        if int(meta.get("format_version", "0")) > FORMAT_VERSION:
            raise BackupError(f"{path} is gemaakt door een nieuwere versie van Huiskamer; werk Huiskamer eerst bij.")
        rows: dict[str, int] = json.loads(meta["rows"])
        for name, expected in rows.items():
            try:
                found = connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # noqa: S608
            except sqlite3.DatabaseError as error:
                raise BackupError(f"{damaged}: de tabel {name} ontbreekt ({error}).") from error
            if found != expected:
                raise BackupError(f"{damaged}: de tabel {name} heeft {found} rijen in plaats van {expected}.")
        for name, expected_digest in json.loads(meta["sha256"]).items():
            if _digest(connection, name) != expected_digest:
                raise BackupError(f"{damaged}: de inhoud van de tabel {name} is veranderd sinds de back-up.")
        return BackupSummary(
            revision=meta["revision"], rows=rows, source=meta.get("source", "?"), created_at=meta.get("created_at", "")
        )
    except (KeyError, ValueError) as error:
        raise BackupError(f"{damaged}: de beschrijving van de back-up is onleesbaar.") from error
    finally:
        connection.close()


# --- restore ----------------------------------------------------------------------------------------------------


def restore(
    settings: Settings,
    path: Path,
    *,
    migrate: Callable[[Settings, str], None],
    say: Callable[[str], None] = lambda _message: None,
) -> BackupSummary:
    """Restores the backup at ``path`` into the configured database, which must hold no data.

    ``migrate(settings, revision)`` brings the database's schema to a revision (Alembic's upgrade).
    """
    summary = inspect_backup(path)
    head = _known_revisions()
    if summary.revision not in head.known:
        raise BackupError(
            f"De back-up heeft schemaversie {summary.revision}, die deze versie van Huiskamer niet kent: "
            "hij komt van een nieuwere versie. Werk Huiskamer eerst bij en herstel dan opnieuw."
        )
    engine = _engine(settings.database_url)
    try:
        current = _check_empty(engine)
        if current != summary.revision:
            if current is not None and not head.is_ancestor(current, summary.revision):
                raise BackupError(
                    f"De database heeft schemaversie {current}, nieuwer dan die van de back-up "
                    f"({summary.revision}). Herstel in een nieuwe, lege database zonder tabellen; "
                    "'huiskamer restore' brengt die zelf op de juiste versie."
                )
            say(f"De database wordt bijgewerkt tot de schemaversie van de back-up ({summary.revision}).")
            migrate(settings, summary.revision)
        _copy_into(engine, path)
    finally:
        engine.dispose()
    if summary.revision != head.head:
        say(f"De database wordt bijgewerkt tot de schemaversie van deze versie van Huiskamer ({head.head}).")
        migrate(settings, "head")
    return summary


@dataclass(frozen=True)
class _Revisions:
    head: str
    known: frozenset[str]
    ancestors: dict[str, frozenset[str]]

    def is_ancestor(self, older: str, newer: str) -> bool:
        return older in self.ancestors.get(newer, frozenset())


def _known_revisions() -> _Revisions:
    from alembic.script import ScriptDirectory

    from huiskamer.cli import _alembic_config

    script = ScriptDirectory.from_config(_alembic_config(Settings()))
    ancestors = {}
    for revision in script.walk_revisions():
        ancestors[revision.revision] = frozenset(
            step.revision for step in script.iterate_revisions(revision.revision, "base") if step is not revision
        )
    return _Revisions(head=script.get_current_head() or "", known=frozenset(ancestors), ancestors=ancestors)


def _check_empty(engine: Engine) -> str | None:
    """The database's revision (None when it has no tables); refuses a database that holds data."""
    try:
        with engine.connect() as connection:
            existing = set(inspect(connection).get_table_names())
            revision = None
            if "alembic_version" in existing:
                revision = connection.scalar(text("SELECT version_num FROM alembic_version"))
            holding = [
                f"{table.name} ({count} rijen)"
                for table in _tables()
                if table.name in existing and table.name not in REFERENCE_TABLES
                for count in [connection.scalar(select(func.count()).select_from(table))]
                if count
            ]
    except Exception as error:
        raise BackupError(f"De database is niet bereikbaar: {_first_line(error)}") from error
    if holding:
        raise BackupError(
            "De database bevat al gegevens: " + ", ".join(holding[:5]) + (" en meer" if len(holding) > 5 else "") + ". "
            "Herstel alleen in een lege database; een herstel overschrijft nooit bestaande gegevens."
        )
    if revision is None and existing - {"alembic_version"}:
        raise BackupError(
            "De database heeft tabellen maar geen schemaversie (alembic_version). Herstel in een lege database."
        )
    return revision


def _copy_into(engine: Engine, path: Path) -> None:
    source = create_engine(f"sqlite:///file:{path.resolve()}?mode=ro&immutable=1&uri=true", poolclass=NullPool)
    try:
        with source.connect() as reading, engine.begin() as writing:
            in_file, in_target = _columns_of(reading), _columns_of(writing)
            # The tables of the backup's schema version, with the columns both sides have.
            tables = [table for table in _tables() if table.name in in_file and table.name in in_target]
            shared = {table.name: in_file[table.name] & in_target[table.name] for table in tables}
            last = [table for table in tables if table.name in TRIGGER_FILLED_TABLES]
            for table in reversed(tables):  # only reference data, but in an order the foreign keys allow
                writing.execute(table.delete())
            for table in [table for table in tables if table not in last]:
                _copy_rows(reading, writing, table, shared[table.name])
            for table in last:
                writing.execute(table.delete())
                _copy_rows(reading, writing, table, shared[table.name])
            if engine.dialect.name == "postgresql":
                _reset_sequences(writing, tables)
    except Exception as error:
        raise BackupError(
            f"Het herstel is mislukt en teruggedraaid; er zijn geen gegevens geschreven. {_first_line(error)}"
        ) from error
    finally:
        source.dispose()


def _reset_sequences(connection: Connection, tables: Iterable[Table]) -> None:
    """A serial or identity column's sequence continues after the highest restored value (we have none today:
    ids are UUIDs; this keeps a future one right)."""
    names = [table.name for table in tables]
    columns = connection.execute(
        text(
            "SELECT table_name, column_name, pg_get_serial_sequence(quote_ident(table_name), column_name) "
            "FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND (column_default LIKE 'nextval(%' OR is_identity = 'YES')"
        )
    ).all()
    for table_name, column_name, sequence in columns:
        if table_name in names and sequence:
            connection.execute(
                text(
                    f'SELECT setval(:sequence, coalesce(max("{column_name}"), 1), max("{column_name}") IS NOT NULL) '  # noqa: S608
                    f'FROM "{table_name}"'
                ),
                {"sequence": sequence},
            )


def _first_line(error: BaseException) -> str:
    return (
        str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        if str(error).strip()
        else type(error).__name__
    )


def describe(summary: BackupSummary) -> str:
    tables = sum(1 for count in summary.rows.values() if count)
    rows = "1 rij" if summary.total == 1 else f"{summary.total} rijen"
    return f"{rows} in {tables} {'tabel' if tables == 1 else 'tabellen'}, schemaversie {summary.revision}"
