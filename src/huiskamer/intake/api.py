"""JSON API: the intake (api-v1.md "Intake")."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, post
from litestar.params import FromPath
from litestar.response import Response

from huiskamer.auth.guards import require_coordinator
from huiskamer.intake import service
from huiskamer.intake.schemas import IntakeIn, parse_intake_input
from huiskamer.referrals.api import referral_json
from huiskamer.referrals.schemas import ReferralOut
from huiskamer.site.apidoc import api_doc
from huiskamer.site.deps import AppSettings, CurrentActor, DbSession, json_body
from huiskamer.site.templating import today


@post(
    "/api/v1/referrals/{referral_id:uuid}/intake",
    name="api_intake",
    tags=["intake"],
    guards=[require_coordinator],
    **api_doc(
        ReferralOut,
        status=201,
        also={200: ReferralOut},
        body=IntakeIn,
        errors=(403, 404, 409, 422),
        description="201: het eerste intakegesprek; 200: een gewijzigd gesprek.",
    ),
)
async def hold_intake(
    request: Request[Any, Any, Any],
    referral_id: FromPath[UUID],
    actor: CurrentActor,
    db_session: DbSession,
    settings: AppSettings,
) -> Response[dict[str, Any]]:
    raw = await json_body(request)
    data = parse_intake_input(raw, today=today(), catalogue=await service.catalogue_names(db_session))
    referral, _intake, created = await service.hold_intake(db_session, actor, settings, referral_id, data, today())
    return Response(await referral_json(db_session, actor, referral), status_code=201 if created else 200)


routes = [hold_intake]
