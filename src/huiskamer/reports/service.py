"""Use cases of reporting: whose figures an actor may see, the summary of a period, and the full report.

Coordinators see the figures of their own locations, the beheerder those of every location; youth workers
and referrers see no report (403). A location outside the actor's scope does not exist for them (404).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, timedelta
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.auth.actor import Actor
from huiskamer.errors import Forbidden, NotFound
from huiskamer.locations.models import Location
from huiskamer.reports import cache, figures
from huiskamer.reports.figures import MonthFigures, Scope, Summary
from huiskamer.reports.rules import Period
from huiskamer.site.templating import today

NOT_FOUND = "Deze locatie bestaat niet, of u heeft er geen toegang toe."


@dataclass(frozen=True)
class PlaceName:
    id: UUID
    name: str


@dataclass(frozen=True)
class ReportScope:
    """The locations a report is about, with their names, and which one was chosen (``None``: all of them)."""

    scope: Scope
    locations: tuple[PlaceName, ...]  # every location the actor may report on, by name
    chosen: PlaceName | None

    @property
    def location_ids(self) -> list[UUID]:
        if self.chosen is not None:
            return [self.chosen.id]
        return [place.id for place in self.locations]

    @property
    def label(self) -> str:
        """The locations in words: one name, the names of a coordinator's few (or how many: "12 locaties"), or
        "alle locaties" for the beheerder's organisation as a whole."""
        if self.chosen is not None:
            return self.chosen.name
        if self.scope.location_ids is None:
            return "alle locaties"
        if len(self.locations) > 4:
            return f"{len(self.locations)} locaties"
        return ", ".join(place.name for place in self.locations)

    @property
    def slug(self) -> str:
        """The label for a file name: "huiskamer-de-vaart", "de-bron-het-anker", "12-locaties", "alle-locaties"."""
        text = unicodedata.normalize("NFKD", self.label)
        text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
        return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "locatie"

    def name_of(self, location_id: UUID) -> str:
        return next((place.name for place in self.locations if place.id == location_id), "")


def require_reporting_role(actor: Actor) -> None:
    if not (actor.is_admin or actor.is_coordinator):
        raise Forbidden("De rapportage is er voor coördinatoren en de beheerder.")


async def report_scope(db: AsyncSession, actor: Actor, location_id: UUID | None) -> ReportScope:
    """The actor's locations (the beheerder: all), narrowed to ``location_id`` when one is asked for."""
    require_reporting_role(actor)
    query = select(Location.id, Location.name).order_by(Location.name)
    if not actor.is_admin:
        query = query.where(Location.id.in_(list(actor.location_ids) or [UUID(int=0)]))
    places = tuple(PlaceName(place_id, name) for place_id, name in (await db.execute(query)).all())
    if location_id is not None:
        chosen = next((place for place in places if place.id == location_id), None)
        if chosen is None:
            raise NotFound(NOT_FOUND)
        return ReportScope(Scope((chosen.id,)), places, chosen)
    if actor.is_admin:
        return ReportScope(Scope(None), places, None)
    return ReportScope(Scope(tuple(place.id for place in places)), places, None)


async def summary_for(
    db: AsyncSession, actor: Actor, period: Period, location_id: UUID | None
) -> tuple[ReportScope, Summary]:
    """The figures of one period for the actor's locations (or the one asked for)."""
    where = await report_scope(db, actor, location_id)
    return where, await _summary(db, where.scope, period, with_waitlist=True)


async def _summary(db: AsyncSession, scope: Scope, period: Period, *, with_waitlist: bool) -> Summary:
    """The summary of a period: kept when it has ended (``reports.cache``); today's waitlist always counted now."""
    summary = await cache.remembered(
        db,
        "samenvatting",
        scope,
        period,
        today(),
        lambda: figures.summary(db, scope, period, with_waitlist=False),
        cache.encode_summary,
        lambda data: cache.decode_summary(data, scope, period),
    )
    if not with_waitlist:
        return summary
    waitlist_now, by_location = await figures.waitlist_today(db, scope)
    return replace(summary, waitlist_now=waitlist_now, waitlist_by_location=by_location)


async def _months(db: AsyncSession, scope: Scope, period: Period) -> list[MonthFigures]:
    """The figures per month of a period: its settled months kept (``reports.cache``), the recent ones counted now.
    A year that is still going on thus counts only its last month or two afresh."""
    settled, recent = _split_at_settled_month(period, today())
    months = []
    if settled is not None:
        months += await cache.remembered(
            db,
            "maanden",
            scope,
            settled,
            today(),
            lambda: figures.trends(db, scope, settled),
            cache.encode_months,
            cache.decode_months,
        )
    if recent is not None:
        months += await figures.trends(db, scope, recent)
    return months


def _split_at_settled_month(period: Period, on: date) -> tuple[Period | None, Period | None]:
    """The period in two at the end of its last month that the cache keeps (see ``cache.SETTLED_DAYS``)."""
    last_settled = (on - timedelta(days=cache.SETTLED_DAYS + 1)).replace(day=1) - timedelta(days=1)
    if period.end <= last_settled:
        return period, None
    if period.start > last_settled:
        return None, period
    return Period(period.start, last_settled), Period(last_settled + timedelta(days=1), period.end)


@dataclass(frozen=True)
class Report:
    """Everything the dashboard and the exports show: the period and the same period a year earlier, each
    with its summary and its months."""

    where: ReportScope
    period: Period
    earlier: Period
    now: Summary
    before: Summary
    months: list[MonthFigures]
    months_before: list[MonthFigures]


async def build_report(db: AsyncSession, where: ReportScope, period: Period) -> Report:
    """The figures of the period and of the same period a year earlier, with their months, for ``where``
    (found by ``report_scope``, which checks the actor)."""
    earlier = period.year_earlier()
    return Report(
        where=where,
        period=period,
        earlier=earlier,
        now=await _summary(db, where.scope, period, with_waitlist=True),
        before=await _summary(db, where.scope, earlier, with_waitlist=False),
        months=await _months(db, where.scope, period),
        months_before=await _months(db, where.scope, earlier),
    )
