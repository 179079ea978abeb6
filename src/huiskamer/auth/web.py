"""The beheerder's user pages: list, create (with an invitation by e-mail and a link to copy), view and change,
turn off and on again (each after a confirmation page), invite again."""

from __future__ import annotations

import base64
import hashlib
import os
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from huiskamer.auth import second_factor, users
from huiskamer.auth import service as auth_service
from huiskamer.auth.actor import Actor
from huiskamer.auth.guards import require_admin
from huiskamer.auth.models import ORGANISATION_TYPES_NL, ROLE_NAMES_NL, User
from huiskamer.config import Settings
from huiskamer.errors import Conflict, InvalidInput, NotFound
from huiskamer.locations import service as locations_service
from huiskamer.site.deps import AppSettings, CurrentActor, DbSession, client_address, form_data
from huiskamer.site.templating import page
from huiskamer.validation import as_list

PAGE_SIZE = 50
LIST_PATH = "/beheer/gebruikers"
FIELD_LABELS = {
    "": "Formulier",
    "name": "Naam",
    "email": "E-mailadres",
    "role": "Rol",
    "location_ids": "Locaties",
    "organisation": "Organisatie",
    "organisation.name": "Naam van de organisatie",
    "organisation.type": "Soort organisatie",
    "active": "Account actief",
}
ROLE_OPTIONS = [(role, ROLE_NAMES_NL[role].capitalize()) for role in users.ROLES]
ORGANISATION_TYPE_OPTIONS = list(ORGANISATION_TYPES_NL.items())
STATUS_FILTERS = {"actief": True, "uitgezet": False}
DEACTIVATED = "Uitgezet: alle sessies en tokens zijn beëindigd. {name} kan niet meer inloggen."
REACTIVATED = (
    "{name} staat weer aan. Oude sessies, API-tokens en uitnodigingslinks blijven ongeldig; "
    "stuur zo nodig een nieuwe uitnodiging."
)


# --- the fresh invitation link: kept for one page view in the beheerder's own session, sealed -------


def _cipher(settings: Settings) -> AESGCM:
    return AESGCM(hashlib.sha256(b"huiskamer:invitation-link:" + settings.secret_key.encode()).digest())


def _link_context(session_id: UUID | None, user_id: UUID) -> bytes:
    # Bound to this beheerder's session and this user: the sealed link is useless anywhere else.
    return f"{session_id}:{user_id}".encode()


def _seal(settings: Settings, session_id: UUID | None, user_id: UUID, url: str) -> str:
    nonce = os.urandom(12)
    sealed = _cipher(settings).encrypt(nonce, url.encode(), _link_context(session_id, user_id))
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def _unseal(settings: Settings, session_id: UUID | None, user_id: UUID, sealed: Any) -> str | None:
    if not isinstance(sealed, str):
        return None
    try:
        raw = base64.urlsafe_b64decode(sealed)
        return _cipher(settings).decrypt(raw[:12], raw[12:], _link_context(session_id, user_id)).decode()
    except (ValueError, InvalidTag):
        return None


def _sent_message(settings: Settings, user: User, invitation: users.NewInvitation) -> str:
    if invitation.sent_to is None:
        return f"Er is een uitnodigingslink voor {user.name} gemaakt."
    message = f"De uitnodiging voor {user.name} gaat per e-mail naar {invitation.sent_to}."
    if settings.smtp is None:
        message += " Er is nog geen mailserver ingesteld: de e-mail wacht tot die er is. Kopieer de link hieronder."
    return message


async def _hand_over(
    db_session: DbSession, settings: Settings, actor: Actor, user: User, invitation: users.NewInvitation
) -> None:
    await users.hand_over_invitation(
        db_session,
        actor.session_id,
        user,
        _seal(settings, actor.session_id, user.id, invitation.url),
        _sent_message(settings, user, invitation),
    )


