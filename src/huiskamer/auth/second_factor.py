"""The second factor (ASVS 6.3.3): an authenticator app (TOTP), passkeys (WebAuthn) and ten one-time recovery codes.

After the password a session is *pending*: it reaches nothing but the second step (or, when none is set up yet and
one is required, the set-up). Which users need one: the beheerder and coordinators always, kinderwerkers and
referrers when the organisation asks it (``OrganisationSettings.second_factor_for_everyone``), nobody in a
development installation (the demo), where a user may still set one up and is then asked for it.

Wrong codes are counted like wrong passwords (``auth.throttle``), before they are checked.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import pyotp
import segno
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from huiskamer.auth import security_log, throttle
from huiskamer.auth.actor import Actor
from huiskamer.auth.models import (
    Passkey,
    RecoveryCode,
    Role,
    SecurityEventKind,
    User,
    UserSession,
)
from huiskamer.auth.secrets import new_token, token_hash
from huiskamer.config import Settings
from huiskamer.errors import Conflict, Forbidden, InvalidInput, NotFound
from huiskamer.organisation.models import OrganisationSettings

ISSUER = "Huiskamer"
RECOVERY_CODES = 10
# A session between the password and the second step lasts this long: enough to find the phone.
PENDING_MINUTES = 10
ALWAYS_REQUIRED = frozenset({Role.ADMIN, Role.COORDINATOR})
WRONG_CODE = "Deze code klopt niet. Controleer de code en probeer het opnieuw."
SLOWED = "Te veel verkeerde codes. Probeer het over een kwartier opnieuw."


def _now() -> datetime:
    return datetime.now(UTC)


# --- who needs what -----------------------------------------------------------------------------


class Need(Enum):
    NONE = "none"  # a full session at once
    VERIFY = "verify"  # has a second factor: the second step
    SET_UP = "set_up"  # must have one and has none: the guided set-up


async def has_second_factor(db: AsyncSession, user_id: UUID) -> bool:
    if await db.scalar(select(User.totp_confirmed_at).where(User.id == user_id)) is not None:
        return True
    return await db.scalar(select(Passkey.id).where(Passkey.user_id == user_id).limit(1)) is not None


async def kinds_of(db: AsyncSession, user_id: UUID) -> list[str]:
    """What the user has, in words (for the beheerder: never the keys themselves)."""
    kinds = []
    if await db.scalar(select(User.totp_confirmed_at).where(User.id == user_id)) is not None:
        kinds.append("authenticator-app")
    passkeys = await db.scalar(select(func.count()).select_from(Passkey).where(Passkey.user_id == user_id)) or 0
    if passkeys:
        kinds.append(f"{passkeys} passkey" + ("s" if passkeys > 1 else ""))
    return kinds


async def is_required(db: AsyncSession, settings: Settings, role: str) -> bool:
    if not settings.second_factor_required:
        return False
    if role in ALWAYS_REQUIRED:
        return True
    return bool(await db.scalar(select(OrganisationSettings.second_factor_for_everyone).limit(1)))


async def need_after_password(db: AsyncSession, settings: Settings, user: User) -> Need:
    if await has_second_factor(db, user.id):
        return Need.VERIFY
    return Need.SET_UP if await is_required(db, settings, user.role) else Need.NONE


# --- the session between the password and the second step ----------------------------------------


async def complete(db: AsyncSession, settings: Settings, session_id: UUID) -> str:
    """The second step is done: the session becomes a full one, under a new cookie value (the one known before the
    second factor opens nothing), with its full lifetime from now."""
    raw = new_token()
    now = _now()
    await db.execute(
        update(UserSession)
        .where(UserSession.id == session_id)
        .values(
            token_hash=token_hash(raw),
            second_factor_pending=False,
            challenge=None,
            used_at=now,
            expires_at=now + timedelta(seconds=settings.session_max_age_seconds),
        )
    )
    return raw


# --- the authenticator app (TOTP) -----------------------------------------------------------------


def _cipher(settings: Settings) -> AESGCM:
    return AESGCM(hashlib.sha256(b"huiskamer:totp-secret:" + settings.secret_key.encode()).digest())


def _seal(settings: Settings, user_id: UUID, secret: str) -> str:
    nonce = os.urandom(12)
    return base64.urlsafe_b64encode(nonce + _cipher(settings).encrypt(nonce, secret.encode(), user_id.bytes)).decode()


def _unseal(settings: Settings, user_id: UUID, sealed: str | None) -> str | None:
    if not sealed:
        return None
    try:
        raw = base64.urlsafe_b64decode(sealed)
        return _cipher(settings).decrypt(raw[:12], raw[12:], user_id.bytes).decode()
    except (ValueError, InvalidTag):
        return None


@dataclass(frozen=True)
class AppSetUp:
    secret: str  # shown as text too, grouped for typing
    qr_svg: str  # inline SVG, no script, no external image

    @property
    def grouped(self) -> str:
        return " ".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))


async def start_app_set_up(db: AsyncSession, settings: Settings, user_id: UUID) -> AppSetUp:
    """The key for the authenticator app, kept (sealed) until ``confirm_app`` makes it a second factor; the same key
    while the set-up is not finished, so that a reload does not invalidate what was scanned."""
    user = await _user(db, user_id)
    if user.totp_confirmed_at is not None:
        raise Conflict("U heeft de authenticator-app al ingesteld.")
    secret = _unseal(settings, user.id, user.totp_secret)
    if secret is None:
        secret = pyotp.random_base32()
        user.totp_secret = _seal(settings, user.id, secret)
    return _app_set_up(user, secret)


def _app_set_up(user: User, secret: str) -> AppSetUp:
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    svg = segno.make(uri, error="m").svg_inline(scale=5, dark="#1a1a1a", light="#ffffff", omitsize=False)
    return AppSetUp(secret=secret, qr_svg=svg)


def _clean_code(code: Any) -> str:
    return "".join(ch for ch in code if ch.isdigit())[:6] if isinstance(code, str) else ""


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (of the previous, this or the next 30 seconds: clocks drift) whose code this is."""
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // totp.interval
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


