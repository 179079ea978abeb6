"""JSON API for referrals (api-v1.md "Referrals"): the referrer sees status, dates and messages; the coordinator all."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Response

from huiskamer.auth.actor import Actor
from huiskamer.auth.guards import require_coordinator, require_referrer_or_coordinator
from huiskamer.errors import InvalidInput
from huiskamer.referrals import outcome, search, service
from huiskamer.referrals.models import Referral
from huiskamer.referrals.rules import Status, status_name
from huiskamer.referrals.schemas import (
    MessageIn,
    MessageOut,
    MoveIn,
    ReferralIn,
    ReferralList,
    ReferralOut,
    parse_message,
    parse_move,
    parse_referral_input,
)
from huiskamer.site.apidoc import api_doc, query
from huiskamer.site.deps import AppSettings, CurrentActor, DbSession, json_body
from huiskamer.site.templating import today
from huiskamer.validation import format_phone

API_PAGE_SIZE = 500
PAGE = r"^[1-9][0-9]{0,4}$"
# The role is checked before the body is read: a youth worker or beheerder gets 403, whatever they send.
REFERRAL_ROLES = [require_referrer_or_coordinator]


def _at(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


async def referral_json(db: DbSession, actor: Actor, referral: Referral) -> dict[str, Any]:
    """The referrer's view holds no coordinator-only field; the coordinator's view holds the whole dossier."""
    events = await service.history(db, referral)
    notes = await service.messages(db, referral)
    body: dict[str, Any] = {
        "id": str(referral.id),
        "status": referral.status,
        "status_label": status_name(referral.status),
        "submitted_at": _at(referral.submitted_at),
        "history": [{"status": e.to_status, "at": _at(e.at)} for e in events],
        "messages": [
            {"at": _at(m.at), "text": m.text, "from": "referrer" if m.from_referrer else "coordinator"} for m in notes
        ],
    }
    if actor.is_referrer:
        body.update(await _referrer_extras(db, referral))
    if actor.is_coordinator:
        child = referral.child
        body["history"] = [
            {
                "status": e.to_status,
                "at": _at(e.at),
                "by": e.actor_label,
                "reason_code": e.reason_code,
                "reason": e.reason,
                "planned_at": _at(e.planned_at),
            }
            for e in events
        ]
        body["messages"] = [
            {
                "at": _at(m.at),
                "text": m.text,
                "from": "referrer" if m.from_referrer else "coordinator",
                "author": m.author_name,
            }
            for m in notes
        ]
        body.update(
            child={
                "given_name": child.given_name,
                "family_name": child.family_name,
                "date_of_birth": child.date_of_birth.isoformat(),
                "postcode": child.postcode,
                "neighbourhood": child.neighbourhood,
                "school": child.school,
            },
            guardian={
                "name": referral.guardian_name,
                "phone": format_phone(referral.guardian_phone),
                "email": referral.guardian_email,
            },
            source=referral.source,
            reason=referral.reason,
            guardian_informed=referral.guardian_informed,
            location_ids=[str(i) for i in referral.location_ids],
            requested_weekdays=referral.requested_weekdays,
            intake_planned_at=_at(referral.intake_planned_at),
            possible_duplicate_ids=[str(r.id) for r in await service.possible_duplicates(db, actor, referral)],
            waiting_since=referral.waiting_since.isoformat() if referral.waiting_since else None,
            intake=await _intake_json(db, referral),
            placement=await _placement_json(db, referral),
        )
    return body


async def _referrer_extras(db: DbSession, referral: Referral) -> dict[str, Any]:
    """What they submitted (read only), the outcome with the explanation written for them, and where and from
    when the child is placed; the internal reason, the intake and the placement's weekdays stay out."""
    child = referral.child
    chosen = await outcome.preferred_locations(db, referral)
    extras: dict[str, Any] = {
        "submitted": {
            "child": {
                "given_name": child.given_name,
                "family_name": child.family_name,
                "date_of_birth": child.date_of_birth.isoformat(),
                "postcode": child.postcode,
                "neighbourhood": child.neighbourhood,
                "school": child.school,
            },
            "guardian": {
                "name": referral.guardian_name,
                "phone": format_phone(referral.guardian_phone),
                "email": referral.guardian_email,
            },
            "source": referral.source,
            "reason": referral.reason,
            "guardian_informed": referral.guardian_informed,
            "preferred_location_ids": [str(location.id) for location in chosen],
            "preferred_locations": [{"id": str(location.id), "name": location.name} for location in chosen],
            "requested_weekdays": referral.requested_weekdays,
        }
    }
    ended = await outcome.outcome(db, referral)
    if ended is not None:
        extras["outcome"] = {"reason_code": ended.reason_code, "explanation": ended.explanation}
    placed = await outcome.placed_at(db, referral)
    if placed is not None:
        extras["placement"] = {"location_name": placed.location_name, "start_date": placed.start_date.isoformat()}
    return extras


async def _intake_json(db: DbSession, referral: Referral) -> dict[str, Any] | None:
    from huiskamer.intake import service as intake_service

    intake = await intake_service.intake_of(db, referral.id)
    if intake is None:
        return None
    return {
        "id": str(intake.id),
        "held_on": intake.held_on.isoformat(),
        "urgency": intake.urgency,
        "urgency_reason": intake.urgency_reason,
        "goals": [
            {
                "id": str(g.id),
                "code": g.code,
                "description": g.description,
                "dimension": g.dimension,
                "status": g.status,
                "set_on": g.set_on.isoformat(),
            }
            for g in intake.goals
        ],
        "requested_weekdays": intake.requested_weekdays,
        "minimum_days": intake.minimum_days,
        "collection_persons": intake.collection_persons,
        "not_allowed_collectors": intake.not_allowed_collectors or [],
        "allergies": intake.allergies,
        "safety_notes": intake.safety_notes,
        "consent_data_processing": intake.consent_data_processing,
        "sibling_referral_ids": [str(i) for i in await intake_service.sibling_ids(db, referral.id)],
    }