def _take_fresh_link(
    request: Request[Any, Any, Any], settings: Settings, actor: Actor, user: User
) -> tuple[list[dict[str, str]], str | None, bool, str]:
    """Splits this page's flash messages into the ordinary ones and a fresh link for this user (with what was
    done with it: where it was mailed)."""
    flash: list[dict[str, str]] = []
    link: str | None = None
    lost = False
    note = ""
    for entry in request.scope.get("flash", []):
        if entry.get("kind") == users.INVITATION_FLASH and entry.get("user_id") == str(user.id):
            link = _unseal(settings, actor.session_id, user.id, entry.get("sealed")) or link
            lost = lost or link is None
            note = str(entry.get("message") or "")
        else:
            flash.append(entry)
    return flash, link, lost and link is None, note


# --- helpers --------------------------------------------------------------------------------------


def _user_id(raw: str) -> UUID:
    try:
        return UUID(raw)
    except ValueError:
        raise NotFound("Deze gebruiker bestaat niet.") from None


def _detail_path(user_id: UUID) -> str:
    return f"{LIST_PATH}/{user_id}"


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    return value if isinstance(value, str) else ""


def _values_from_form(data: dict[str, Any]) -> dict[str, Any]:
    """What was typed, to show it again next to the messages."""
    values: dict[str, Any] = {
        name: _text(data, name)[:500] for name in ("name", "email", "role", "organisation.name", "organisation.type")
    }
    values["location_ids"] = [item for item in as_list(data.get("location_ids")) or [] if isinstance(item, str)]
    return values


def _values_of(user: User) -> dict[str, Any]:
    organisation = user.organisation
    return {
        "name": user.name,
        "email": user.email,
        "role": user.role,
        "location_ids": [str(location_id) for location_id in user.location_ids],
        "organisation.name": organisation.name if organisation else "",
        "organisation.type": organisation.type if organisation else "",
    }


def _problem(problem: InvalidInput | Conflict) -> tuple[dict[str, str], int]:
    if isinstance(problem, InvalidInput):
        return problem.errors, 422
    if isinstance(problem, users.UserConflict):
        return problem.errors, 409
    return {"": problem.message}, 409


async def _form_context(db_session: DbSession, actor: Actor) -> dict[str, Any]:
    locations = await locations_service.list_locations(db_session, actor)
    organisations = await users.list_organisations(db_session, actor)
    return {
        "labels": FIELD_LABELS,
        "role_options": ROLE_OPTIONS,
        "organisation_type_options": ORGANISATION_TYPE_OPTIONS,
        "location_options": [
            (str(location.id), location.name if location.active else f"{location.name} (niet actief)")
            for location in locations
        ],
        "organisation_names": sorted({organisation.name for organisation in organisations}),
    }


async def _second_factor_context(db_session: DbSession, settings: Settings, user: User) -> dict[str, Any]:
    kinds = await second_factor.kinds_of(db_session, user.id)
    return {
        "has_second_factor": bool(kinds),
        "second_factor_kinds": kinds,
        "second_factor_required": await second_factor.is_required(db_session, settings, user.role),
    }


async def _detail_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    settings: Settings,
    actor: Actor,
    user: User,
    *,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
    flash: list[dict[str, str]] | None = None,
    fresh_link: str | None = None,
    link_lost: bool = False,
    link_note: str = "",
) -> Template:
    return page(
        request,
        "admin/user_detail.html",
        status_code=status_code,
        flash=flash,
        title=user.name,
        user=user,
        is_self=user.id == actor.id,
        editing=True,
        values=values,
        errors=errors,
        fresh_link=fresh_link,
        link_lost=link_lost,
        link_note=link_note,
        invitation_until=await users.open_invitation_until(db_session, actor, user.id),
        **await _second_factor_context(db_session, settings, user),
        **await _form_context(db_session, actor),
    )


# --- pages ----------------------------------------------------------------------------------------


