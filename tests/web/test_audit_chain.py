"""Tamper evidence: the audit trail and the access log are hash chains; `huiskamer audit verify` names the first
entry that was changed, deleted or inserted with plain SQL, and the worker's daily check logs the outcome."""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from huiskamer.audit.chain import daily_check
from huiskamer.cli import main
from tests.attendance_helpers import make_cast, signed_in
from tests.factories import in_session, post_form


def _verify(settings: Any) -> tuple[int, str]:
    env = {"HUISKAMER_DATABASE_URL": settings.database_url, "HUISKAMER_DEV": "1"}
    result = CliRunner().invoke(main, ["audit", "verify"], env=env, catch_exceptions=False)
    return result.exit_code, result.output


def _some_history(settings: Any, client: Any) -> Any:
    """Changes (users, locations, a setting) and reads (a child's dossier) made through the app."""
    from tests.web.test_access_log import _seed

    cast = make_cast(settings, with_tokens=False)
    seed = _seed(settings, cast)
    signed_in(settings, client, cast.coordinator_a)
    for _ in range(3):
        assert client.get(f"/aanmeldingen/{seed['referral_id']}").status_code == 200
    client.cookies.clear()
    signed_in(settings, client, cast.admin)
    response = post_form(
        client,
        "/beheer/instellingen",
        {"evaluation_interval_months": "4", "unexcused_absence_threshold": "3", "unexcused_absence_window_days": "30"},
    )
    assert response.status_code in {200, 303}
    return cast


def _execute(sync_engine: Any, statement: str, **values: Any) -> None:
    with sync_engine.begin() as connection:
        connection.execute(text(statement), values)


@pytest.mark.parametrize("table", ["audit_events", "access_log"])
def test_verify_names_a_changed_a_deleted_and_an_inserted_entry(test_settings, client, sync_engine, table):
    _some_history(test_settings, client)
    code, output = _verify(test_settings)
    assert code == 0, output
    assert "audittrail: intact" in output and "toegangslog: intact" in output

    column = "actor_label" if table == "audit_events" else "user_label"
    _execute(sync_engine, f"UPDATE {table} SET {column} = 'iemand anders' WHERE seq = 2")
    code, output = _verify(test_settings)
    assert code == 1 and "plaats 2" in output and "hash klopt niet" in output, output
    _execute(sync_engine, f"UPDATE {table} SET {column} = 'hersteld' WHERE seq = 2")

    _execute(sync_engine, f"DELETE FROM {table} WHERE seq = 2")
    code, output = _verify(test_settings)
    assert code == 1 and "plaats 2 ontbreekt" in output, output


def test_verify_finds_a_row_slipped_in_and_a_changed_value(test_settings, client, sync_engine):
    _some_history(test_settings, client)
    with sync_engine.begin() as connection:
        row = connection.execute(text("SELECT * FROM audit_events WHERE seq = 1")).mappings().one()
        copy = {**row, "id": uuid4().bytes if sync_engine.dialect.name == "sqlite" else uuid4(), "seq": None}
        if isinstance(copy["changes"], dict):  # PostgreSQL's driver reads JSON as a dict; write it back as text
            copy["changes"] = json.dumps(copy["changes"])
        columns = ", ".join(copy)
        connection.execute(
            text(f"INSERT INTO audit_events ({columns}) VALUES ({', '.join(':' + c for c in copy)})"),
            copy,
        )
    code, output = _verify(test_settings)
    assert code == 1 and "buiten de keten" in output, output
    _execute(sync_engine, "DELETE FROM audit_events WHERE seq IS NULL")
    assert _verify(test_settings)[0] == 0

    # Only the recorded values changed (the hash of the row's own fields untouched): still found.
    with sync_engine.begin() as connection:
        connection.execute(
            text("UPDATE audit_events SET changes = :changes WHERE seq = 3"), {"changes": '{"x": [1, 2]}'}
        )
    code, output = _verify(test_settings)
    assert code == 1 and "plaats 3" in output, output


def test_the_last_entries_deleted_show_against_the_head(test_settings, client, sync_engine):
    _some_history(test_settings, client)
    _execute(sync_engine, "DELETE FROM access_log WHERE seq = (SELECT max(seq) FROM access_log)")
    code, output = _verify(test_settings)
    assert code == 1 and "toegangslog" in output and "laatste regels verwijderd" in output, output


