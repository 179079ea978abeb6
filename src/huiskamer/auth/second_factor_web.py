"""The second factor's pages: the second step after the password, the guided set-up right after it, the user's own
management in *Mijn account*, and the beheerder's reset. The rules are in ``auth.second_factor``."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from huiskamer.auth import second_factor
from huiskamer.auth import service as auth_service
from huiskamer.auth.actor import Actor
from huiskamer.auth.guards import PUBLIC, require_admin
from huiskamer.errors import Conflict, Forbidden, InvalidInput, NotFound
from huiskamer.site.deps import AppSettings, CurrentActor, DbSession, client_address, form_data
from huiskamer.site.login import (
    SECOND_STEP_PATH,
    SET_UP_PATH,
    back_to_the_form,
    kept_form_id,
    logged_in,
    safe_next,
    with_where_to,
)
from huiskamer.site.templating import page

ACCOUNT_PATH = "/account/tweede-factor"
FEW_CODES_LEFT = 3


class NotPending(Exception):
    """The request is not of a session waiting for its second step: done already, or none (``_elsewhere``)."""


def _pending(request: Request[Any, Any, Any]) -> Actor:
    """The user between password and second factor (``auth.middleware``)."""
    actor: Actor | None = request.scope.get("second_step")
    if actor is None:
        raise NotPending
    return actor


def _elsewhere(request: Request[Any, Any, Any], target: str, kept_form: str) -> Redirect:
    """Back, reload or a double click after the step was done: on to where the person was going. A session that
    ended meanwhile (ten minutes): the log-in again, keeping where to go."""
    if request.scope.get("user") is not None:
        return Redirect(back_to_the_form(target, kept_form), status_code=303)
    return Redirect(with_where_to("/inloggen", target, kept_form), status_code=303)


def _text(data: dict[str, Any], name: str, limit: int = 200) -> str:
    value = data.get(name)
    return value[:limit] if isinstance(value, str) else ""


def _credential(data: dict[str, Any]) -> dict[str, Any] | None:
    """The passkey's answer, as the page's script put it in the form (JSON)."""
    raw = data.get("credential")
    if not isinstance(raw, str) or not raw or len(raw) > 20_000:
        return None
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _where_to(data: dict[str, Any]) -> tuple[str, str]:
    return safe_next(_text(data, "next", 500) or None), kept_form_id(data.get("formulier"))


# --- the second step ----------------------------------------------------------------------------------


async def _second_step_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    settings: AppSettings,
    actor: Actor,
    *,
    target: str,
    kept_form: str,
    method: str,
    error: str | None = None,
    status_code: int = 200,
) -> Template:
    found = await second_factor.overview(db_session, settings, actor)
    if method == "app" and not found.has_app:
        method = "passkey" if found.passkeys else "recovery"
    options = None
    if found.passkeys:
        party = second_factor.relying_party(settings, request.headers.get("host"))
        options = await second_factor.passkey_login_options(db_session, party, actor)
    await db_session.commit()
    return page(
        request,
        "auth/second_step.html",
        status_code=status_code,
        title="Tweede stap",
        found=found,
        method=method,
        passkey_options=options,
        next=target,
        kept_form=kept_form,
        error=error,
    )


@get(SECOND_STEP_PATH, name="second_step", opt=PUBLIC)
async def second_step_form(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    settings: AppSettings,
    volgende: FromQuery[str | None] = None,
    formulier: FromQuery[str | None] = None,
    met: FromQuery[str | None] = None,
) -> Template | Redirect:
    try:
        actor = _pending(request)
    except NotPending:
        return _elsewhere(request, safe_next(volgende), kept_form_id(formulier))
    if not await second_factor.has_second_factor(db_session, actor.id):
        return Redirect(request.url.path.replace(SECOND_STEP_PATH, SET_UP_PATH) + _query(request), status_code=303)
    method = met if met in ("app", "recovery", "passkey") else "app"
    return await _second_step_page(
        request,
        db_session,
        settings,
        actor,
        target=safe_next(volgende),
        kept_form=kept_form_id(formulier),
        method=method,
    )


def _query(request: Request[Any, Any, Any]) -> str:
    return f"?{request.url.query}" if request.url.query else ""


@post(SECOND_STEP_PATH, name="second_step_submit", opt=PUBLIC)
async def second_step_submit(
    request: Request[Any, Any, Any], db_session: DbSession, settings: AppSettings
) -> Template | Redirect:
    data = await form_data(request)
    target, kept_form = _where_to(data)
    try:
        actor = _pending(request)
    except NotPending:
        return _elsewhere(request, target, kept_form)
    method = _text(data, "method")
    address = client_address(request)
    left: int | None = None
    try:
        if method == "recovery":
            left = await second_factor.verify_recovery_code(
                db_session, settings, actor, _text(data, "recovery_code"), address
            )
        elif method == "passkey":
            party = second_factor.relying_party(settings, request.headers.get("host"))
            await second_factor.verify_passkey(db_session, settings, party, actor, _credential(data), address)
        else:
            method = "app"
            await second_factor.verify_app_code(db_session, settings, actor, _text(data, "code"), address)
    except second_factor.SecondStepFailed as failed:
        return await _second_step_page(
            request,
            db_session,
            settings,
            actor,
            target=target,
            kept_form=kept_form,
            method=method,
            error=failed.message,
            status_code=400,
        )
    assert actor.session_id is not None
    raw = await second_factor.complete(db_session, settings, actor.session_id)
    if left is not None and left <= FEW_CODES_LEFT:
        await auth_service.push_flash(
            db_session,
            actor.session_id,
            f"U heeft nog {left} herstelcode(s). Maak nieuwe aan bij Mijn account → Tweede factor.",
            kind="warning",
        )
    return logged_in(Redirect(back_to_the_form(target, kept_form), status_code=303), settings, raw)


# --- the guided set-up right after the password --------------------------------------------------------


async def _set_up_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    settings: AppSettings,
    actor: Actor,
    *,
    action: str,
    target: str = "/",
    kept_form: str = "",
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    app = await second_factor.start_app_set_up(db_session, settings, actor.id)
    party = second_factor.relying_party(settings, request.headers.get("host"))
    options = await second_factor.passkey_registration_options(db_session, party, actor)
    await db_session.commit()
    return page(
        request,
        "auth/second_factor_set_up.html",
        status_code=status_code,
        title="Tweede factor instellen",
        app=app,
        passkey_options=options,
        action=action,
        next=target,
        kept_form=kept_form,
        errors=errors or {},
        values={"passkey_name": ""},
    )


@get(SET_UP_PATH, name="second_factor_set_up", opt=PUBLIC)
async def set_up_form(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    settings: AppSettings,
    volgende: FromQuery[str | None] = None,
    formulier: FromQuery[str | None] = None,
) -> Template | Redirect:
    try:
        actor = _pending(request)
    except NotPending:
        return _elsewhere(request, safe_next(volgende), kept_form_id(formulier))
    if await second_factor.has_second_factor(db_session, actor.id):
        # Set up already: the set-up never adds a factor without the existing one.
        return Redirect(SECOND_STEP_PATH + _query(request), status_code=303)
    return await _set_up_page(
        request,
        db_session,
        settings,
        actor,
        action=SET_UP_PATH,
        target=safe_next(volgende),
        kept_form=kept_form_id(formulier),
    )


async def _enrol(
    request: Request[Any, Any, Any], db_session: DbSession, settings: AppSettings, actor: Actor, data: dict[str, Any]
) -> list[str] | None:
    """Adds the app or the passkey the form sends; the recovery codes when they are the user's first."""
    if _text(data, "method") == "passkey":
        party = second_factor.relying_party(settings, request.headers.get("host"))
        return await second_factor.register_passkey(
            db_session, settings, party, actor, _credential(data), _text(data, "passkey_name")
        )
    return await second_factor.confirm_app(db_session, settings, actor.id, _text(data, "code"))


