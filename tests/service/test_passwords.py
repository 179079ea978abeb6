"""Passwords are stored only as argon2id hashes (each with its own salt), never in plain text anywhere in the
database, and verifying them works: for a new user, after a change and after an invitation."""

from __future__ import annotations

from sqlalchemy import select, text

from huiskamer.auth import service
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
