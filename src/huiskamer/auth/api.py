"""JSON API: who am I, and the users (beheerder)."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Request, delete, get, patch, post
from litestar.params import FromPath

from huiskamer.auth import service as auth_service
from huiskamer.auth import users
from huiskamer.auth.guards import require_admin
from huiskamer.auth.models import User
from huiskamer.auth.schemas import CreatedUser, Invitation, Me, TokenList, UserChange, UserIn, UserList, UserOut
from huiskamer.site.apidoc import api_doc, query
from huiskamer.site.deps import AppSettings, CurrentActor, DbSession, client_address, json_body
from huiskamer.validation import FieldErrors

PAGE_SIZE = 500
OFFSET = r"^[0-9]{1,9}$"


def actor_json(actor: CurrentActor) -> dict[str, Any]:
    return {
        "id": str(actor.id),
        "email": actor.email,
        "name": actor.name,
        "role": actor.role.value,
        "location_ids": sorted(str(location_id) for location_id in actor.location_ids),
    }


def user_json(user: User) -> dict[str, Any]:
    organisation = user.organisation
    return {
        "id": str(user.id),
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "location_ids": sorted(str(location_id) for location_id in user.location_ids),
        "active": user.active,
        "organisation": (
            {"id": str(organisation.id), "name": organisation.name, "type": organisation.type}
            if organisation is not None
            else None
        ),
        "has_password": user.password_hash is not None,
        "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
        "created_at": user.created_at.isoformat(),
    }


def _invitation_json(invitation: users.NewInvitation) -> dict[str, Any]:
    return {
        "invitation_url": invitation.url,
        "invitation_expires_at": invitation.expires_at.isoformat(),
        "invitation_sent_to": invitation.sent_to,
    }


# Ids in paths are typed ``uuid``: the router answers 404 for anything that is no UUID (an id of ours or not).


@get("/api/v1/me", name="api_me", tags=["account"], **api_doc(Me))
async def me(actor: CurrentActor) -> dict[str, Any]:
    return actor_json(actor)


@get("/api/v1/me/tokens", name="api_my_tokens", tags=["account"], **api_doc(TokenList))
async def my_tokens(actor: CurrentActor, db_session: DbSession) -> dict[str, Any]:
    """The caller's API tokens that still work (never the tokens themselves)."""
    return {"items": [token.as_json() for token in await auth_service.list_tokens(db_session, actor.id)]}


@delete(
    "/api/v1/me/tokens/{token_id:uuid}",
    name="api_my_token_revoke",
    tags=["account"],
    **api_doc(None, status=204, errors=(404,)),
)
async def revoke_my_token(
    request: Request[Any, Any, Any], token_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession
) -> None:
    """Revokes one of the caller's own tokens at once; any other id does not exist (404)."""
    await auth_service.revoke_token(db_session, actor.id, token_id, address=client_address(request))


@get("/api/v1/users", name="api_users", tags=["users"], guards=[require_admin], **api_doc(UserList, errors=(403, 422)))
async def list_users(
    request: Request[Any, Any, Any],
    actor: CurrentActor,
    db_session: DbSession,
    q: Annotated[str | None, query("Een deel van de naam of het e-mailadres.")] = None,
    role: Annotated[str | None, query("Alleen deze rol.", enum=users.ROLES)] = None,
    active: Annotated[
        str | None, query("Alleen actieve (true) of uitgeschakelde (false).", enum=("true", "false"))
    ] = None,
    offset: Annotated[
        str | None, query("Vanaf de zoveelste (een getal); ``next`` wijst de volgende 500.", pattern=OFFSET)
    ] = None,
) -> dict[str, Any]:
    """The users matching ``q`` (name or e-mail), ``role`` and ``active`` (true/false); 500 at a time."""
    errors = FieldErrors()
    if role and role not in users.ROLES:
        errors.add("role", "Kies een rol: " + ", ".join(users.ROLES) + ".")
    if active and active not in ("true", "false"):
        errors.add("active", "Kies true of false.")
    if offset and not re.fullmatch(OFFSET, offset):
        errors.add("offset", "Geef een getal vanaf 0.")
    errors.raise_if_any()
    start = int(offset) if offset else 0
    is_active = {"true": True, "false": False}.get(active or "")
    found = await users.list_users(
        db_session, actor, query=q or "", role=role or "", active=is_active, limit=PAGE_SIZE + 1, offset=start
    )
    body: dict[str, Any] = {"items": [user_json(user) for user in found[:PAGE_SIZE]]}
    if len(found) > PAGE_SIZE:
        params = {k: v for k, v in {"q": q, "role": role, "active": active}.items() if v}
        params["offset"] = str(start + PAGE_SIZE)
        body["next"] = f"{request.url.path}?{urlencode(params)}"
    return body


@post(
    "/api/v1/users",
    name="api_user_create",
    tags=["users"],
    guards=[require_admin],
    **api_doc(CreatedUser, status=201, body=UserIn, errors=(403, 409, 422)),
)
async def create_user(
    request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession, settings: AppSettings
) -> dict[str, Any]:
    """A new user and a one-time invitation link (valid for a week) with which they set a password; the link is also
    mailed to them (``invitation_sent_to``)."""
    data = await users.check_user_input(db_session, actor, await json_body(request))
    user = await users.create_user(db_session, actor, data)
    if not user.active:  # created switched off: a link would not work until it is switched on
        return {**user_json(user), "invitation_url": None, "invitation_expires_at": None, "invitation_sent_to": None}
    invitation = await users.invite_user(db_session, actor, settings, user.id)
    return {**user_json(user), **_invitation_json(invitation)}


@get(
    "/api/v1/users/{user_id:uuid}",
    name="api_user",
    tags=["users"],
    guards=[require_admin],
    **api_doc(UserOut, errors=(403, 404)),
)
async def get_user(user_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession) -> dict[str, Any]:
    return user_json(await users.get_user(db_session, actor, user_id))


@patch(
    "/api/v1/users/{user_id:uuid}",
    name="api_user_update",
    tags=["users"],
    guards=[require_admin],
    **api_doc(UserOut, body=UserChange, errors=(403, 404, 409, 422)),
)
async def update_user(
    request: Request[Any, Any, Any], user_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession
) -> dict[str, Any]:
    """Changes name, role, location_ids, organisation or active; ``"active": false`` ends sessions and tokens."""
    data = await users.check_user_input(db_session, actor, await json_body(request), user_id=user_id)
    return user_json(await users.update_user(db_session, actor, user_id, data, address=client_address(request)))


@post(
    "/api/v1/users/{user_id:uuid}/invitation",
    name="api_user_invitation",
    tags=["users"],
    guards=[require_admin],
    **api_doc(Invitation, status=201, errors=(403, 404, 409)),
)
async def invite_user(
    user_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession, settings: AppSettings
) -> dict[str, Any]:
    """A new one-time invitation link for the user, also mailed to them; earlier links stop working."""
    return _invitation_json(await users.invite_user(db_session, actor, settings, user_id))


routes = [me, my_tokens, revoke_my_token, list_users, create_user, get_user, update_user, invite_user]