@post(SET_UP_PATH, name="second_factor_set_up_submit", opt=PUBLIC)
async def set_up_submit(
    request: Request[Any, Any, Any], db_session: DbSession, settings: AppSettings
) -> Template | Redirect:
    data = await form_data(request)
    target, kept_form = _where_to(data)
    try:
        actor = _pending(request)
    except NotPending:
        return _elsewhere(request, target, kept_form)
    if await second_factor.has_second_factor(db_session, actor.id):
        return Redirect(with_where_to(SECOND_STEP_PATH, target, kept_form), status_code=303)
    try:
        codes = await _enrol(request, db_session, settings, actor, data)
    except InvalidInput as invalid:
        await db_session.rollback()
        return await _set_up_page(
            request,
            db_session,
            settings,
            actor,
            action=SET_UP_PATH,
            target=target,
            kept_form=kept_form,
            errors=invalid.errors,
            status_code=422,
        )
    assert actor.session_id is not None
    raw = await second_factor.complete(db_session, settings, actor.session_id)
    answer = page(
        request,
        "auth/recovery_codes.html",
        title="Uw herstelcodes",
        codes=codes or [],
        next_url=back_to_the_form(target, kept_form),
        first_time=True,
    )
    return logged_in(answer, settings, raw)  # type: ignore[arg-type]


