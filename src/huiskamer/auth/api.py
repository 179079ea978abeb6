"""JSON API: who am I, and the users (beheerder)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Request, delete, get, patch, post
from litestar.params import FromPath, FromQuery

from huiskamer.auth import service as auth_service
from huiskamer.auth import users
from huiskamer.auth.guards import require_admin
from huiskamer.auth.models import User
from huiskamer.errors import NotFound
from huiskamer.site.deps import AppSettings, CurrentActor, DbSession, client_address, json_body

PAGE_SIZE = 500


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


def _id_or_not_found(raw: str, message: str) -> UUID:
    """Ids are opaque: anything that is no id of ours is simply not found."""
    try:
        return UUID(raw)
    except ValueError:
        raise NotFound(message) from None


def _user_id(raw: str) -> UUID:
    return _id_or_not_found(raw, "Deze gebruiker bestaat niet.")


@get("/api/v1/me", name="api_me", tags=["account"])
async def me(actor: CurrentActor) -> dict[str, Any]:
    return actor_json(actor)


@get("/api/v1/me/tokens", name="api_my_tokens", tags=["account"])
async def my_tokens(actor: CurrentActor, db_session: DbSession) -> dict[str, Any]:
    """The caller's API tokens that still work (never the tokens themselves)."""
    return {"items": [token.as_json() for token in await auth_service.list_tokens(db_session, actor.id)]}


@delete("/api/v1/me/tokens/{token_id:str}", name="api_my_token_revoke", tags=["account"], status_code=204)
async def revoke_my_token(
    request: Request[Any, Any, Any], token_id: FromPath[str], actor: CurrentActor, db_session: DbSession
) -> None:
    """Revokes one of the caller's own tokens at once; any other id does not exist (404)."""
    wanted = _id_or_not_found(token_id, "Deze API-sleutel bestaat niet (meer).")
    await auth_service.revoke_token(db_session, actor.id, wanted, address=client_address(request))


@get("/api/v1/users", name="api_users", tags=["users"], guards=[require_admin])
async def list_users(
    request: Request[Any, Any, Any],
    actor: CurrentActor,
    db_session: DbSession,
    q: FromQuery[str | None] = None,
    role: FromQuery[str | None] = None,
    active: FromQuery[str | None] = None,
    offset: FromQuery[str | None] = None,
) -> dict[str, Any]:
    """The users matching ``q`` (name or e-mail), ``role`` and ``active`` (true/false); 500 at a time."""
    start = int(offset) if offset and offset.isdigit() and len(offset) < 10 else 0
    is_active = {"true": True, "false": False}.get((active or "").lower())
    found = await users.list_users(
        db_session, actor, query=q or "", role=role or "", active=is_active, limit=PAGE_SIZE + 1, offset=start
    )
    body: dict[str, Any] = {"items": [user_json(user) for user in found[:PAGE_SIZE]]}
    if len(found) > PAGE_SIZE:
        params = {k: v for k, v in {"q": q, "role": role, "active": active}.items() if v}
        params["offset"] = str(start + PAGE_SIZE)
        body["next"] = f"{request.url.path}?{urlencode(params)}"
    return body


@post("/api/v1/users", name="api_user_create", tags=["users"], guards=[require_admin], status_code=201)
async def create_user(
    request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession, settings: AppSettings
) -> dict[str, Any]:
    """A new user and a one-time invitation link (valid for a week) with which they set a password."""
    data = users.parse_user_input(await json_body(request), creating=True)
    user = await users.create_user(db_session, actor, data)
    if not user.active:  # created switched off: a link would not work until it is switched on
        return {**user_json(user), "invitation_url": None, "invitation_expires_at": None}
    invitation = await users.invite_user(db_session, actor, settings, user.id)
    return {
        **user_json(user),
        "invitation_url": invitation.url,
        "invitation_expires_at": invitation.expires_at.isoformat(),
    }


@get("/api/v1/users/{user_id:str}", name="api_user", tags=["users"], guards=[require_admin])
async def get_user(user_id: FromPath[str], actor: CurrentActor, db_session: DbSession) -> dict[str, Any]:
    return user_json(await users.get_user(db_session, actor, _user_id(user_id)))


@patch("/api/v1/users/{user_id:str}", name="api_user_update", tags=["users"], guards=[require_admin])
async def update_user(
    request: Request[Any, Any, Any], user_id: FromPath[str], actor: CurrentActor, db_session: DbSession
) -> dict[str, Any]:
    """Changes name, role, location_ids, organisation or active; ``"active": false`` ends sessions and tokens."""
    target = _user_id(user_id)
    data = users.parse_user_input(await json_body(request), creating=False)
    return user_json(await users.update_user(db_session, actor, target, data))


@post(
    "/api/v1/users/{user_id:str}/invitation",
    name="api_user_invitation",
    tags=["users"],
    guards=[require_admin],
    status_code=201,
)
async def invite_user(
    user_id: FromPath[str], actor: CurrentActor, db_session: DbSession, settings: AppSettings
) -> dict[str, Any]:
    """A new one-time invitation link for the user; earlier links stop working."""
    invitation = await users.invite_user(db_session, actor, settings, _user_id(user_id))
    return {"invitation_url": invitation.url, "invitation_expires_at": invitation.expires_at.isoformat()}


routes = [me, my_tokens, revoke_my_token, list_users, create_user, get_user, update_user, invite_user]
