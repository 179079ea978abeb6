"""JSON API: waitlist, proposals, offers and placements (api-v1.md "Waitlist, proposals, placements")."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any
from uuid import UUID

from litestar import Request, get, post
from litestar.params import FromPath

from huiskamer.auth.guards import require_coordinator
from huiskamer.errors import InvalidInput
from huiskamer.placements import overview, ranking
from huiskamer.placements import service as placements
from huiskamer.placements.models import Offer, Placement
from huiskamer.placements.overview import OFFER_STATUSES
from huiskamer.placements.schemas import (
    DeclineIn,
    EndIn,
    OfferIn,
    OfferList,
    OfferOut,
    PlacementList,
    PlacementOut,
    Proposals,
    SeatIn,
    Waitlist,
    parse_decline,
    parse_end,
    parse_seat_request,
)
from huiskamer.site.apidoc import api_doc, query
from huiskamer.site.deps import AppSettings, CurrentActor, DbSession, json_body
from huiskamer.site.templating import today
from huiskamer.validation import WEEKDAYS, parse_date

MAX_ITEMS = 500


def _date_param(value: str | None, field: str) -> date:
    now = today()
    if value in (None, ""):
        return now
    parsed = parse_date(value)
    if parsed is None:
        raise InvalidInput({field: "Geef een datum als JJJJ-MM-DD."})
    earliest, latest = now - timedelta(days=5 * 365), now + timedelta(days=2 * 365)
    if not earliest <= parsed <= latest:
        raise InvalidInput({field: f"Kies een datum tussen {earliest.isoformat()} en {latest.isoformat()}."})
    return parsed


def _uuid_param(value: str | None, field: str) -> UUID | None:
    if value in (None, ""):
        return None
    try:
        return UUID(value)
    except ValueError:
        raise InvalidInput({field: "Onbekende id."}) from None


def placement_json(placement: Placement) -> dict[str, Any]:
    return {
        "id": str(placement.id),
        "referral_id": str(placement.referral_id),
        "location_id": str(placement.location_id),
        "weekdays": placement.weekdays,
        "start_date": placement.start_date.isoformat(),
        "end_date": placement.end_date.isoformat() if placement.end_date else None,
        "end_reason_code": placement.end_reason_code,
        "offer_id": str(placement.offer_id) if placement.offer_id else None,
    }


def offer_json(offer: Offer, on: date) -> dict[str, Any]:
    status = "expired" if offer.status == "open" and offer.respond_by < on else offer.status
    return {
        "id": str(offer.id),
        "referral_id": str(offer.referral_id),
        "location_id": str(offer.location_id),
        "weekdays": offer.weekdays,
        "start_date": offer.start_date.isoformat(),
        "respond_by": offer.respond_by.isoformat(),
        "status": status,
    }


DATE_RANGE = "Een datum, JJJJ-MM-DD, van vijf jaar terug tot twee jaar vooruit; standaard vandaag."
LOCATION_FILTER = "Alleen deze locatie (een id)."


@get(
    "/api/v1/locations/{location_id:uuid}/waitlist",
    name="api_waitlist",
    tags=["waitlist"],
    **api_doc(Waitlist, errors=(403, 404, 422)),
)
async def waitlist(
    location_id: FromPath[UUID],
    actor: CurrentActor,
    db_session: DbSession,
    date: Annotated[str | None, query(DATE_RANGE, format="date")] = None,
) -> dict[str, Any]:
    on = _date_param(date, "date")
    result = await ranking.load_waitlist(db_session, actor, location_id, on, today())
    return {
        "location_id": str(location_id),
        "date": on.isoformat(),
        "entries": [
            {
                "referral_id": entry.candidate_id,
                "rank": entry.rank,
                "score": entry.score,
                "waiting_since": entry.waiting_since.isoformat(),
                "explanation": [
                    {"factor": str(p.factor), "points": p.points, "label": p.label} for p in entry.explanation
                ],
                "sentence": entry.sentence,
                "requested_weekdays": sorted(
                    result.children[entry.candidate_id].intake.requested_weekdays, key=_weekday_order
                ),
                "minimum_days": result.children[entry.candidate_id].intake.minimum_days,
            }
            for entry in result.entries
        ],
    }


@get(
    "/api/v1/locations/{location_id:uuid}/proposals",
    name="api_proposals",
    tags=["waitlist"],
    **api_doc(Proposals, errors=(403, 404, 422)),
)
async def proposals(
    location_id: FromPath[UUID],
    actor: CurrentActor,
    db_session: DbSession,
    start_date: Annotated[str | None, query(DATE_RANGE, format="date")] = None,
) -> dict[str, Any]:
    start = _date_param(start_date, "start_date")
    result, proposed = await ranking.proposals(db_session, actor, location_id, start, today())
    return {
        "location_id": str(location_id),
        "start_date": start.isoformat(),
        "free_seats": dict(result.seats.free_seats),
        "proposals": [
            {"referral_id": p.candidate_id, "weekdays": sorted(p.weekdays, key=_weekday_order)} for p in proposed
        ],
    }


def _weekday_order(day: str) -> int:
    return WEEKDAYS.index(day)


@post(
    "/api/v1/placements",
    name="api_place",
    tags=["placements"],
    guards=[require_coordinator],
    **api_doc(PlacementOut, status=201, body=SeatIn, errors=(403, 404, 409, 422)),
)
async def place(
    request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession, settings: AppSettings
) -> dict[str, Any]:
    seat = parse_seat_request(await json_body(request), offer=False)
    return placement_json(await placements.place(db_session, actor, settings, seat, today()))


@post(
    "/api/v1/offers",
    name="api_offer",
    tags=["placements"],
    guards=[require_coordinator],
    **api_doc(OfferOut, status=201, body=OfferIn, errors=(403, 404, 409, 422)),
)
async def offer(
    request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession, settings: AppSettings
) -> dict[str, Any]:
    seat = parse_seat_request(await json_body(request), offer=True)
    return offer_json(await placements.offer_seat(db_session, actor, settings, seat, today()), today())  # type: ignore[arg-type]


@post(
    "/api/v1/offers/{offer_id:uuid}/accept",
    name="api_offer_accept",
    tags=["placements"],
    guards=[require_coordinator],
    **api_doc(PlacementOut, status=201, errors=(403, 404, 409)),
)
async def accept(
    offer_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession, settings: AppSettings
) -> dict[str, Any]:
    return placement_json(await placements.accept_offer(db_session, actor, settings, offer_id, today()))


@post(
    "/api/v1/offers/{offer_id:uuid}/decline",
    name="api_offer_decline",
    tags=["placements"],
    guards=[require_coordinator],
    **api_doc(OfferOut, body=DeclineIn, errors=(403, 404, 409, 422)),
)
async def decline(
    request: Request[Any, Any, Any],
    offer_id: FromPath[UUID],
    actor: CurrentActor,
    db_session: DbSession,
    settings: AppSettings,
) -> dict[str, Any]:
    body = await json_body(request) if await request.body() else None
    reason = parse_decline(body)
    return offer_json(await placements.decline_offer(db_session, actor, settings, offer_id, reason, today()), today())


@post(
    "/api/v1/offers/{offer_id:uuid}/withdraw",
    name="api_offer_withdraw",
    tags=["placements"],
    guards=[require_coordinator],
    **api_doc(OfferOut, body=DeclineIn, errors=(403, 404, 409, 422)),
)
async def withdraw(
    request: Request[Any, Any, Any],
    offer_id: FromPath[UUID],
    actor: CurrentActor,
    db_session: DbSession,
    settings: AppSettings,
) -> dict[str, Any]:
    body = await json_body(request) if await request.body() else None
    reason = parse_decline(body)
    return offer_json(await placements.withdraw_offer(db_session, actor, settings, offer_id, reason, today()), today())


@post(
    "/api/v1/placements/{placement_id:uuid}/end",
    name="api_placement_end",
    tags=["placements"],
    guards=[require_coordinator],
    **api_doc(PlacementOut, body=EndIn, errors=(403, 404, 409, 422)),
)
async def end(
    request: Request[Any, Any, Any],
    placement_id: FromPath[UUID],
    actor: CurrentActor,
    db_session: DbSession,
    settings: AppSettings,
) -> dict[str, Any]:
    ending = parse_end(await json_body(request))
    end_date, code, reason, explanation = ending.value
    placement = await placements.end_placement(
        db_session,
        actor,
        settings,
        placement_id,
        end_date,
        code,
        reason,
        today=today(),
        explanation=explanation,
        errors=ending.errors,
    )
    return placement_json(placement)


@get("/api/v1/placements", name="api_placements", tags=["placements"], **api_doc(PlacementList, errors=(403, 422)))
async def list_placements(
    actor: CurrentActor,
    db_session: DbSession,
    location_id: Annotated[str | None, query(LOCATION_FILTER, format="uuid")] = None,
) -> dict[str, Any]:
    rows = await overview.placements_of(db_session, actor, _uuid_param(location_id, "location_id"), MAX_ITEMS)
    return {"items": [placement_json(p) for p in rows]}


@get(
    "/api/v1/placements/{placement_id:uuid}",
    name="api_placement",
    tags=["placements"],
    **api_doc(PlacementOut, errors=(403, 404)),
)
async def show_placement(placement_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession) -> dict[str, Any]:
    return placement_json(await overview.placement_of(db_session, actor, placement_id))


@get("/api/v1/offers", name="api_offers", tags=["placements"], **api_doc(OfferList, errors=(403, 422)))
async def list_offers(
    actor: CurrentActor,
    db_session: DbSession,
    location_id: Annotated[str | None, query(LOCATION_FILTER, format="uuid")] = None,
    status: Annotated[str | None, query("Alleen aanbiedingen met deze status.", enum=OFFER_STATUSES)] = None,
) -> dict[str, Any]:
    on = today()
    place = _uuid_param(location_id, "location_id")
    rows = await overview.offers_of(db_session, actor, place, status or None, on, MAX_ITEMS)
    return {"items": [offer_json(o, on) for o in rows]}


routes = [
    waitlist,
    proposals,
    place,
    offer,
    accept,
    decline,
    withdraw,
    end,
    list_placements,
    show_placement,
    list_offers,
]
