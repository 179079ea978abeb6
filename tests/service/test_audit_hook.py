"""The audit hook: every insert, update and delete of an audited table is recorded, with who did it and the old
and new values, in the same transaction as the change itself."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import date
from typing import TypeVar
from uuid import UUID, uuid4

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from huiskamer.audit.hook import MASK, PENDING_AUDIT, AuditActor, acting_as, install_audit_hook
from huiskamer.audit.models import AuditEvent
from huiskamer.audit.service import TABLE_LABELS_NL, audited_tables
from huiskamer.auth.models import User
from huiskamer.auth.secrets import hash_password
from huiskamer.auth.users import create_user, parse_user_input
from huiskamer.db import orm_registry
from huiskamer.locations.models import ClosureDay, Location, LocationCapacity
from tests.factories import PASSWORD, in_session, login, make_user

T = TypeVar("T")
ANNA = AuditActor(id=uuid4(), label="Anna de Vries <anna@deschoor.example>")


def as_actor(settings, actor: AuditActor, work: Callable[[AsyncSession], Awaitable[T]], *, commit: bool = True) -> T:
    """Runs ``work`` in one transaction as ``actor``; commits it, or rolls it back when ``commit`` is false."""
    install_audit_hook()

    async def go() -> T:
        engine = create_async_engine(settings.database_url, poolclass=NullPool)
        try:
            async with async_sessionmaker(engine, expire_on_commit=False)() as session:
                with acting_as(actor):
                    result = await work(session)
                    await (session.commit() if commit else session.rollback())
                return result
        finally:
            await engine.dispose()

    return asyncio.run(go())


def events_for(settings, table: str, record_id: UUID | str) -> list[AuditEvent]:
    async def work(session: AsyncSession) -> list[AuditEvent]:
        query = (
            select(AuditEvent)
            .where(AuditEvent.table_name == table, AuditEvent.record_id == str(record_id))
            .order_by(AuditEvent.at, AuditEvent.action)
        )
        return list((await session.scalars(query)).all())

    return in_session(settings, work)


def all_events(settings) -> list[AuditEvent]:
    async def work(session: AsyncSession) -> list[AuditEvent]:
        return list((await session.scalars(select(AuditEvent))).all())

    return in_session(settings, work)


def new_location(session: AsyncSession, name: str = "Huiskamer Zonnebloem") -> Location:
    location = Location(name=name, address="Zonnebloemstraat 1, 1333 AA Almere", neighbourhoods=["Kruidenwijk"])
    location.capacities = [LocationCapacity(weekday="mon", seats=20)]
    location.closure_days = []
    session.add(location)
    return location


def test_insert_records_the_actor_and_the_new_values(test_settings):
    async def work(session: AsyncSession) -> UUID:
        location = new_location(session)
        await session.flush()
        return location.id

    location_id = as_actor(test_settings, ANNA, work)
    [event] = events_for(test_settings, "locations", location_id)
    assert event.action == "insert"
    assert event.actor_id == ANNA.id
    assert event.actor_label == ANNA.label
    assert event.changes["name"] == [None, "Huiskamer Zonnebloem"]
    assert event.changes["neighbourhoods"] == [None, ["Kruidenwijk"]]


def test_capacity_change_is_recorded_with_old_and_new_value(test_settings):
    async def create(session: AsyncSession) -> UUID:
        location = new_location(session)
        await session.flush()
        return location.capacities[0].id

    capacity_id = as_actor(test_settings, ANNA, create)

    async def change(session: AsyncSession) -> None:
        capacity = await session.get(LocationCapacity, capacity_id)
        assert capacity is not None
        capacity.seats = 24

    bram = AuditActor(id=uuid4(), label="Bram Jansen <bram@deschoor.example>")
    as_actor(test_settings, bram, change)
    insert, update = events_for(test_settings, "location_capacities", capacity_id)
    assert (insert.action, update.action) == ("insert", "update")
    assert update.actor_id == bram.id
    assert update.changes == {"seats": [20, 24]}


def test_delete_records_the_old_values(test_settings):
    async def create(session: AsyncSession) -> UUID:
        location = new_location(session)
        location.closure_days = [ClosureDay(day=date(2027, 4, 27), description="Koningsdag")]
        await session.flush()
        return location.closure_days[0].id

    closure_id = as_actor(test_settings, ANNA, create)

    async def remove(session: AsyncSession) -> None:
        closure = await session.get(ClosureDay, closure_id)
        assert closure is not None
        await session.delete(closure)

    as_actor(test_settings, ANNA, remove)
    events = events_for(test_settings, "closure_days", closure_id)
    assert [event.action for event in events] == ["insert", "delete"]
    deleted = events[1]
    assert deleted.actor_id == ANNA.id
    assert deleted.changes["description"] == ["Koningsdag", None]
    assert deleted.changes["day"] == ["2027-04-27", None]


def test_an_update_that_changes_nothing_is_not_recorded(test_settings):
    async def create(session: AsyncSession) -> UUID:
        location = new_location(session)
        await session.flush()
        return location.id

    location_id = as_actor(test_settings, ANNA, create)

    async def same(session: AsyncSession) -> None:
        location = await session.get(Location, location_id)
        assert location is not None
        location.name = "Huiskamer Zonnebloem"

    as_actor(test_settings, ANNA, same)
    assert [event.action for event in events_for(test_settings, "locations", location_id)] == ["insert"]


def test_audit_event_is_written_in_the_same_transaction_as_the_change(test_settings):
    async def work(session: AsyncSession) -> tuple[UUID, int]:
        location = new_location(session)
        await session.flush()
        # The event waits in the transaction for the commit, where it gets its place in the chain...
        waiting = session.sync_session.info[PENDING_AUDIT]
        return location.id, len([e for e in waiting if e.record_id == str(location.id)])

    location_id, seen_inside = as_actor(test_settings, ANNA, work, commit=False)
    assert seen_inside == 1
    # ...and a rolled-back change leaves no audit event behind.
    assert events_for(test_settings, "locations", location_id) == []
    assert all_events(test_settings) == []


def test_password_hash_is_never_recorded(test_settings):
    async def created_with_a_password(session: AsyncSession) -> UUID:
        raw = {"email": "els@test.example", "name": "Els Spraakman", "role": "admin"}
        return (await create_user(session, None, parse_user_input(raw, creating=True), password=PASSWORD)).id

    user_id = in_session(test_settings, created_with_a_password)

    async def stored_hash(session: AsyncSession) -> str:
        user = await session.get(User, user_id)
        assert user is not None and user.password_hash
        return user.password_hash

    first_hash = in_session(test_settings, stored_hash)

    async def change_password(session: AsyncSession) -> None:
        user = await session.get(User, user_id)
        assert user is not None
        user.password_hash = hash_password("een-ander-goed-wachtwoord")

    as_actor(test_settings, ANNA, change_password)
    second_hash = in_session(test_settings, stored_hash)
    insert, update = events_for(test_settings, "users", user_id)
    assert insert.changes["password_hash"] == [None, MASK]
    assert update.changes == {"password_hash": [MASK, MASK]}
    everything = json.dumps([event.changes for event in all_events(test_settings)])
    assert first_hash not in everything
    assert second_hash not in everything
    assert first_hash.startswith("$argon2") and first_hash != second_hash


def test_a_user_created_by_the_command_line_is_recorded_as_systeem(test_settings):
    async def work(session: AsyncSession) -> UUID:
        raw = {"email": "kees@test.example", "name": "Kees Visser", "role": "admin"}
        return (await create_user(session, None, parse_user_input(raw, creating=True), password=PASSWORD)).id

    install_audit_hook()

    async def go() -> UUID:
        engine = create_async_engine(test_settings.database_url, poolclass=NullPool)
        try:
            async with async_sessionmaker(engine, expire_on_commit=False)() as session:
                result = await work(session)
                await session.commit()
                return result
        finally:
            await engine.dispose()

    user_id = asyncio.run(go())
    [event] = events_for(test_settings, "users", user_id)
    assert event.actor_id is None
    assert event.actor_label == "systeem"


def test_log_in_sessions_are_not_audited_but_the_login_time_is(test_settings, client):
    make_user(test_settings, "admin", email="els@test.example")
    assert login(client, "els@test.example").status_code == 303
    tables = {event.table_name for event in all_events(test_settings)}
    assert "user_sessions" not in tables
    assert "users" in tables


def test_every_audited_table_has_a_dutch_label():
    import huiskamer.models  # noqa: F401  (registers every table)

    audited = {
        mapper.class_.__tablename__ for mapper in orm_registry.mappers if getattr(mapper.class_, "__audited__", False)
    }
    assert audited, "geen enkele tabel wordt geaudit"
    missing = audited - set(TABLE_LABELS_NL)
    assert not missing, f"geef deze tabellen een Nederlandse naam in huiskamer.audit.service: {sorted(missing)}"
    assert {name for name, _ in audited_tables()} >= audited