async def _use_step(db: AsyncSession, user_id: UUID, step: int) -> bool:
    """Takes the step, once: a code seen (or one of before it) cannot be used again, also not by a parallel request."""
    result = await db.execute(
        update(User)
        .where(User.id == user_id)
        .where((User.totp_last_step.is_(None)) | (User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def confirm_app(db: AsyncSession, settings: Settings, user_id: UUID, code: Any) -> list[str] | None:
    """Makes the authenticator app a second factor once a code from it matches; returns new recovery codes when the
    user had none yet (else None)."""
    user = await _user(db, user_id)
    if user.totp_confirmed_at is not None:
        raise Conflict("U heeft de authenticator-app al ingesteld.")
    secret = _unseal(settings, user.id, user.totp_secret)
    step = _matching_step(secret, _clean_code(code), _now()) if secret else None
    if secret is None or step is None:
        raise InvalidInput({"code": WRONG_CODE})
    user.totp_secret = _seal(settings, user.id, secret)
    user.totp_confirmed_at = _now()
    user.totp_last_step = step
    await security_log.record(db, SecurityEventKind.SECOND_FACTOR_ADDED, user_id=user.id, detail="authenticator-app")
    return await _first_recovery_codes(db, settings, user.id)


async def remove_app(db: AsyncSession, settings: Settings, actor: Actor) -> None:
    user = await _user(db, actor.id)
    await _keep_one_if_required(db, settings, user, removing_app=True)
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    await security_log.record(db, SecurityEventKind.SECOND_FACTOR_REMOVED, user_id=user.id, detail="authenticator-app")


# --- recovery codes -------------------------------------------------------------------------------

_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper


def _recovery_hash(settings: Settings, code: str) -> str:
    normal = "".join(ch for ch in code.lower() if ch.isalnum())
    return hmac.new(settings.secret_key.encode(), b"recovery:" + normal.encode(), hashlib.sha256).hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))  # 49 bits
    return f"{raw[:5]}-{raw[5:]}"


async def new_recovery_codes(db: AsyncSession, settings: Settings, user_id: UUID) -> list[str]:
    """Ten new codes, shown once; the old ones stop working."""
    await db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    await security_log.record(db, SecurityEventKind.RECOVERY_CODES_RENEWED, user_id=user_id)
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    now = _now()
    db.add_all(
        RecoveryCode(user_id=user_id, code_hash=_recovery_hash(settings, code), created_at=now) for code in codes
    )
    await db.flush()
    return codes


async def _first_recovery_codes(db: AsyncSession, settings: Settings, user_id: UUID) -> list[str] | None:
    has_codes = await db.scalar(select(func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == user_id))
    return None if has_codes else await new_recovery_codes(db, settings, user_id)


async def recovery_codes_left(db: AsyncSession, user_id: UUID) -> int:
    return int(
        await db.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


async def _use_recovery_code(db: AsyncSession, settings: Settings, user_id: UUID, code: Any) -> bool:
    if not isinstance(code, str) or not 8 <= len(code) <= 40:
        return False
    result = await db.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user_id,
            RecoveryCode.code_hash == _recovery_hash(settings, code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=_now())
    )
    return result.rowcount == 1


# --- the second step: a code from the app, or a recovery code --------------------------------------


async def _succeeded(db: AsyncSession, actor: Actor, address: str | None) -> None:
    await throttle.succeeded(db, f"2fa:{actor.email}", address)
    await throttle.forget(db, f"2fa-user:{actor.id}")


class SecondStepFailed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


async def _count_attempt(db: AsyncSession, settings: Settings, actor: Actor, address: str | None) -> None:
    """Counted before the check, committed at once, like a password (``auth.throttle``)."""
    verdict = await throttle.count_attempt(db, settings, f"2fa:{actor.email}", address, _now())
    # And per account from every address together: whoever has the password cannot spread guesses of a six-digit
    # code over many addresses.
    account_verdict = await throttle.count_account(db, settings, f"2fa-user:{actor.id}", _now())
    if account_verdict is not throttle.Verdict.ALLOWED and verdict is throttle.Verdict.ALLOWED:
        verdict = account_verdict
    if verdict is not throttle.Verdict.ALLOWED:
        if verdict is throttle.Verdict.SLOWED_NOW:
            await security_log.record(
                db, SecurityEventKind.SECOND_FACTOR_SLOWED, user_id=actor.id, email=actor.email, address=address
            )
        await db.commit()
        raise SecondStepFailed(SLOWED)
    await db.commit()


async def _failed(db: AsyncSession, actor: Actor, address: str | None, what: str) -> None:
    await security_log.record(
        db, SecurityEventKind.SECOND_FACTOR_FAILED, user_id=actor.id, email=actor.email, address=address, detail=what
    )
    await db.commit()
    raise SecondStepFailed(WRONG_CODE)


async def verify_app_code(db: AsyncSession, settings: Settings, actor: Actor, code: Any, address: str | None) -> None:
    await _count_attempt(db, settings, actor, address)
    user = await _user(db, actor.id)
    secret = _unseal(settings, user.id, user.totp_secret) if user.totp_confirmed_at else None
    step = _matching_step(secret, _clean_code(code), _now()) if secret else None
    if step is None or not await _use_step(db, user.id, step):
        await _failed(db, actor, address, "verkeerde code uit de app")
    await _succeeded(db, actor, address)


async def verify_recovery_code(
    db: AsyncSession, settings: Settings, actor: Actor, code: Any, address: str | None
) -> int:
    """Uses the code up; returns how many are left."""
    await _count_attempt(db, settings, actor, address)
    if not await _use_recovery_code(db, settings, actor.id, code):
        await _failed(db, actor, address, "verkeerde herstelcode")
    await _succeeded(db, actor, address)
    left = await recovery_codes_left(db, actor.id)
    await security_log.record(
        db,
        SecurityEventKind.RECOVERY_CODE_USED,
        user_id=actor.id,
        email=actor.email,
        address=address,
        detail=f"nog {left} over",
    )
    return left


# --- passkeys (WebAuthn) -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RelyingParty:
    id: str  # the host name
    origin: str


def relying_party(settings: Settings, host_header: str | None) -> RelyingParty:
    """The site's own address. In development the address the browser used (``localhost``: a passkey cannot be
    bound to an IP address such as 127.0.0.1)."""
    base = urlsplit(settings.base_url)
    if settings.dev_mode and host_header:
        host = urlsplit(f"//{host_header}")
        return RelyingParty(id=host.hostname or "localhost", origin=f"{base.scheme}://{host_header}")
    return RelyingParty(id=base.hostname or "localhost", origin=f"{base.scheme}://{base.netloc}")


# What the WebAuthn library raises on an answer it cannot read or verify: the answer comes from the browser, so
# anything in it may be nonsense.
UNREADABLE = (WebAuthnException, ValueError, KeyError, TypeError, AttributeError, IndexError)


async def _set_challenge(db: AsyncSession, session_id: UUID, challenge: bytes) -> None:
    await db.execute(
        update(UserSession).where(UserSession.id == session_id).values(challenge=bytes_to_base64url(challenge))
    )


async def _take_challenge(db: AsyncSession, session_id: UUID) -> bytes | None:
    """The challenge of this browser's ceremony, usable once."""
    value = await db.scalar(select(UserSession.challenge).where(UserSession.id == session_id))
    if not value:
        return None
    taken = await db.execute(
        update(UserSession)
        .where(UserSession.id == session_id, UserSession.challenge == value)
        .values(challenge=None)
        .execution_options(synchronize_session=False)
    )
    return base64url_to_bytes(value) if taken.rowcount == 1 else None  # a parallel request took it first


async def _passkeys_of(db: AsyncSession, user_id: UUID) -> list[Passkey]:
    return list(
        (await db.scalars(select(Passkey).where(Passkey.user_id == user_id).order_by(Passkey.created_at))).all()
    )


async def list_passkeys(db: AsyncSession, actor: Actor) -> list[Passkey]:
    return await _passkeys_of(db, actor.id)


async def passkey_registration_options(db: AsyncSession, party: RelyingParty, actor: Actor) -> str:
    options = generate_registration_options(
        rp_id=party.id,
        rp_name=ISSUER,
        user_id=actor.id.bytes,
        user_name=actor.email,
        user_display_name=actor.name,
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(key.credential_id))
            for key in await _passkeys_of(db, actor.id)
        ],
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED, user_verification=UserVerificationRequirement.PREFERRED
        ),
    )
    assert actor.session_id is not None
    await _set_challenge(db, actor.session_id, options.challenge)
    return options_to_json(options)


