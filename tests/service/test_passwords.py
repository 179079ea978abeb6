"""Passwords are stored only as argon2id hashes (each with its own salt), never in plain text anywhere in the
database, and verifying them works: for a new user, after a change and after an invitation."""

from __future__ import annotations

import asyncio
import os
import threading
import time

from sqlalchemy import select, text

from huiskamer.auth import secrets, service
from huiskamer.auth.models import User
from huiskamer.auth.secrets import hash_password, verify_password
from huiskamer.db import metadata
from tests.factories import in_session, make_invitation, make_user

SECRET = "paarse-olifant-op-de-fiets"
OTHER_SECRET = "groene-giraffe-in-de-tram"


def password_hash_of(settings, user_id) -> str | None:
    async def work(session):
        return await session.scalar(select(User.password_hash).where(User.id == user_id))

    return in_session(settings, work)


def everything_stored(settings) -> str:
    """Every row of every table as text: where a plain password would show up if it were stored."""

    async def work(session):
        rows = []
        for table in metadata.sorted_tables:
            result = await session.execute(text(f'SELECT * FROM "{table.name}"'))
            rows.extend(repr(tuple(row)) for row in result)
        return "\n".join(rows)

    return in_session(settings, work)


def test_a_password_is_stored_as_an_argon2id_hash(test_settings):
    user = make_user(test_settings, "admin", password=SECRET)
    stored = password_hash_of(test_settings, user)
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert SECRET not in stored
    assert verify_password(SECRET, stored)
    assert not verify_password(SECRET + "!", stored)
    assert not verify_password("", stored)


def test_the_same_password_gets_a_different_hash_each_time():
    first, second = hash_password(SECRET), hash_password(SECRET)
    assert first != second
    assert verify_password(SECRET, first)
    assert verify_password(SECRET, second)


def test_verify_refuses_a_missing_or_broken_hash():
    assert not verify_password(SECRET, None)
    assert not verify_password(SECRET, "")
    assert not verify_password(SECRET, "$argon2id$kapot")
    assert not verify_password(SECRET, SECRET)


def test_a_changed_password_is_stored_as_an_argon2id_hash(test_settings):
    user = make_user(test_settings, "admin", password=SECRET)

    async def change(session):
        await service.change_password(session, user, None, SECRET, OTHER_SECRET, OTHER_SECRET)

    in_session(test_settings, change)
    stored = password_hash_of(test_settings, user)
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert verify_password(OTHER_SECRET, stored)
    assert not verify_password(SECRET, stored)


def test_a_password_set_through_an_invitation_is_stored_as_an_argon2id_hash(test_settings):
    user = make_user(test_settings, "referrer", password=None)
    assert password_hash_of(test_settings, user) is None
    token = make_invitation(test_settings, user)

    async def accept(session):
        await service.accept_invitation(session, token, SECRET, SECRET)

    in_session(test_settings, accept)
    stored = password_hash_of(test_settings, user)
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert verify_password(SECRET, stored)


def test_no_table_holds_a_password_in_plain_text(test_settings):
    user = make_user(test_settings, "admin", password=SECRET)

    async def change(session):
        await service.change_password(session, user, None, SECRET, OTHER_SECRET, OTHER_SECRET)

    in_session(test_settings, change)
    invited = make_user(test_settings, "admin", password=None)
    token = make_invitation(test_settings, invited)

    async def accept(session):
        await service.accept_invitation(session, token, "blauwe-walvis-zingt-zacht", "blauwe-walvis-zingt-zacht")

    in_session(test_settings, accept)
    stored = everything_stored(test_settings)
    assert "$argon2id$" in stored  # the hashes are there ...
    for plain in (SECRET, OTHER_SECRET, "blauwe-walvis-zingt-zacht", token):
        assert plain not in stored  # ... the passwords and the invitation token are not


def test_passwords_are_hashed_in_at_most_two_threads_that_yield_the_cores_to_requests(monkeypatch):
    # A flood of log-ins may not take the cores from the event loops (taps, pages, /health): the hashing threads run
    # at a lower priority (Linux gives each thread a nice value of its own), at most HASHING_AT_ONCE at once.
    seen: list[tuple[int, int]] = []
    running = 0
    most_at_once = 0
    lock = threading.Lock()

    def hash_slowly(password: str) -> str:
        nonlocal running, most_at_once
        with lock:
            running += 1
            most_at_once = max(most_at_once, running)
            seen.append((threading.get_native_id(), os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))
        time.sleep(0.05)
        with lock:
            running -= 1
        return "hash"

    monkeypatch.setattr(secrets, "hash_password", hash_slowly)

    async def flood() -> list[str]:
        return await asyncio.gather(*(secrets.hash_password_off_loop(f"wachtwoord {n}") for n in range(8)))

    assert asyncio.run(flood()) == ["hash"] * 8
    own_niceness = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert most_at_once == secrets.HASHING_AT_ONCE == 2
    assert threading.get_native_id() not in {thread for thread, _ in seen}
    assert {niceness for _, niceness in seen} == {min(19, own_niceness + secrets.HASHING_NICENESS)}
