"""The API's shapes of an account, a user and an API token, for the OpenAPI document (``site.apidoc``); the
handlers read the bodies with ``users.check_user_input`` and answer with ``api.user_json``."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from huiskamer.site.apidoc import Email, Role, Source, optional_text, text


class Me(msgspec.Struct, kw_only=True):
    id: UUID
    email: str
    name: str
    role: Role
    location_ids: list[UUID]


class TokenOut(msgspec.Struct, kw_only=True):
    id: UUID
    name: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None


class TokenList(msgspec.Struct, kw_only=True):
    items: list[TokenOut]


class OrganisationOut(msgspec.Struct, kw_only=True):
    id: UUID
    name: str
    type: Source


class UserOut(msgspec.Struct, kw_only=True):
    id: UUID
    email: str
    name: str
    role: Role
    location_ids: list[UUID]
    active: bool
    organisation: OrganisationOut | None
    has_password: bool
    last_login_at: datetime | None
    created_at: datetime


class CreatedUser(UserOut, kw_only=True):
    invitation_url: str | None = msgspec.field(default=None)
    invitation_expires_at: datetime | None = None
    # The address the invitation was mailed to (through the outbox); null when the user was created switched off.
    invitation_sent_to: str | None = None


class UserList(msgspec.Struct, kw_only=True):
    items: list[UserOut]
    next: str | None = None


class Invitation(msgspec.Struct, kw_only=True):
    invitation_url: str
    invitation_expires_at: datetime
    invitation_sent_to: str | None = None  # the address the link was also mailed to


class OrganisationIn(msgspec.Struct, kw_only=True):
    name: optional_text(160) | None = None  # type: ignore[valid-type]
    type: Source | None = None


class UserIn(msgspec.Struct, kw_only=True):
    """A new user. ``organisation`` is required for a referrer; ``location_ids`` (existing locations) for a
    coordinator or kinderwerker, and only for them."""

    email: Email
    name: text(160)  # type: ignore[valid-type]
    role: Role
    location_ids: list[UUID] | None = None
    organisation: OrganisationIn | None = None
    active: bool = True


class UserChange(msgspec.Struct, kw_only=True):
    """Only the fields that are sent change; ``"active": false`` ends the user's sessions and tokens at once."""

    email: Email | msgspec.UnsetType = msgspec.UNSET
    name: text(160) | msgspec.UnsetType = msgspec.UNSET  # type: ignore[valid-type]
    role: Role | msgspec.UnsetType = msgspec.UNSET
    location_ids: list[UUID] | None = None
    organisation: OrganisationIn | None = None
    active: bool | msgspec.UnsetType = msgspec.UNSET
