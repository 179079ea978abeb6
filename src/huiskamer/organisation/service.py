"""Reading and changing the organisation's settings."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.organisation.models import (
    DEFAULT_EVALUATION_INTERVAL_MONTHS,
    DEFAULT_UNEXCUSED_ABSENCE_THRESHOLD,
    DEFAULT_UNEXCUSED_ABSENCE_WINDOW_DAYS,
    OrganisationSettings,
)


@dataclass(frozen=True)
class SettingsView:
    unexcused_absence_threshold: int = DEFAULT_UNEXCUSED_ABSENCE_THRESHOLD
    unexcused_absence_window_days: int = DEFAULT_UNEXCUSED_ABSENCE_WINDOW_DAYS
    evaluation_interval_months: int = DEFAULT_EVALUATION_INTERVAL_MONTHS


async def current_settings(db_session: AsyncSession) -> SettingsView:
    """The saved settings, or the defaults while the beheerder has saved none."""
    row = (await db_session.execute(select(OrganisationSettings).limit(1))).scalar_one_or_none()
    if row is None:
        return SettingsView()
    return SettingsView(
        unexcused_absence_threshold=row.unexcused_absence_threshold,
        unexcused_absence_window_days=row.unexcused_absence_window_days,
        evaluation_interval_months=row.evaluation_interval_months,
    )
