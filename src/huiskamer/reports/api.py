"""JSON API: the summary of a period for the municipality's dashboards (api-v1.md "Concerns and reports")."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import get
from litestar.params import FromQuery, QueryParameter

from huiskamer.reports import service
from huiskamer.reports.figures import Summary
from huiskamer.reports.schemas import read_location_id, read_period
from huiskamer.reports.service import ReportScope
from huiskamer.site.deps import CurrentActor, DbSession


def _number(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def summary_json(where: ReportScope, summary: Summary) -> dict[str, Any]:
    """The contract's fields, then extras (neighbourhoods, placements ended, occupancy, goals per dimension)."""
    return {
        "from": summary.period.start.isoformat(),
        "to": summary.period.end.isoformat(),
        "location_ids": [str(location_id) for location_id in where.location_ids],
        "referrals_received": summary.referrals_received,
        "referrals_by_source": summary.referrals_by_source,
        "children_reached": summary.children_reached,
        "placements_started": summary.placements_started,
        "waiting_days": {
            "median": _number(summary.waiting_days.median),
            "p90": _number(summary.waiting_days.p90),
        },
        "attendance_rate": _number(summary.attendance_rate),
        "goals": {"set": summary.goals_set, "reached": summary.goals_reached},
        "discharges_by_reason": summary.discharges_by_reason,
        "waitlist_now": summary.waitlist_now,
        "placements_ended": summary.placements_ended,
        "referrals_by_neighbourhood": {
            (name if name is not None else ""): count for name, count in summary.referrals_by_neighbourhood.items()
        },
        "goals_by_dimension": {
            (dimension if dimension is not None else ""): {"set": counts.set, "reached": counts.reached}
            for dimension, counts in summary.goals_by_dimension.items()
        },
        "occupancy_by_weekday": {weekday: _number(occupancy.rate) for weekday, occupancy in summary.occupancy.items()},
        "waitlist_now_by_location": {
            str(location_id): count for location_id, count in sorted(summary.waitlist_by_location.items())
        },
    }


@get("/api/v1/reports/summary", name="api_reports_summary", tags=["reports"])
async def reports_summary(
    actor: CurrentActor,
    db_session: DbSession,
    start: Annotated[str | None, QueryParameter(name="from")] = None,
    end: Annotated[str | None, QueryParameter(name="to")] = None,
    location_id: FromQuery[str | None] = None,
) -> dict[str, Any]:
    service.require_reporting_role(actor)
    period = read_period({"from": start, "to": end}, "from", "to")
    where, summary = await service.summary_for(db_session, actor, period, read_location_id(location_id))
    return summary_json(where, summary)


routes: list[Any] = [reports_summary]