def _passkey_name(name: Any) -> str:
    cleaned = " ".join(name.split())[:100] if isinstance(name, str) else ""
    return cleaned or "Passkey"


async def register_passkey(
    db: AsyncSession, settings: Settings, party: RelyingParty, actor: Actor, credential: Any, name: Any
) -> list[str] | None:
    """Adds the passkey the browser made; returns new recovery codes when the user had none yet."""
    assert actor.session_id is not None
    challenge = await _take_challenge(db, actor.session_id)
    if challenge is None or not isinstance(credential, dict):
        raise InvalidInput({"passkey": "De passkey kon niet worden toegevoegd. Probeer het opnieuw."})
    try:
        verified = verify_registration_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=party.id, expected_origin=party.origin
        )
    except UNREADABLE as problem:
        raise InvalidInput({"passkey": "De passkey kon niet worden gecontroleerd. Probeer het opnieuw."}) from problem
    credential_id = bytes_to_base64url(verified.credential_id)
    if await db.scalar(select(Passkey.id).where(Passkey.credential_id == credential_id)):
        raise InvalidInput({"passkey": "Deze passkey is al toegevoegd."})
    db.add(
        Passkey(
            user_id=actor.id,
            name=_passkey_name(name),
            credential_id=credential_id,
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            created_at=_now(),
        )
    )
    await security_log.record(db, SecurityEventKind.SECOND_FACTOR_ADDED, user_id=actor.id, detail="passkey")
    await db.flush()
    return await _first_recovery_codes(db, settings, actor.id)


