"""Reading and changing the organisation's settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from huiskamer.auth.actor import Actor
from huiskamer.errors import Forbidden
from huiskamer.organisation.models import (
    DEFAULT_EVALUATION_INTERVAL_MONTHS,
    DEFAULT_UNEXCUSED_ABSENCE_THRESHOLD,
    DEFAULT_UNEXCUSED_ABSENCE_WINDOW_DAYS,
    OrganisationSettings,
)
from huiskamer.validation import FieldErrors, as_object, read_bool, read_int


@dataclass(frozen=True)
class SettingsView:
    unexcused_absence_threshold: int = DEFAULT_UNEXCUSED_ABSENCE_THRESHOLD
    unexcused_absence_window_days: int = DEFAULT_UNEXCUSED_ABSENCE_WINDOW_DAYS
    evaluation_interval_months: int = DEFAULT_EVALUATION_INTERVAL_MONTHS
    second_factor_for_everyone: bool = False


async def current_settings(db_session: AsyncSession) -> SettingsView:
    """The saved settings, or the defaults while the beheerder has saved none."""
    row = (await db_session.execute(select(OrganisationSettings).limit(1))).scalar_one_or_none()
    if row is None:
        return SettingsView()
    return SettingsView(
        unexcused_absence_threshold=row.unexcused_absence_threshold,
        unexcused_absence_window_days=row.unexcused_absence_window_days,
        evaluation_interval_months=row.evaluation_interval_months,
        second_factor_for_everyone=row.second_factor_for_everyone,
    )


# The bounds a beheerder can choose from: wide enough for any policy, narrow enough to catch a typing error.
THRESHOLD_RANGE = (1, 20)
WINDOW_RANGE = (7, 365)
INTERVAL_RANGE = (1, 24)


def parse_settings(raw: Any) -> SettingsView:
    """The settings form (or JSON): whole numbers within their bounds, a Dutch message per field."""
    raw = as_object(raw)
    errors = FieldErrors()
    threshold = read_int(
        raw,
        "unexcused_absence_threshold",
        errors,
        label="het aantal keer afwezig zonder bericht",
        minimum=THRESHOLD_RANGE[0],
        maximum=THRESHOLD_RANGE[1],
    )
    window = read_int(
        raw,
        "unexcused_absence_window_days",
        errors,
        label="het aantal dagen",
        minimum=WINDOW_RANGE[0],
        maximum=WINDOW_RANGE[1],
    )
    interval = read_int(
        raw,
        "evaluation_interval_months",
        errors,
        label="het aantal maanden tussen evaluaties",
        minimum=INTERVAL_RANGE[0],
        maximum=INTERVAL_RANGE[1],
    )
    if threshold is not None and window is not None and threshold > window:
        errors.add("unexcused_absence_threshold", "Het aantal keer kan niet groter zijn dan het aantal dagen.")
    everyone = read_bool(raw, "second_factor_for_everyone", errors, label="tweede factor voor iedereen")
    errors.raise_if_any()
    assert threshold is not None and window is not None and interval is not None
    return SettingsView(threshold, window, interval, everyone)


async def update_settings(db_session: AsyncSession, actor: Actor, new: SettingsView) -> SettingsView:
    """The beheerder sets how many unexcused absences in how many days raise a concern, and how often goals are
    evaluated with the parents, and whether kinderwerkers and referrers need a second factor too (from their next
    log-in); a concern already raised stays as it is."""
    if not actor.is_admin:
        raise Forbidden("Alleen de beheerder kan de instellingen wijzigen.")
    row = (await db_session.execute(select(OrganisationSettings).limit(1))).scalar_one_or_none()
    if row is None:
        row = OrganisationSettings()
        db_session.add(row)
    row.unexcused_absence_threshold = new.unexcused_absence_threshold
    row.unexcused_absence_window_days = new.unexcused_absence_window_days
    row.evaluation_interval_months = new.evaluation_interval_months
    row.second_factor_for_everyone = new.second_factor_for_everyone
    await db_session.flush()
    return new
