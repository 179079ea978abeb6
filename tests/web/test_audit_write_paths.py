"""Every write of a table with personal data goes through the audit trail: changes through the ORM, and bulk
updates and deletes, which the hook records row by row. In development and in every test the app's engine refuses a
write of an audited table that skipped the hook, so a new write path that bypasses it fails the test that runs it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from huiskamer.audit.hook import UnrecordedWrite, audited_table_names
from huiskamer.audit.models import AuditEvent
from huiskamer.auth.models import ApiToken
from huiskamer.db import alchemy_config
from huiskamer.referrals.models import Child
from tests.attendance_helpers import make_cast
from tests.factories import in_session, run_coroutine
from tests.web.test_access_log import _seed


def _in_app_session(settings: Any, work: Any) -> Any:
    """``work`` in a session of the app's own engine (the one with the guard)."""

    async def go() -> Any:
        engine = alchemy_config(settings).get_engine()
        try:
            async with async_sessionmaker(engine, expire_on_commit=False)() as db:
                result = await work(db)
                await db.commit()
                return result
        finally:
            await engine.dispose()

    return run_coroutine(go())


def test_a_bulk_update_and_delete_are_recorded_row_by_row(test_settings):
    cast = make_cast(test_settings)
    seed = _seed(test_settings, cast)

    async def bulk(db: AsyncSession) -> None:
        await db.execute(update(ApiToken).where(ApiToken.user_id == cast.coordinator_a).values(name="uit"))
        await db.execute(
            update(Child).where(Child.id == seed["placed_child"]).values(school="De Regenboog", postcode="1111 AA")
        )

    _in_app_session(test_settings, bulk)

    async def events(db: AsyncSession) -> list[AuditEvent]:
        return list(
            (
                await db.scalars(
                    select(AuditEvent)
                    .where(AuditEvent.table_name.in_(["api_tokens", "children"]))
                    .order_by(AuditEvent.seq)
                )
            ).all()
        )

    found = in_session(test_settings, events)
    child_change = [e for e in found if e.table_name == "children" and e.action == "update"][-1]
    assert child_change.changes["school"] == [None, "De Regenboog"]
    assert child_change.changes["postcode"] == ["1325 AB", "1111 AA"]
    assert child_change.child_id == seed["placed_child"]
    assert any(e.table_name == "api_tokens" and e.action == "update" and "name" in e.changes for e in found)


def test_a_write_that_skips_the_trail_fails(test_settings):
    cast = make_cast(test_settings)
    seed = _seed(test_settings, cast)

    async def sneaky(db: AsyncSession) -> None:
        await db.execute(text("UPDATE children SET school = 'stiekem'"))

    with pytest.raises(UnrecordedWrite):
        _in_app_session(test_settings, sneaky)

    async def sneaky_delete(db: AsyncSession) -> None:
        connection = await db.connection()
        await connection.execute(delete(Child.__table__).where(Child.id == seed["placed_child"]))

    with pytest.raises(UnrecordedWrite):
        _in_app_session(test_settings, sneaky_delete)


def test_the_guarded_tables_are_the_personal_ones():
    assert {"children", "referrals", "intakes", "attendance", "users", "concerns"} <= audited_table_names()
    assert "audit_events" not in audited_table_names() and "access_log" not in audited_table_names()