# --- Mijn account → Tweede factor ------------------------------------------------------------------------

WRONG_PASSWORD = "Uw wachtwoord klopt niet. Vul uw huidige wachtwoord in om uw tweede factor te wijzigen."  # noqa: S105 (a message, not a password)


async def _confirm_password(
    request: Request[Any, Any, Any], db_session: DbSession, settings: AppSettings, actor: Actor, data: dict[str, Any]
) -> None:
    """A change to the second factor asks for the password again (ASVS 7.5.1): a session left open on a shared
    computer, or a stolen cookie, cannot take over the second factor. Counted like a log-in."""
    # Each form of the page has its own field (``current_password…``): one id per field on the page.
    typed = next((_text(data, key, 500) for key in sorted(data) if key.startswith("current_password")), "")
    if not await auth_service.password_confirms(db_session, settings, actor, typed, client_address(request)):
        raise InvalidInput({"current_password": WRONG_PASSWORD})


async def _account_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    settings: AppSettings,
    actor: Actor,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    found = await second_factor.overview(db_session, settings, actor)
    app = None if found.has_app else await second_factor.start_app_set_up(db_session, settings, actor.id)
    party = second_factor.relying_party(settings, request.headers.get("host"))
    options = await second_factor.passkey_registration_options(db_session, party, actor)
    await db_session.commit()
    return page(
        request,
        "auth/second_factor.html",
        status_code=status_code,
        title="Tweede factor",
        found=found,
        app=app,
        passkey_options=options,
        errors=errors or {},
    )


@get(ACCOUNT_PATH, name="second_factor_account")
async def account_second_factor(
    request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession, settings: AppSettings
) -> Template:
    return await _account_page(request, db_session, settings, actor)


@post(ACCOUNT_PATH, name="second_factor_add")
async def account_add(
    request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession, settings: AppSettings
) -> Template | Redirect:
    data = await form_data(request)
    try:
        await _confirm_password(request, db_session, settings, actor, data)
        codes = await _enrol(request, db_session, settings, actor, data)
    except (InvalidInput, Conflict) as problem:
        await db_session.rollback()
        errors = problem.errors if isinstance(problem, InvalidInput) else {"code": problem.message}
        return await _account_page(request, db_session, settings, actor, errors=errors, status_code=422)
    what = "De passkey is toegevoegd." if _text(data, "method") == "passkey" else "De authenticator-app is ingesteld."
    if codes:
        return page(
            request,
            "auth/recovery_codes.html",
            title="Uw herstelcodes",
            codes=codes,
            next_url=ACCOUNT_PATH,
            first_time=True,
            added=what,
        )
    await auth_service.flash(db_session, actor, what)
    return Redirect(ACCOUNT_PATH, status_code=303)