def test_the_daily_check_writes_its_outcome_to_the_security_log_once_a_day(test_settings, client, sync_engine):
    _some_history(test_settings, client)

    async def check(db):
        return await daily_check(db)

    first = in_session(test_settings, check)
    assert first is not None and all(report.broken is None for report in first)
    assert in_session(test_settings, check) is None  # done today already
    with sync_engine.connect() as connection:
        kinds = connection.execute(
            text("SELECT kind, detail FROM security_events WHERE kind LIKE 'audit_chain%'")
        ).all()
    assert [kind for kind, _ in kinds] == ["audit_chain_intact"]
    _execute(sync_engine, "DELETE FROM security_events WHERE kind LIKE 'audit_chain%'")
    _execute(sync_engine, "UPDATE access_log SET what = 'iets anders' WHERE seq = 1")
    assert any(report.broken for report in in_session(test_settings, check))
    with sync_engine.connect() as connection:
        broken = connection.execute(
            text("SELECT detail FROM security_events WHERE kind = 'audit_chain_broken'")
        ).scalar()
    assert "toegangslog: plaats 1" in broken


def test_writers_in_parallel_keep_one_unbroken_chain(test_settings, make_client):
    """Several app instances (as several workers) writing at once: every entry has its own place."""
    import concurrent.futures

    from tests.web.test_access_log import _seed

    cast = make_cast(test_settings, with_tokens=False)
    seed = _seed(test_settings, cast)
    clients = [signed_in(test_settings, make_client(), cast.coordinator_a) for _ in range(4)]

    def open_dossier(client: Any) -> list[int]:
        return [client.get(f"/aanmeldingen/{seed['referral_id']}").status_code for _ in range(5)]

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        answers = [code for codes in pool.map(open_dossier, clients) for code in codes]
    assert set(answers) == {200}
    code, output = _verify(test_settings)
    assert code == 0, output


def test_a_redaction_keeps_the_chain_and_names_what_it_redacted(test_settings, client, sync_engine):
    from sqlalchemy import select

    from huiskamer.audit.models import AuditEvent
    from huiskamer.audit.redact import REDACTED, redact_audit_values

    _some_history(test_settings, client)

    async def redact(db):
        child_id = await db.scalar(select(AuditEvent.record_id).where(AuditEvent.table_name == "children").limit(1))
        return child_id, await redact_audit_values(db, "children", [child_id])

    child_id, count = in_session(test_settings, redact)
    assert count >= 1
    code, output = _verify(test_settings)
    assert code == 0, output
    with sync_engine.connect() as connection:
        changes = connection.execute(
            text(
                "SELECT changes FROM audit_events"
                " WHERE table_name = 'children' AND record_id = :id AND action = 'insert'"
            ),
            {"id": child_id},
        ).scalar_one()
    values = json.loads(changes) if isinstance(changes, str) else changes
    assert values["given_name"] == [None, REDACTED] and "Kenji" not in json.dumps(values)
    # A row marked as redacted that no redaction names is found.
    _execute(sync_engine, "UPDATE audit_events SET redacted_at = at WHERE seq = 1 AND table_name <> 'children'")
    code, output = _verify(test_settings)
    assert code == 1 and "zonder vermelding" in output, output


def test_pruning_the_access_log_past_its_term_keeps_the_chain_verifiable(test_settings, client, sync_engine):
    from datetime import UTC, datetime, timedelta

    from huiskamer.audit.chain import prune_access_log

    _some_history(test_settings, client)
    _execute(sync_engine, "UPDATE access_log SET at = :old WHERE seq <= 2", old=datetime(2019, 1, 1, tzinfo=UTC))
    # Moving `at` back broke those two entries' hashes: re-seal them as if written then (test set-up only).
    from sqlalchemy import select

    from huiskamer.audit.chain import GENESIS, access_hash
    from huiskamer.audit.models import AccessLogEntry

    with sync_engine.begin() as connection:
        previous = GENESIS
        for row in connection.execute(select(AccessLogEntry.__table__).order_by(AccessLogEntry.__table__.c.seq)):
            new_hash = access_hash(previous, row)
            connection.execute(
                AccessLogEntry.__table__.update()
                .where(AccessLogEntry.__table__.c.id == row.id)
                .values(chain_hash=new_hash)
            )
            previous = new_hash
        connection.execute(text("UPDATE chain_heads SET chain_hash = :h WHERE chain = 'access'"), {"h": previous})
    assert _verify(test_settings)[0] == 0

    async def prune(db):
        removed = await prune_access_log(db, datetime.now(UTC) - timedelta(days=5 * 366))
        await db.commit()
        return removed

    assert in_session(test_settings, prune) == 2
    code, output = _verify(test_settings)
    assert code == 0, output
    with sync_engine.connect() as connection:
        assert connection.execute(text("SELECT min(seq) FROM access_log")).scalar() == 3