async def passkey_login_options(db: AsyncSession, party: RelyingParty, actor: Actor) -> str:
    keys = await _passkeys_of(db, actor.id)
    if not keys:
        raise NotFound("U heeft geen passkey.")
    options = generate_authentication_options(
        rp_id=party.id,
        allow_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(key.credential_id)) for key in keys],
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    assert actor.session_id is not None
    await _set_challenge(db, actor.session_id, options.challenge)
    return options_to_json(options)


async def verify_passkey(
    db: AsyncSession, settings: Settings, party: RelyingParty, actor: Actor, credential: Any, address: str | None
) -> None:
    await _count_attempt(db, settings, actor, address)
    assert actor.session_id is not None
    challenge = await _take_challenge(db, actor.session_id)
    raw_id = credential.get("id") if isinstance(credential, dict) else None
    key = (
        await db.scalar(select(Passkey).where(Passkey.user_id == actor.id, Passkey.credential_id == raw_id))
        if isinstance(raw_id, str) and len(raw_id) <= 1400
        else None
    )
    if challenge is None or key is None:
        await _failed(db, actor, address, "onbekende passkey")
        return
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=party.id,
            expected_origin=party.origin,
            credential_public_key=key.public_key,
            credential_current_sign_count=key.sign_count,
        )
    except UNREADABLE:
        await _failed(db, actor, address, "passkey niet geldig")
        return
    key.sign_count = verified.new_sign_count
    key.last_used_at = _now()
    await _succeeded(db, actor, address)