@post(f"{ACCOUNT_PATH}/app/verwijderen", name="second_factor_remove_app")
async def account_remove_app(
    request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession, settings: AppSettings
) -> Template | Redirect:
    try:
        await _confirm_password(request, db_session, settings, actor, await form_data(request))
        await second_factor.remove_app(db_session, settings, actor)
    except InvalidInput as invalid:
        return await _account_page(request, db_session, settings, actor, errors=invalid.errors, status_code=422)
    except Forbidden as refused:
        return await _account_page(request, db_session, settings, actor, errors={"": refused.message}, status_code=409)
    await auth_service.flash(db_session, actor, "De authenticator-app is verwijderd.")
    return Redirect(ACCOUNT_PATH, status_code=303)


@post(f"{ACCOUNT_PATH}/passkeys/{{passkey_id:str}}/verwijderen", name="second_factor_remove_passkey")
async def account_remove_passkey(
    request: Request[Any, Any, Any],
    passkey_id: FromPath[str],
    actor: CurrentActor,
    db_session: DbSession,
    settings: AppSettings,
) -> Template | Redirect:
    try:
        await _confirm_password(request, db_session, settings, actor, await form_data(request))
        await second_factor.remove_passkey(db_session, settings, actor, _id(passkey_id))
    except InvalidInput as invalid:
        return await _account_page(request, db_session, settings, actor, errors=invalid.errors, status_code=422)
    except Forbidden as refused:
        return await _account_page(request, db_session, settings, actor, errors={"": refused.message}, status_code=409)
    await auth_service.flash(db_session, actor, "De passkey is verwijderd.")
    return Redirect(ACCOUNT_PATH, status_code=303)


@post(f"{ACCOUNT_PATH}/herstelcodes", name="second_factor_new_codes")
async def account_new_codes(
    request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession, settings: AppSettings
) -> Template | Redirect:
    if not await second_factor.has_second_factor(db_session, actor.id):
        await auth_service.flash(db_session, actor, "Stel eerst een tweede factor in.", kind="error")
        return Redirect(ACCOUNT_PATH, status_code=303)
    try:
        await _confirm_password(request, db_session, settings, actor, await form_data(request))
    except InvalidInput as invalid:
        return await _account_page(request, db_session, settings, actor, errors=invalid.errors, status_code=422)
    codes = await second_factor.new_recovery_codes(db_session, settings, actor.id)
    return page(
        request,
        "auth/recovery_codes.html",
        title="Uw herstelcodes",
        codes=codes,
        next_url=ACCOUNT_PATH,
        first_time=False,
    )


def _id(raw: str) -> UUID:
    try:
        return UUID(raw)
    except ValueError:
        raise NotFound("Niet gevonden.") from None


# --- the beheerder's reset ---------------------------------------------------------------------------------


@post("/beheer/gebruikers/{user_id:str}/tweede-factor", name="second_factor_reset", guards=[require_admin])
async def admin_reset(
    request: Request[Any, Any, Any], user_id: FromPath[str], actor: CurrentActor, db_session: DbSession
) -> Redirect:
    try:
        user = await second_factor.reset(db_session, actor, _id(user_id), address=client_address(request))
    except Conflict as refused:
        await auth_service.flash(db_session, actor, refused.message, kind="error")
        return Redirect(f"/beheer/gebruikers/{user_id}", status_code=303)
    await auth_service.flash(
        db_session,
        actor,
        f"De tweede factor van {user.name} is verwijderd en alle sessies en API-sleutels zijn beëindigd. "
        f"Bij de volgende keer inloggen stelt {user.name} een nieuwe in.",
    )
    return Redirect(f"/beheer/gebruikers/{user.id}", status_code=303)


routes = [
    second_step_form,
    second_step_submit,
    set_up_form,
    set_up_submit,
    account_second_factor,
    account_add,
    account_remove_app,
    account_remove_passkey,
    account_new_codes,
    admin_reset,
]
