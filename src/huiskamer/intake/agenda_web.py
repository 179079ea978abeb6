"""The coordinator's intake agenda: the planned talks from today on, and each talk as an ``.ics`` file for their
own calendar. The rules and the scope are in ``intake.agenda``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from litestar import Request, get
from litestar.params import FromPath
from litestar.response import Response, Template

from huiskamer.auth.guards import require_coordinator
from huiskamer.intake import agenda
from huiskamer.site.deps import AppSettings, CurrentActor, DbSession
from huiskamer.site.templating import page, today


@get("/intakes", name="intake_agenda", guards=[require_coordinator])
async def intake_agenda(request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession) -> Template:
    day = today()
    intakes = await agenda.planned_intakes(db_session, actor, day)
    week_end = agenda.week_end(day)
    return page(
        request,
        "intake/agenda.html",
        title="Geplande intakes",
        this_week=[i for i in intakes if i.at < agenda.start_of(week_end) + agenda.ONE_DAY],
        later=[i for i in intakes if i.at >= agenda.start_of(week_end) + agenda.ONE_DAY],
    )


@get("/intakes/{referral_id:uuid}/agenda.ics", name="intake_ics", guards=[require_coordinator])
async def intake_ics(
    referral_id: FromPath[UUID], actor: CurrentActor, db_session: DbSession, settings: AppSettings
) -> Response[bytes]:
    intake = await agenda.planned_intake(db_session, actor, referral_id)
    content = agenda.to_ics(
        intake,
        dossier_url=f"{settings.base_url}/aanmeldingen/{intake.referral_id}",
        now=datetime.now(UTC),
        host=urlsplit(settings.base_url).hostname or "huiskamer",
    )
    day = intake.at.astimezone(agenda.AMSTERDAM).date()
    return Response(
        content,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="intake-{day.isoformat()}.ics"',
            "Cache-Control": "no-store",
        },
    )


routes = [intake_agenda, intake_ics]