async def remove_passkey(db: AsyncSession, settings: Settings, actor: Actor, passkey_id: UUID) -> None:
    key = await db.scalar(select(Passkey).where(Passkey.id == passkey_id, Passkey.user_id == actor.id))
    if key is None:
        raise NotFound("Deze passkey bestaat niet.")
    user = await _user(db, actor.id)
    await _keep_one_if_required(db, settings, user, removing_passkey=key.id)
    await db.delete(key)
    await security_log.record(db, SecurityEventKind.SECOND_FACTOR_REMOVED, user_id=actor.id, detail="passkey")


# --- overview, removal and the beheerder's reset ----------------------------------------------------


@dataclass(frozen=True)
class Overview:
    has_app: bool
    passkeys: list[Passkey]
    recovery_codes_left: int
    required: bool

    @property
    def has_any(self) -> bool:
        return self.has_app or bool(self.passkeys)


async def overview(db: AsyncSession, settings: Settings, actor: Actor) -> Overview:
    user = await _user(db, actor.id)
    return Overview(
        has_app=user.totp_confirmed_at is not None,
        passkeys=await _passkeys_of(db, actor.id),
        recovery_codes_left=await recovery_codes_left(db, actor.id),
        required=await is_required(db, settings, user.role),
    )


async def _keep_one_if_required(
    db: AsyncSession,
    settings: Settings,
    user: User,
    *,
    removing_app: bool = False,
    removing_passkey: UUID | None = None,
) -> None:
    if not await is_required(db, settings, user.role):
        return
    app_left = user.totp_confirmed_at is not None and not removing_app
    keys_left = [key for key in await _passkeys_of(db, user.id) if key.id != removing_passkey]
    if not app_left and not keys_left:
        raise Forbidden("U heeft een tweede factor nodig: voeg eerst een andere toe voordat u deze verwijdert.")


async def reset(db: AsyncSession, actor: Actor | None, user_id: UUID, *, address: str | None = None) -> User:
    """The beheerder (or ``huiskamer user reset-2fa``) removes a user's second factors: app, passkeys and recovery
    codes go, every session ends and every API token is revoked; they set one up at their next log-in."""
    from huiskamer.auth.service import end_all_sessions_and_tokens  # the service imports this module

    if actor is not None and not actor.is_admin:
        raise Forbidden("Alleen de beheerder kan een tweede factor opnieuw laten instellen.")
    if actor is not None and actor.id == user_id:
        raise Conflict("Uw eigen tweede factor beheert u bij Mijn account → Tweede factor.")
    user = await db.get(User, user_id)
    if user is None:
        raise NotFound("Deze gebruiker bestaat niet.")
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    for key in await _passkeys_of(db, user.id):
        await db.delete(key)
    for code in (await db.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id))).all():
        await db.delete(code)
    await end_all_sessions_and_tokens(db, user.id, why="tweede factor opnieuw ingesteld")
    who = f"door {actor.name}" if actor is not None else "met huiskamer user reset-2fa"
    await security_log.record(
        db, SecurityEventKind.SECOND_FACTOR_RESET, user_id=user.id, email=user.email, address=address, detail=who
    )
    await db.flush()
    return user


async def _user(db: AsyncSession, user_id: UUID) -> User:
    user = await db.get(User, user_id)
    if user is None:
        raise NotFound("Deze gebruiker bestaat niet.")
    return user
