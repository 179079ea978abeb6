"""JSON API: the day list and marking attendance, and concerns (api-v1.md "Attendance and progress", "Concerns
and reports"), exactly as written; extra fields are welcome."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from litestar import Request, get, post, put
from litestar.params import FromPath

from huiskamer.attendance import concerns, marking
from huiskamer.attendance import service as attendance
from huiskamer.attendance.concerns import ConcernRow
from huiskamer.attendance.models import CONCERN_STATUSES, Concern
from huiskamer.attendance.schemas import (
    ConcernList,
    ConcernOut,
    DayList,
    MarkIn,
    MarkOut,
    ObservationIn,
    ResolutionIn,
    StepIn,
    StepOut,
    parse_mark,
    parse_observation,
    parse_resolution,
    parse_step,
    read_day,
)
from huiskamer.attendance.service import ChildOnList
from huiskamer.errors import InvalidInput
from huiskamer.precedence import URGENT
from huiskamer.site.apidoc import api_doc, path_date, query
from huiskamer.site.deps import AppSettings, CurrentActor, DbSession, json_body
from huiskamer.site.templating import today


def _at(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def entry_json(child: ChildOnList) -> dict[str, Any]:
    """One child of the day list: the practical part only (never reason, urgency, source or history)."""
    return {
        "placement_id": str(child.placement_id),
        "referral_id": str(child.referral_id),
        "child_name": child.full_name,
        "given_name": child.given_name,
        "age": child.age,
        "status": child.status,
        "absence_reason": child.absence_reason,
        "absence_note": child.absence_note,
        "arrived_at": _at(child.arrived_at),
        "left_at": _at(child.left_at),
        "collected_by": child.collected_by,
        "collection_persons": list(child.collection_persons),
        "not_allowed_collectors": list(child.not_allowed_collectors),
        "allergies": child.allergies,
        "safety_notes": child.safety_notes,
        "goals": list(child.goals),
    }


DAY = "De dag, JJJJ-MM-DD, van vijf jaar terug tot een jaar vooruit."


@get(
    "/api/v1/locations/{location_id:uuid}/attendance/{day:str}",
    name="api_attendance",
    tags=["attendance"],
    **api_doc(DayList, errors=(403, 404, 422)),
)
async def show_day(
    location_id: FromPath[UUID], day: Annotated[str, path_date(DAY)], actor: CurrentActor, db_session: DbSession
) -> dict[str, Any]:
    on = read_day(day, today())
    listed = await attendance.day_list(db_session, actor, location_id, on)
    return {
        "location_id": str(location_id),
        "date": on.isoformat(),
        "capacity": listed.capacity,
        "expected": listed.expected,
        "present": listed.present,
        "absent": listed.absent,
        "unknown": listed.unknown,
        "closed": listed.closed is not None,
        "closure": listed.closed,
        "entries": [entry_json(child) for child in listed.children],
    }


@put(
    "/api/v1/locations/{location_id:uuid}/attendance/{day:str}/{placement_id:uuid}",
    name="api_attendance_mark",
    opt={URGENT: True},
    tags=["attendance"],
    **api_doc(MarkOut, body=MarkIn, errors=(403, 404, 409, 422)),
)
async def mark(
    request: Request[Any, Any, Any],
    location_id: FromPath[UUID],
    day: Annotated[str, path_date(DAY)],
    placement_id: FromPath[UUID],
    actor: CurrentActor,
    db_session: DbSession,
    settings: AppSettings,
) -> dict[str, Any]:
    """A tap; with ``tap_id`` and ``tapped_at`` one made offline (api-v1.md): stored once, the latest stands. A
    pick-up by someone not on the list is stored, with ``pickup_warning`` and a concern for the coordinator."""
    attendance.check_staff(actor, location_id)
    on = read_day(day, today())
    change = parse_mark(await json_body(request), on, pickup_confirmed=True)
    result = await marking.mark(
        db_session,
        actor,
        location_id,
        on,
        placement_id,
        change,
        today=today(),
        now=datetime.now(UTC),
        base_url=settings.base_url,
        with_counts=True,
    )
    body = {
        "location_id": str(location_id),
        "date": on.isoformat(),
        **entry_json(result.child),
        "present_count": result.present,
        "concern": result.concern,
        "applied": result.applied,
    }
    if result.pickup_warning:
        body["pickup_warning"] = result.pickup_warning
    return body


# --- concerns ------------------------------------------------------------------------------------------


def concern_json(concern: Concern, row: ConcernRow | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(concern.id),
        "referral_id": str(concern.referral_id),
        "location_id": str(concern.location_id),
        "placement_id": str(concern.placement_id) if concern.placement_id else None,
        "kind": concern.kind,
        "raised_at": _at(concern.raised_at),
        "status": concern.status,
        "text": concern.text,
        "resolved_at": _at(concern.resolved_at),
        "resolution_note": concern.resolution_note,
        "urgent": concern.urgent,
    }
    if row is not None:
        body["child_name"] = row.child_name
        body["location_name"] = row.location_name
        body["raised_by"] = row.raised_by
        if concern.kind == concerns.SAFEGUARDING:
            body["steps"] = [
                {"step": done.step, "done_on": done.done_on.isoformat(), "note": done.note, "by": done.recorded_by}
                for _number, done in sorted(row.steps.items())
            ]
    return body


def _page_number(value: str | None) -> int:
    if value in (None, ""):
        return 1
    if not value.isdigit() or not 0 < int(value) < 100_000:
        raise InvalidInput({"page": "Geef een paginanummer vanaf 1."})
    return int(value)


@get("/api/v1/concerns", name="api_concerns", tags=["concerns"], **api_doc(ConcernList, errors=(403, 422)))
async def list_concerns(
    request: Request[Any, Any, Any],
    actor: CurrentActor,
    db_session: DbSession,
    status: Annotated[str | None, query("Alleen signalen met deze status.", enum=CONCERN_STATUSES)] = None,
    location_id: Annotated[str | None, query("Alleen deze locatie (een id).", format="uuid")] = None,
    page: Annotated[str | None, query("Pagina (1 tot 99999).", pattern=r"^[1-9][0-9]{0,4}$")] = None,
) -> dict[str, Any]:
    if status not in (None, "", *CONCERN_STATUSES):
        raise InvalidInput({"status": "Kies open, resolved of withdrawn."})
    location = None
    if location_id:
        try:
            location = UUID(location_id)
        except ValueError:
            raise InvalidInput({"location_id": "Onbekende id."}) from None
    number = _page_number(page)
    found = await concerns.list_concerns(db_session, actor, status=status or None, location_id=location, page=number)
    body: dict[str, Any] = {"items": [concern_json(row.concern, row) for row in found.rows]}
    if found.has_next:
        query = f"?page={number + 1}" + (f"&status={status}" if status else "")
        query += f"&location_id={location}" if location else ""
        body["next"] = str(request.base_url).rstrip("/") + "/api/v1/concerns" + query
    return body


@post(
    "/api/v1/concerns",
    name="api_concern_raise",
    tags=["concerns"],
    **api_doc(ConcernOut, status=201, body=ObservationIn, errors=(403, 404, 409, 422)),
)
async def raise_concern(
    request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession, settings: AppSettings
) -> dict[str, Any]:
    concerns.require_observer(actor)
    data = parse_observation(await json_body(request))
    concern = await concerns.raise_observation(
        db_session,
        actor,
        data.referral_id,
        data.text,
        today=today(),
        now=datetime.now(UTC),
        location_id=data.location_id,
        kind=data.kind,
        base_url=settings.base_url,
    )
    return concern_json(concern)


@post(
    "/api/v1/concerns/{concern_id:uuid}/steps",
    name="api_concern_step",
    tags=["concerns"],
    **api_doc(StepOut, body=StepIn, errors=(403, 404, 409, 422)),
)
async def record_step(
    request: Request[Any, Any, Any], concern_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession
) -> dict[str, Any]:
    """A step of the Meldcode for a safeguarding concern: ``{"step": 1..5, "done_on", "note"}``."""
    concerns.require_coordinator(actor)
    asked = parse_step(await json_body(request), today())
    step = asked.value
    done = await concerns.record_step(
        db_session, actor, concern_id, step.step, step.done_on, step.note, today=today(), errors=asked.errors
    )
    return {"concern_id": str(concern_id), "step": done.step, "done_on": done.done_on.isoformat(), "note": done.note}


@post(
    "/api/v1/concerns/{concern_id:uuid}/resolve",
    name="api_concern_resolve",
    tags=["concerns"],
    **api_doc(ConcernOut, body=ResolutionIn, errors=(403, 404, 409, 422)),
)
async def resolve(
    request: Request[Any, Any, Any], concern_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession
) -> dict[str, Any]:
    concerns.require_coordinator(actor)
    note = parse_resolution(await json_body(request))
    concern = await concerns.resolve_concern(db_session, actor, concern_id, note, now=datetime.now(UTC))
    return concern_json(concern)


routes = [show_day, mark, list_concerns, raise_concern, record_step, resolve]