@get(LIST_PATH, name="users_list", guards=[require_admin])
async def users_list(
    request: Request[Any, Any, Any],
    actor: CurrentActor,
    db_session: DbSession,
    zoek: FromQuery[str | None] = None,
    rol: FromQuery[str | None] = None,
    status: FromQuery[str | None] = None,
    pagina: FromQuery[str | None] = None,
) -> Template:
    query = " ".join((zoek or "").split())[:100]
    role = rol if rol in users.ROLES else ""
    active = STATUS_FILTERS.get(status or "")
    total = await users.count_users(db_session, actor, query=query, role=role, active=active)
    last_page = max(1, -(-total // PAGE_SIZE))
    current = int(pagina) if pagina and pagina.isdigit() and len(pagina) < 6 else 1
    current = min(max(current, 1), last_page)
    found = await users.list_users(
        db_session, actor, query=query, role=role, active=active, limit=PAGE_SIZE, offset=(current - 1) * PAGE_SIZE
    )
    filters = {"zoek": query, "rol": role, "status": status if status in STATUS_FILTERS else ""}
    return page(
        request,
        "admin/users_list.html",
        title="Gebruikers",
        users=found,
        total=total,
        filters=filters,
        filtered=any(filters.values()),
        role_options=ROLE_OPTIONS,
        page_number=current,
        last_page=last_page,
        page_query={k: v for k, v in filters.items() if v},
    )


@get(f"{LIST_PATH}/nieuw", name="user_new", guards=[require_admin])
async def user_new(request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession) -> Template:
    return page(
        request,
        "admin/user_form.html",
        title="Nieuwe gebruiker",
        values={"location_ids": []},
        errors={},
        is_self=False,
        editing=False,
        **await _form_context(db_session, actor),
    )


@post(f"{LIST_PATH}/nieuw", name="user_create", guards=[require_admin])
async def user_create(
    request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession, settings: AppSettings
) -> Template | Redirect:
    data = await form_data(request)
    data.pop("active", None)  # a new account is always on: turning off is its own action
    try:
        user = await users.create_user(db_session, actor, await users.check_user_input(db_session, actor, data))
        invitation = await users.invite_user(db_session, actor, settings, user.id)
    except (InvalidInput, Conflict) as problem:
        await db_session.rollback()
        errors, status_code = _problem(problem)
        return page(
            request,
            "admin/user_form.html",
            status_code=status_code,
            title="Nieuwe gebruiker",
            values=_values_from_form(data),
            errors=errors,
            is_self=False,
            editing=False,
            **await _form_context(db_session, actor),
        )
    await auth_service.flash(db_session, actor, f"{user.name} is toegevoegd als {user.role_name}.")
    await _hand_over(db_session, settings, actor, user, invitation)
    return Redirect(_detail_path(user.id), status_code=303)


@get(f"{LIST_PATH}/{{user_id:str}}", name="user_detail", guards=[require_admin])
async def user_detail(
    request: Request[Any, Any, Any],
    user_id: FromPath[str],
    actor: CurrentActor,
    db_session: DbSession,
    settings: AppSettings,
) -> Template:
    user = await users.get_user(db_session, actor, _user_id(user_id))
    flash, fresh_link, link_lost, link_note = _take_fresh_link(request, settings, actor, user)
    return await _detail_page(
        request,
        db_session,
        settings,
        actor,
        user,
        values=_values_of(user),
        errors={},
        flash=flash,
        fresh_link=fresh_link,
        link_lost=link_lost,
        link_note=link_note,
    )


@post(f"{LIST_PATH}/{{user_id:str}}", name="user_update", guards=[require_admin])
async def user_update(
    request: Request[Any, Any, Any],
    user_id: FromPath[str],
    actor: CurrentActor,
    db_session: DbSession,
    settings: AppSettings,
) -> Template | Redirect:
    target = _user_id(user_id)
    data = await form_data(request)
    # An unticked checkbox is not sent at all: no locations. Turning off and on are actions of their own.
    data.setdefault("location_ids", [])
    data.pop("active", None)
    try:
        checked = await users.check_user_input(db_session, actor, data, user_id=target)
        user = await users.update_user(db_session, actor, target, checked, address=client_address(request))
    except (InvalidInput, Conflict) as problem:
        await db_session.rollback()
        errors, status_code = _problem(problem)
        user = await users.get_user(db_session, actor, target)
        return await _detail_page(
            request,
            db_session,
            settings,
            actor,
            user,
            values=_values_from_form(data),
            errors=errors,
            status_code=status_code,
        )
    await auth_service.flash(db_session, actor, f"De gegevens van {user.name} zijn opgeslagen.")
    return Redirect(_detail_path(user.id), status_code=303)


@post(f"{LIST_PATH}/{{user_id:str}}/uitnodiging", name="user_invitation", guards=[require_admin])
async def user_invitation(
    user_id: FromPath[str], actor: CurrentActor, db_session: DbSession, settings: AppSettings
) -> Redirect:
    target = _user_id(user_id)
    try:
        invitation = await users.invite_user(db_session, actor, settings, target)
    except Conflict as problem:
        await auth_service.flash(db_session, actor, problem.message, kind="error")
        return Redirect(_detail_path(target), status_code=303)
    user = await users.get_user(db_session, actor, target)
    await _hand_over(db_session, settings, actor, user, invitation)
    return Redirect(_detail_path(target), status_code=303)


# --- turning an account off and on: a confirmation page, then the action ----------------------------------

SWITCHES = {
    "uitzetten": (False, users.deactivate_user, DEACTIVATED),
    "aanzetten": (True, users.reactivate_user, REACTIVATED),
}


async def _switch_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    actor: Actor,
    user: User,
    action: str,
    *,
    refusal: str | None = None,
    status_code: int = 200,
) -> Template:
    turning_on = SWITCHES[action][0]
    if refusal is None and user.active == turning_on:
        refusal = f"Het account van {user.name} staat al {'aan' if turning_on else 'uit'}."
    if refusal is None and not turning_on:
        refusal = await users.deactivation_problem(db_session, actor, user)
    return page(
        request,
        "admin/user_switch.html",
        status_code=status_code,
        title=f"{user.name} {'aanzetten' if turning_on else 'uitzetten'}",
        user=user,
        action=action,
        turning_on=turning_on,
        refusal=refusal,
    )


async def _show_switch(
    request: Request[Any, Any, Any], user_id: str, action: str, actor: Actor, db_session: DbSession
) -> Template:
    user = await users.get_user(db_session, actor, _user_id(user_id))
    return await _switch_page(request, db_session, actor, user, action)


async def _do_switch(
    request: Request[Any, Any, Any], user_id: str, action: str, actor: Actor, db_session: DbSession
) -> Template | Redirect:
    target = _user_id(user_id)
    _, switch, done = SWITCHES[action]
    try:
        user = await switch(db_session, actor, target, address=client_address(request))
    except Conflict as refused:
        await db_session.rollback()
        user = await users.get_user(db_session, actor, target)
        return await _switch_page(request, db_session, actor, user, action, refusal=refused.message, status_code=409)
    await auth_service.flash(db_session, actor, done.format(name=user.name))
    return Redirect(_detail_path(user.id), status_code=303)


@get(f"{LIST_PATH}/{{user_id:str}}/uitzetten", name="user_deactivate_form", guards=[require_admin])
async def user_deactivate_form(
    request: Request[Any, Any, Any], user_id: FromPath[str], actor: CurrentActor, db_session: DbSession
) -> Template:
    """Asks to confirm what turning this account off does, or says why it cannot be done."""
    return await _show_switch(request, user_id, "uitzetten", actor, db_session)


@post(f"{LIST_PATH}/{{user_id:str}}/uitzetten", name="user_deactivate", guards=[require_admin])
async def user_deactivate(
    request: Request[Any, Any, Any], user_id: FromPath[str], actor: CurrentActor, db_session: DbSession
) -> Template | Redirect:
    return await _do_switch(request, user_id, "uitzetten", actor, db_session)


@get(f"{LIST_PATH}/{{user_id:str}}/aanzetten", name="user_reactivate_form", guards=[require_admin])
async def user_reactivate_form(
    request: Request[Any, Any, Any], user_id: FromPath[str], actor: CurrentActor, db_session: DbSession
) -> Template:
    """Asks to confirm turning this account on again."""
    return await _show_switch(request, user_id, "aanzetten", actor, db_session)


@post(f"{LIST_PATH}/{{user_id:str}}/aanzetten", name="user_reactivate", guards=[require_admin])
async def user_reactivate(
    request: Request[Any, Any, Any], user_id: FromPath[str], actor: CurrentActor, db_session: DbSession
) -> Template | Redirect:
    return await _do_switch(request, user_id, "aanzetten", actor, db_session)


routes = [
    users_list,
    user_new,
    user_create,
    user_detail,
    user_update,
    user_invitation,
    user_deactivate_form,
    user_deactivate,
    user_reactivate_form,
    user_reactivate,
]
