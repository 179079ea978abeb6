"""The beheerder's audit trail page: search by person, by record and by period."""

from __future__ import annotations

from functools import partial
from typing import Any

from litestar import Request, get
from litestar.response import Template

from huiskamer.audit import service as audit_service
from huiskamer.auth import security_log
from huiskamer.auth.guards import require_admin
from huiskamer.auth.models import SecurityEventKind
from huiskamer.site.deps import AppSettings, CurrentActor, DbSession
from huiskamer.site.templating import page

_QUERY_FIELDS = ("persoon", "tabel", "record", "van", "tot", "pagina")


@get("/beheer/audit", name="audit_search", guards=[require_admin])
async def audit_search(request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession) -> Template:
    raw = {name: request.query_params.get(name) for name in _QUERY_FIELDS}
    values = {name: value if isinstance(value, str) else "" for name, value in raw.items()}
    filters, errors = audit_service.read_filters(raw)
    result = None
    if not errors:
        await security_log.record(
            db_session,
            SecurityEventKind.AUDIT_READ,
            user_id=actor.id,
            email=actor.email,
            detail=f"audittrail: {audit_service.describe_filters(filters)}",
        )
        result = await audit_service.search_audit(
            db_session,
            actor,
            person=filters.person,
            table=filters.table,
            record_id=filters.record_id,
            date_from=filters.date_from,
            date_to=filters.date_to,
            page=filters.page,
        )
    return page(
        request,
        "audit/search.html",
        status_code=422 if errors else 200,
        title="Audittrail",
        values=values,
        errors=errors,
        filters=filters,
        result=result,
        tables=audit_service.audited_tables(),
        table_label=audit_service.table_label,
        actions=audit_service.ACTIONS_NL,
        shown_changes=partial(audit_service.shown_changes, hide_child_values=True),
    )


@get("/beheer/beveiliging", name="security_log", guards=[require_admin])
async def security_log_page(
    request: Request[Any, Any, Any], actor: CurrentActor, db_session: DbSession, settings: AppSettings
) -> Template:
    raw_kind, raw_page = request.query_params.get("soort"), request.query_params.get("pagina")
    kind = raw_kind if raw_kind in security_log.KIND_LABELS else None
    page_number = (
        int(raw_page) if isinstance(raw_page, str) and raw_page.isdigit() and 0 < int(raw_page) < 10_000 else 1
    )
    events, has_next = await security_log.latest(db_session, actor, kind=kind, page=page_number)
    return page(
        request,
        "audit/security_log.html",
        title="Beveiligingslog",
        events=events,
        kinds=[(str(k), label) for k, label in security_log.KIND_LABELS.items()],
        kind=kind or "",
        page_number=page_number,
        has_next=has_next,
        settings=settings,
    )


routes = [audit_search, security_log_page]