async def _placement_json(db: DbSession, referral: Referral) -> dict[str, Any] | None:
    from sqlalchemy import select

    from huiskamer.placements.api import placement_json
    from huiskamer.placements.models import Placement

    placement = await db.scalar(
        select(Placement).where(Placement.referral_id == referral.id).order_by(Placement.start_date.desc()).limit(1)
    )
    return placement_json(placement) if placement else None


@post(
    "/api/v1/referrals",
    name="api_referral_submit",
    tags=["referrals"],
    guards=REFERRAL_ROLES,
    **api_doc(ReferralOut, status=201, body=ReferralIn, errors=(403, 409, 422)),
)
async def submit(
    request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession, settings: AppSettings
) -> dict[str, Any]:
    data = parse_referral_input(await json_body(request), today=today())
    referral = await service.submit_referral(db_session, actor, settings, data)
    return await referral_json(db_session, actor, referral)


@get(
    "/api/v1/referrals",
    name="api_referrals",
    tags=["referrals"],
    guards=REFERRAL_ROLES,
    **api_doc(ReferralList, errors=(403, 422)),
)
async def list_referrals(
    request: Request[Any, Any, Any],
    actor: CurrentActor,
    db_session: DbSession,
    status: Annotated[str | None, query("Alleen deze status.", enum=[s.value for s in Status])] = None,
    page: Annotated[str | None, query("Pagina (1 tot 99999); ``next`` wijst de volgende.", pattern=PAGE)] = None,
    q: Annotated[
        str | None,
        query("Zoek op naam: de voor- of achternaam bevat elk woord (hoofdletters en accenten tellen niet)."),
    ] = None,
) -> dict[str, Any]:
    q, too_long = search.read_query(q)
    if too_long:
        raise InvalidInput({"q": too_long})
    if status is not None and status not in {s.value for s in Status}:
        raise InvalidInput({"status": "Onbekende status."})
    if page is not None and not re.fullmatch(PAGE, page):
        raise InvalidInput({"page": "Geef een paginanummer van 1 tot 99999."})
    number = int(page) if page else 1
    result = await service.list_referrals(
        db_session, actor, service.InboxFilters(status=status, q=q, page=number, page_size=API_PAGE_SIZE)
    )
    items = []
    for row in result.rows:
        item = {
            "id": str(row.referral.id),
            "status": row.referral.status,
            "submitted_at": _at(row.referral.submitted_at),
            "status_changed_at": _at(row.referral.status_changed_at),
            "unread": row.unread,
        }
        if actor.is_coordinator:
            item["child_name"] = row.child_name
            item["source"] = row.referral.source
            item["possible_duplicate"] = row.possible_duplicate
        items.append(item)
    body: dict[str, Any] = {"items": items}
    if result.has_next:
        query = (
            f"?page={number + 1}" + (f"&status={status}" if status else "") + (f"&{urlencode({'q': q})}" if q else "")
        )
        body["next"] = str(request.base_url).rstrip("/") + "/api/v1/referrals" + query
    return body


@get(
    "/api/v1/referrals/{referral_id:uuid}",
    name="api_referral",
    tags=["referrals"],
    guards=REFERRAL_ROLES,
    **api_doc(ReferralOut, errors=(403, 404)),
)
async def show(referral_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession) -> dict[str, Any]:
    referral = await service.get_referral(db_session, actor, referral_id)
    return await referral_json(db_session, actor, referral)


@post(
    "/api/v1/referrals/{referral_id:uuid}/transitions",
    name="api_referral_move",
    tags=["referrals"],
    guards=[require_coordinator],
    **api_doc(ReferralOut, body=MoveIn, errors=(403, 404, 409, 422)),
)
async def transition(
    request: Request[Any, Any, Any],
    referral_id: FromPath[UUID],
    actor: CurrentActor,
    db_session: DbSession,
    settings: AppSettings,
) -> dict[str, Any]:
    move = parse_move(await json_body(request))
    referral = await service.move(db_session, actor, settings, referral_id, move)
    return await referral_json(db_session, actor, referral)


@post(
    "/api/v1/referrals/{referral_id:uuid}/withdraw",
    name="api_referral_withdraw",
    tags=["referrals"],
    guards=REFERRAL_ROLES,
    **api_doc(ReferralOut, errors=(403, 404, 409)),
)
async def withdraw(
    referral_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession, settings: AppSettings
) -> dict[str, Any]:
    referral = await service.withdraw(db_session, actor, settings, referral_id)
    return await referral_json(db_session, actor, referral)


@post(
    "/api/v1/referrals/{referral_id:uuid}/messages",
    name="api_referral_message",
    tags=["referrals"],
    guards=REFERRAL_ROLES,
    **api_doc(MessageOut, status=201, body=MessageIn, errors=(403, 404, 409, 422)),
)
async def message(
    request: Request[Any, Any, Any],
    referral_id: FromPath[UUID],
    actor: CurrentActor,
    db_session: DbSession,
    settings: AppSettings,
) -> Response[dict[str, Any]]:
    text = parse_message(await json_body(request))
    created = await service.add_message(db_session, actor, settings, referral_id, text)
    return Response({"id": str(created.id), "at": _at(created.at), "text": created.text}, status_code=201)


routes = [submit, list_referrals, show, transition, withdraw, message]
